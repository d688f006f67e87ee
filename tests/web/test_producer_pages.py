"""The village console's producers (issue 11), in process: the partner adds one with the consent given at the
counter and how they are paid, lists them, and reads a producer's page: the shop, its products and the
producer's statement; never stored by the shared computer's browser; four languages (Uyghur right to left);
another village's partner sees nothing."""

from __future__ import annotations

import re

from tests.api.network import helpers as h
from tests.web.helpers import WebClient, text_of
from tests.web.test_consoles import partner_web


def add(web: WebClient, village_id: str, **fields):
    page = web.get("/village/producers")
    form = {"csrf": page.hidden("csrf"), "village_id": village_id, "name": "Rizwangul Tursun", "phone": "",
            "consent_method": "signed_form", "witness": "", "consent": "yes", "payout_method": "cash_via_partner",
            "holder_name": "", "bank_name": "", "account_number": "", **fields}  # fmt: skip
    return web.post("/village/producers", form)


def test_a_partner_adds_a_producer_and_reads_their_shop_products_and_statement(chalice_client, api, factory, stack):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    empty = web.get("/village/producers")
    assert empty.status == 200 and "No producers yet." in empty.text
    assert "no-store" in empty.headers["cache-control"]

    refused = add(web, village_id, consent="")
    assert refused.status == 400 and "consent" in text_of(refused).lower()
    bad_bank = add(web, village_id, payout_method="bank_account", holder_name="R", bank_name="ABC", account_number="1")
    assert bad_bank.status == 400 and "Check the bank account" in bad_bank.text
    added = add(
        web, village_id, payout_method="bank_account", holder_name="Rizwangul Tursun", bank_name="ABC Kashgar",
        account_number="6228 4800 1234 5678",
    )  # fmt: skip
    assert added.status == 303, added
    listed = web.get(added.location)
    shown = text_of(listed)
    assert "Rizwangul Tursun was added." in shown and "To a bank account" in shown and "5678" in shown
    assert "6228480012345678" not in listed.text and "No shop yet." in shown

    producer_id = listed.text.split('href="/village/producers/')[1].split('"')[0]
    producer = stack.network.get_producer(producer_id)
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.services import producers as producer_service

    partner = Actor(producer.partner_id, "partner", frozenset({Role.PARTNER}))
    _, shop = producer_service.open_producer_shop(
        stack.network, stack.catalog, partner, village_id, producer_id,
        {"name": "Tokzak caps", "storefront": "handicrafts", "description": ""}, now=stack.clock(),
        shop_id=f"shp_{producer_id[-8:]}",
    )  # fmt: skip
    page = web.get(f"/village/producers/{producer_id}")
    assert page.status == 200 and "no-store" in page.headers["cache-control"]
    text = text_of(page)
    assert "Tokzak caps" in text and "waiting for approval" in text and "No products yet." in text
    assert "No sales completed yet." in text

    for lang, rtl in (("ug", True), ("zh", False), ("ru", False)):
        token = web.get("/").hidden("csrf")
        web.post("/lang", {"csrf": token, "lang": lang, "next": "/"})
        for path in ("/village/producers", f"/village/producers/{producer_id}"):
            localised = web.get(path)
            assert localised.status == 200, (lang, path)
            assert f'lang="{lang}"' in localised.text and ('dir="rtl"' in localised.text) == rtl, (lang, path)


def test_another_villages_partner_cannot_read_a_producer(chalice_client, api, factory):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    assert add(web, village_id).status == 303
    producer_id = web.get("/village/producers").text.split('href="/village/producers/')[1].split('"')[0]
    other, _ = partner_web(chalice_client, api, factory, county.county_id)
    assert producer_id not in other.get("/village/producers").text
    assert other.get(f"/village/producers/{producer_id}").status == 404


# --- the producer's shop and products, managed from the producer's page ---------------------------------------


def _producer(web: WebClient, village_id: str) -> str:
    assert add(web, village_id).status == 303
    return web.get("/village/producers").text.split('href="/village/producers/')[1].split('"')[0]


def _post(web: WebClient, path: str, village_id: str, **fields):
    page = web.get(path.split("/products")[0].removesuffix("/shop"))
    return web.post(path, {"csrf": page.hidden("csrf"), "village_id": village_id, **fields})


def test_a_partner_opens_the_producers_shop_and_adds_and_edits_its_products(chalice_client, api, factory, stack):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    producer_id = _producer(web, village_id)
    path = f"/village/producers/{producer_id}"
    page = web.get(path)
    assert "Open a shop for the producer" in text_of(page) and "waits for an operator" in text_of(page)

    nameless = _post(web, f"{path}/shop", village_id, name=" ", storefront="handicrafts", description="")
    assert nameless.status == 400 and "Check Shop name." in text_of(nameless)
    assert stack.network.get_producer(producer_id).shop_id is None  # refused: nothing written
    opened = _post(web, f"{path}/shop", village_id, name="Tokzak caps", storefront="handicrafts", description="Doppa")
    assert opened.status == 303, opened
    shown = text_of(web.get(opened.location))
    assert "The shop was opened; it waits for an operator" in shown and "waiting for approval" in shown
    shop_id = stack.network.get_producer(producer_id).shop_id
    shop = stack.catalog.get_shop(shop_id)
    assert shop.status == "pending" and shop.storefront == "handicrafts" and shop.owner_id != shop.managed_by
    again = _post(web, f"{path}/shop", village_id, name="Second", storefront="handicrafts", description="")
    assert again.status == 409

    product = {"title": "Embroidered doppa", "category": "textiles", "price": "85.50", "stock": "4", "maker": "",
               "description": "Black velvet, white almond pattern"}  # fmt: skip
    bad_price = _post(web, f"{path}/products", village_id, **{**product, "price": "eighty"})
    assert bad_price.status == 400 and "Check Price (yuan)." in text_of(bad_price)
    bad_category = _post(web, f"{path}/products", village_id, **{**product, "category": "tea"})
    assert bad_category.status == 400 and "Check Category." in text_of(bad_category)
    assert 'value="Embroidered doppa"' in bad_category.text  # what was typed stays on the form
    assert stack.catalog.shop_products(shop_id, 10, None, False).items == []
    added = _post(web, f"{path}/products", village_id, **product)
    assert added.status == 303, added
    assert "The product was added." in text_of(web.get(added.location))
    (stored,) = stack.catalog.shop_products(shop_id, 10, None, False).items
    assert (stored.title, stored.price_amount, stored.currency, stored.stock) == ("Embroidered doppa", 8550, "CNY", 4)
    assert stored.attributes["maker"] == "Rizwangul Tursun" and stored.attributes["made_to_order"] is False

    edit_path = f"{path}/products/{stored.product_id}"
    negative = _post(web, edit_path, village_id, title="Doppa", price="90", stock="-2")
    assert negative.status == 400 and "Check In stock." in text_of(negative)
    edited = _post(web, edit_path, village_id, title="Embroidered doppa cap", price="90", stock="7")
    assert edited.status == 303, edited
    page = web.get(edited.location)
    assert "The product was saved." in text_of(page) and "no-store" in page.headers["cache-control"]
    changed = stack.catalog.get_product(stored.product_id)
    assert (changed.title, changed.price_amount, changed.stock) == ("Embroidered doppa cap", 9000, 7)

    for lang, rtl in (("ug", True), ("zh", False), ("ru", False), ("en", False)):
        web.post("/lang", {"csrf": web.get("/").hidden("csrf"), "lang": lang, "next": "/"})
        localised = web.get(path)
        assert localised.status == 200 and ('dir="rtl"' in localised.text) == rtl, lang


def test_a_specialty_product_comes_from_the_villages_county_in_the_months_ticked(chalice_client, api, factory, stack):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    producer_id = _producer(web, village_id)
    path = f"/village/producers/{producer_id}"
    assert _post(web, f"{path}/shop", village_id, name="Apricots", storefront="specialties").status == 303
    product = {"title": "Dried apricots", "category": "dried-fruit", "price": "30", "stock": "100", "description": ""}
    no_months = _post(web, f"{path}/products", village_id, **product)
    assert no_months.status == 400 and "Check Months in season." in text_of(no_months)
    added = _post(web, f"{path}/products", village_id, **product, **{"month-7": "yes", "month-8": "yes"})
    assert added.status == 303, added
    shop_id = stack.network.get_producer(producer_id).shop_id
    (stored,) = stack.catalog.shop_products(shop_id, 10, None, False).items
    assert stored.attributes["season_months"] == [7, 8]
    assert stored.attributes["origin"]["county"] == stack.network.get_county(county.county_id).county


def test_a_picture_goes_from_the_producers_page_straight_to_s3_and_onto_the_product(
    chalice_client, api, factory, stack
):
    from html import unescape
    from urllib.parse import urlsplit

    from tests.support import png_bytes

    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    producer_id = _producer(web, village_id)
    path = f"/village/producers/{producer_id}"
    assert _post(web, f"{path}/shop", village_id, name="Tokzak caps", storefront="handicrafts").status == 303
    product = {"title": "Doppa", "category": "textiles", "price": "80", "stock": "2", "maker": "", "description": ""}
    assert _post(web, f"{path}/products", village_id, **product).status == 303
    shop_id = stack.network.get_producer(producer_id).shop_id
    (stored,) = stack.catalog.shop_products(shop_id, 10, None, False).items

    def upload_page():
        page = web.get(path)
        form = {"csrf": page.hidden("csrf"), "village_id": village_id}
        upload = web.post(f"{path}/products/{stored.product_id}/pictures", form, headers={"Host": "127.0.0.1:8000"})
        assert upload.status == 200, upload
        assert "no-store" in upload.headers["cache-control"]
        action = re.search(r'<form method="post" action="([^"]+)" enctype="multipart/form-data"', upload.text)[1]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', upload.text))
        target = urlsplit(unescape(action))
        assert f"form-action 'self' {target.scheme}://{target.netloc}" in upload.headers["content-security-policy"]
        return {k: unescape(v) for k, v in fields.items()}

    fields = upload_page()
    back = urlsplit(fields["success_action_redirect"])
    assert back.netloc == "127.0.0.1:8000" and back.path.startswith(f"{path}/products/{stored.product_id}/pictures/")
    # what the browser's form post does: S3 stores the file under the signed key, then redirects back
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=fields["key"], Body=png_bytes())
    done = web.get(back.path)
    assert done.status == 303, done
    shown = web.get(done.location)
    assert "The picture was added." in text_of(shown)
    (ref,) = stack.catalog.get_product(stored.product_id).media
    assert ref.content_type == "image/png" and ref.media_id == back.path.rsplit("/", 1)[1]
    assert stack.media.url(ref.thumbnail_key) in shown.text

    # a file that is no picture: refused with the reason, nothing attached, the upload removed
    fields2 = upload_page()
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=fields2["key"], Body=b"not a picture at all")
    refused = web.get(urlsplit(fields2["success_action_redirect"]).path)
    assert refused.status == 422 and "That file could not be used" in refused.text
    assert len(stack.catalog.get_product(stored.product_id).media) == 1
    assert stack.media.head(fields2["key"]) is None


def test_another_villages_partner_cannot_open_a_shop_or_add_products_for_a_producer(
    chalice_client, api, factory, stack
):
    county = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, county.county_id)
    producer_id = _producer(web, village_id)
    path = f"/village/producers/{producer_id}"
    other, other_village = partner_web(chalice_client, api, factory, county.county_id)
    for village in (village_id, other_village):  # naming the producer's village or their own
        refused = _post(other, f"{path}/shop", village, name="Stolen", storefront="handicrafts")
        assert refused.status in (403, 404), refused
    assert stack.network.get_producer(producer_id).shop_id is None
    assert _post(web, f"{path}/shop", village_id, name="Tokzak caps", storefront="handicrafts").status == 303
    product = {"title": "Doppa", "category": "textiles", "price": "80", "stock": "2", "maker": "", "description": ""}
    assert _post(web, f"{path}/products", village_id, **product).status == 303
    shop_id = stack.network.get_producer(producer_id).shop_id
    (stored,) = stack.catalog.shop_products(shop_id, 10, None, False).items
    for village in (village_id, other_village):
        assert _post(other, f"{path}/products", village, **product).status in (403, 404)
        edit = _post(other, f"{path}/products/{stored.product_id}", village, title="X", price="1", stock="0")
        assert edit.status in (403, 404)
        picture = _post(other, f"{path}/products/{stored.product_id}/pictures", village)
        assert picture.status in (403, 404)
    assert len(stack.catalog.shop_products(shop_id, 10, None, False).items) == 1
    assert stack.catalog.get_product(stored.product_id).title == "Doppa"
