"""The rural service network's pure rules (domain/network.py, the pickup steps of domain/orders.py) and the
printed manifests' barcodes (web/barcode.py)."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, TooManyAttempts
from chalicelib.domain.identity import Actor, Role
from chalicelib.domain.network import (
    ManifestLine,
    Village,
    check_seller_can_receive,
    code_matches,
    dispatch_return,
    forward_return,
    new_manifest,
    phone_last4,
    pickup_code,
    pickup_snapshot,
    put_return_on_manifest,
    require_county_staff,
    require_partner,
    resolve_codes,
    return_at_county,
    return_missing,
    start_dispatch,
    start_receipt,
    village_return,
)
from chalicelib.domain.orders import Order, OrderLine, Return, TimelineEntry
from chalicelib.web import barcode

T0 = "2026-05-01T08:00:00.000Z"
T1 = "2026-05-01T09:00:00.000Z"
T2 = "2026-05-01T10:00:00.000Z"
SECRET = "k" * 64

VILLAGE = Village(
    village_id="vil_1",
    county_id="cty_1",
    name="Tokzak Centre",
    village="Tokzak",
    address="3 Bazaar Street",
    hours="09:00-21:00",
    partner_id="usr_partner",
    partner_email="p@example.com",
    county_name="Shufu Centre",
    county_address="18 Tuanjie Road",
    created_at=T0,
)


def order(status: str = "shipped", pickup: bool = True, **changes) -> Order:
    base = Order(
        order_id="ord_1",
        checkout_id="chk_1",
        buyer_id="usr_buyer",
        seller_id="usr_seller",
        shop_id="shp_1",
        shop_name="Silk",
        storefront="handicrafts",
        status=status,
        lines=(OrderLine("ord_1-1", "prd_1", "Scarf", 2, 15900, "CNY", {}),),
        currency="CNY",
        delivery={"pickup_point": "vil_1", "name": "Aynur", "phone": "+86 991 555 0101"},
        payment_method="cash_on_delivery",
        created_at=T0,
        updated_at=T0,
        timeline=(TimelineEntry(T0, "buyer", "placed", "pending_payment", actor_id="usr_buyer"),),
        pickup=pickup_snapshot(VILLAGE) if pickup else None,
    )
    return dataclasses.replace(base, **changes)


# --- the pickup order's journey ------------------------------------------------------------------------------


def test_a_pickup_order_travels_shipped_county_village_ready_delivered_with_who_did_each_step():
    o = order("shipped").arrive_at_county("usr_staff", T1)
    assert o.status == "at_county" and o.timeline[-1].actor_id == "usr_staff"
    o = o.put_on_manifest("mfs_1", T1)
    assert o.manifest_id == "mfs_1" and o.status == "at_county" and len(o.timeline) == 2  # no step of its own
    o = o.dispatch_to_village("mfs_1", "usr_staff", T1)
    assert o.status == "to_village" and o.timeline[-1].note == "mfs_1"
    o = o.ready_at_village("usr_partner", T2)
    assert o.status == "ready_for_pickup" and o.pickup["ready_at"] == T2
    o = o.hand_over("usr_partner", T2)
    assert (o.status, o.delivered_at) == ("delivered", T2)
    assert [e.actor_id for e in o.timeline] == ["usr_buyer", "usr_staff", "usr_staff", "usr_partner", "usr_partner"]
    assert o.return_window_closes() is not None


def test_a_parcel_not_received_goes_missing_and_is_found_again_at_the_county():
    o = order("to_village", pickup=True).go_missing("usr_partner", T1)
    assert o.status == "missing" and o.manifest_id is None
    found = o.arrive_at_county("usr_staff", T2)
    assert found.status == "at_county" and found.timeline[-1].action == "found_at_county"


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("paid", lambda o: o.arrive_at_county("u", T1)),
        ("at_county", lambda o: o.dispatch_to_village("mfs_other", "u", T1)),
        ("shipped", lambda o: o.ready_at_village("u", T1)),
        ("ready_for_pickup", lambda o: o.go_missing("u", T1)),
        ("delivered", lambda o: o.hand_over("u", T1)),
    ],
)
def test_steps_out_of_order_are_refused(status, step):
    with pytest.raises(Conflict):
        step(order(status))


def test_address_orders_keep_their_old_journey_and_pickup_orders_are_not_delivered_by_the_seller():
    address = order("shipped", pickup=False)
    assert address.deliver(T1).status == "delivered"
    with pytest.raises(Conflict) as refused:
        address.arrive_at_county("u", T1)
    assert refused.value.code == "not_pickup"
    with pytest.raises(Conflict) as refused:
        order("shipped").deliver(T1)
    assert refused.value.code == "collected_at_village"


def test_a_pickup_orders_events_carry_its_county_for_the_dashboards():
    from chalicelib.domain.dashboards import updates_for_event
    from chalicelib.services.notifications import order_event

    created = order_event(order("pending_payment"), "order.created")
    assert created["county"] == VILLAGE.county_name
    weeks = {u.pk: u for u in updates_for_event(created)}
    assert weeks["dim#county"].sk.endswith(f"#{VILLAGE.county_name}") and weeks["dim#county"].add["orders"] == 1
    assert "county" not in order_event(order("pending_payment", pickup=False), "order.created")


def test_cash_on_delivery_may_be_recorded_while_the_parcel_travels():
    paid = order("to_village").mark_paid("seller", T1, actor_id="usr_seller")
    assert paid.status == "to_village" and paid.paid_at == T1


def test_five_wrong_codes_lock_the_handover_for_fifteen_minutes_then_it_counts_again():
    o = order("ready_for_pickup", pickup=True)
    o = dataclasses.replace(o, pickup={**o.pickup, "ready_at": T0})
    for wrong in range(1, 5):
        o = o.wrong_code(T1)
        assert o.wrong_codes == wrong and o.handover_locked_until(T1) is None
    o = o.wrong_code(T1)
    assert o.handover_locked_until(T1) == "2026-05-01T09:15:00.000Z"
    with pytest.raises(TooManyAttempts) as locked:
        o.hand_over("u", "2026-05-01T09:10:00.000Z")
    assert locked.value.retry_after == 301
    assert o.hand_over("u", "2026-05-01T09:16:00.000Z").status == "delivered"


def test_status_since_is_when_the_order_entered_its_status():
    o = order("shipped").arrive_at_county("u", T1)
    o = o.mark_paid("seller", T2)  # a step that keeps the status
    assert o.status_since() == T1


# --- pickup codes ----------------------------------------------------------------------------------------------


def test_a_pickup_code_is_six_digits_derived_from_the_order_and_when_it_became_ready():
    code = pickup_code(SECRET, "ord_1", T1)
    assert len(code) == 6 and code.isdigit()
    assert code == pickup_code(SECRET, "ord_1", T1)
    assert code != pickup_code(SECRET, "ord_1", T2)  # ready again: a new code
    assert code != pickup_code("x" * 64, "ord_1", T1)
    assert code_matches(SECRET, "ord_1", T1, f" {code} ") and not code_matches(SECRET, "ord_2", T1, code)


def test_codes_are_spread_over_the_million():
    codes = {pickup_code(SECRET, f"ord_{i}", T1) for i in range(2000)}
    assert len(codes) > 1990 and any(c.startswith("0") for c in codes)


def test_only_the_last_four_digits_of_a_phone():
    assert phone_last4("+86 (991) 555-0101") == "0101"


# --- who may act -----------------------------------------------------------------------------------------------


def test_county_staff_are_named_by_their_token_or_their_membership():
    token = Actor("u1", "a@x", frozenset({Role.COUNTY_STAFF}), frozenset({"cty_1"}))
    require_county_staff(token, "cty_1", None)
    stale = Actor("u1", "a@x", frozenset({Role.COUNTY_STAFF}))
    require_county_staff(stale, "cty_1", "cty_1")
    with pytest.raises(Forbidden):
        require_county_staff(stale, "cty_1", "cty_2")
    with pytest.raises(Forbidden):  # a group without the role grants nothing
        require_county_staff(Actor("u1", "a@x", frozenset({Role.BUYER}), frozenset({"cty_1"})), "cty_1", "cty_1")


def test_a_village_is_its_partners():
    partner = Actor("usr_partner", "p@x", frozenset({Role.PARTNER}))
    assert require_partner(partner, VILLAGE) is VILLAGE
    with pytest.raises(Forbidden):
        require_partner(Actor("usr_other", "o@x", frozenset({Role.PARTNER})), VILLAGE)
    with pytest.raises(NotFound):
        require_partner(partner, None)


# --- manifests and returns -------------------------------------------------------------------------------------


def line(item_id: str, tracking: str | None = None, return_id: str | None = None) -> ManifestLine:
    return ManifestLine("mfs_1", item_id, item_id, tracking, "Aynur", "0101", "Silk", "listed", T0, return_id)


def test_scanned_codes_name_lines_by_id_or_tracking_number_in_any_case():
    lines = [line("ord_a", "cp1cn"), line("ord_b", "CP2CN"), line("ret_c", return_id="ret_c")]
    scanned, unknown = resolve_codes(lines, ["CP1CN", " cp2cn ", "ret_c", "ord_a", "", "ord_zz", "ORD_A"])
    assert scanned == ("ord_a", "ord_b", "ret_c")
    assert unknown == ["ord_zz", "ORD_A"]


def test_a_manifest_is_dispatched_when_ready_and_received_once_dispatched():
    built = new_manifest("mfs_1", "to_village", VILLAGE, "usr_staff", T0, parcels=30, complete=False)
    assert built.status == "building" and built.origin == "county" and built.busy
    with pytest.raises(Conflict) as refused:
        start_dispatch(built, "u", T1)
    assert refused.value.code == "manifest_building"
    ready = dataclasses.replace(built, status="ready")
    with pytest.raises(Conflict) as refused:
        start_receipt(ready, (), "u", T1)
    assert refused.value.code == "manifest_not_dispatched"
    leaving = start_dispatch(ready, "usr_staff", T1)
    assert leaving.status == "dispatching" and leaving.dispatched_by == "usr_staff"
    arriving = start_receipt(dataclasses.replace(leaving, status="dispatched"), ("ord_a",), "usr_partner", T2)
    assert arriving.status == "receiving" and arriving.scanned == ("ord_a",)


def test_a_village_return_travels_village_county_seller():
    delivered = order("delivered")
    ret = Return("ret_1", "ord_1", "shp_1", "usr_buyer", ({"line_id": "ord_1-1", "product_id": "prd_1",
                 "quantity": 1, "amount": 15900},), None, "requested", "CNY", T1, T1, seller_id="usr_seller",
                 network=village_return(delivered, "usr_partner", T1))  # fmt: skip
    assert ret.network["leg"] == "at_village" and ret.network["phone_last4"] == "0101"
    with pytest.raises(Conflict):
        check_seller_can_receive(ret)
    ret = put_return_on_manifest(ret, "mfs_2", T1)
    ret = dispatch_return(ret, "mfs_2", "usr_partner", T1)
    assert return_missing(ret, "usr_staff", T2).network["leg"] == "missing"
    ret = return_at_county(ret, "usr_staff", T2)
    with pytest.raises(Conflict):
        dispatch_return(ret, "mfs_2", "u", T2)
    ret = forward_return(ret, "China Post", "CP9CN", "usr_staff", T2)
    check_seller_can_receive(ret)
    assert [h["leg"] for h in ret.network["history"]] == ["at_village", "to_county", "at_county", "to_seller"]


# --- barcodes ----------------------------------------------------------------------------------------------------


def _decode(elements: list[tuple[bool, int]]) -> str:
    """Reads Code 128 B back from bar/space widths, as a scanner does."""
    table = {pattern: value for value, pattern in enumerate(barcode._PATTERNS)}
    widths = "".join(str(w) for _, w in elements)
    values, i = [], 0
    while i < len(widths):
        size = 7 if widths[i : i + 7] == barcode._PATTERNS[barcode.STOP] else 6
        values.append(table[widths[i : i + size]])
        i += size
    assert values[0] == barcode.START_B and values[-1] == barcode.STOP
    data, check = values[1:-2], values[-2]
    assert check == (values[0] + sum(k * v for k, v in enumerate(data, start=1))) % 103
    return "".join(chr(v + 32) for v in data)


@pytest.mark.parametrize("text", ["ord_01m8ntcnefytw8ztfq0tmj", "ret_01ABC", "CP123456789CN", "mfs_x-1"])
def test_a_barcode_reads_back_as_its_text(text):
    elements = barcode.modules(text)
    assert elements[0][0] is True and elements[-1][0] is True  # starts and ends with a bar
    assert sum(w for _, w in elements) == 11 * (len(text) + 3) + 2
    assert _decode(elements) == text
    svg = barcode.svg(text)
    assert svg.startswith('<svg class="barcode"') and f'aria-label="{text}"' in svg


def test_the_symbol_table_is_code_128s():
    assert len(barcode._PATTERNS) == 107 and len(set(barcode._PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in barcode._PATTERNS[:106])
    assert barcode._PATTERNS[104] == "211214" and barcode._PATTERNS[106] == "2331112"
    assert barcode.encode("PJJ123C")[-2] == 55  # check symbol: 879 mod 103
    with pytest.raises(ValueError):
        barcode.encode("Ümlaut")
