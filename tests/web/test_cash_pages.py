"""The partner's cash drawer and the county's remittances (issue 11), in process: the drawer shows the cash to
remit and the fees earned, the partner remits, the county counts it short and both sides see the variance."""

from __future__ import annotations

from chalicelib.domain.ledger import Account, split
from tests.api.network import helpers as h
from tests.web.helpers import text_of
from tests.web.test_consoles import partner_web, staff_web


def test_a_partner_remits_and_the_county_counts_a_variance(chalice_client, api, factory, stack):
    county = h.county(api, factory, villages=0)
    partner, village_id = partner_web(chalice_client, api, factory, county.county_id)
    staff = staff_web(chalice_client, api, factory, county.county_id)
    collected = split(
        f"assisted-handover:ord_web_{village_id}", "assisted.handover", stack.clock(), source=Account.external("cash"),
        shares={Account.village(village_id, "cash"): 31_800, Account.village(village_id, "fees"): 954},
        currency="CNY", refs={"order_id": f"ord_web_{village_id}"},
    )  # fmt: skip
    stack.ledger.post(collected)

    drawer = partner.get("/village/cash")
    assert drawer.status == 200 and "no-store" in drawer.headers["cache-control"]
    shown = text_of(drawer)
    assert "318.00" in shown and "9.54" in shown and "Collected at a handover" in shown
    bad = partner.post("/village/remittances", {"csrf": drawer.hidden("csrf"), "village_id": village_id, "amount": "x"})
    assert bad.status == 400 and "Enter an amount in yuan" in bad.text
    too_much = partner.post(
        "/village/remittances", {"csrf": drawer.hidden("csrf"), "village_id": village_id, "amount": "318.01"}
    )
    assert too_much.status == 409 and "more than the cash to remit" in too_much.text
    sent = partner.post(
        "/village/remittances", {"csrf": drawer.hidden("csrf"), "village_id": village_id, "amount": "318"}
    )
    assert sent.status == 303, sent
    after = text_of(partner.get(sent.location))
    assert "Sent." in after and "Waiting for the county" in after and "Remitted to the county" in after

    page = staff.get("/county/remittances")
    assert page.status == 200 and "318.00" in text_of(page)
    action = page.text.split('action="/county/remittances/')[1].split('"')[0]
    counted = staff.post(f"/county/remittances/{action}", {"csrf": page.hidden("csrf"), "amount_received": "313"})
    assert counted.status == 303, counted
    county_view = text_of(staff.get(counted.location))
    assert "Confirmed." in county_view and "difference" in county_view and "5.00" in county_view
    assert "difference" in text_of(partner.get("/village/cash"))
    again = staff.post(f"/county/remittances/{action}", {"csrf": page.hidden("csrf"), "amount_received": "318"})
    assert again.status == 409
