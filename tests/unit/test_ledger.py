"""The ledger's pure rules (chalicelib/domain/ledger.py): accounts, postings, booking, rounding, statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.ledger import (
    ACCOUNT_KINDS,
    Account,
    BookedEntry,
    Entry,
    InsufficientFunds,
    LedgerIntegrityError,
    Posted,
    Posting,
    RunningState,
    basis_points,
    book,
    canonical_time,
    ledger_actions,
    posted_from_dict,
    posted_to_dict,
    replay_of,
    reversal,
    split,
    summarize,
    transfer,
)

AT = "2026-04-01T08:00:00.000Z"
BUYERS = "external:buyer-payments"


def posting(*entries: tuple[str, int, str], posting_id: str = "p-1", **kw) -> Posting:
    return Posting(posting_id, kw.pop("kind", "test.moved"), kw.pop("at", AT), tuple(Entry(*e) for e in entries), **kw)


# --- accounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "shop:shp_01:pending",
        "shop:shp_01:available",
        "village:vil_7:cash",
        "village:vil_7:fees",
        "county:cty-3:remittances",
        "county:cty-3:variance",
        "producer:prd.9:payable",
        "points:4f1c2d9e-aaaa-bbbb-cccc-0123456789ab",
        "platform:commission",
        "external:buyer-payments",
        "external:bank-payouts",
    ],
)
def test_account_ids_round_trip_through_the_typed_identity(text):
    account = Account.parse(text)
    assert str(account) == text
    assert Account.parse(str(account)) == account


def test_the_constructors_spell_the_scheme():
    assert str(Account.shop("s1", "available")) == "shop:s1:available"
    assert str(Account.village("v1", "cash")) == "village:v1:cash"
    assert str(Account.county("c1", "cash")) == "county:c1:cash"
    assert str(Account.producer("p1")) == "producer:p1:payable"
    assert str(Account.points("u1")) == "points:u1"
    assert str(Account.platform("commission")) == "platform:commission"
    assert str(Account.external("cash")) == "external:cash"


@pytest.mark.parametrize(
    "text",
    [
        "bank:1",  # unknown kind
        "shop:s1",  # purpose missing
        "shop:s1:savings",  # not a shop purpose
        "shop::available",  # owner missing
        "shop:s#1:available",  # '#' would break the storage keys
        "shop:s1:available:extra",
        "points:u1:bonus",  # points have no purpose part
        "platform:p1:commission",  # platform accounts have no owner
        "platform:comission",  # a typo fails loudly instead of opening a phantom account
        "external:anywhere",
        "",
    ],
)
def test_malformed_account_ids_are_refused(text):
    with pytest.raises(ValidationFailed) as exc:
        Account.parse(text)
    assert exc.value.code == "invalid_account"


def test_each_kind_declares_its_rules():
    assert ACCOUNT_KINDS["points"].non_negative and ACCOUNT_KINDS["points"].units == "points"
    assert not ACCOUNT_KINDS["shop"].non_negative
    assert not ACCOUNT_KINDS["platform"].running_balance and not ACCOUNT_KINDS["external"].running_balance
    assert all(ACCOUNT_KINDS[k].running_balance for k in ("shop", "village", "county", "producer", "points"))
    # an account that may never go below zero is checked against its running balance, so it must keep one
    assert all(k.running_balance for k in ACCOUNT_KINDS.values() if k.non_negative)


# --- entries and postings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "currency"),
    [("points:u1", "CNY"), ("shop:s1:available", "PTS"), ("shop:s1:available", "cny"), ("shop:s1:available", "XYZ")],
)
def test_an_entry_refuses_a_currency_its_account_cannot_hold(account, currency):
    with pytest.raises(ValidationFailed):
        Entry(account, 100, currency)


def test_external_accounts_hold_money_or_points():
    assert Entry("external:points", -5, "PTS").currency == "PTS"
    assert Entry("external:cash", -5, "RUB").currency == "RUB"


@pytest.mark.parametrize("amount", [0, 1.0, 100.5, True, Decimal("1"), "100", 10**15 + 1, -(10**15) - 1])
def test_amounts_are_non_zero_ints_of_minor_units(amount):
    with pytest.raises(ValidationFailed):
        Entry("shop:s1:available", amount, "CNY")


def test_an_entry_accepts_a_typed_account():
    assert Entry(Account.shop("s1", "pending"), 5, "CNY").account == "shop:s1:pending"


def test_entries_must_sum_to_zero_per_currency():
    with pytest.raises(ValidationFailed) as exc:
        posting((BUYERS, -100, "CNY"), ("shop:s1:pending", 99, "CNY"))
    assert exc.value.code == "invalid_posting"
    with pytest.raises(ValidationFailed):  # zero overall, but not per currency
        posting((BUYERS, -100, "CNY"), ("shop:s1:pending", 100, "RUB"))
    assert posting((BUYERS, -100, "CNY"), ("shop:s1:pending", 100, "CNY")).entries[1].amount == 100


@pytest.mark.parametrize(
    "entries",
    [
        [(BUYERS, -1, "CNY")],
        [(BUYERS, -21, "CNY")] + [(f"shop:s{i}:pending", 1, "CNY") for i in range(21)],
        [(BUYERS, -2, "CNY"), ("shop:s1:pending", 1, "CNY"), ("shop:s1:pending", 1, "CNY")],
    ],
    ids=["one entry", "more than 20", "one account twice"],
)
def test_a_posting_has_two_to_twenty_entries_each_account_once(entries):
    with pytest.raises(ValidationFailed):
        posting(*entries)


@pytest.mark.parametrize(
    "overrides",
    [
        {"posting_id": ""},
        {"posting_id": "has space"},
        {"posting_id": "a#b"},
        {"posting_id": "x" * 201},
        {"kind": "Order Completed"},
        {"at": "2026-04-01T08:00:00"},  # no timezone
        {"at": "yesterday"},
        {"refs": {"Order": "o1"}},
        {"refs": {"order_id": ""}},
        {"refs": {f"r{i}": "x" for i in range(11)}},
        {"memo": "m" * 501},
        {"no_overdraft": frozenset({"shop:s9:available"})},  # not in the posting
        {"no_overdraft": frozenset({BUYERS})},  # a system account has no running balance to guard
    ],
)
def test_postings_refuse_bad_fields(overrides):
    with pytest.raises(ValidationFailed):
        posting((BUYERS, -1, "CNY"), ("shop:s1:pending", 1, "CNY"), **overrides)


def test_time_is_normalised_to_fixed_width_utc_milliseconds():
    assert canonical_time("2026-04-01T16:00:00+08:00") == "2026-04-01T08:00:00.000Z"
    assert canonical_time("2026-04-01T08:00:00Z") == "2026-04-01T08:00:00.000Z"
    assert canonical_time("2026-04-01T08:00:00.123456Z") == "2026-04-01T08:00:00.123Z"
    # text order is time order once normalised (":00Z" would sort after ":00.500Z" otherwise)
    assert canonical_time("2026-04-01T08:00:00Z") < canonical_time("2026-04-01T08:00:00.500Z")


def test_the_fingerprint_is_what_makes_a_replay_the_same_posting():
    a = posting((BUYERS, -5, "CNY"), ("shop:s1:pending", 5, "CNY"), refs={"order_id": "o1"})
    later = posting(
        ("shop:s1:pending", 5, "CNY"),
        (BUYERS, -5, "CNY"),
        refs={"order_id": "o1"},
        at="2026-04-02T00:00:00Z",
        memo="retry",
    )
    assert a.fingerprint() == later.fingerprint()
    other_amount = posting((BUYERS, -6, "CNY"), ("shop:s1:pending", 6, "CNY"), refs={"order_id": "o1"})
    other_ref = posting((BUYERS, -5, "CNY"), ("shop:s1:pending", 5, "CNY"), refs={"order_id": "o2"})
    assert len({a.fingerprint(), other_amount.fingerprint(), other_ref.fingerprint()}) == 3
    stored = Posted(a, book(a, {})[0])
    assert replay_of(stored, a.fingerprint(), later).replayed
    with pytest.raises(Conflict) as exc:
        replay_of(stored, a.fingerprint(), other_amount)
    assert exc.value.code == "posting_id_reused"


def test_a_posting_takes_one_action_for_its_record_and_two_per_entry():
    assert ledger_actions(posting((BUYERS, -5, "CNY"), ("shop:s1:pending", 5, "CNY"))) == 5


# --- booking ----------------------------------------------------------------------------------------------


def test_booking_carries_running_balances_on_owned_accounts_only():
    p = posting((BUYERS, -500, "CNY"), ("shop:s1:pending", 500, "CNY"))
    booked, states = book(p, {("shop:s1:pending", "CNY"): RunningState(1000, 4, "2026-03-01T00:00:00.000Z")})
    system, shop = booked
    assert (system.seq, system.balance_after, system.booked_at) == (None, None, AT)
    assert (shop.seq, shop.balance_after, shop.balance_before) == (5, 1500, 1000)
    assert shop.counterparts == (BUYERS,) and system.counterparts == ("shop:s1:pending",)
    assert states == {("shop:s1:pending", "CNY"): RunningState(1500, 5, AT)}


def test_an_entry_is_never_booked_before_the_one_it_follows():
    p = posting((BUYERS, -1, "CNY"), ("shop:s1:pending", 1, "CNY"))
    later = "2026-04-01T08:00:00.250Z"
    (_, shop), _ = book(p, {("shop:s1:pending", "CNY"): RunningState(0, 1, later)})
    assert (shop.at, shop.booked_at) == (AT, later)
    assert shop.sort_key == f"{later}#000000000002"


def test_points_may_not_be_overdrawn_and_the_exact_balance_may_be_spent():
    redeem = posting(("points:u1", -300, "PTS"), ("external:points", 300, "PTS"))
    with pytest.raises(InsufficientFunds) as exc:
        book(redeem, {("points:u1", "PTS"): RunningState(299, 3, AT)})
    assert (exc.value.balance, exc.value.amount, exc.value.code) == (299, -300, "insufficient_balance")
    (points, _), _ = book(redeem, {("points:u1", "PTS"): RunningState(300, 3, AT)})
    assert points.balance_after == 0


def test_no_overdraft_guards_an_account_for_one_posting_only():
    payout = posting(
        ("shop:s1:available", -100, "CNY"),
        ("external:bank-payouts", 100, "CNY"),
        no_overdraft=frozenset({"shop:s1:available"}),
    )
    with pytest.raises(InsufficientFunds):
        book(payout, {("shop:s1:available", "CNY"): RunningState(99, 1, AT)})
    debit = posting(("shop:s1:available", -100, "CNY"), ("platform:guarantee", 100, "CNY"))
    (shop, _), _ = book(debit, {("shop:s1:available", "CNY"): RunningState(99, 1, AT)})
    assert shop.balance_after == -1
    credit_while_negative = posting(
        (BUYERS, -1, "CNY"), ("shop:s1:available", 1, "CNY"), no_overdraft=frozenset({"shop:s1:available"})
    )
    assert (
        book(credit_while_negative, {("shop:s1:available", "CNY"): RunningState(-50, 2, AT)})[0][1].balance_after == -49
    )


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [
        (10_000, 500, 500),  # 5 % of 100.00
        (12_345, 250, 309),  # 308.625 -> 309
        (2, 2_500, 1),  # 0.5 -> 1 (half away from zero)
        (-2, 2_500, -1),
        (6, 2_500, 2),  # 1.5 -> 2
        (1, 4_999, 0),  # 0.4999 -> 0
        (99_999, 0, 0),
        (99_999, 10_000, 99_999),
    ],
)
def test_basis_points_round_half_away_from_zero(amount, bp, expected):
    assert basis_points(amount, bp) == expected


@pytest.mark.parametrize(("amount", "bp"), [(100, -1), (100, 10_001), (100.0, 500), (100, 5.0)])
def test_basis_points_take_ints_within_0_to_100_percent(amount, bp):
    with pytest.raises(ValidationFailed):
        basis_points(amount, bp)


def test_a_split_gives_the_remainder_to_one_party_so_entries_sum_to_the_gross():
    gross = 10_001
    commission = basis_points(gross, 1_250)  # 1250.125 -> 1250
    partner = basis_points(gross, 300)  # 300.03 -> 300
    p = split(
        "done:o1",
        "order.completed",
        AT,
        source="shop:s1:pending",
        shares={
            "shop:s1:available": gross - commission - partner,
            "platform:commission": commission,
            "village:v1:fees": partner,
            "platform:fees": 0,
        },
        currency="CNY",
    )
    assert [(e.account, e.amount) for e in p.entries] == [
        ("shop:s1:pending", -gross),
        ("shop:s1:available", 8_451),
        ("platform:commission", 1_250),
        ("village:v1:fees", 300),
    ]


def test_transfer_is_a_two_entry_split():
    p = transfer(
        "t1",
        "cash.remitted",
        AT,
        source=Account.village("v1", "cash"),
        destination=Account.county("c1", "remittances"),
        amount=800,
        currency="CNY",
        refs={"remittance_id": "r1"},
    )
    assert [(e.account, e.amount) for e in p.entries] == [("village:v1:cash", -800), ("county:c1:remittances", 800)]
    assert p.refs == {"remittance_id": "r1"}


def test_a_reversal_negates_every_entry_and_names_the_original():
    original = posting((BUYERS, -5, "CNY"), ("shop:s1:pending", 5, "CNY"), refs={"order_id": "o1"})
    undo = reversal(original, "p-1-reversed", "2026-04-02T00:00:00Z", kind="order.refunded")
    assert [(e.account, e.amount) for e in undo.entries] == [(BUYERS, 5), ("shop:s1:pending", -5)]
    assert undo.refs == {"order_id": "o1", "reverses": "p-1"} and undo.kind == "order.refunded"


# --- statements -------------------------------------------------------------------------------------------


def _run(amounts: list[int], opening: int = 0) -> list[BookedEntry]:
    out, balance = [], opening
    for i, amount in enumerate(amounts, start=1):
        balance += amount
        out.append(
            BookedEntry("shop:s1:available", "CNY", amount, f"p{i}", "test", AT, AT, seq=i, balance_after=balance)
        )
    return out


def test_summarize_derives_the_opening_from_the_first_running_balance():
    page = _run([100, -30, 5], opening=1000)[1:]  # a page that starts mid-history
    summary = summarize(list(reversed(page)))  # any order: entries are put in booking order
    assert (summary.opening, summary.credits, summary.debits, summary.closing, summary.count) == (1100, 5, -30, 1075, 2)
    assert summary.change == -25


def test_summarize_detects_running_balances_that_do_not_chain():
    broken = _run([100, 50])
    broken[1] = BookedEntry("shop:s1:available", "CNY", 50, "p2", "test", AT, AT, seq=2, balance_after=151)
    with pytest.raises(LedgerIntegrityError):
        summarize(broken)


def test_summarize_needs_an_opening_it_cannot_derive():
    with pytest.raises(ValueError):
        summarize([])
    assert summarize([], opening=40).closing == 40
    system = [BookedEntry("platform:commission", "CNY", 7, "p1", "t", AT, AT)]
    with pytest.raises(ValueError):
        summarize(system)
    assert summarize(system, opening=3).closing == 10


def test_posted_round_trips_through_its_stored_form():
    p = posting(
        (BUYERS, -5, "CNY"),
        ("shop:s1:pending", 5, "CNY"),
        refs={"order_id": "o1"},
        memo="m",
        no_overdraft=frozenset({"shop:s1:pending"}),
    )
    posted = Posted(p, book(p, {})[0])
    assert posted_from_dict(posted_to_dict(posted)) == posted
    assert posted_from_dict(posted_to_dict(posted), replayed=True).replayed
