"""Property tests of the points programme (issue 13) on DynamoDB (moto): the services' own postings and lots.

Random sequences of points earned (with their lots), redeemed at checkout (the checkout's posting, some of
them replayed with the same Idempotency-Key, some more than the balance holds), reversed on a return (as far
as the balance still holds them), and time passing with the hourly expiry job run after each wait. A simple
model spends the oldest points first and expires what is left of a lot 12 months after it was earned.
Whatever the sequence:
- a redemption over the balance is refused (409 insufficient_balance) and changes nothing; a replay posts nothing;
- the balance is the model's after every step, and never below zero;
- the expiry job takes exactly what the model says is left of the expired lots, oldest first;
- at the end the balance is the sum of the user's entries, each running balance chains and none is negative,
  and the user's account plus the points issuer sum to zero.
"""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib.domain.ledger import POINTS, Account, InsufficientFunds
from chalicelib.domain.trust import iso, plus_months
from chalicelib.services import points

START = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 500)),
        st.tuples(st.just("redeem"), st.integers(1, 800)),
        st.tuples(st.just("replay"), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(1, 400)),
        st.tuples(st.just("wait"), st.integers(1, 200)),
    ),
    min_size=1,
    max_size=25,
)


class Model:
    """Lots as [earned_at, expires_at, left], oldest first; every debit spends the oldest points first."""

    def __init__(self) -> None:
        self.lots: list[list] = []

    @property
    def balance(self) -> int:
        return sum(lot[2] for lot in self.lots)

    def earn(self, amount: int, now: str) -> None:
        self.lots.append([now, plus_months(now, 12), amount])

    def spend(self, amount: int) -> None:
        for lot in self.lots:
            take = min(lot[2], amount)
            lot[2] -= take
            amount -= take
        assert amount == 0

    def expire(self, now: str) -> int:
        gone = 0
        for lot in self.lots:
            if lot[1] <= now:
                gone += lot[2]
                lot[2] = 0
        return gone


def _entries(ledger, account: str, currency: str) -> list:
    out, start = [], None
    while True:
        page = ledger.entries(account, currency, newest_first=False, limit=100, start=start)
        out += page.items
        start = page.last_key
        if not start:
            return out


def run(container, ops) -> None:
    trust, ledger, buying = container.trust, container.ledger, container.buying
    user = f"usr_{uuid.uuid4().hex[:12]}"
    account = points.account(user)
    model, moment, last = Model(), START, None
    issuer_before = ledger.balance(Account.external("points"), POINTS).amount
    for step, (op, n) in enumerate(ops):
        now = iso(moment)
        if op == "earn":
            points.credit(trust, ledger, user, n, f"points-earned:{user}-{step}", "points.earned", now=now)
            model.earn(n, now)
        elif op == "redeem":
            last = points.redemption_posting(user, f"{user}#checkout-{step}", n, now)
            try:
                ledger.post(last)
            except InsufficientFunds:
                assert n > model.balance, (step, n, model.balance)
                last = None
            else:
                assert n <= model.balance, (step, n, model.balance)
                model.spend(n)
        elif op == "replay" and last is not None:
            assert ledger.post(last).replayed  # the replayed checkout: the same posting, nothing spent again
        elif op == "reverse":
            taken = min(n, model.balance)
            points.debit(ledger, user, n, f"points-earned-reversed:{user}-{step}:ret", "points.reversed", now=now)
            model.spend(taken)
        elif op == "wait":
            moment += dt.timedelta(days=n)
            now = iso(moment)
            expired = points.expire_due(trust, buying, ledger, now=now)["points"]
            assert expired == model.expire(now), (step, now)
        balance = ledger.balance(account, POINTS).amount
        assert balance == model.balance >= 0, (step, op, n, balance, model.balance)
    entries = _entries(ledger, str(account), POINTS)
    assert sum(e.amount for e in entries) == model.balance
    running = 0
    for e in entries:
        running += e.amount
        assert e.balance_after == running >= 0
    issuer = ledger.balance(Account.external("points"), POINTS).amount
    assert issuer - issuer_before + model.balance == 0  # the issuer holds the other side of everything


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.generate])
@given(operations)
def test_points_balance_is_the_sum_of_its_entries_never_negative_and_expires_oldest_first(ops):
    from tests.support import moto_aws_stack

    with moto_aws_stack() as container:
        run(container, ops)


def test_a_redemption_replayed_with_its_key_spends_nothing_more_and_what_is_left_of_a_lot_expires():
    from tests.support import moto_aws_stack

    with moto_aws_stack() as container:
        run(container, [("earn", 300), ("redeem", 200), ("replay", 0), ("replay", 0), ("redeem", 200)])
    with moto_aws_stack() as container:  # 40 of the first lot expire at 12 months, the later 10 stay
        run(container, [("earn", 100), ("wait", 200), ("redeem", 60), ("wait", 170), ("earn", 10), ("wait", 10)])
