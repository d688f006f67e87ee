"""Buyer trust (issue 13) through the HTTP API: disputes on every path, points earned, redeemed, reversed and
expired, reviews and ratings. Time moves by replacing the container's clock; the hourly schedule is called as
the scheduler would (events/order_events.complete_orders)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from chalicelib.services import points
from chalicelib.services.payments import sign_webhook
from tests.support import ADDRESS, assert_api_error, buy, png_bytes

T0 = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def clock(stack):
    real = stack.clock
    stack.clock = lambda: iso(T0)
    yield
    stack.clock = real


def at(stack, **after):
    stack.clock = lambda: iso(T0 + dt.timedelta(**after))


def hourly(stack):
    from chalicelib.events.order_events import complete_orders

    return complete_orders({}) if not hasattr(complete_orders, "func") else complete_orders.func({})


class Sale:
    """A shop, a 100.00 CNY product and an order of 2 by a buyer, delivered (paid by bank transfer)."""

    def __init__(self, api, stack, factory, *, payment="bank_transfer", deliver=True, card_bin=None, provider=False):
        self.api, self.stack = api, stack
        self.seller = factory.user("seller")
        self.shop = factory.shop(self.seller, "handicrafts")
        self.product = factory.product(self.seller, self.shop, stock=50, price={"amount": 10000, "currency": "CNY"})
        self.buyer = factory.user("buyer")
        (self.order,) = buy(api, self.buyer, {self.product["product_id"]: 2}, payment=payment)
        base = f"/v1/shops/{self.shop['shop_id']}/orders/{self.order['order_id']}"
        if payment == "card" and provider:
            self.pay_through_provider()
        elif payment == "card":
            self.webhook(card_bin)
        else:
            assert api.post(f"{base}/mark-paid", token=self.seller).status == 200
        assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF1"}, token=self.seller).status == 200
        if deliver:
            assert api.post(f"{base}/deliver", token=self.seller).status == 200

    def pay_through_provider(self) -> None:
        """The card payment provider's simulator takes the payment and tells us (a signed webhook, delivered now):
        the order then knows the provider's payment id, which its refunds name."""
        provider = self.stack.card_provider
        key = self.stack.settings.payment_provider_key
        body = json.dumps({"order_id": self.order["order_id"], "amount": self.order["amount_due"]}).encode()
        status, payment = provider.handle("POST", "/v1/payments", {"authorization": f"Bearer {key}"}, body)
        assert status == 201, payment
        assert provider.flush(wait=True, api_key=key) == 1
        self.payment_id = payment["payment_id"]

    def provider_refunds(self) -> list[dict]:
        payment = self.stack.card_provider.payments[self.payment_id]
        return [r for r in self.stack.card_provider.refunds.values() if r["refund_id"] in payment["refunds"]]

    def webhook(self, card_bin):
        event = {
            "event_id": f"evt_{self.order['order_id']}",
            "type": "payment.succeeded",
            "order_id": self.order["order_id"],
            "amount": self.order["amount_due"],
        }
        if card_bin:
            event["card"] = {"bin": card_bin}
        raw = json.dumps(event).encode()
        signature = sign_webhook(self.stack.settings.payment_webhook_secret, raw, int(time.time()))
        reply = self.api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": signature})
        assert reply.status == 200, reply

    @property
    def line(self) -> str:
        return self.order["lines"][0]["line_id"]

    def dispute(self, reason="damaged", quantity=1, evidence=()):
        body = {
            "lines": [{"line_id": self.line, "quantity": quantity}],
            "reason": reason,
            "description": "Torn along one edge",
            "evidence": list(evidence),
        }
        return self.api.post(f"/v1/orders/{self.order['order_id']}/disputes", body, token=self.buyer)

    def respond(self, dispute_id, action, amount=None):
        body = {"action": action, "message": "Our answer"}
        if amount is not None:
            body["amount"] = amount
        path = f"/v1/shops/{self.shop['shop_id']}/disputes/{dispute_id}/respond"
        return self.api.post(path, body, token=self.seller)

    def buyer_step(self, dispute_id, step):
        return self.api.post(f"/v1/orders/{self.order['order_id']}/disputes/{dispute_id}/{step}", token=self.buyer)

    def points(self) -> dict:
        reply = self.api.get("/v1/me/points", token=self.buyer)
        assert reply.status == 200, reply
        return reply.json

    def balances(self) -> dict:
        reply = self.api.get(f"/v1/shops/{self.shop['shop_id']}/balance", token=self.seller)
        assert reply.status == 200, reply
        return reply.json

    def view(self) -> dict:
        reply = self.api.get(f"/v1/orders/{self.order['order_id']}", token=self.buyer)
        assert reply.status == 200, reply
        return reply.json


def upload(api, stack, token) -> str:
    picture = png_bytes()
    announced = api.post("/v1/me/uploads", {"content_type": "image/png", "size": len(picture)}, token=token)
    assert announced.status == 201, announced
    fields = announced.json["upload"]["fields"]
    stack.media._s3.put_object(Bucket=stack.settings.media_bucket, Key=fields["key"], Body=picture)
    done = api.post(f"/v1/me/uploads/{announced.json['media_id']}/complete", token=token)
    assert done.status == 200, done
    return announced.json["media_id"]


# --- disputes --------------------------------------------------------------------------------------------------


def test_a_card_paid_dispute_refund_is_sent_through_the_payment_provider_once(api, stack, factory):
    from chalicelib.events.order_events import retry_due_refunds
    from tests.support import settle

    sale = Sale(api, stack, factory, payment="card", provider=True)
    dispute = sale.dispute().json
    sale.respond(dispute["dispute_id"], "refund")
    accepted = sale.buyer_step(dispute["dispute_id"], "accept")
    assert accepted.status == 200, accepted
    assert accepted.json["refund"] | {"at": None} == {
        "amount": 10000,
        "funded_by": "seller",
        "method": "card",
        "status": "pending",
        "at": None,
    }
    assert sale.provider_refunds() == []  # booked with the order's change; sent by the event's consumer
    pending = sale.view()["refunds"][-1]
    assert (pending["return_id"], pending["status"]) == (dispute["dispute_id"], "pending")

    settle(stack)  # the outbox relays order.dispute_refunded; its consumer asks the provider
    (sent,) = sale.provider_refunds()
    assert sent["amount"] == {"amount": 10000, "currency": "CNY"}
    assert sent["payment_id"] == sale.payment_id

    seen = api.get(f"/v1/orders/{sale.order['order_id']}/disputes", token=sale.buyer).json["items"][0]
    assert seen["refund"]["status"] == "issued" and seen["refund"]["refund_id"] == sent["refund_id"]
    assert [s["action"] for s in seen["steps"]][-2:] == ["refunded", "refund_issued"]
    order = sale.view()
    issued = next(r for r in order["refunds"] if r["return_id"] == dispute["dispute_id"])
    assert (issued["status"], issued["refund_id"]) == ("issued", sent["refund_id"])
    actions = [e["action"] for e in order["timeline"]]
    assert actions.index("refunded") < actions.index("refund_issued")

    at(stack, days=1)
    assert retry_due_refunds()["done"] == 0  # nothing left to send
    settle(stack)
    assert len(sale.provider_refunds()) == 1
    assert stack.card_provider.payments[sale.payment_id]["refunded"] == 10000


def test_a_provider_failure_on_a_guarantee_refund_is_retried_until_it_is_sent_once(api, stack, factory):
    from chalicelib.events.order_events import retry_due_refunds
    from tests.support import settle

    sale = Sale(api, stack, factory, payment="card", provider=True)
    dispute = sale.dispute().json
    sale.respond(dispute["dispute_id"], "reject")
    sale.buyer_step(dispute["dispute_id"], "escalate")
    stack.card_provider.fail_refunds(100)  # the provider is down for refunds
    body = {"refund_amount": 7000, "funded_by": "platform", "note": "Torn in transit"}
    decided = api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator)
    assert decided.status == 200, decided
    assert decided.json["refund"]["status"] == "pending"
    settle(stack)  # the consumer's attempt fails: the refund waits for the retry job
    assert sale.provider_refunds() == []
    seen = api.get("/v1/admin/disputes?status=decided", token=factory.operator).json["items"]
    delayed = next(d for d in seen if d["dispute_id"] == dispute["dispute_id"])
    assert delayed["refund"]["status"] == "retrying"
    assert [s["action"] for s in delayed["steps"]][-1] == "refund_delayed"

    at(stack, minutes=2)
    assert retry_due_refunds()["done"] == 0  # tried again, still failing (a step on the dispute only once)
    stack.card_provider.fail_refunds(0)  # the provider is back
    at(stack, hours=2)
    assert retry_due_refunds()["done"] == 1
    assert retry_due_refunds()["done"] == 0
    settle(stack)
    (sent,) = sale.provider_refunds()
    assert sent["amount"] == {"amount": 7000, "currency": "CNY"}
    final = api.get(f"/v1/orders/{sale.order['order_id']}/disputes", token=sale.buyer).json["items"][0]
    actions = [s["action"] for s in final["steps"]]
    assert actions.count("refund_delayed") == 1 and actions[-1] == "refund_issued"
    assert final["refund"]["refund_id"] == sent["refund_id"]
    assert "refund_issued" in [e["action"] for e in sale.view()["timeline"]]


def test_cash_and_bank_transfer_dispute_refunds_are_recorded_not_sent(api, stack, factory):
    from tests.support import settle

    sale = Sale(api, stack, factory)  # bank transfer
    dispute = sale.dispute().json
    sale.respond(dispute["dispute_id"], "refund")
    accepted = sale.buyer_step(dispute["dispute_id"], "accept").json
    assert accepted["refund"]["method"] == "recorded:bank_transfer"
    assert accepted["refund"]["status"] == "recorded"
    requests = stack.card_provider.refund_requests
    settle(stack)
    assert stack.card_provider.refund_requests == requests
    recorded = next(r for r in sale.view()["refunds"] if r["return_id"] == dispute["dispute_id"])
    assert recorded["status"] == "recorded"


def test_a_buyer_accepts_the_sellers_partial_refund_and_the_money_goes_back_from_pending(api, stack, factory):
    sale = Sale(api, stack, factory)
    picture = upload(api, stack, sale.buyer)
    opened = sale.dispute(evidence=[picture])
    assert opened.status == 201, opened
    dispute = opened.json
    assert dispute["status"] == "awaiting_seller"
    assert dispute["claimed"] == {"amount": 10000, "currency": "CNY"}
    assert dispute["evidence"][0]["url"]
    assert sale.balances()["pending"]["amount"] == 20000

    at(stack, days=1)
    answered = sale.respond(dispute["dispute_id"], "partial_refund", 4000)
    assert answered.status == 200, answered
    assert answered.json["status"] == "awaiting_buyer"
    accepted = sale.buyer_step(dispute["dispute_id"], "accept")
    assert accepted.status == 200, accepted
    assert accepted.json["status"] == "resolved"
    assert accepted.json["refund"]["amount"] == 4000 and accepted.json["refund"]["funded_by"] == "seller"
    order = sale.view()
    assert order["refunded"]["amount"] == 4000
    assert [e["action"] for e in order["timeline"]][-4:] == [
        "dispute_opened",
        "dispute_responded",
        "dispute_accepted",
        "refunded",
    ]
    assert sale.balances()["pending"]["amount"] == 16000
    # the line is free again once the dispute closed
    assert sale.dispute().status == 201


def test_a_rejected_dispute_escalates_and_the_operator_refunds_from_the_guarantee_reversing_points(api, stack, factory):
    sale = Sale(api, stack, factory)
    at(stack, days=8)  # the return window closed: the hourly run completes the order and the buyer earns points
    assert hourly(stack)["completed"] >= 1
    assert sale.points()["balance"] == 200  # 1 point per 1 CNY of 200.00 CNY
    before = sale.balances()["available"]["amount"]

    dispute = sale.dispute().json
    assert sale.respond(dispute["dispute_id"], "reject").json["status"] == "awaiting_buyer"
    escalated = sale.buyer_step(dispute["dispute_id"], "escalate")
    assert escalated.json["status"] == "escalated"
    queue = api.get("/v1/admin/disputes?status=escalated", token=factory.operator).json["items"]
    assert dispute["dispute_id"] in [d["dispute_id"] for d in queue]

    body = {"refund_amount": 10000, "funded_by": "platform", "note": "Transit damage on the photos"}
    decided = api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator)
    assert decided.status == 200, decided
    assert decided.json["status"] == "decided"
    assert decided.json["refund"] == {
        "amount": 10000,
        "funded_by": "platform",
        "method": "recorded:bank_transfer",
        "status": "recorded",
        "at": iso(T0 + dt.timedelta(days=8)),
    }
    assert sale.balances()["available"]["amount"] == before - 10000  # the seller is debited
    assert stack.ledger.balance("platform:guarantee", "CNY").amount == 0  # fronted, then recovered
    assert sale.points()["balance"] == 100  # half the goods refunded: half the points go back
    again = api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator)
    assert_api_error(again, 409, "illegal_dispute_step")


def test_the_operator_may_reject_an_escalated_claim(api, stack, factory):
    sale = Sale(api, stack, factory)
    dispute = sale.dispute().json
    sale.buyer_step(dispute["dispute_id"], "escalate")
    body = {"refund_amount": 0, "funded_by": "seller", "note": "No damage visible"}
    decided = api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator)
    assert decided.json["status"] == "decided" and decided.json["refund"] is None
    assert sale.view()["refunded"]["amount"] == 0


def test_disputes_escalate_by_the_clock_without_a_seller_answer_or_an_agreement(api, stack, factory):
    silent, unagreed = Sale(api, stack, factory), Sale(api, stack, factory)
    first = silent.dispute().json
    second = unagreed.dispute().json
    unagreed.respond(second["dispute_id"], "reject")
    at(stack, days=2, hours=23)
    hourly(stack)
    waiting = api.get(f"/v1/orders/{silent.order['order_id']}/disputes", token=silent.buyer).json["items"]
    assert waiting[0]["status"] == "awaiting_seller"
    at(stack, days=3, minutes=1)
    assert hourly(stack)["disputes_escalated"] == 1
    at(stack, days=7, minutes=1)
    assert hourly(stack)["disputes_escalated"] == 1
    for sale, opened in ((silent, first), (unagreed, second)):
        (now,) = api.get(f"/v1/orders/{sale.order['order_id']}/disputes", token=sale.buyer).json["items"]
        assert now["dispute_id"] == opened["dispute_id"]
        assert now["status"] == "escalated" and now["steps"][-1]["actor"] == "system"


def test_dispute_rules_one_open_per_line_the_window_and_delivered_goods_only(api, stack, factory):
    sale = Sale(api, stack, factory)
    assert sale.dispute().status == 201
    assert_api_error(sale.dispute(), 409, "dispute_already_open")
    at(stack, days=15, minutes=1)
    late = Sale.__new__(Sale)
    late.__dict__.update(sale.__dict__)
    assert_api_error(sale.dispute(reason="counterfeit"), 409)  # the line is still under dispute / too late
    shipped = Sale(api, stack, factory, deliver=False)
    assert_api_error(shipped.dispute(), 409, "not_delivered")
    assert shipped.dispute(reason="not_received").status == 201
    assert_api_error(sale.dispute(quantity=3), 409)


def test_a_seller_sees_only_its_shops_disputes_and_strangers_not_the_evidence(api, stack, factory):
    sale, other = Sale(api, stack, factory), Sale(api, stack, factory)
    picture = upload(api, stack, sale.buyer)
    dispute = sale.dispute(evidence=[picture]).json
    mine = api.get(f"/v1/shops/{sale.shop['shop_id']}/disputes", token=sale.seller).json["items"]
    assert [d["dispute_id"] for d in mine] == [dispute["dispute_id"]]
    assert mine[0]["evidence"][0]["url"]
    assert api.get(f"/v1/shops/{sale.shop['shop_id']}/disputes", token=other.seller).status == 403
    assert api.get(f"/v1/orders/{sale.order['order_id']}/disputes", token=other.buyer).status == 404
    answered = other.respond(dispute["dispute_id"], "refund")  # another seller, their own shop id
    assert_api_error(answered, 404, "dispute_not_found")
    # another buyer cannot attach this buyer's picture
    assert_api_error(other.dispute(evidence=[picture]), 422, "evidence_not_found")


# --- points ------------------------------------------------------------------------------------------------------


def test_checkout_redeems_points_up_to_a_quarter_of_the_goods_once(api, stack, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=50, price={"amount": 10000, "currency": "CNY"})
    buyer = factory.user("buyer")
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    points.grant(stack.trust, stack.ledger, buyer_id, 8000, "cmp-1", now=stack.clock())
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2}, token=buyer).status == 200

    def pay(points_to_redeem, key):
        return api.post(
            "/v1/checkout",
            {"delivery": ADDRESS, "payment_method": "card", "points_to_redeem": points_to_redeem},
            token=buyer,
            headers={"Idempotency-Key": key},
        )

    assert_api_error(pay(5001, "too-many"), 409, "points_over_limit")  # 25 % of 200.00 CNY is 5,000 points
    placed = pay(5000, "redeem-1")
    assert placed.status == 201, placed
    assert placed.json["amount_due"] == {"amount": 15000, "currency": "CNY"}
    assert placed.json["orders"][0]["points_redeemed"] == 5000
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 3000
    replay = pay(5000, "redeem-1")
    assert replay.status == 200 and replay.json["replayed"] is True
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 3000
    # more than the balance: refused, nothing written
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2}, token=buyer).status == 200
    assert_api_error(pay(4000, "redeem-2"), 409, "insufficient_balance")
    assert api.get("/v1/cart", token=buyer).json["shops"]


def test_an_unpaid_order_that_expires_gives_its_redeemed_points_back_exactly_once(api, stack, factory):
    from chalicelib.events.order_events import expire_due, handle_records
    from tests.support import drain_order_events, settle

    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop, stock=50, price={"amount": 10000, "currency": "CNY"})
    buyer = factory.user("buyer")
    buyer_id = api.get("/v1/me", token=buyer).json["user_id"]
    points.grant(stack.trust, stack.ledger, buyer_id, 6000, "cmp-expiry", now=stack.clock())
    assert api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2}, token=buyer).status == 200
    body = {"delivery": ADDRESS, "payment_method": "card", "points_to_redeem": 5000}
    placed = api.post("/v1/checkout", body, token=buyer, headers={"Idempotency-Key": "expiring-1"})
    assert placed.status == 201, placed
    order_id = placed.json["orders"][0]["order_id"]
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 1000
    settle(stack)

    at(stack, hours=2)  # the card payment window (30 minutes) closed long ago
    assert expire_due()["done"] == 1
    assert api.get(f"/v1/orders/{order_id}", token=buyer).json["status"] == "cancelled"
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 6000
    records = drain_order_events(stack)
    assert "order.expired" in [json.loads(r["body"])["type"] for r in records]
    assert not handle_records(records + records)["batchItemFailures"]  # the consumer asks again, twice
    assert expire_due()["done"] == 0
    mine = api.get("/v1/me/points", token=buyer).json
    assert mine["balance"] == 6000
    assert [e["kind"] for e in mine["items"]].count("points.returned") == 1


def test_the_partner_banks_card_earns_the_bonus_and_cancellation_gives_points_back(api, stack, factory):
    bank = {"name": "Silk Road Bank", "bin_ranges": [{"from": "622848", "to": "622849"}], "multiplier": "2"}
    assert api.put("/v1/admin/points/partner-bank", bank, token=factory.operator).status == 200
    sale = Sale(api, stack, factory, payment="card", card_bin="62284912")
    at(stack, days=8)
    hourly(stack)
    mine = sale.points()
    assert mine["balance"] == 400  # 200 earned + 200 bonus
    assert {e["kind"] for e in mine["items"]} == {"points.earned", "points.bonus"}


def test_points_are_earned_from_the_completion_event_when_the_job_stopped_before_earning(
    api, stack, factory, monkeypatch
):
    from tests.support import settle

    sale = Sale(api, stack, factory)
    settle(stack)
    earn = points.earn_for_order

    def stopped(*args, **kwargs):
        raise RuntimeError("the job's Lambda stopped right after the order's completion transaction")

    monkeypatch.setattr(points, "earn_for_order", stopped)
    at(stack, days=8)
    with pytest.raises(RuntimeError):
        hourly(stack)
    assert sale.view()["status"] == "completed"
    assert sale.points()["balance"] == 0
    monkeypatch.setattr(points, "earn_for_order", earn)
    handled = settle(stack)  # the completion's event (committed with it) reaches the consumer
    assert "order.completed" in [e["type"] for e in handled]
    mine = sale.points()
    assert mine["balance"] == 200 and [e["kind"] for e in mine["items"]] == ["points.earned"]
    hourly(stack)  # nothing left to complete, nothing earned twice
    assert sale.points()["balance"] == 200


def test_a_late_completion_event_after_a_refund_leaves_the_points_earned_at_completion(api, stack, factory):
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    sale = Sale(api, stack, factory)
    drain_order_events(stack)
    at(stack, days=8)
    assert hourly(stack)["completed"] >= 1
    assert sale.points()["balance"] == 200
    completed = drain_order_events(stack)  # the order.completed event is still on its way
    dispute = sale.dispute().json
    assert sale.respond(dispute["dispute_id"], "reject").json["status"] == "awaiting_buyer"
    sale.buyer_step(dispute["dispute_id"], "escalate")
    body = {"refund_amount": 10000, "funded_by": "platform", "note": "Transit damage"}
    assert api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator).status == 200
    assert sale.points()["balance"] == 100

    assert not handle_records(completed)["batchItemFailures"]  # the base shrank since: earned once, nothing more
    mine = sale.points()
    assert mine["balance"] == 100
    assert [e["kind"] for e in mine["items"]].count("points.earned") == 1


def test_points_expire_twelve_months_after_earning_oldest_first(api, stack, factory):
    buyer = factory.user("buyer")
    user = api.get("/v1/me", token=buyer).json["user_id"]
    points.grant(stack.trust, stack.ledger, user, 100, "old", now=iso(T0))
    points.grant(stack.trust, stack.ledger, user, 50, "new", now=iso(T0 + dt.timedelta(days=200)))
    points.debit(stack.ledger, user, 120, "spent-1", "points.redeemed", now=iso(T0 + dt.timedelta(days=210)))
    at(stack, days=550)
    assert api.get("/v1/me/points", token=buyer).json["expiring_soon"] == [
        {"points": 30, "expires_at": iso(T0 + dt.timedelta(days=200)).replace("2026-11-20", "2027-11-20")}
    ]
    at(stack, days=366)
    hourly(stack)
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 30  # the old lot was already spent
    at(stack, days=566)
    hourly(stack)
    assert api.get("/v1/me/points", token=buyer).json["balance"] == 0


# --- reviews -----------------------------------------------------------------------------------------------------


def review(api, sale, rating, token=None):
    path = f"/v1/orders/{sale.order['order_id']}/lines/{sale.line}/review"
    return api.post(path, {"rating": rating, "text": "Nice"}, token=token or sale.buyer)


def test_reviews_are_verified_once_per_line_and_ratings_follow_hiding(api, stack, factory):
    sale = Sale(api, stack, factory)
    shipped = Sale(api, stack, factory, deliver=False)
    assert_api_error(review(api, shipped, 5), 409, "not_delivered")
    assert review(api, sale, 5, token=shipped.buyer).status == 404
    created = review(api, sale, 4)
    assert created.status == 201, created
    assert_api_error(review(api, sale, 5), 409, "already_reviewed")

    sf, pid = "handicrafts", sale.product["product_id"]
    page = api.get(f"/v1/storefronts/{sf}/products/{pid}/reviews?sort=rating").json
    assert [r["rating"] for r in page["items"]] == [4]
    assert api.get(f"/v1/storefronts/{sf}/products/{pid}").json["rating"] == {"average": "4.0", "count": 1}
    cards = api.get(f"/v1/storefronts/{sf}/products?limit=100").json["items"]
    assert next(c for c in cards if c["product_id"] == pid)["rating"] == {"average": "4.0", "count": 1}
    trust = api.get(f"/v1/shops/{sale.shop['shop_id']}/trust").json
    assert trust["rating"]["count"] == 1 and trust["disputes"]["orders"] == 1

    rid = created.json["review_id"]
    replied = api.post(f"/v1/shops/{sale.shop['shop_id']}/reviews/{rid}/reply", {"text": "Thanks"}, token=sale.seller)
    assert replied.status == 200 and replied.json["reply"]["text"] == "Thanks"
    twice = api.post(f"/v1/shops/{sale.shop['shop_id']}/reviews/{rid}/reply", {"text": "Again"}, token=sale.seller)
    assert_api_error(twice, 409, "already_replied")
    asked = api.post(
        f"/v1/shops/{sale.shop['shop_id']}/reviews/{rid}/hide-request", {"reason": "Spam"}, token=sale.seller
    )
    assert asked.json["hide_request"]["reason"] == "Spam"
    hidden = api.post(f"/v1/admin/reviews/{rid}/hide", {"reason": "Spam"}, token=factory.operator)
    assert hidden.status == 200 and hidden.json["status"] == "hidden"
    assert api.get(f"/v1/storefronts/{sf}/products/{pid}/reviews").json["items"] == []
    assert api.get(f"/v1/storefronts/{sf}/products/{pid}").json["rating"] is None
    assert api.get(f"/v1/shops/{sale.shop['shop_id']}/trust").json["rating"]["count"] == 0


def test_every_dispute_step_is_notified_to_the_party_it_concerns(api, stack, factory):
    from chalicelib.events.order_events import handle_records
    from tests.support import drain_order_events

    sale = Sale(api, stack, factory)
    dispute = sale.dispute().json
    sale.respond(dispute["dispute_id"], "reject")
    sale.buyer_step(dispute["dispute_id"], "escalate")
    body = {"refund_amount": 5000, "funded_by": "seller", "note": "Half"}
    assert api.post(f"/v1/admin/disputes/{dispute['dispute_id']}/decide", body, token=factory.operator).status == 200
    assert not handle_records(drain_order_events(stack))["batchItemFailures"]

    def messages(token):
        return [n["message"] for n in api.get("/v1/me/notifications?limit=100", token=token).json["items"]]

    order_id = sale.order["order_id"]
    seller, buyer = messages(sale.seller), messages(sale.buyer)
    assert f"A dispute was opened on order {order_id}: please answer within 3 days" in seller
    assert f"The dispute on order {order_id} went to Bazaar's operators" in seller
    assert f"Bazaar decided the dispute on order {order_id}" in seller
    assert f"The shop answered your dispute on order {order_id}" in buyer
    assert f"Bazaar decided your dispute on order {order_id}" in buyer
    assert f"Your dispute on order {order_id} is refunded" in buyer
