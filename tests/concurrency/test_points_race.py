"""Races on the points programme (issue 13) against a moto server with atomic requests (tests/concurrency/harness.py).

- 20 checkouts' redemptions (the posting checkout commits with its orders, `points.redemption_posting`) at the
  same instant from one balance of 250 points, 25 each with 20 different Idempotency-Keys: exactly 10 apply,
  10 are refused as insufficient, the balance ends at 0 and no running balance is ever negative;
- 20 credits (points earned on 20 orders) at the same instant to one user: each applies once or answers 503
  having written nothing (it lost the line 8 times), and applies when retried; the lots' FIFO positions end
  exactly 1..20 x their amount (no two lots claim one place in the line: a credit that read a stale line retries).

What shows the harness sees races at all is the wrong-on-purpose control of tests/concurrency/test_ledger_race.py
(the same server and threads). Figures are printed (`pytest -s tests/concurrency`).
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.ledger import POINTS, InsufficientFunds
from chalicelib.services import points
from tests.concurrency.harness import locked_moto_stack, overlapped, run_together

THREADS = 20
AT = "2026-06-01T12:00:00.000Z"


@pytest.fixture(scope="module")
def stack():
    with locked_moto_stack() as stack:
        yield stack


def _entries(ledger, user: str) -> list:
    out, start = [], None
    while True:
        page = ledger.entries(str(points.account(user)), POINTS, newest_first=False, limit=100, start=start)
        out += page.items
        if not page.last_key:
            return out
        start = page.last_key


def test_twenty_concurrent_checkout_redemptions_never_overspend_one_balance(stack):
    user = f"usr_{uuid.uuid4().hex[:12]}"
    points.credit(stack.trust, stack.ledger, user, 250, f"points-earned:ord_{user}", "points.earned", now=AT)

    def redeem(i: int) -> str:
        try:
            posted = stack.ledger.post(points.redemption_posting(user, f"{user}#key-{i}", 25, AT))
        except InsufficientFunds:
            return "insufficient"
        return "replayed" if posted.replayed else "applied"

    outcomes = run_together(THREADS, redeem)
    results = Counter(o.value for o in outcomes)
    entries = _entries(stack.ledger, user)
    balance = stack.ledger.balance(points.account(user), POINTS).amount
    print(f"\n[points redemption race] {dict(results)}, balance={balance}, overlapped={overlapped(outcomes)}")
    assert overlapped(outcomes), "the redemptions did not run at the same time"
    assert results == {"applied": 10, "insufficient": 10}, results
    assert balance == 0
    assert len(entries) == 11 and all(e.balance_after >= 0 for e in entries)


def test_twenty_concurrent_credits_each_get_their_own_place_in_the_fifo_line(stack):
    """A credit that keeps losing the race answers 503 (retry) having written nothing; retried, it applies."""
    user = f"usr_{uuid.uuid4().hex[:12]}"

    def earn(i: int) -> str:
        try:
            posted = points.credit(
                stack.trust, stack.ledger, user, 10, f"points-earned:ord_{user}_{i}", "points.earned", now=AT
            )
        except ServiceUnavailable:
            return "busy"
        return "replayed" if posted is None or posted.replayed else "applied"

    outcomes = run_together(THREADS, earn)
    results = Counter(o.value for o in outcomes)
    applied = results["applied"]
    assert set(results) <= {"applied", "busy"} and applied >= 1, results
    assert (
        stack.ledger.balance(points.account(user), POINTS).amount == 10 * applied == stack.trust.points_credited(user)
    )
    for o in outcomes:  # what the completion job's next run does
        if o.value == "busy":
            assert earn(o.index) == "applied"
    lots = stack.trust.lots_earned_between(user, "2026-01-01", "2027-01-01", 100)
    balance = stack.ledger.balance(points.account(user), POINTS).amount
    print(f"\n[points credit race] {dict(results)} then retried, lots={len(lots)}, balance={balance}")
    assert balance == 200 == stack.trust.points_credited(user)
    assert sorted(lot.credited_through for lot in lots) == [10 * (i + 1) for i in range(THREADS)]
