"""The village console's producers (issue 11), in process: the partner adds one with the consent given at the
counter and how they are paid, lists them, and reads a producer's page: the shop, its products and the
producer's statement; never stored by the shared computer's browser; four languages (Uyghur right to left);
another village's partner sees nothing."""

from __future__ import annotations

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
