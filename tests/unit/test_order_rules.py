"""Pure rules of issue 9: payment deadlines and expiry, the unpaid hold released by the transition that ends
the wait, bounded timelines, which schedule an order is in, refunds of card money, the unpaid-hold cap; and the
outbox relay and sweeper over in-memory fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import Conflict, ServiceUnavailable
from chalicelib.domain.events import OUTBOX_SHARDS, OutboxBatch, order_event, order_event_type
from chalicelib.domain.orders import (
    REFUND_RETRY_MINUTES,
    SCHEDULE_SHARDS,
    TIMELINE_ON_ORDER,
    Order,
    OrderLine,
    TimelineEntry,
    payment_deadline,
    schedule_shard,
)
from chalicelib.domain.storefronts import stock_needed_for_hold, unpaid_hold_cap
from chalicelib.services import outbox
from tests.fakes import InMemoryOutbox

NOW = "2026-03-01T09:00:00.000Z"


def order(method: str = "card", **changes) -> Order:
    base = Order(
        order_id="ord_1",
        checkout_id="chk_1",
        buyer_id="usr_b",
        seller_id="usr_s",
        shop_id="shp_1",
        shop_name="Silk House",
        storefront="handicrafts",
        status="pending_payment",
        lines=(OrderLine("ord_1-1", "prd_1", "Scarf", 2, 15900, "CNY", {}),),
        currency="CNY",
        delivery={},
        payment_method=method,
        created_at=NOW,
        updated_at=NOW,
        timeline=(TimelineEntry(NOW, "buyer", "placed", "pending_payment", actor_id="usr_b", seq=1),),
        timeline_total=1,
        expires_at=payment_deadline(method, NOW, card_minutes=30, bank_transfer_hours=72),
        holds=True,
    )
    return replace(base, **changes)


def test_payment_deadlines_per_method():
    assert payment_deadline("card", NOW, card_minutes=30, bank_transfer_hours=72) == "2026-03-01T09:30:00.000Z"
    assert payment_deadline("bank_transfer", NOW, card_minutes=30, bank_transfer_hours=72) == "2026-03-04T09:00:00.000Z"
    assert payment_deadline("cash_on_delivery", NOW, card_minutes=30, bank_transfer_hours=72) is None


def test_an_unpaid_order_expires_only_once_its_deadline_passed():
    with pytest.raises(Conflict):
        order().expire("2026-03-01T09:29:59.999Z")
    expired = order().expire("2026-03-01T09:30:00.000Z")
    assert expired.status == "cancelled" and expired.stock_restored and expired.expires_at is None
    assert (expired.timeline[-1].action, expired.timeline[-1].actor, expired.timeline[-1].seq) == (
        "expired",
        "system",
        2,
    )
    assert expired.hold_released and not expired.holds
    with pytest.raises(Conflict):
        expired.expire("2026-03-02T00:00:00.000Z")  # once
    with pytest.raises(Conflict):
        order("cash_on_delivery").expire("2027-01-01T00:00:00.000Z")


@pytest.mark.parametrize(
    "change",
    [
        lambda o: o.mark_paid("seller", NOW, actor_id="usr_s"),
        lambda o: o.cancel("buyer", NOW, actor_id="usr_b"),
        lambda o: o.expire("2026-03-05T00:00:00.000Z"),
    ],
)
def test_leaving_pending_payment_releases_the_hold_once(change):
    moved = change(order("bank_transfer"))
    assert moved.hold_released and not moved.holds
    again = replace(moved, hold_released=False).noted("note", "seller", NOW)  # as stored, then changed again
    assert not again.hold_released


def test_cash_on_delivery_releases_its_hold_when_shipped():
    shipped = order("cash_on_delivery").ship("SF", "1", NOW, actor_id="usr_s")
    assert shipped.hold_released and shipped.timeline[-1].actor_id == "usr_s"


def test_an_order_keeps_its_newest_entries_and_moves_the_rest_off():
    o = order()
    for i in range(30):
        o = o.noted("note", "seller", NOW, note=str(i))
    kept, moved = o.bounded()
    assert len(kept.timeline) == TIMELINE_ON_ORDER and kept.timeline_total == 31
    assert [e.seq for e in moved] == list(range(1, 12)) and kept.timeline[0].seq == 12


def test_the_schedule_an_order_is_in():
    assert order().schedule() == ("expire", "2026-03-01T09:30:00.000Z")
    assert order("cash_on_delivery").schedule() is None
    paid = order("bank_transfer").mark_paid("seller", NOW)
    assert paid.schedule() is None
    delivered = paid.ship("SF", "1", NOW).deliver(NOW)
    assert delivered.schedule() == ("complete", "2026-03-08T09:00:00.000Z")
    card = order().mark_paid("payments", NOW, payment_ref="pay_1").cancel("buyer", NOW)
    assert card.schedule() == ("refund", NOW) and card.pending_refunds[0].idempotency_key == "refund:pay_1:cancellation"


def test_schedule_shards_spread_orders():
    shards = {schedule_shard(f"ord_{i}") for i in range(500)}
    assert len(shards) == SCHEDULE_SHARDS


def test_a_failing_refund_is_tried_again_later_and_later_and_never_dropped():
    import datetime as dt

    from chalicelib.domain.orders import parse_time

    o = order().mark_paid("payments", NOW, payment_ref="pay_1").cancel("buyer", NOW)
    for attempt, pause in enumerate([*REFUND_RETRY_MINUTES, REFUND_RETRY_MINUTES[-1]]):
        o = o.refund_failed("cancellation", NOW)
        (refund,) = o.pending_refunds
        assert refund.attempts == attempt + 1
        assert parse_time(refund.next_attempt_at) - parse_time(NOW) == dt.timedelta(minutes=pause)
    issued = o.refund_issued("cancellation", "re_1", NOW)
    assert issued.pending_refunds == () and issued.refunds[0].refund_id == "re_1"
    assert issued.timeline[-1].action == "refund_issued" and issued.schedule() is None


def test_a_late_card_payment_is_recorded_and_refunded_in_full_once():
    cancelled = order().cancel("buyer", NOW)
    late = cancelled.late_payment("pay_9", cancelled.total, NOW)
    assert late.status == "cancelled" and late.paid_at is None
    (refund,) = late.pending_refunds
    assert (refund.amount, refund.payment_ref, refund.return_id) == (31800, "pay_9", "late-payment:pay_9")
    with pytest.raises(Conflict):
        late.late_payment("pay_9", cancelled.total, NOW)
    with pytest.raises(Conflict):
        order().late_payment("pay_9", 31800, NOW)  # only a cancelled order is paid "late"


def test_the_unpaid_hold_cap_is_a_fifth_of_the_stock_or_the_floor():
    assert unpaid_hold_cap("handicrafts", {}, 100) == 20
    assert unpaid_hold_cap("handicrafts", {}, 3) == 5
    assert unpaid_hold_cap("b2b", {"moq": 50}, 100) == 50
    assert stock_needed_for_hold("handicrafts", {}, 5) is None
    assert stock_needed_for_hold("handicrafts", {}, 6) == 26  # ceil(26 * 0.2) = 6, ceil(25 * 0.2) = 5
    assert unpaid_hold_cap("handicrafts", {}, 26) == 6 and unpaid_hold_cap("handicrafts", {}, 25) == 5


def test_order_events_are_named_after_the_action():
    assert order_event_type("placed") == "order.created"
    assert order_event_type("expired") == "order.expired"
    event = order_event(order(version=3), "order.expired")
    assert event["event_id"] == "ord_1:3" and event["product_ids"] == ["prd_1"]


# --- the relay and the sweeper over fakes ---------------------------------------------------------------


class Publisher:
    def __init__(self, failing: bool = False) -> None:
        self.failing, self.published = failing, []

    def publish(self, events):
        if self.failing:
            raise ServiceUnavailable("queue down")
        self.published += events


class Metrics:
    def __init__(self) -> None:
        self.sent = []

    def gauge(self, name, value, unit, dimensions):
        self.sent.append((name, value, unit, dimensions))


def batch(i: int, at: str = "2026-03-01T09:00:00.000Z") -> OutboxBatch:
    return OutboxBatch(f"out_{i}", ({"event_id": f"e{i}", "type": "order.created", "at": at},), at)


def test_the_relay_marks_what_it_published_and_reports_the_first_failure_and_all_after():
    store = InMemoryOutbox()
    for i in range(3):
        store.add(batch(i))
    assert outbox.relay(store, Publisher(), [batch(0), batch(1)], now=NOW) == []
    assert store.published == {"out_0", "out_1"}
    assert outbox.relay(store, Publisher(failing=True), [batch(2)], now=NOW) == ["out_2"]
    assert store.published == {"out_0", "out_1"}


def test_the_sweeper_publishes_what_waited_past_the_grace_and_reports_the_oldest_age():
    store = InMemoryOutbox()
    for i in range(40):
        store.add(batch(i))
    store.add(batch(99, at="2026-03-01T09:04:50.000Z"))  # 10 s old at the sweep: left to the stream relay
    down, metrics = Publisher(failing=True), Metrics()
    result = outbox.sweep(store, down, metrics, now="2026-03-01T09:05:00.000Z", stage="dev")
    assert result["published"] == 0 and result["failed"] >= 1 and result["queries"] >= OUTBOX_SHARDS
    assert metrics.sent == [("OutboxOldestPendingAgeSeconds", 300.0, "Seconds", {"Stage": "dev"})]
    up = Publisher()
    result = outbox.sweep(store, up, metrics, now="2026-03-01T09:05:00.000Z", stage="dev")
    assert result["published"] == 40 and sorted(e["event_id"] for e in up.published) == sorted(
        f"e{i}" for i in range(40)
    )
    result = outbox.sweep(store, up, metrics, now="2026-03-01T09:06:00.000Z", stage="dev")
    assert result["published"] == 1 and metrics.sent[-1][1] == 70.0  # the late one, then nothing waits
    assert outbox.sweep(store, up, metrics, now="2026-03-01T09:07:00.000Z", stage="dev")["published"] == 0
    assert metrics.sent[-1][1] == 0.0
