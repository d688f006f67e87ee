"""Demo sales for the dashboards (issue 17): weeks of orders that were paid, shipped, delivered, sometimes
returned or cancelled, completed and paid out, so `/seller` and `/admin` show something under `make run`.

Everything goes through the use cases (chalicelib.services), with the seeding container's clock moved forward
day by day from `DAYS` ago to now (never past now: the ledger books in time order). The weekly payout runs go
through the bank simulator (`make run` starts it), which settles them; the status poll records the results.
The order events are then handed to the order-events consumer, as the queue would, so the counters are there
when the app starts. Deterministic (a seeded random generator): every `make run` shows the same shapes.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

DAYS = 56  # eight weeks
SEED = 17
DEMO_SHOP = "Hotan Jujube Cooperative"  # the demo seller's shop the seller dashboard opens on
FAILING_ACCOUNT = "6228480012340000"  # the bank simulator fails transfers to accounts ending in 0000
GOOD_ACCOUNT = "6228480012345678901"
ADDRESS = {
    "name": "Dilnur Abdulla",
    "phone": "+86 998 555 0142",
    "lines": ["7 Jiefang North Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}


@dataclass
class Plan:
    """One demo order and the days (after it was placed) of its next steps."""

    order_id: str
    shop_id: str
    seller: Any
    payment: str
    pay: int | None
    ship: int | None
    deliver: int | None
    return_after: int | None = None
    receive_after: int | None = None
    cancel: int | None = None
    placed: dt.date = field(default_factory=dt.date.today)
    return_id: str | None = None
    done: set[str] = field(default_factory=set)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seed_sales(container, accounts: dict[str, str], log=print, *, bank_url: str | None = None) -> dict[str, int]:
    from chalicelib.api.presenters import buyer_order_public
    from chalicelib.domain.errors import DomainError
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.services import cart, checkout, commissions, order_lifecycle, payments, payouts, returns

    from .seed import BUYER, OPERATOR

    c = container
    real_clock = c.clock
    rng = random.Random(SEED)
    now = dt.datetime.fromisoformat(real_clock().replace("Z", "+00:00"))
    first_day = (now - dt.timedelta(days=DAYS)).date()
    counts: dict[str, int] = {"orders": 0, "completed": 0, "refunds": 0, "payouts": 0}

    buyer = Actor(accounts[BUYER], BUYER, frozenset({Role.BUYER}))
    operator = Actor(accounts[OPERATOR], OPERATOR, frozenset({Role.OPERATOR}))
    sellers = {email: Actor(uid, email, frozenset({Role.SELLER})) for email, uid in accounts.items()}

    # every active shop with its live products; the demo seller's shop is the busiest
    catalogue = []
    for actor in sellers.values():
        for shop in c.catalog.shops_by_owner(actor.user_id, 50, None).items:
            if shop.status != "active":
                continue
            products = [p for p in c.catalog.shop_products(shop.shop_id, 50, None).items if p.status == "active"]
            if products:
                weight = 10 if shop.name == DEMO_SHOP else (1 if shop.storefront == "b2b" else 3)
                catalogue.append((shop, actor, products, weight))
    if not catalogue:
        return counts
    by_name = {shop.name: (shop, actor) for shop, actor, _, _ in catalogue}

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)

    def move(moment: dt.datetime) -> str:
        stamp = _iso(moment)
        c.clock = lambda: stamp
        return stamp

    def quantity(product) -> int:
        if product.storefront != "b2b":
            return rng.choice((1, 1, 1, 2, 2, 3))
        attrs = product.attributes
        return int(attrs["moq"]) + int(attrs.get("order_multiple") or 1) * rng.choice((0, 0, 1))

    plans: list[Plan] = []
    started = time.monotonic()
    try:
        # the operator's commission in force from the start (handicrafts 8 %, at least 5.00); a payout account
        # for the demo seller's shops: the first run's transfer fails (a closed account), then it is corrected
        move(at(first_day, 7))
        commissions.set_commission(c.finance, operator, "handicrafts", 800, 500, "CNY", now=c.clock())
        for name in (DEMO_SHOP, "Khotan Atlas Silk Workshop", "Aksu Long-Staple Cotton Co."):
            if name in by_name:
                number = FAILING_ACCOUNT if name == DEMO_SHOP else GOOD_ACCOUNT
                _details(c, by_name[name], number, payouts)
        day = first_day
        while at(day, 0) <= now:
            if day.weekday() == 0 and at(day, 2) <= now and day > first_day:
                move(at(day, 2))
                report = payouts.run_payouts(c.catalog, c.finance, c.ledger, c.payouts, c.buying, now=c.clock())
                counts["payouts"] += report.counts.get("created", 0)
                _settle(c, bank_url, payouts)
                if DEMO_SHOP in by_name and day > first_day + dt.timedelta(days=14):
                    _details(c, by_name[DEMO_SHOP], GOOD_ACCOUNT, payouts)  # the seller fixed their details
            if at(day, 9) <= now:
                move(at(day, 9, rng.randrange(0, 50)))
                weekend = day.weekday() >= 5
                for _ in range(rng.choice((0, 1, 1, 2) if not weekend else (0, 1))):
                    shop, seller, products, _ = rng.choices(catalogue, weights=[w for *_, w in catalogue])[0]
                    product = rng.choice(products)
                    payment = rng.choice(("bank_transfer", "bank_transfer", "cash_on_delivery", "card"))
                    cart.empty(c.buying, buyer)
                    try:
                        # issue 15: a personalised piece or a product out of season is refused here: skipped
                        cart.set_quantity(c.buying, buyer, product.product_id, quantity(product), now=c.clock())
                        result, _ = checkout.checkout(
                            c.buying,
                            buyer,
                            f"demo-{uuid.uuid4().hex}",
                            {"delivery": ADDRESS, "payment_method": payment},
                            now=c.clock(),
                            new_id=c.new_id,
                            present_order=buyer_order_public,
                        )
                    except DomainError:
                        continue
                    counts["orders"] += 1
                    cancel = rng.random() < 0.06 and payment != "cash_on_delivery"
                    plan = Plan(
                        order_id=result["orders"][0]["order_id"],
                        shop_id=shop.shop_id,
                        seller=seller,
                        payment=payment,
                        pay=None if cancel else (rng.choice((0, 1)) if payment != "cash_on_delivery" else None),
                        ship=None if cancel else rng.choice((1, 2)),
                        deliver=None if cancel else rng.choice((3, 4, 5)),
                        cancel=1 if cancel else None,
                        placed=day,
                    )
                    # returns only of orders paid outside the card provider (demo card payments never
                    # reached it, so it could not refund them)
                    if plan.deliver is not None and payment != "card" and rng.random() < 0.12:
                        plan.return_after = plan.deliver + rng.choice((1, 2, 3))
                        plan.receive_after = plan.return_after + rng.choice((3, 5, 9))
                    plans.append(plan)
            if at(day, 10) <= now:
                move(at(day, 10, 30))
                for plan in plans:
                    _advance(c, plan, (day - plan.placed).days, buyer, counts, order_lifecycle, payments, returns)
            if at(day, 12) <= now:
                move(at(day, 12))
                while done := order_lifecycle.complete_due(c.buying, c.ledger, c.finance, now=c.clock(), trust=c.trust)[
                    "done"
                ]:  # issue 13: completion earns the buyer's points
                    counts["completed"] += done
            day += dt.timedelta(days=1)
    finally:
        c.clock = real_clock
    _trust_demo(c, plans, buyer, rng, counts)
    sales = time.monotonic() - started
    _consume_events(c)
    log(
        f"seeded {counts['orders']} demo orders over {DAYS} days ({counts['completed']} completed, "
        f"{counts['refunds']} refunded, {counts.get('reviews', 0)} reviewed) and {counts['payouts']} payouts in "
        f"{sales:.1f} s, their events counted "
        f"in {time.monotonic() - started - sales:.1f} s"
    )
    return counts


def _advance(c, plan: Plan, age: int, buyer, counts, order_lifecycle, payments, returns) -> None:
    """The plan's steps that are due `age` days after the order was placed, once each."""
    from chalicelib.domain.errors import DomainError

    def due(step: str, day: int | None) -> bool:
        return day is not None and age >= day and step not in plan.done

    try:
        if due("cancel", plan.cancel):
            plan.done.add("cancel")
            order_lifecycle.cancel(
                c.buying, c.ledger, buyer, plan.order_id, now=c.clock(), trust=c.trust, coupon_store=c.coupons
            )
            return
        if due("pay", plan.pay):
            plan.done.add("pay")
            if plan.payment == "card":
                order = c.buying.get_order(plan.order_id)
                event = {
                    "event_id": f"evt_demo_{plan.order_id}",
                    "type": "payment.succeeded",
                    "order_id": plan.order_id,
                    "amount": {"amount": order.amount_due, "currency": order.currency},  # a pre-sale's deposit
                }
                payments.payment_event(c.buying, c.ledger, event, now=c.clock())
            else:
                order_lifecycle.mark_paid(
                    c.catalog, c.buying, c.ledger, plan.seller, plan.shop_id, plan.order_id, now=c.clock()
                )
        if due("ship", plan.ship) and ("pay" in plan.done or plan.payment == "cash_on_delivery"):
            plan.done.add("ship")
            order_lifecycle.ship(
                c.catalog, c.buying, plan.seller, plan.shop_id, plan.order_id, "China Post",
                f"CP{plan.order_id[-9:].upper()}CN", now=c.clock(),
            )  # fmt: skip
        if due("deliver", plan.deliver) and "ship" in plan.done:
            plan.done.add("deliver")
            order_lifecycle.deliver(c.catalog, c.buying, plan.seller, plan.shop_id, plan.order_id, now=c.clock())
            if plan.payment == "cash_on_delivery":  # the courier brings the cash back
                order_lifecycle.mark_paid(
                    c.catalog, c.buying, c.ledger, plan.seller, plan.shop_id, plan.order_id, now=c.clock()
                )
        if due("return", plan.return_after) and "deliver" in plan.done:
            plan.done.add("return")
            order = c.buying.get_order(plan.order_id)
            line = order.lines[0]
            ret = returns.request_return(
                c.buying, buyer, plan.order_id, [{"line_id": line.line_id, "quantity": 1}], "not as expected",
                now=c.clock(), return_id=c.new_id("ret"),
            )  # fmt: skip
            plan.return_id = ret.return_id
        if due("receive", plan.receive_after) and plan.return_id:
            plan.done.add("receive")
            returns.receive_return(
                c.catalog, c.buying, c.ledger, plan.seller, plan.shop_id, plan.return_id, now=c.clock()
            )
            counts["refunds"] += 1
    except DomainError:
        plan.done.update({"pay", "ship", "deliver", "return", "receive", "cancel"})  # a demo order left as it is


REVIEW_TEXTS = (
    "Exactly as pictured, and well packed.",
    "Good quality, a little slower to arrive than I hoped.",
    "Lovely work, I will order again.",
    "Fine, but smaller than I expected.",
)


def _trust_demo(c, plans: list[Plan], buyer, rng: random.Random, counts: dict[str, int]) -> None:
    """Issue 13: the demo buyer reviews some delivered orders (ratings on cards and pages) and opens one dispute
    on a recent delivery (the seller's to answer); points were earned at completion above."""
    from chalicelib.domain.errors import DomainError
    from chalicelib.services import disputes, reviews

    counts.setdefault("reviews", 0)
    delivered = [p for p in plans if "deliver" in p.done and not p.return_id]
    disputed = False
    for plan in reversed(delivered):
        order = c.buying.get_order(plan.order_id)
        if order is None or not order.delivered_at:
            continue
        line = order.lines[0]
        try:
            if not disputed and order.status == "delivered":
                body = {"lines": [{"line_id": line.line_id, "quantity": 1}], "reason": "damaged",
                        "description": "One of them arrived crushed in the box.", "evidence": []}  # fmt: skip
                disputes.open_dispute(c.buying, c.trust, buyer, plan.order_id, body, now=c.clock(),
                                      new_id=c.new_id)  # fmt: skip
                disputed = True
                continue
            if rng.random() < 0.6:
                body = {"rating": rng.choice((3, 4, 4, 5, 5, 5)), "text": rng.choice(REVIEW_TEXTS), "photos": []}
                reviews.create_review(c.buying, c.trust, c.catalog, buyer, plan.order_id, line.line_id, body,
                                      now=c.clock())  # fmt: skip
                counts["reviews"] += 1
        except DomainError:
            continue  # outside its window, or done already: the demo goes on


def _details(c, shop_and_seller, number: str, payouts) -> None:
    shop, seller = shop_and_seller
    details = {"holder_name": "Aygul Tursun", "bank_name": "Agricultural Bank of China", "account_number": number}
    payouts.set_payout_account(c.catalog, c.finance, seller, shop.shop_id, details, now=c.clock())


def _settle(c, bank_url: str | None, payouts) -> None:
    """The bank settles this run's transfers; the status poll records what it says (its callbacks, which
    reach the app once it is up, then change nothing)."""
    if not bank_url:
        return
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the local simulator
        f"{bank_url}/_simulator/settle",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {c.settings.payout_provider_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass
    payouts.poll_open_payouts(c.finance, c.ledger, c.payouts, c.buying, now=c.clock())


def _consume_events(c) -> None:
    """The order events of the demo, published from the outbox (as the sweeper would) and handed to the
    order-events consumer as the queue would (so the dashboards' counters are complete when the app starts). The
    sweep is run as of the end of its grace period, so the seed's newest events (issue 10's pickup orders, made
    moments ago) are published too: the local stack's relay starts after them."""
    from chalicelib.domain.events import SWEEP_GRACE_SECONDS
    from chalicelib.events.order_events import handle_records
    from chalicelib.services import outbox

    sqs, url = c.events._sqs, c.events._url
    while True:
        later = dt.datetime.fromisoformat(c.clock().replace("Z", "+00:00")) + dt.timedelta(
            seconds=SWEEP_GRACE_SECONDS + 1
        )
        swept = outbox.sweep(c.outbox, c.events, c.metrics, now=_iso(later), stage=c.settings.stage, limit=500)
        _drain(c, handle_records, sqs, url)
        if not swept["published"]:
            return


def _drain(c, handle_records, sqs, url) -> None:
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        handle_records([{"messageId": m["MessageId"], "body": m["Body"]} for m in messages])
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
