"""Money follows the order: payment -> pending, completion -> available net of commission, refunds back out,
each posted in the same transaction as the order change it records (issue 17)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.ledger import Account
from chalicelib.domain.seller_money import CommissionTerms
from chalicelib.services import settlement
from tests.api.money.conftest import Seller, complete_due, sell
from tests.support import assert_api_error, buy


def test_a_paid_order_is_pending_until_it_completes_then_available_net_of_the_default_commission(
    api, stack, factory, clock
):
    seller, buyer = Seller(api, factory, price=20_000), factory.user("buyer")
    order = sell(api, seller, buyer, quantity=2)  # 400.00 CNY, paid, shipped, delivered
    assert seller.amounts() == (0, 40_000)
    pending = seller.entries("pending")
    assert [(e["kind"], e["amount"]["amount"], e["order_id"]) for e in pending] == [
        ("order.paid", 40_000, order["order_id"])
    ]

    assert complete_due(stack) == 0  # the return window is open
    clock.advance(days=8)
    assert complete_due(stack) >= 1

    # 5 % default commission: 2,000 to the platform, 38,000 to the seller
    assert seller.amounts() == (38_000, 0)
    (credit,) = seller.entries("available")
    assert credit["kind"] == "order.completed" and credit["order_id"] == order["order_id"]
    assert credit["amount"] == {"amount": 38_000, "currency": "CNY"}
    assert credit["balance_after"] == {"amount": 38_000, "currency": "CNY"}
    assert credit["reason"].startswith("Order completed")
    view = api.get(seller.order_path(order), token=seller.token).json
    assert view["status"] == "completed"
    assert stack.ledger.get_posting(f"order-completed:{order['order_id']}").posting.entries[-1].amount == 2_000


def test_a_retried_completion_credits_the_seller_once(api, stack, factory, clock):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer)
    clock.advance(days=8)
    stale = stack.buying.get_order(order["order_id"])  # what a second sweep read before the first one committed
    terms = CommissionTerms(500, 0, "CNY")
    assert settlement.complete(stack.buying, stack.ledger, stale, terms, now=stack.clock()) is not None
    assert settlement.complete(stack.buying, stack.ledger, stale, terms, now=stack.clock()) is None
    assert seller.amounts() == (9_500, 0)
    assert len(seller.entries("available")) == 1


def test_an_order_completed_by_an_earlier_sweep_is_not_completed_again(api, stack, factory, clock):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    sell(api, seller, buyer)
    clock.advance(days=8)
    complete_due(stack)
    complete_due(stack)
    assert seller.amounts() == (9_500, 0)


def test_a_refund_before_completion_comes_out_of_pending_and_completion_credits_the_rest(api, stack, factory, clock):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, quantity=3)
    ret = api.post(
        f"/v1/orders/{order['order_id']}/returns",
        {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}]},
        token=buyer,
    )
    assert ret.status == 201, ret
    received = api.post(f"/v1/shops/{seller.shop_id}/returns/{ret.json['return_id']}/receive", token=seller.token)
    assert received.status == 200, received
    assert seller.amounts() == (0, 20_000)
    refund = seller.entries("pending")[0]
    assert refund["kind"] == "order.refunded" and refund["amount"]["amount"] == -10_000
    assert refund["refund_id"] == ret.json["return_id"] and refund["order_id"] == order["order_id"]

    clock.advance(days=8)
    complete_due(stack)
    assert seller.amounts() == (19_000, 0)  # 20,000 kept by the buyer, 5 % commission


def test_a_refund_after_completion_debits_the_available_balance_and_the_commission_on_it_goes_back(
    api, stack, factory, clock
):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, quantity=2)
    ret = api.post(
        f"/v1/orders/{order['order_id']}/returns",
        {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}]},
        token=buyer,
    )
    assert ret.status == 201, ret
    clock.advance(days=8)
    complete_due(stack)  # the goods are still on their way back
    assert seller.amounts() == (19_000, 0)
    commission = stack.ledger.balance(Account.platform("commission"), "CNY").amount

    received = api.post(f"/v1/shops/{seller.shop_id}/returns/{ret.json['return_id']}/receive", token=seller.token)
    assert received.status == 200, received
    # the buyer gets 10,000: 9,500 from the seller, the 500 commission on it from the platform
    assert seller.amounts() == (9_500, 0)
    debit = seller.entries("available")[0]
    assert debit["kind"] == "order.refunded_after_completion" and debit["amount"]["amount"] == -9_500
    assert stack.ledger.balance(Account.platform("commission"), "CNY").amount == commission - 500


def test_cancelling_a_paid_order_gives_the_money_back_from_pending(api, stack, factory):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, steps=("mark-paid",))
    assert seller.amounts() == (0, 10_000)
    cancelled = api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer)
    assert cancelled.status == 200, cancelled
    assert seller.amounts() == (0, 0)
    assert [e["kind"] for e in seller.entries("pending")] == ["order.refunded", "order.paid"]


def test_cash_on_delivery_is_pending_only_once_the_seller_records_the_cash(api, factory):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, payment="cash_on_delivery", steps=("ship", "deliver"))
    assert seller.amounts() == (0, 0)
    seller.act(order, "mark-paid")
    assert seller.amounts() == (0, 10_000)


def test_an_unpaid_cancelled_order_moves_no_money(api, factory):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    (order,) = buy(api, buyer, {seller.product["product_id"]: 1}, payment="bank_transfer")
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 200
    assert seller.amounts() == (0, 0)
    assert seller.get("/ledger?account=pending")["items"] == []


def test_marking_an_order_paid_twice_is_refused_and_posts_once(api, factory):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, steps=("mark-paid",))
    again = api.post(seller.order_path(order, "mark-paid"), token=seller.token)
    assert_api_error(again, 409, "already_paid")
    assert seller.amounts() == (0, 10_000)


def test_an_order_paid_before_the_ledger_is_credited_from_the_buyers_account_at_completion(api, stack, factory, clock):
    """Orders paid before issue 17 have no pending posting: completing them must not take pending below zero."""
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer, steps=())
    legacy = stack.buying.get_order(order["order_id"])
    paid = replace(legacy.mark_paid("seller", stack.clock()), version=legacy.version)
    stack.buying.save_order(paid, legacy.version, event="order.paid")  # the old way: no posting
    seller.act(order, "ship")
    seller.act(order, "deliver")
    clock.advance(days=8)
    complete_due(stack)
    assert seller.amounts() == (9_500, 0)


def test_the_balance_names_the_next_payout_and_the_threshold(api, factory, clock):
    clock.set("2026-03-04T15:00:00Z")  # a Wednesday
    seller = Seller(api, factory)
    balance = seller.balance()
    assert balance["next_payout_at"] == "2026-03-09T02:00:00.000Z"  # the Monday after, 02:00 UTC
    assert balance["payout_threshold"] == {"amount": 10_000, "currency": "CNY"}
    assert balance["other_currencies"] == []


def test_the_ledger_pages_and_filters_by_time(api, stack, factory, clock):
    clock.set("2026-03-02T08:00:00Z")
    seller, buyer = Seller(api, factory, price=1_000), factory.user("buyer")
    for _ in range(3):
        sell(api, seller, buyer, steps=("mark-paid",))
        clock.advance(days=1)
    first = seller.get("/ledger?account=pending&limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = seller.get(f"/ledger?account=pending&limit=2&cursor={first['next_cursor']}")
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    times = [e["booked_at"] for e in first["items"] + second["items"]]
    assert times == sorted(times, reverse=True)
    window = seller.get("/ledger?account=pending&from=2026-03-03&to=2026-03-04")["items"]
    assert [e["booked_at"][:10] for e in window] == ["2026-03-03"]


def test_the_ledger_refuses_a_bad_period(api, factory):
    seller = Seller(api, factory)
    for query in ("from=yesterday", "to=2026-13-01", "from=2026-03-05&to=2026-03-01", "account=savings"):
        reply = api.get(f"/v1/shops/{seller.shop_id}/ledger?{query}", token=seller.token)
        assert_api_error(reply, 400)


def test_seller_debits_for_later_features_land_on_the_available_balance_with_their_reason(api, stack, factory, clock):
    seller, buyer = Seller(api, factory, price=10_000), factory.user("buyer")
    order = sell(api, seller, buyer)
    clock.advance(days=8)
    complete_due(stack)
    completed = stack.buying.get_order(order["order_id"])
    now = stack.clock()
    settlement.debit_for_dispute(stack.ledger, completed, "dsp_1", 1_000, now=now)
    settlement.debit_partner_commission(stack.ledger, completed, "vil_1", 200, now=now)
    settlement.debit_producer_commission(stack.ledger, completed, "prd_1", 300, now=now)
    settlement.debit_compensation(stack.ledger, completed, "cmp_1", 400, now=now)
    settlement.debit_for_dispute(stack.ledger, completed, "dsp_1", 1_000, now=now)  # a retry: once
    assert seller.amounts() == (9_500 - 1_900, 0)
    kinds = {e["kind"]: e for e in seller.entries()}
    assert kinds["seller.dispute_debit"]["reference"] == "dsp_1"
    assert kinds["seller.partner_commission"]["order_id"] == order["order_id"]
    assert stack.ledger.balance(Account.village("vil_1", "fees"), "CNY").amount == 200
    assert stack.ledger.balance(Account.producer("prd_1"), "CNY").amount == 300


def test_a_shop_id_no_shop_can_have_is_not_found(api, factory):
    seller = factory.user("seller")
    for path in ("/v1/shops/%C3%9E%C2%B2/balance", "/v1/shops/a%20b/ledger", "/v1/shops/a%3Ab/statements/2026-01"):
        assert_api_error(api.get(path, token=seller), 404, "shop_not_found")
