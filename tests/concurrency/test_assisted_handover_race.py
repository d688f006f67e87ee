"""Concurrent handovers of one assisted order (issue 11) count its cash once: 20 threads hand the same parcel
over to its villager at the same instant, through the service, against a moto server with atomic requests
(tests/concurrency/harness.py). The order's version condition rides in the cash posting's transaction, whose id
is the order's: a racer either loses the order's condition (stale), finds it handed over (already) or replays
the posting (answered with the stored order); the cash and the fee are booked once."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from chalicelib.domain.errors import Conflict, PreconditionFailed, ServiceUnavailable
from chalicelib.domain.identity import Actor, Role
from chalicelib.domain.ledger import Account
from chalicelib.domain.network import Village, pickup_snapshot
from chalicelib.domain.orders import Order, OrderLine, TimelineEntry
from chalicelib.services import village
from tests.concurrency.harness import locked_moto_stack, overlapped, run_together

THREADS = 20
AT = "2026-06-01T12:00:00.000Z"


@pytest.fixture(scope="module")
def stack():
    with locked_moto_stack() as stack:
        yield stack


def _ready_order(partner_id: str, village_id: str, villager_id: str) -> Order:
    order_id = f"ord_{uuid.uuid4().hex[:12]}"
    line = OrderLine(line_id=f"{order_id}-1", product_id="prd_x", title="Tray", quantity=2, unit_amount=15_900,
                     currency="CNY", attributes={})  # fmt: skip
    centre = Village(village_id, "cty_x", "Centre", "Tokzak", "1 Street", "09-21", partner_id, "p@example.com",
                     "County centre", "2 Road", AT)  # fmt: skip
    pickup = {**pickup_snapshot(centre), "ready_at": AT}
    return Order(
        order_id=order_id, checkout_id="chk_x", buyer_id=partner_id, seller_id="seller", shop_id="shp_x",
        shop_name="Shop", storefront="handicrafts", status="ready_for_pickup", lines=(line,), currency="CNY",
        delivery={"pickup_point": village_id, "name": "Aynur", "phone": ""}, payment_method="cash_on_delivery",
        created_at=AT, updated_at=AT,
        timeline=(TimelineEntry(at=AT, actor="partner", action="placed", status="ready_for_pickup"),),
        pickup=pickup,
        assisted={"placed_by": partner_id, "village_id": village_id, "villager_id": villager_id,
                  "payment": "cash_on_pickup", "service_fee": 954},
    )  # fmt: skip


def test_concurrent_handovers_to_the_villager_count_the_cash_once(stack):
    partner = Actor(f"partner-{uuid.uuid4().hex[:6]}", "p@example.com", frozenset({Role.PARTNER}))
    village_id, villager_id = f"vil_{uuid.uuid4().hex[:8]}", "vgr_race"
    order = _ready_order(partner.user_id, village_id, villager_id)
    stack.buying.commit([stack.buying.new_order_write(order)])

    def hand_over(i: int) -> str:
        try:
            village.hand_over(
                stack.buying, stack.network, partner, village_id, order.order_id, None,
                now=AT, secret="s", villager_present=True, villager_id=villager_id, ledger=stack.ledger,
            )  # fmt: skip
        except PreconditionFailed:
            return "stale"
        except Conflict:
            return "already"  # read after the winner: no longer ready for pickup
        except ServiceUnavailable:
            return "busy"
        return "handed"

    outcomes = run_together(THREADS, hand_over)
    assert [o.error for o in outcomes if o.error] == []
    counts = Counter(o.value for o in outcomes)
    print(f"\n[assisted handover race] {dict(counts)} overlapped={overlapped(outcomes)}", flush=True)
    assert counts["handed"] >= 1 and set(counts) <= {"handed", "stale", "already", "busy"}
    cash = stack.ledger.balance(Account.village(village_id, "cash"), "CNY")
    fees = stack.ledger.balance(Account.village(village_id, "fees"), "CNY")
    assert (cash.amount, fees.amount) == (2 * 15_900, 954)
    assert (cash.entry_count, fees.entry_count) == (1, 1)
    stored = stack.buying.get_order(order.order_id)
    assert stored.status == "delivered" and stored.paid_at is not None
