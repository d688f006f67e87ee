"""Property test of a village partner's money (issue 11), on the in-memory ledger with the real postings
(domain/assisted.py, domain/remittances.py): random sequences of assisted orders handed over (cash on pickup or
paid by the partner), goods returned at the village, remittances (some beyond the cash on hand) and the county's
confirmations with random counts. Whatever the sequence: every account's balance is the sum of its entries
and agrees with a simple model; the ledger sums to zero; the cash never goes below zero; every fee given back
never exceeds the fee."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.assisted import fee_reversed, handover_posting
from chalicelib.domain.ledger import Account, InsufficientFunds
from chalicelib.domain.orders import Order, OrderLine
from chalicelib.domain.remittances import confirmed, confirmed_posting, new_remittance, sent_posting
from tests.fakes import InMemoryLedger

AT = "2026-06-01T12:00:00.000Z"
VILLAGE, COUNTY = "vil_p", "cty_p"
ACCOUNTS = [
    Account.village(VILLAGE, "cash"),
    Account.village(VILLAGE, "fees"),
    Account.village(VILLAGE, "remittances"),
    Account.county(COUNTY, "cash"),
    Account.county(COUNTY, "variance"),
    Account.external("cash"),
]


def _order(n: int, quantity: int, price: int, fee: int, payment: str) -> Order:
    line = OrderLine(line_id=f"o{n}-1", product_id="p", title="t", quantity=quantity, unit_amount=price,
                     currency="CNY", attributes={})  # fmt: skip
    return Order(
        order_id=f"o{n}", checkout_id="c", buyer_id="partner", seller_id="s", shop_id="sh", shop_name="S",
        storefront="handicrafts", status="delivered", lines=(line,), currency="CNY", delivery={},
        payment_method="cash_on_delivery", created_at=AT, updated_at=AT, delivered_at=AT,
        assisted={"placed_by": "partner", "village_id": VILLAGE, "villager_id": "v", "payment": payment,
                  "service_fee": fee},
    )  # fmt: skip


STEP = st.one_of(
    st.tuples(
        st.just("order"),
        st.integers(1, 5),
        st.integers(1, 30_000),
        st.integers(0, 2_000),
        st.sampled_from(["cash_on_pickup", "paid_by_partner"]),
    ),  # fmt: skip
    st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 3)),
    st.tuples(st.just("remit"), st.integers(1, 200_000)),
    st.tuples(st.just("confirm"), st.integers(0, 20), st.integers(-5_000, 5_000)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=40))
def test_the_partners_money_always_adds_up(steps):
    ledger = InMemoryLedger()
    orders: list[Order] = []
    pending: list = []
    model = {str(a): 0 for a in ACCOUNTS}
    fees_given: dict[str, int] = {}

    def book(posting) -> None:
        ledger.post(posting)
        for e in posting.entries:
            model[str(e.account)] = model.get(str(e.account), 0) + e.amount

    for n, step in enumerate(steps):
        if step[0] == "order":
            _, quantity, price, fee, payment = step
            order = _order(n, quantity, price, fee, payment)
            posting = handover_posting(order, AT)
            if posting is not None:
                book(posting)
            orders.append(order)
        elif step[0] == "return" and orders:
            _, pick, quantity = step
            order = orders[pick % len(orders)]
            line = order.lines[0]
            left = line.quantity - order.returned.get(line.line_id, 0)
            if left <= 0:
                continue
            after = {line.line_id: order.returned.get(line.line_id, 0) + min(quantity, left)}
            posting = fee_reversed(order, after, f"r{n}", AT)
            if posting is not None:
                book(posting)
                fees_given[order.order_id] = fees_given.get(order.order_id, 0) + posting.entries[0].amount * -1
            orders[pick % len(orders)] = replace(order, returned=after)
        elif step[0] == "remit":
            r = new_remittance(f"r{n}", VILLAGE, COUNTY, "partner", "V", step[1], currency="CNY", now=AT)
            try:
                book(sent_posting(r))
            except InsufficientFunds:
                assert step[1] > model[str(Account.village(VILLAGE, "cash"))]
                continue
            pending.append(r)
        elif step[0] == "confirm" and pending:
            r = pending.pop(step[1] % len(pending))
            received = max(0, r.amount + step[2])
            book(confirmed_posting(confirmed(r, received, "staff", AT)))

    total = 0
    for account in ACCOUNTS:
        balance = ledger.balance(account, "CNY").amount
        entries, start = [], None
        while True:
            page = ledger.entries(account, "CNY", newest_first=False, limit=100, start=start)
            entries += page.items
            start = page.last_key
            if not start:
                break
        assert balance == sum(e.amount for e in entries) == model[str(account)], str(account)
        total += balance
    assert total == 0
    assert model[str(Account.village(VILLAGE, "cash"))] >= 0
    for order in orders:
        assert fees_given.get(order.order_id, 0) <= (order.assisted or {}).get("service_fee", 0)
    in_transit = sum(r.amount for r in pending)
    assert model[str(Account.village(VILLAGE, "remittances"))] == in_transit
