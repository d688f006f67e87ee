"""Property tests of the ledger (hypothesis), against the in-memory fake and the DynamoDB ledger on moto.

Random sequences of sales, completions net of commission, refunds, payouts that may not overdraw, cash
collected by a village partner, points earned and redeemed, replays of earlier postings, and clocks that go
back a little. Whatever the sequence:
- the ledger accepts or refuses each posting exactly as a simple model says (refused: an overdraft of points
  or of a payout; a replay changes nothing);
- every account's balance is the sum of its entries, and the model's;
- the whole ledger sums to zero per currency (on DynamoDB: every item of the table, read with a Scan);
- running balances chain entry after entry, and statements are consistent: opening + movements = closing for
  any period, and consecutive periods chain.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib.domain.ledger import (
    Account,
    InsufficientFunds,
    Posting,
    account_rules,
    basis_points,
    split,
    summarize,
    transfer,
)
from tests.fakes import InMemoryLedger

SHOPS = ("shp_a", "shp_b")
USERS = ("usr_a", "usr_b")
VILLAGE = "vil_a"
CURRENCIES = ("CNY", "RUB")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

BUYERS = Account.external("buyer-payments")
PAYOUTS = Account.external("bank-payouts")
CASH_IN = Account.external("cash")
POINTS_ISSUER = Account.external("points")
COMMISSION = Account.platform("commission")


def accounts() -> list[tuple[str, str]]:
    """Every (account, currency) a scenario can touch: the whole ledger of one example."""
    keys = [(str(Account.shop(s, p)), c) for s in SHOPS for p in ("pending", "available") for c in CURRENCIES]
    keys += [(str(Account.points(u)), "PTS") for u in USERS]
    keys += [(str(Account.village(VILLAGE, p)), "CNY") for p in ("cash", "fees")]
    keys += [(str(a), c) for a in (BUYERS, PAYOUTS, COMMISSION) for c in CURRENCIES]
    keys += [(str(CASH_IN), "CNY"), (str(POINTS_ISSUER), "PTS")]
    return keys


amounts = st.integers(min_value=1, max_value=2_000_000)
operations = st.one_of(
    st.tuples(st.just("sale"), st.sampled_from(SHOPS), st.sampled_from(CURRENCIES), amounts),
    st.tuples(st.just("complete"), st.sampled_from(SHOPS), st.sampled_from(CURRENCIES), amounts, st.integers(0, 3_000)),
    st.tuples(st.just("refund"), st.sampled_from(SHOPS), st.sampled_from(CURRENCIES), amounts),
    st.tuples(st.just("payout"), st.sampled_from(SHOPS), st.sampled_from(CURRENCIES), amounts),
    st.tuples(st.just("cash"), amounts, st.integers(0, 1_000)),
    st.tuples(st.just("earn"), st.sampled_from(USERS), st.integers(1, 5_000)),
    st.tuples(st.just("redeem"), st.sampled_from(USERS), st.integers(1, 5_000)),
    st.tuples(st.just("replay"), st.integers(0, 100)),
)
# seconds to the next step; a few steps go back (another Lambda's clock, a little behind)
steps = st.one_of(st.integers(0, 3 * 86_400), st.integers(-5, 0))
scenarios = st.lists(st.tuples(operations, steps), min_size=1, max_size=30)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(op: tuple, n: int, at: str) -> Posting:
    pid = f"{op[0]}-{n}"
    match op:
        case ("sale", shop, currency, amount):
            return transfer(
                pid,
                "order.paid",
                at,
                source=BUYERS,
                destination=Account.shop(shop, "pending"),
                amount=amount,
                currency=currency,
                refs={"order_id": f"ord_{n}"},
            )
        case ("complete", shop, currency, amount, bp):
            commission = basis_points(amount, bp)
            shares = {Account.shop(shop, "available"): amount - commission, COMMISSION: commission}
            return split(
                pid,
                "order.completed",
                at,
                source=Account.shop(shop, "pending"),
                shares=shares,
                currency=currency,
                refs={"order_id": f"ord_{n}"},
            )
        case ("refund", shop, currency, amount):
            return transfer(
                pid,
                "order.refunded",
                at,
                source=Account.shop(shop, "available"),
                destination=BUYERS,
                amount=amount,
                currency=currency,
            )
        case ("payout", shop, currency, amount):
            available = Account.shop(shop, "available")
            return transfer(
                pid,
                "payout.sent",
                at,
                source=available,
                destination=PAYOUTS,
                amount=amount,
                currency=currency,
                no_overdraft=[available],
            )
        case ("cash", amount, fee_bp):
            fee = basis_points(amount, fee_bp)
            shares = {Account.village(VILLAGE, "cash"): amount - fee, Account.village(VILLAGE, "fees"): fee}
            return split(pid, "village.cash_collected", at, source=CASH_IN, shares=shares, currency="CNY")
        case ("earn", user, points):
            return transfer(
                pid,
                "points.earned",
                at,
                source=POINTS_ISSUER,
                destination=Account.points(user),
                amount=points,
                currency="PTS",
            )
        case ("redeem", user, points):
            return transfer(
                pid,
                "points.redeemed",
                at,
                source=Account.points(user),
                destination=POINTS_ISSUER,
                amount=points,
                currency="PTS",
            )
    raise AssertionError(op)


class Model:
    """What the ledger must do, in a few lines: apply a posting unless it overdraws a guarded account (points
    always; a shop's available balance when the posting says so: payouts)."""

    def __init__(self) -> None:
        self.balances: Counter = Counter()
        self.applied: set[str] = set()

    def would_refuse(self, posting: Posting) -> bool:
        def guarded(account: str) -> bool:
            return account.startswith("points:") or account in posting.no_overdraft

        return any(e.amount < 0 and guarded(e.account) and self.balances[e.key] + e.amount < 0 for e in posting.entries)

    def apply(self, posting: Posting) -> None:
        self.applied.add(posting.posting_id)
        for e in posting.entries:
            self.balances[e.key] += e.amount


def run_scenario(ledger, scenario, whole_ledger: Callable[[], dict[str, int]] | None = None) -> None:
    model = Model()
    tried: list[Posting] = []
    moment = earliest = latest = START
    for n, (op, step) in enumerate(scenario):
        moment += dt.timedelta(seconds=step)
        earliest, latest = min(earliest, moment), max(latest, moment)
        if op[0] == "replay":
            if not tried:
                continue
            posting = tried[op[1] % len(tried)]
        else:
            posting = build(op, n, iso(moment))
            tried.append(posting)
        expect_replay = posting.posting_id in model.applied
        expect_refusal = not expect_replay and model.would_refuse(posting)
        try:
            posted = ledger.post(posting)
        except InsufficientFunds:
            assert expect_refusal, f"{posting.posting_id} was refused, the model applies it"
            continue
        assert not expect_refusal, f"{posting.posting_id} overdrew a guarded account"
        assert posted.replayed == expect_replay
        if not expect_replay:
            model.apply(posting)
    first, last = iso(earliest), iso(latest + dt.timedelta(seconds=1))

    totals: Counter = Counter()
    for account, currency in accounts():
        balance = ledger.balance(account, currency)
        entries = _all_entries(ledger, account, currency)
        assert balance.amount == sum(e.amount for e in entries) == model.balances[(account, currency)]
        totals[currency] += balance.amount
        if not account_rules(account).running_balance:
            continue
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert summarize(entries, opening=0).closing == balance.amount if entries else balance.amount == 0
        assert [e.booked_at for e in entries] == sorted(e.booked_at for e in entries)
        if account.startswith("points:"):
            assert all(e.balance_after >= 0 for e in entries)
        _check_statements(ledger, account, currency, first, last, entries, balance.amount)
    assert all(total == 0 for total in totals.values()), totals
    if whole_ledger is not None:
        assert all(total == 0 for total in whole_ledger().values())


def _all_entries(ledger, account: str, currency: str) -> list:
    out, start = [], None
    while True:
        page = ledger.entries(account, currency, newest_first=False, limit=7, start=start)
        out += page.items
        if not page.last_key:
            return out
        start = page.last_key


def _check_statements(ledger, account: str, currency: str, first: str, last: str, entries: list, balance: int) -> None:
    """Periods cut before the history, exactly at the booking time of entries inside it (the half-open edge)
    and after its end: opening + movements = closing in each, and they chain."""
    begin = dt.datetime.fromisoformat(first)
    end = dt.datetime.fromisoformat(last)
    inside = sorted({entries[len(entries) // 3].booked_at, entries[2 * len(entries) // 3].booked_at}) if entries else []
    cuts = [iso(begin - dt.timedelta(days=1)), *inside, iso(end + dt.timedelta(days=1))]
    previous_closing = 0
    for start_at, end_at in zip(cuts, cuts[1:], strict=False):
        lines, page_start = [], None
        while True:
            statement = ledger.statement(account, currency, start_at, end_at, limit=5, start=page_start)
            lines += statement.entries
            if not statement.last_key:
                break
            page_start = statement.last_key
        assert statement.opening == previous_closing  # consecutive periods chain
        assert statement.opening + sum(e.amount for e in lines) == statement.closing
        if lines:
            assert summarize(lines).opening == statement.opening
        previous_closing = statement.closing
    assert previous_closing == balance


@settings(max_examples=150, deadline=None, database=None)
@given(scenario=scenarios)
def test_the_fake_ledger_keeps_its_invariants(scenario):
    run_scenario(InMemoryLedger(), scenario)


def _scan_totals(stack) -> dict[str, int]:
    """Ground truth for the whole table: entries and balance items each sum to zero per currency."""
    client = stack.ledger._client
    pages = client.get_paginator("scan").paginate(TableName=stack.settings.ledger_table, ConsistentRead=True)
    entries, balances = Counter(), Counter()
    for page in pages:
        for item in page["Items"]:
            if item["sk"]["S"].startswith("e#"):
                entries[item["currency"]["S"]] += int(item["amount"]["N"])
            elif item["sk"]["S"] == "balance":
                balances[item["currency"]["S"]] += int(item["balance"]["N"])
    assert set(entries) == set(balances) or not entries
    return {**{f"entries {c}": t for c, t in entries.items()}, **{f"balances {c}": t for c, t in balances.items()}}


# Few examples (each one provisions a fresh moto account), and no shrinking: shrinking on moto takes minutes,
# and the same scenarios shrink in milliseconds on the fake above.
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenario=st.lists(st.tuples(operations, steps), min_size=1, max_size=14))
def test_the_dynamodb_ledger_keeps_its_invariants(scenario):
    from tests.support import moto_aws_stack

    with moto_aws_stack() as stack:  # a fresh, empty account per example: the Scan sees one example's ledger
        run_scenario(stack.ledger, scenario, whole_ledger=lambda: _scan_totals(stack))
