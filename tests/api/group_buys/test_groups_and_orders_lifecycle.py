"""Group buys meet issue 9's order lifecycle: a group's closing (or failing) writes its orders and its events in
one transaction through the outbox; a suspended shop's group takes no commitments and fails at closing, nobody
charged; unpaid card and bank-transfer orders from a group expire like checkout's, and the group stays closed."""

from __future__ import annotations

import datetime as dt
import json

from chalicelib.domain.orders import format_time, parse_time
from chalicelib.events.order_events import expire_due, handle_records
from tests.api.group_buys.support import later, settle_groups
from tests.support import assert_api_error, drain_order_events, settle, stock_of


def relayed(stack) -> list[dict]:
    """Relays the outbox and returns the events that reached the queue (then hands them to the consumer)."""
    records = drain_order_events(stack)
    assert handle_records(records) == {"batchItemFailures": []}
    return [json.loads(r["body"]) for r in records]


def notifications(api, token) -> list[dict]:
    return api.get("/v1/me/notifications?limit=100", token=token).json["items"]


def test_a_closing_group_writes_its_orders_and_its_events_in_one_transaction_through_the_outbox(
    api, stack, groups, factory
):
    product = groups.product(stock=100)
    a, b = factory.user("buyer"), factory.user("buyer")
    gid = groups.start(a, product, target_quantity=50)["group_id"]
    relayed(stack)  # the shop's approval (its product job)
    assert groups.commit(a, gid, 20).status == 201
    assert relayed(stack) == []  # a commitment announces nothing
    assert groups.commit(b, gid, 30).status == 201  # the target: the group closes in this request

    events = relayed(stack)
    created = [e for e in events if e["type"] == "order.created"]
    (closed,) = [e for e in events if e["type"] == "group.closed"]
    assert len(events) == 3 and len(created) == 2 and {e["group_id"] for e in created} == {gid}
    orders = {o["order_id"] for token in (a, b) for o in api.get("/v1/orders", token=token).json["items"]}
    assert {e["order_id"] for e in created} == orders == {p["order_id"] for p in closed["participants"]}
    assert closed["unit_price"] == {"amount": 10000, "currency": "CNY"}
    told = [n for n in notifications(api, b) if n["type"] == "group.closed"]
    assert len(told) == 1 and told[0]["order_id"] in orders and "100.00 CNY" in told[0]["message"]
    assert relayed(stack) == []  # published once; the sweeper has nothing left


def test_a_suspended_shops_group_takes_no_commitments_and_fails_at_its_deadline_with_nobody_charged(
    api, stack, groups, factory
):
    product = groups.product(stock=100)
    a, b, c = (factory.user("buyer") for _ in range(3))
    gid = groups.start(a, product, target_quantity=50, deadline=later(days=2))["group_id"]
    assert groups.commit(a, gid, 20).status == 201
    assert groups.commit(b, gid, 10).status == 201  # 30: above the MOQ, short of the target
    suspended = api.post(f"/v1/admin/shops/{groups.shop['shop_id']}/suspend", token=factory.operator)
    assert suspended.status == 200, suspended

    refused = assert_api_error(groups.commit(c, gid, 20), 409, "shop_unavailable")
    assert "suspended" in refused["message"]
    assert groups.view(gid)["committed_quantity"] == 30  # the refused commitment changed nothing
    settle(stack)  # the suspension's product job takes the product off sale meanwhile

    stack.clock = lambda: later(days=2, minutes=1)
    assert settle_groups() == {"closed": 0, "failed": 1, "resumed": 0}
    failed = groups.view(gid)
    assert (failed["status"], failed["failure"]) == ("failed", "shop_unavailable")  # the shop's status, first
    assert stock_of(api, groups.seller, product) == 100
    for buyer in (a, b):
        assert api.get("/v1/orders", token=buyer).json["items"] == []  # nobody is charged
    events = relayed(stack)
    # no order was ever announced
    assert [e["type"] for e in events if not e["type"].startswith("shop.")] == ["group.failed"]
    (told,) = [n for n in notifications(api, a) if n["type"] == "group.failed"]
    assert told["group_id"] == gid and "suspended" in told["message"] and "Nobody is charged" in told["message"]
    assert settle_groups() == {"closed": 0, "failed": 0, "resumed": 0}  # settled once


def test_unpaid_card_and_bank_transfer_orders_from_a_group_expire_and_the_group_stays_closed_at_its_price(
    api, stack, groups, factory
):
    start = stack.clock()
    stack.clock = lambda: start
    product = groups.product(stock=100)
    card, bank, cash = (factory.user("buyer") for _ in range(3))
    gid = groups.start(card, product, target_quantity=50)["group_id"]
    assert groups.commit(card, gid, 20, payment_method="card").status == 201
    assert groups.commit(cash, gid, 10, payment_method="cash_on_delivery").status == 201
    assert groups.commit(bank, gid, 20, payment_method="bank_transfer").status == 201  # 50: closed
    assert stock_of(api, groups.seller, product) == 50

    def order_of(token) -> dict:
        (order,) = api.get("/v1/orders", token=token).json["items"]
        return order

    # a participant was not at the till when the group closed: a card order waits 24 hours, not checkout's 30 min
    assert order_of(card)["payment_due_by"] == format_time(parse_time(start) + dt.timedelta(hours=24))
    assert order_of(bank)["payment_due_by"] == format_time(parse_time(start) + dt.timedelta(hours=72))
    assert order_of(cash).get("payment_due_by") is None

    stack.clock = lambda: later(start, hours=1)
    assert expire_due()["done"] == 0  # a checkout's card order would have expired by now
    stack.clock = lambda: later(start, hours=24, minutes=1)
    assert expire_due()["done"] == 1
    assert (order_of(card)["status"], order_of(bank)["status"]) == ("cancelled", "pending_payment")
    assert stock_of(api, groups.seller, product) == 70  # the card participant's 20 units are back on sale
    stack.clock = lambda: later(start, hours=72, minutes=1)
    assert expire_due()["done"] == 1
    assert order_of(bank)["status"] == "cancelled" and stock_of(api, groups.seller, product) == 90

    # the others keep the tier the total reached; the group is a closed fact, not reopened or repriced
    kept = order_of(cash)
    assert kept["status"] == "pending_payment" and kept["lines"][0]["unit_price"]["amount"] == 10000
    after = groups.view(gid)
    assert (after["status"], after["committed_quantity"]) == ("closed", 50)
    assert_api_error(groups.commit(factory.user("buyer"), gid, 10), 409, "group_not_open")
    relayed(stack)
    assert any(n["type"] == "order.expired" for n in notifications(api, card))


def test_the_clock_job_reads_every_shard_of_the_due_index_and_costs_the_same_per_due_group(api, stack, groups, factory):
    from bench.counting import CallRecorder
    from chalicelib.domain.group_buys import GROUP_SHARDS
    from chalicelib.events.group_jobs import settle_due

    product = groups.product(stock=1000)
    buyer = factory.user("buyer")
    runs = []
    for n in (2, 6):
        for _ in range(n):
            gid = groups.start(buyer, product, deadline=later(days=1))["group_id"]
            assert groups.commit(buyer, gid, 5).status == 201  # below the MOQ: fails at its deadline
        stack.clock = lambda: later(days=1, minutes=1)
        with CallRecorder() as rec:
            result = settle_due()
        stack.clock = lambda: later()
        calls = rec.dynamodb()
        assert result["failed"] == n and result["queries"] == GROUP_SHARDS  # one Query per shard, no scan
        runs.append((calls.calls - GROUP_SHARDS) / n)
        assert calls.operations.get("Scan", 0) == 0
    # per due group: one Query (its commitments) + one TransactWriteItems (the group failed, its event)
    assert runs == [2.0, 2.0]
