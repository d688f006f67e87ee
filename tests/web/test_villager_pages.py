"""The village console's villagers (issue 11), in process: add one with the consent given at the counter,
search by name, correct, erase at the villager's request; never stored by the shared computer's browser; the
pages in the four languages (Uyghur right to left); another village's partner sees nothing."""

from __future__ import annotations

import pytest

from tests.api.network import helpers as h
from tests.support import PASSWORD
from tests.web.helpers import WebClient, text_of
from tests.web.test_consoles import partner_web

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}


@pytest.fixture
def console(chalice_client, api, factory):
    shufu = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, shufu.county_id)
    return web, village_id, shufu


def add(web: WebClient, village_id: str, **fields) -> object:
    page = web.get("/village/villagers")
    form = {"village_id": village_id, "name": "Aynur Tohti", "phone": "", "consent_method": "signed_form",
            "witness": "", "consent": "yes", **fields}  # fmt: skip
    return web.post("/village/villagers", {"csrf": page.hidden("csrf"), **form})


def test_a_partner_adds_searches_corrects_and_erases_a_villager(console):
    web, village_id, _ = console
    empty = web.get("/village/villagers")
    assert empty.status == 200 and "No villagers yet." in empty.text
    assert "no-store" in empty.headers["cache-control"]
    assert "Sign out" in empty.text
    added = add(web, village_id, name="Aynur Tohti", phone="+86 998 555 0142")
    assert added.status == 303, added
    listed = web.get(added.location)
    assert "Aynur Tohti was added." in listed.text and "+86 998 555 0142" in listed.text
    assert (
        add(web, village_id, name="Memet Ali", consent_method="witnessed_verbal", witness="Village head").status == 303
    )

    found = web.get("/village/villagers?q=toh")
    assert "Aynur Tohti" in found.text and "Memet Ali" not in found.text
    assert "No villager has a name like this." in web.get("/village/villagers?q=zzz").text

    link = next(part for part in found.text.split('href="') if part.startswith("/village/villagers/vgr_"))
    villager_path = link.split('"')[0]
    profile = web.get(villager_path)
    assert profile.status == 200 and "Signed form" in profile.text
    assert "no-store" in profile.headers["cache-control"]
    saved = web.post(
        villager_path,
        {"csrf": profile.hidden("csrf"), "village_id": village_id, "name": "Aynur Tohtiyeva", "phone": ""},
    )
    assert saved.status == 303, saved
    after = web.get(saved.location)
    assert "Saved." in after.text and "Aynur Tohtiyeva" in after.text and "555 0142" not in after.text

    unconfirmed = web.post(f"{villager_path}/erase", {"csrf": after.hidden("csrf"), "village_id": village_id})
    assert unconfirmed.status == 400 and "Tick the box" in unconfirmed.text
    erased = web.post(
        f"{villager_path}/erase", {"csrf": after.hidden("csrf"), "village_id": village_id, "confirm": "yes"}
    )
    assert erased.status == 303, erased
    listed = web.get(erased.location)
    assert "personal data was erased" in listed.text and "Tohtiyeva" not in listed.text
    assert "Erased villager" in listed.text
    gone = web.get(villager_path)
    assert gone.status == 200 and "Tohtiyeva" not in gone.text and 'name="name"' not in gone.text


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"consent": ""}, "consent is needed: choose how"),
        ({"consent_method": "witnessed_verbal", "witness": ""}, "A verbal consent needs the name of its witness"),
        ({"name": "  "}, "Enter the villager"),
        ({"phone": "call me"}, "This phone number does not look right."),
    ],
)
def test_an_incomplete_form_is_400_with_its_message_and_adds_nobody(console, fields, message):
    web, village_id, _ = console
    refused = add(web, village_id, **{"name": "Kept Out", **fields})
    assert refused.status == 400 and message in refused.text, refused
    assert "No villagers yet." in web.get("/village/villagers").text


def test_another_villages_partner_sees_none_of_them(console, chalice_client, api, factory):
    web, village_id, shufu = console
    add(web, village_id, name="Private Person")
    other, _ = partner_web(chalice_client, api, factory, shufu.county_id)
    assert "Private Person" not in other.get("/village/villagers?q=private").text
    page = web.get("/village/villagers?q=private")
    villager_path = next(p for p in page.text.split('href="') if p.startswith("/village/villagers/vgr_")).split('"')[0]
    assert other.get(villager_path).status == 404
    mine = other.get("/village/villagers")
    tried = other.post(villager_path, {"csrf": mine.hidden("csrf"), "village_id": village_id, "name": "Stolen"})
    assert tried.status == 403
    assert "Private Person" in web.get(villager_path).text


@pytest.mark.parametrize(
    "lang, words",
    [("en", "Villagers"), ("zh", "村民"), ("ru", "Жители"), ("ug", "كەنت ئاھالىسى")],
)
def test_the_villager_pages_speak_four_languages(console, lang, words):
    web, village_id, _ = console
    add(web, village_id, name="Aynur Tohti")
    web.accept_language = lang
    page = web.get("/village/villagers")
    assert page.status == 200 and words in text_of(page)
    if lang == "ug":
        assert 'dir="rtl"' in page.text


# --- issue 11: an assisted order names its villager by id; the partner's page reads the name ---------------


def test_an_erased_villagers_name_is_not_readable_on_the_orders_placed_for_them(chalice_client, api, stack, factory):
    county = h.county(api, factory)
    village = county.villages[0]
    shop = h.shop(factory)
    villager = api.post(
        f"/v1/villages/{village.village_id}/villagers",
        {"name": "Zulpiye Rozaxun", "phone": "+86 998 555 0177", "consent": CONSENT},
        token=village.partner,
    ).json
    body = {
        "villager_id": villager["villager_id"],
        "lines": [{"product_id": shop.product["product_id"], "quantity": 1}],
        "payment": "cash_on_pickup",
    }
    placed = api.post(
        f"/v1/villages/{village.village_id}/orders", body, token=village.partner,
        headers={"Idempotency-Key": "assisted-erasure"},
    )  # fmt: skip
    assert placed.status == 201, placed
    order_id = placed.json["orders"][0]["order_id"]
    h.ship(api, shop, {"order_id": order_id, "payment_method": "cash_on_delivery", "paid_at": None})
    assert h.scan(api, county, order_id).status == 200
    built = h.build(api, county, village.village_id)
    assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
    assert h.receive(api, village, built.json["manifest_id"], [order_id]).status == 200
    web = WebClient(chalice_client)
    web.sign_in(village.partner_email, PASSWORD)
    console = web.get("/village")  # the partner's page reads the name from the profile
    assert console.status == 200 and "Zulpiye Rozaxun" in text_of(console)

    erased = api.post(
        f"/v1/villages/{village.village_id}/villagers/{villager['villager_id']}/erase", token=village.partner
    )
    assert erased.status == 200, erased
    secrets = ("Zulpiye", "Rozaxun", "555 0177", "5550177")
    stored = stack.buying.get_order(order_id)
    assert not any(s in str(stored) for s in secrets)
    assert stored.assisted["villager_id"] == villager["villager_id"]  # the money records and the order stay
    views = [
        api.get(f"/v1/villages/{village.village_id}/parcels?status=ready_for_pickup&limit=100", token=village.partner),
        api.get(f"/v1/shops/{shop.shop['shop_id']}/orders/{order_id}", token=shop.seller),
        api.get(f"/v1/county/{county.county_id}/manifests/{built.json['manifest_id']}", token=county.staff),
    ]
    for reply in views:
        assert reply.status == 200, reply
        assert not any(s in reply.body.decode() for s in secrets), reply
    after = web.get("/village")
    assert after.status == 200 and not any(s in text_of(after) for s in secrets)
