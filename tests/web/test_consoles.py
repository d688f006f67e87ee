"""The county and village consoles and the buyer's pickup pages, in process (issue 10): first sign-in with a
temporary password, scanning in, building, dispatching, printing and receiving manifests, handing over against
the pickup code, returns at the village; collecting at a village in the checkout; Uyghur right to left."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

from tests.api.network import helpers as h
from tests.support import PASSWORD, random_email
from tests.web.helpers import WebClient, add_to_cart, buyer_session, text_of


def sign_in_first_time(web: WebClient, api, email: str, temporary: str) -> str:
    """Signs in with the temporary password, chooses a new one on the page it leads to; returns the landing."""
    page = web.submit("/signin", "/signin", {"email": email, "password": temporary, "next": "/"})
    assert page.status == 200 and "Choose your password" in page.text, page
    landed = web.post(
        "/signin/new-password",
        {"csrf": page.hidden("csrf"), "email": email, "temporary_password": temporary, "new_password": PASSWORD,
         "next": "/"},
    )  # fmt: skip
    assert landed.status == 303, landed
    return landed.location


def staff_web(chalice_client, api, factory, county_id: str) -> WebClient:
    email = random_email("staff")
    temporary = api.post(f"/v1/admin/counties/{county_id}/staff", {"email": email}, token=factory.operator).json[
        "temporary_password"
    ]
    web = WebClient(chalice_client)
    assert sign_in_first_time(web, api, email, temporary) == "/county"
    return web


def partner_web(chalice_client, api, factory, county_id: str) -> tuple[WebClient, str]:
    email = random_email("partner")
    body = {"name": "Tokzak Centre", "village": "Tokzak", "address": "5 Bazaar Street", "hours": "09:00-20:00",
            "partner_email": email}  # fmt: skip
    created = api.post(f"/v1/admin/counties/{county_id}/villages", body, token=factory.operator).json
    web = WebClient(chalice_client)
    assert sign_in_first_time(web, api, email, created["partner"]["temporary_password"]) == "/village"
    return web, created["village_id"]


def test_the_county_console_scans_builds_dispatches_and_prints(chalice_client, api, factory, stack):
    shufu = h.county(api, factory, villages=1)
    village = shufu.villages[0]
    seller = h.shop(factory)
    buyer = factory.user("buyer")
    order = h.ship(api, seller, h.pickup_order(api, buyer, seller, village.village_id), tracking="CPWEB1CN")
    web = staff_web(chalice_client, api, factory, shufu.county_id)

    console = web.get("/county")
    assert console.status == 200, console
    assert 'id="code"' in console.text and "autofocus" in console.text
    unknown = web.post("/county/scan", {"csrf": console.hidden("csrf"), "code": "NOPE1"})
    assert unknown.status == 404 and "No parcel of this centre has this code" in unknown.text
    scanned = web.post("/county/scan", {"csrf": console.hidden("csrf"), "code": "cpweb1cn"})
    assert scanned.status == 303, scanned
    page = web.get(scanned.location)
    assert f"Parcel {order['order_id']} is at the county centre." in page.text
    assert order["order_id"] in text_of(page)  # today's inbound parcels
    assert "•••• 0101" in page.text and h.PICKUP["phone"] not in page.text

    built = web.post("/county/manifests", {"csrf": page.hidden("csrf"), "village_id": village.village_id})
    assert built.status == 303, built
    manifest_id = built.location.rsplit("/", 1)[1]
    view = web.get(built.location)
    assert view.status == 200 and "Ready to leave" in view.text and order["order_id"] in view.text
    printed = web.get(f"/county/manifests/{manifest_id}/print")
    assert printed.status == 200
    assert printed.text.count('<svg class="barcode"') == 2  # the manifest's and the parcel's
    assert f'aria-label="{order["order_id"]}"' in printed.text
    sent = web.post(
        f"/county/manifests/{manifest_id}/dispatch", {"csrf": view.hidden("csrf"), "village_id": village.village_id}
    )
    assert sent.status == 303
    assert "On its way" in web.get(sent.location).text
    assert h.buyer_order(api, buyer, order["order_id"])["status"] == "to_village"
    listed = web.get("/county/parcels?status=to_village")
    assert listed.status == 200 and order["order_id"] in listed.text


def test_the_village_console_receives_hands_over_and_opens_a_return(chalice_client, api, factory, stack):
    shufu = h.county(api, factory, villages=0)
    web, village_id = partner_web(chalice_client, api, factory, shufu.county_id)
    village = h.Village(village_id, "", "", {})
    seller = h.shop(factory)
    buyer = factory.user("buyer")
    kept = h.ship(api, seller, h.pickup_order(api, buyer, seller, village_id))
    lost = h.ship(api, seller, h.pickup_order(api, buyer, seller, village_id))
    for o in (kept, lost):
        assert h.scan(api, shufu, o["order_id"]).status == 200
    manifest_id = h.build(api, shufu, village_id).json["manifest_id"]
    assert h.dispatch(api, shufu, manifest_id).status == 200

    console = web.get("/village")
    assert console.status == 200 and manifest_id in console.text
    view = web.get(f"/village/manifests/{manifest_id}")
    assert '<textarea id="codes"' in view.text
    wrong = web.post(
        f"/village/manifests/{manifest_id}/receive",
        {"csrf": view.hidden("csrf"), "village_id": village_id, "codes": f"{kept['order_id']}\nord_stranger"},
    )
    assert wrong.status == 422 and "ord_stranger" in wrong.text
    received = web.post(
        f"/village/manifests/{manifest_id}/receive",
        {"csrf": view.hidden("csrf"), "village_id": village_id, "codes": kept["order_id"] + "\r\n"},
    )
    assert received.status == 303, received
    assert h.buyer_order(api, buyer, lost["order_id"])["status"] == "missing"

    code = h.buyer_order(api, buyer, kept["order_id"])["pickup"]["pickup_code"]
    console = web.get("/village")
    assert kept["order_id"] in console.text and code not in console.text
    form = {"csrf": console.hidden("csrf"), "village_id": village_id, "order_id": kept["order_id"]}
    bad = web.post("/village/handovers", {**form, "pickup_code": "12a456"})
    assert bad.status == 400 and "6 digits" in bad.text
    wrong_code = f"{(int(code) + 7) % 1_000_000:06d}"
    refused = web.post("/village/handovers", {**form, "pickup_code": wrong_code})
    assert refused.status == 422 and "not right" in refused.text and code not in refused.text
    handed = web.post("/village/handovers", {**form, "pickup_code": code})
    assert handed.status == 303, handed
    assert h.buyer_order(api, buyer, kept["order_id"])["status"] == "delivered"

    form_page = web.get(f"/village/returns/new?order_id={kept['order_id']}")
    assert form_page.status == 200
    line_id = re.search(r'name="qty-([^"]+)"', form_page.text).group(1)
    opened = web.post(
        "/village/returns",
        {"csrf": form_page.hidden("csrf"), "village_id": village_id, "order_id": kept["order_id"],
         f"qty-{line_id}": "1", "reason": "too small"},
    )  # fmt: skip
    assert opened.status == 303, opened
    console = web.get(opened.location)
    assert "The return is open" in console.text and "Put them on a manifest to the county" in console.text
    sent = web.post("/village/manifests", {"csrf": console.hidden("csrf"), "village_id": village_id})
    assert sent.status == 303
    back = web.get(sent.location)
    assert "It leaves now" in back.text
    gone = web.post(f"{urlsplit(sent.location).path}/dispatch", {"csrf": back.hidden("csrf"), "village_id": village_id})
    assert gone.status == 303 and "On its way" in web.get(gone.location).text
    assert village.village_id == village_id

    # the county receives the return: a code on no line of the manifest is named (422), then the real scan
    back_id = urlsplit(sent.location).path.rsplit("/", 1)[1]
    staff = staff_web(chalice_client, api, factory, shufu.county_id)
    csrf = staff.get(f"/county/manifests/{back_id}").hidden("csrf")
    receive = f"/county/manifests/{back_id}/receive"
    wrong = staff.post(receive, {"csrf": csrf, "codes": "ord_stranger"})
    assert wrong.status == 422 and "ord_stranger" in wrong.text
    returned = stack.network.whole_manifest(back_id)[1][0].item_id
    assert staff.post(receive, {"csrf": csrf, "codes": returned}).status == 303
    other = staff.post(receive, {"csrf": csrf, "codes": ""})  # received already, with other scans
    assert other.status == 409 and back_id in other.text


def test_consoles_are_for_their_roles(chalice_client, api, factory, web):
    buyer_session(web, factory)
    assert web.get("/county").status == 403
    assert web.get("/village").status == 403
    anonymous = WebClient(chalice_client)
    assert anonymous.get("/county").status == 303 and anonymous.get("/village").status == 303


def test_the_consoles_and_the_storefront_speak_uyghur_right_to_left(chalice_client, api, factory):
    shufu = h.county(api, factory, villages=0)
    staff = staff_web(chalice_client, api, factory, shufu.county_id)
    partner, _ = partner_web(chalice_client, api, factory, shufu.county_id)
    for web, path, words in (
        (staff, "/county", "ماللارنى سكانېرلاپ قوبۇل قىلىش"),
        (partner, "/village", "ئېلىشقا تەييار"),
        (WebClient(chalice_client), "/", "ئۈچ بازار، بىر سېۋەت"),
    ):
        page = web.get(path)
        switched = web.post("/lang", {"csrf": page.hidden("csrf"), "lang": "ug", "next": path})
        assert switched.status == 303
        page = web.get(path)
        assert '<html lang="ug" dir="rtl">' in page.text, path
        assert words in page.text and page.headers["content-language"] == "ug"
        assert 'aria-pressed="true">ئۇيغۇرچە' in page.text


def test_a_buyer_collects_at_a_village_centre_from_the_checkout(web, api, factory, stack):
    shufu = h.county(api, factory, villages=2)
    wanted = shufu.villages[1]
    seller = h.shop(factory)
    buyer_session(web, factory)
    assert add_to_cart(web, seller.product, 1).status == 303
    checkout = web.get(f"/checkout?county={shufu.county_id}")
    assert checkout.status == 200
    for v in shufu.villages:
        assert v.body["name"] in checkout.text
    assert "Open 09:00-21:00 daily." in checkout.text
    form = {
        "csrf": checkout.hidden("csrf"),
        "idempotency_key": checkout.hidden("idempotency_key"),
        "delivery": "pickup",
        "pickup_point": "",
        "name": "Aynur Tohti",
        "phone": "+86 991 555 0101",
        "payment_method": "cash_on_delivery",
    }
    missing = web.post("/checkout", form)
    assert missing.status == 400 and "Choose a centre." in missing.text
    placed = web.post("/checkout", {**form, "pickup_point": wanted.village_id})
    assert placed.status == 303, placed
    assert placed.cookie("pickup").startswith(f"pickup={wanted.village_id};")
    (order_id,) = parse_qs(urlsplit(placed.location).query)["orders"][0].split(",")
    order = web.get(f"/orders/{order_id}")
    assert f"Collect at {wanted.body['name']}" in order.text

    assert add_to_cart(web, seller.product, 1).status == 303
    cart = web.get("/cart")
    assert f"You collect at {wanted.body['name']}" in cart.text and "Open 09:00-21:00 daily." in cart.text
    again = web.get("/checkout")
    assert re.search(rf'value="{wanted.village_id}"\s+aria-describedby="[^"]+" checked', again.text)


def test_the_buyer_sees_the_pickup_code_on_the_order_page_once_ready(web, api, factory, stack):
    shufu = h.county(api, factory)
    email = buyer_session(web, factory)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    order = h.to_stage(api, stack, shufu, shufu.villages[0], h.shop(factory), token, "ready_for_pickup")
    page = web.get(f"/orders/{order['order_id']}")
    assert page.status == 200
    assert order["pickup"]["pickup_code"] in page.text and "Ready for you at" in page.text
    assert "Arrived at the village centre" in page.text  # the timeline's new steps are translated
    assert str(uuid.UUID(int=0)) not in page.text


def test_the_operators_county_chart_counts_orders_collected_at_village_centres(web, api, factory, stack):
    """The dashboards' county dimension (issue 17) is fed by pickup orders: their county centre, once per order."""
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    shufu = h.county(api, factory, villages=1, name="Shufu Dashboard Centre")
    seller = h.shop(factory)
    buyer = factory.user("buyer")
    h.pickup_order(api, buyer, seller, shufu.villages[0].village_id)
    h.pickup_order(api, buyer, seller, shufu.villages[0].village_id)
    records = drain_order_events(stack)
    assert handle_records(records + records[:1])["batchItemFailures"] == []  # one redelivered: counted once
    email = random_email("operator")
    stack.identity.register(email, PASSWORD, "operator")
    web.sign_in(email, PASSWORD)

    page = web.get("/admin")
    assert page.status == 200, page
    text = text_of(page)
    assert "No orders with a county in these weeks" not in text
    assert "Shufu Dashboard Centre" in text
    row = re.search(r'<th scope="row">Shufu Dashboard Centre</th>(.*?)</tr>', page.text)
    cells = re.findall(r">([^<]*)</td>", row.group(1))
    assert cells[1] == "2", cells  # GMV, orders: two orders this week, the redelivered event counted once
