"""Property tests of sellers' money (issue 17), on the in-memory fakes and on DynamoDB (moto).

Random sequences of sales (paid, shipped, delivered), paid orders cancelled, returns refunded before and after
completion, completions under random commission terms (some retried from a stale read), dispute debits, payout
details changed, weekly payout runs whose transfers the bank pays or fails, and runs that crash after the bank
accepted a transfer and are run again. Whatever the sequence, through the real services (services/settlement.py,
services/payouts.py) and domain rules:
- every shop's pending and available balance, and the platform's commission, are what a simple model says;
- every balance is the sum of its entries, and the ledger sums to zero;
- a month's statement's lines (all pages) sum to closing - opening, and months chain;
- the bank paid each payout at most once, and paid exactly what the payouts marked paid say; payouts never take an
  available balance below zero (only a dispute debit, or a refund after the money was paid out, may).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib.domain.catalog import Shop
from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.ledger import Account
from chalicelib.domain.orders import Order, OrderLine, Refund, TimelineEntry
from chalicelib.domain.seller_money import CommissionTerms, available, pending
from chalicelib.services import payouts, settlement
from chalicelib.services.ports import Write
from tests.fakes import (
    InMemoryBank,
    InMemoryCatalogRepository,
    InMemoryFinanceRepository,
    InMemoryLedger,
    InMemoryWrite,
)

SHOPS = ("shp_a", "shp_b", "shp_c")
CUR = "CNY"
START = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)  # a Monday
GOOD, CLOSED = "6228480012345678901", "6228480012340000"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeOrders:
    """The part of the BuyingRepository port the money services use, in a dict (version-checked writes)."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.notes: dict[tuple[str, str], dict] = {}

    def insert(self, order: Order) -> None:
        self.orders[order.order_id] = order

    def get_order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def order_writes(self, order, expected_version, *, event, restock=None, claim_key=None, ret=None,
                     expected_return_version=None, extra=(), event_facts=None):  # fmt: skip
        new = replace(order, version=expected_version + 1)

        def check() -> bool:
            current = self.orders.get(order.order_id)
            return current is not None and current.version == expected_version

        def apply() -> None:
            self.orders[order.order_id] = new

        return [Write(InMemoryWrite(check, apply), PreconditionFailed("stale", code="stale_order"))]

    def commit(self, writes) -> None:
        for w in writes:
            if not w.action.check():
                raise w.refused
        for w in writes:
            w.action.apply()

    def save_order(self, order, expected_version, *, event, **_):
        self.commit(self.order_writes(order, expected_version, event=event))
        return replace(order, version=expected_version + 1)

    def add_notification(self, user_id: str, created_key: str, body: dict) -> bool:
        return self.notes.setdefault((user_id, created_key), body) is body


class DynamoOrders:
    """The DynamoDB buying repository, plus a way to put an order in without a checkout."""

    def __init__(self, repo) -> None:
        self.repo = repo

    def insert(self, order: Order) -> None:
        from chalicelib.adapters.orders import _order_item, _put

        self.repo.commit([Write(_put(_order_item(order), "attribute_not_exists(order_id)"), Conflict("exists"))])

    def __getattr__(self, name):
        return getattr(self.repo, name)


@dataclass
class World:
    ledger: object
    orders: object
    finance: object
    catalog: object
    bank: InMemoryBank
    now: dt.datetime = START
    n: int = 0
    model_pending: dict = field(default_factory=lambda: dict.fromkeys(SHOPS, 0))
    model_available: dict = field(default_factory=lambda: dict.fromkeys(SHOPS, 0))
    model_commission: int = 0
    disputed: set = field(default_factory=set)
    made: list = field(default_factory=list)  # order ids
    all_payouts: Callable[[], list] = list  # every payout made

    @property
    def at(self) -> str:
        return iso(self.now)

    def next_id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n:04d}"


def _order(world: World, shop: str, unit: int, quantity: int, method: str) -> Order:
    order_id = world.next_id("ord")
    line = OrderLine(f"{order_id}-1", "prd_1", "Walnuts", quantity, unit, CUR, {})
    at = world.at
    return Order(
        order_id=order_id,
        checkout_id=world.next_id("chk"),
        buyer_id="usr_buyer",
        seller_id=f"usr_{shop}",
        shop_id=shop,
        shop_name=shop,
        storefront="handicrafts",
        status="pending_payment",
        lines=(line,),
        currency=CUR,
        delivery={},
        payment_method=method,
        created_at=at,
        updated_at=at,
        timeline=(TimelineEntry(at, "buyer", "placed", "pending_payment"),),
    )


def sale(world: World, shop: str, unit: int, quantity: int, deliver: bool = True) -> Order:
    order = _order(world, shop, unit, quantity, "bank_transfer")
    world.orders.insert(order)
    paid = settlement.record_payment(
        world.orders, world.ledger, order, order.mark_paid("seller", world.at), now=world.at
    )
    world.model_pending[shop] += order.total
    if not deliver:
        return paid
    shipped = world.orders.save_order(paid.ship("SF", "SF1", world.at), paid.version, event="order.shipped")
    delivered = world.orders.save_order(shipped.deliver(world.at), shipped.version, event="order.delivered")
    world.made.append(order.order_id)
    return delivered


def cancel(world: World, shop: str, unit: int) -> None:
    paid = sale(world, shop, unit, 1, deliver=False)
    cancelled = paid.cancel("buyer", world.at)
    cancelled = replace(cancelled, refunds=(Refund("cancellation", paid.total, world.at),))
    settlement.record_refund(
        world.orders, world.ledger, paid, cancelled, paid.total, "cancellation", now=world.at, event="order.cancelled"
    )
    world.model_pending[shop] -= paid.total


def refund_some(world: World, index: int, quantity: int) -> None:
    if not world.made:
        return
    order = world.orders.get_order(world.made[index % len(world.made)])
    line = order.lines[0]
    left = line.quantity - order.returned.get(line.line_id, 0)
    quantity = min(quantity, left)
    if quantity <= 0:
        return
    amount = line.unit_amount * quantity
    return_id = world.next_id("ret")
    refunded = replace(
        order,
        returned={line.line_id: order.returned.get(line.line_id, 0) + quantity},
        refunds=(*order.refunds, Refund(return_id, amount, world.at)),
        updated_at=world.at,
    )
    before = order.commission
    after = settlement.record_refund(
        world.orders, world.ledger, order, refunded, amount, return_id, now=world.at, event="order.refunded"
    )
    if before is None:
        world.model_pending[order.shop_id] -= amount
    else:
        given_back = before["amount"] - after.commission["amount"]
        world.model_available[order.shop_id] -= amount - given_back
        world.model_commission -= given_back
        if world.model_available[order.shop_id] < 0:  # refunded after its money was paid out: the seller owes it
            world.disputed.add(order.shop_id)


def complete(world: World, index: int, bp: int, minimum: int, retry: bool) -> None:
    if not world.made:
        return
    order = world.orders.get_order(world.made[index % len(world.made)])
    if order.status != "delivered":
        return
    terms = CommissionTerms(bp, minimum, CUR)
    done = settlement.complete(world.orders, world.ledger, order, terms, now=world.at)
    assert done is not None
    if retry:  # a second sweep that read the order before the first committed
        assert settlement.complete(world.orders, world.ledger, order, terms, now=world.at) is None
    base = order.total - order.refunded
    commission = terms.amount(base, CUR)
    world.model_pending[order.shop_id] -= base
    world.model_available[order.shop_id] += base - commission
    world.model_commission += commission


def dispute(world: World, index: int, amount: int) -> None:
    completed = [o for o in world.made if world.orders.get_order(o).status == "completed"]
    if not completed:
        return
    order = world.orders.get_order(completed[index % len(completed)])
    dispute_id = world.next_id("dsp")
    settlement.debit_for_dispute(world.ledger, order, dispute_id, amount, now=world.at)
    settlement.debit_for_dispute(world.ledger, order, dispute_id, amount, now=world.at)  # a retry: once
    world.model_available[order.shop_id] -= amount
    world.disputed.add(order.shop_id)


def details(world: World, shop: str, failing: bool) -> None:
    from chalicelib.domain.identity import Actor, Role

    seller = Actor(f"usr_{shop}", f"{shop}@example.com", frozenset({Role.SELLER}))
    body = {"holder_name": "A Seller", "bank_name": "ABC", "account_number": CLOSED if failing else GOOD}
    payouts.set_payout_account(world.catalog, world.finance, seller, shop, body, now=world.at)


def run(world: World, crash: bool) -> None:
    class Crash(Exception):
        pass

    class CrashAfterTheBank:
        def send(self, request):
            world.bank.send(request)
            raise Crash()

        def status(self, transfer_id):
            return world.bank.status(transfer_id)

    before = {p.payout_id: p.status for p in world.all_payouts()}
    if crash:  # the run dies after the bank took a transfer (if any was due); the run below is its re-run
        with contextlib.suppress(Crash):
            payouts.run_payouts(
                world.catalog, world.finance, world.ledger, CrashAfterTheBank(), world.orders, now=world.at
            )
    payouts.run_payouts(world.catalog, world.finance, world.ledger, world.bank, world.orders, now=world.at)
    for key, status in world.bank.settle():
        payout = world.finance.get_payout(key)
        payouts.apply_status(world.finance, world.ledger, world.orders, payout, status, now=world.at)
        payouts.apply_status(world.finance, world.ledger, world.orders, payout, status, now=world.at)  # repeated
    for payout in world.all_payouts():  # the model: a payout takes its amount out of available; a failure gives it back
        if payout.payout_id not in before:
            world.model_available[payout.shop_id] -= payout.amount
        if payout.status == "failed" and before.get(payout.payout_id) != "failed":
            world.model_available[payout.shop_id] += payout.amount


amounts = st.integers(100, 50_000)
operations = st.one_of(
    st.tuples(st.just("sale"), st.sampled_from(SHOPS), amounts, st.integers(1, 4)),
    st.tuples(st.just("sale"), st.sampled_from(SHOPS), amounts, st.integers(1, 4)),
    st.tuples(st.just("cancel"), st.sampled_from(SHOPS), amounts),
    st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 3)),
    st.tuples(st.just("complete"), st.integers(0, 50), st.integers(0, 3_000), st.integers(0, 5_000), st.booleans()),
    st.tuples(st.just("complete"), st.integers(0, 50), st.integers(0, 3_000), st.integers(0, 5_000), st.booleans()),
    st.tuples(st.just("dispute"), st.integers(0, 50), st.integers(1, 20_000)),
    st.tuples(st.just("details"), st.sampled_from(SHOPS), st.booleans()),
    st.tuples(st.just("payout"), st.booleans()),
)
scenarios = st.lists(st.tuples(operations, st.integers(1, 80)), min_size=1, max_size=25)


def play(world: World, scenario) -> None:
    for op, hours in scenario:
        world.now += dt.timedelta(hours=hours)
        match op:
            case ("sale", shop, unit, quantity):
                sale(world, shop, unit, quantity)
            case ("cancel", shop, unit):
                cancel(world, shop, unit)
            case ("refund", index, quantity):
                refund_some(world, index, quantity)
            case ("complete", index, bp, minimum, retry):
                complete(world, index, bp, minimum, retry)
            case ("dispute", index, amount):
                dispute(world, index, amount)
            case ("details", shop, failing):
                details(world, shop, failing)
            case ("payout", crash):
                run(world, crash)
    check(world)


def all_entries(ledger, account, currency) -> list:
    entries, start = [], None
    while True:
        page = ledger.entries(account, currency, newest_first=False, limit=100, start=start)
        entries += page.items
        start = page.last_key
        if start is None:
            return entries


def check(world: World) -> None:
    ledger = world.ledger
    for shop in SHOPS:
        for account, expected in (
            (pending(shop), world.model_pending[shop]),
            (available(shop), world.model_available[shop]),
        ):
            balance = ledger.balance(account, CUR).amount
            assert balance == expected, (str(account), balance, expected)
            assert sum(e.amount for e in all_entries(ledger, account, CUR)) == balance
        if shop not in world.disputed:
            assert world.model_available[shop] >= 0
    commission = ledger.balance(Account.platform("commission"), CUR).amount
    assert commission == world.model_commission
    total = sum(ledger.balance(a, CUR).amount for s in SHOPS for a in (pending(s), available(s)))
    total += commission
    total += ledger.balance(Account.external("buyer-payments"), CUR).amount
    total += ledger.balance(Account.external("bank-payouts"), CUR).amount  # dispute debits went to the buyers
    assert total == 0, "the ledger does not sum to zero"

    # months: every statement's lines sum to its change, and each month opens where the last one closed
    months = []
    month = dt.date(START.year, START.month, 1)
    while iso(dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)) <= world.at:
        months.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for shop in SHOPS:
        closing = 0
        for first in months:
            nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            start, end = (
                iso(dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)),
                iso(dt.datetime(nxt.year, nxt.month, 1, tzinfo=dt.UTC)),
            )
            lines, cursor = [], None
            while True:
                statement = ledger.statement(available(shop), CUR, start, end, limit=7, start=cursor)
                lines += statement.entries
                cursor = statement.last_key
                if cursor is None:
                    break
            assert statement.opening == closing, (shop, first)
            assert sum(e.amount for e in lines) == statement.closing - statement.opening
            closing = statement.closing
        assert closing == world.model_available[shop]

    # the bank: one transfer per payout, and it paid what the paid payouts say
    made = world.all_payouts()
    assert world.bank.paid == sum(p.amount for p in made if p.status == "paid")
    assert set(world.bank.transfers) == {p.payout_id for p in made}, "a payout without its one transfer, or more"


def _shops(catalog) -> None:
    for shop in SHOPS:
        catalog.create_shop(
            Shop(
                shop_id=shop,
                owner_id=f"usr_{shop}",
                name=shop,
                slug=shop.replace("_", "-"),
                storefront="handicrafts",
                description="",
                region={"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
                status="active",
                created_at=iso(START),
                updated_at=iso(START),
                version=1,
            )
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.generate])
@given(scenarios)
def test_money_adds_up_whatever_happens_in_memory(scenario):
    catalog, ledger = InMemoryCatalogRepository(), InMemoryLedger()
    finance = InMemoryFinanceRepository(catalog, ledger)
    _shops(catalog)
    world = World(ledger, FakeOrders(), finance, catalog, InMemoryBank())
    world.all_payouts = lambda: list(finance.payouts.values())
    play(world, scenario)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.generate])
@given(scenarios)
def test_money_adds_up_whatever_happens_on_dynamodb(scenario):
    from tests.support import moto_aws_stack

    with moto_aws_stack() as container:
        _shops(container.catalog)
        world = World(container.ledger, DynamoOrders(container.buying), container.finance, container.catalog,
                      InMemoryBank())  # fmt: skip

        def all_payouts():
            found = []
            for shop in SHOPS:
                found += container.finance.shop_payouts(shop, 100, None).items
            return found

        world.all_payouts = all_payouts
        play(world, scenario)
