"""The Ledger contract (services/ports.Ledger), run against BOTH the in-memory fake (tests/fakes.py) and the
DynamoDB ledger on moto. A behaviour asserted here holds for every ledger the services may be given."""

from __future__ import annotations

import itertools
import uuid

import pytest

from chalicelib.domain.errors import Conflict, PreconditionFailed, ValidationFailed
from chalicelib.domain.ledger import (
    Account,
    Entry,
    InsufficientFunds,
    Posting,
    reversal,
    split,
    summarize,
    transfer,
)
from chalicelib.services.ports import Page, Write
from tests.fakes import InMemoryLedger, InMemoryWrite

BUYERS = Account.external("buyer-payments")
COMMISSION = Account.platform("commission")
POINTS_ISSUER = Account.external("points")
_n = itertools.count()


def ts(day: int, second: int = 0) -> str:
    return f"2026-03-{day:02d}T10:00:{second:02d}.000Z"


def new_id(prefix: str = "p") -> str:
    return f"{prefix}-{next(_n)}-{uuid.uuid4().hex[:6]}"


def shop(purpose: str = "available") -> tuple[Account, str]:
    """A fresh shop account (every test gets its own owners, so nothing leaks between tests)."""
    shop_id = f"shp_{uuid.uuid4().hex[:10]}"
    return Account.shop(shop_id, purpose), shop_id


class CallerWrites:
    """The caller's own records, written alongside postings: a claim on a key, refused when it exists."""

    def claim(self, key: str) -> Write:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError


class FakeCallerWrites(CallerWrites):
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def claim(self, key: str) -> Write:
        return Write(
            InMemoryWrite(check=lambda: key not in self.keys, apply=lambda: self.keys.add(key)),
            Conflict("already claimed", code="already_claimed"),
        )

    def exists(self, key: str) -> bool:
        return key in self.keys


class DynamoCallerWrites(CallerWrites):
    """Claims in the Uniques table: the way an adapter would put an order's conditional Put alongside."""

    def __init__(self, stack) -> None:
        self.table = stack.settings.uniques_table
        self.client = stack.ledger._client

    def claim(self, key: str) -> Write:
        put = {
            "Put": {
                "TableName": self.table,
                "Item": {"key": {"S": key}, "owner": {"S": "test"}, "created_at": {"S": ts(1)}},
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": {"#k": "key"},
            }
        }
        return Write(put, Conflict("already claimed", code="already_claimed"))

    def exists(self, key: str) -> bool:
        return "Item" in self.client.get_item(TableName=self.table, Key={"key": {"S": key}}, ConsistentRead=True)


@pytest.fixture(params=["fake", "dynamodb"])
def world(request):
    if request.param == "fake":
        return InMemoryLedger(), FakeCallerWrites()
    stack = request.getfixturevalue("stack")
    return stack.ledger, DynamoCallerWrites(stack)


@pytest.fixture
def ledger(world):
    return world[0]


@pytest.fixture
def caller(world):
    return world[1]


def pay(ledger, account: Account, amount: int, at: str, currency: str = "CNY", source=BUYERS):
    return ledger.post(
        transfer(new_id("pay"), "test.paid", at, source=source, destination=account, amount=amount, currency=currency)
    )


def all_entries(ledger, account, currency="CNY", **kw) -> list:
    out, start = [], None
    for _ in range(1000):
        page = ledger.entries(str(account), currency, start=start, **kw)
        assert isinstance(page, Page)
        out += page.items
        if not page.last_key:
            return out
        start = page.last_key
    raise AssertionError("pagination does not end")


def balance(ledger, account, currency="CNY") -> int:
    return ledger.balance(str(account), currency).amount


# --- posting ----------------------------------------------------------------------------------------------


class TestPosting:
    def test_a_posting_moves_value_between_accounts_and_balances_are_the_sums(self, ledger):
        pending, shop_id = shop("pending")
        posted = ledger.post(
            transfer(
                f"order-paid:{shop_id}",
                "order.paid",
                ts(1),
                source=BUYERS,
                destination=pending,
                amount=15900,
                currency="CNY",
                refs={"order_id": "ord_1"},
                memo="card payment",
            )
        )
        assert not posted.replayed
        assert balance(ledger, pending) == 15900
        assert posted.balance_after(pending, "CNY") == 15900
        (entry,) = all_entries(ledger, pending)
        assert (entry.amount, entry.posting_id, entry.kind, entry.refs, entry.memo) == (
            15900,
            f"order-paid:{shop_id}",
            "order.paid",
            {"order_id": "ord_1"},
            "card payment",
        )
        assert entry.counterparts == (str(BUYERS),)
        assert entry.seq == 1 and entry.balance_after == 15900

    def test_completion_credits_the_seller_net_of_commission(self, ledger):
        pending, shop_id = shop("pending")
        available = Account.shop(shop_id, "available")
        pay(ledger, pending, 20000, ts(1))
        commission_before = balance(ledger, COMMISSION)
        ledger.post(
            split(
                f"order-completed:{shop_id}",
                "order.completed",
                ts(9),
                source=pending,
                shares={available: 19000, COMMISSION: 1000},
                currency="CNY",
            )
        )
        assert balance(ledger, pending) == 0
        assert balance(ledger, available) == 19000
        assert balance(ledger, COMMISSION) - commission_before == 1000

    def test_running_balances_chain_entry_after_entry(self, ledger):
        available, _ = shop()
        amounts = [500, -200, 1200, -1500, 7]
        for i, amount in enumerate(amounts):
            pay(ledger, available, amount, ts(2, i))
        entries = all_entries(ledger, available, newest_first=False, limit=2)
        assert [e.amount for e in entries] == amounts
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert [e.balance_after for e in entries] == [500, 300, 1500, 0, 7]
        assert summarize(entries).closing == balance(ledger, available) == 7
        got = ledger.balance(str(available), "CNY")
        assert (got.entry_count, got.last_booked_at) == (5, ts(2, 4))

    def test_system_accounts_keep_no_running_balance_but_their_balance_is_exact(self, ledger):
        marker = new_id("sys")
        before = balance(ledger, COMMISSION)
        total = 0
        for i in range(6):  # several postings: they land on different shards of the DynamoDB ledger
            pending, shop_id = shop("pending")
            pay(ledger, pending, 1000 + i, ts(3, i))
            ledger.post(
                transfer(
                    f"{marker}-{i}",
                    "order.completed",
                    ts(3, i),
                    source=pending,
                    destination=COMMISSION,
                    amount=100 + i,
                    currency="CNY",
                )
            )
            total += 100 + i
        assert balance(ledger, COMMISSION) == before + total
        newest = ledger.entries(str(COMMISSION), "CNY", start_at=ts(3), end_at=ts(4), limit=100).items
        mine = [e for e in newest if e.posting_id.startswith(marker)]
        assert len(mine) == 6 and all(e.seq is None and e.balance_after is None for e in mine)

    def test_a_posting_may_hold_several_currencies_each_summing_to_zero(self, ledger):
        user = f"usr_{uuid.uuid4().hex[:8]}"
        available, _ = shop()
        posting = Posting(
            new_id("mixed"),
            "points.redeemed",
            ts(4),
            (
                Entry(str(POINTS_ISSUER), -300, "PTS"),
                Entry(str(Account.points(user)), 300, "PTS"),
                Entry(str(BUYERS), -300, "CNY"),
                Entry(str(available), 300, "CNY"),
            ),
        )
        ledger.post(posting)
        assert balance(ledger, Account.points(user), "PTS") == 300
        assert balance(ledger, available, "CNY") == 300

    def test_times_are_normalised_to_utc_milliseconds(self, ledger):
        available, _ = shop()
        posted = pay(ledger, available, 100, "2026-03-05T18:00:00+08:00")
        assert posted.posting.at == "2026-03-05T10:00:00.000Z"
        assert all_entries(ledger, available)[0].booked_at == "2026-03-05T10:00:00.000Z"

    def test_get_posting_returns_what_was_applied(self, ledger):
        available, _ = shop()
        posted = pay(ledger, available, 250, ts(5))
        assert ledger.get_posting(posted.posting.posting_id) == posted
        assert ledger.get_posting("never-posted") is None


# --- idempotency ------------------------------------------------------------------------------------------


class TestReplays:
    def test_posting_the_same_id_again_changes_nothing_and_says_it_was_a_replay(self, ledger):
        available, shop_id = shop()
        posting = transfer(
            f"payout-failed:{shop_id}",
            "payout.failed",
            ts(6),
            source=Account.external("bank-payouts"),
            destination=available,
            amount=5000,
            currency="CNY",
        )
        first = ledger.post(posting)
        # a retry runs later on the caller's clock, perhaps with another memo: still the same posting
        retry = Posting(posting.posting_id, posting.kind, ts(7), posting.entries, memo="retried")
        again = ledger.post(retry)
        assert again.replayed and not first.replayed
        assert again.entries == first.entries and again.posting == first.posting
        assert balance(ledger, available) == 5000
        assert len(all_entries(ledger, available)) == 1

    def test_a_replay_of_a_posting_between_system_accounts_only_is_reported_too(self, ledger):
        posting = transfer(
            new_id("sys"),
            "platform.adjusted",
            ts(6),
            source=Account.platform("rounding"),
            destination=COMMISSION,
            amount=3,
            currency="CNY",
        )
        before = balance(ledger, COMMISSION)
        assert not ledger.post(posting).replayed
        assert ledger.post(posting).replayed
        assert balance(ledger, COMMISSION) == before + 3

    def test_reusing_a_posting_id_for_another_posting_is_a_conflict_and_changes_nothing(self, ledger):
        available, _ = shop()
        posted = pay(ledger, available, 100, ts(6))
        other = transfer(
            posted.posting.posting_id,
            "test.paid",
            ts(6),
            source=BUYERS,
            destination=available,
            amount=999,
            currency="CNY",
        )
        with pytest.raises(Conflict) as exc:
            ledger.post(other)
        assert exc.value.code == "posting_id_reused"
        assert balance(ledger, available) == 100

    def test_a_reversal_undoes_a_posting_and_names_it(self, ledger):
        pending, shop_id = shop("pending")
        available = Account.shop(shop_id, "available")
        pay(ledger, pending, 10000, ts(1))
        completed = ledger.post(
            split(
                f"completed:{shop_id}",
                "order.completed",
                ts(2),
                source=pending,
                shares={available: 9500, COMMISSION: 500},
                currency="CNY",
            )
        )
        commission = balance(ledger, COMMISSION)
        undo = ledger.post(reversal(completed, f"completed-reversed:{shop_id}", ts(3)))
        assert undo.posting.refs["reverses"] == f"completed:{shop_id}"
        assert undo.posting.kind == "order.completed.reversed"
        assert balance(ledger, pending) == 10000 and balance(ledger, available) == 0
        assert balance(ledger, COMMISSION) == commission - 500


# --- accounts that may not go below zero --------------------------------------------------------------------


class TestOverdrafts:
    def test_points_never_go_below_zero_and_a_refused_posting_writes_nothing(self, ledger):
        user = f"usr_{uuid.uuid4().hex[:8]}"
        points = Account.points(user)
        pay(ledger, points, 500, ts(1), currency="PTS", source=POINTS_ISSUER)
        redeem = transfer(
            new_id("redeem"),
            "points.redeemed",
            ts(2),
            source=points,
            destination=POINTS_ISSUER,
            amount=501,
            currency="PTS",
        )
        with pytest.raises(InsufficientFunds) as exc:
            ledger.post(redeem)
        assert isinstance(exc.value, Conflict) and exc.value.code == "insufficient_balance"
        assert (exc.value.account, exc.value.balance, exc.value.amount) == (str(points), 500, -501)
        assert balance(ledger, points, "PTS") == 500
        assert ledger.get_posting(redeem.posting_id) is None
        assert len(all_entries(ledger, points, "PTS")) == 1
        exact = transfer(
            new_id("redeem"),
            "points.redeemed",
            ts(2),
            source=points,
            destination=POINTS_ISSUER,
            amount=500,
            currency="PTS",
        )
        assert ledger.post(exact).balance_after(points, "PTS") == 0

    def test_points_of_a_user_without_any_cannot_be_redeemed(self, ledger):
        points = Account.points(f"usr_{uuid.uuid4().hex[:8]}")
        with pytest.raises(InsufficientFunds):
            ledger.post(
                transfer(
                    new_id(),
                    "points.redeemed",
                    ts(1),
                    source=points,
                    destination=POINTS_ISSUER,
                    amount=1,
                    currency="PTS",
                )
            )
        assert ledger.balance(str(points), "PTS").entry_count == 0

    def test_a_seller_balance_may_go_negative_unless_the_posting_refuses_an_overdraft(self, ledger):
        available, _ = shop()
        pay(ledger, available, 1000, ts(1))
        payouts = Account.external("bank-payouts")
        guarded = transfer(
            new_id("payout"),
            "payout.sent",
            ts(2),
            source=available,
            destination=payouts,
            amount=1500,
            currency="CNY",
            no_overdraft=[available],
        )
        with pytest.raises(InsufficientFunds):
            ledger.post(guarded)
        assert balance(ledger, available) == 1000
        dispute = transfer(
            new_id("dispute"),
            "dispute.debited",
            ts(3),
            source=available,
            destination=Account.platform("guarantee"),
            amount=1500,
            currency="CNY",
        )
        assert ledger.post(dispute).balance_after(available, "CNY") == -500


# --- the caller's own writes in the same transaction ---------------------------------------------------------


class TestAlongside:
    def test_the_callers_write_commits_with_the_posting(self, ledger, caller):
        available, _ = shop()
        key = new_id("order-state")
        posted = ledger.post(
            transfer(new_id(), "test.paid", ts(1), source=BUYERS, destination=available, amount=700, currency="CNY"),
            alongside=[caller.claim(key)],
        )
        assert not posted.replayed
        assert caller.exists(key) and balance(ledger, available) == 700

    def test_a_refused_write_of_the_caller_cancels_the_posting(self, ledger, caller):
        available, _ = shop()
        taken = new_id("taken")
        ledger.post(
            transfer(new_id(), "test.paid", ts(1), source=BUYERS, destination=available, amount=1, currency="CNY"),
            alongside=[caller.claim(taken)],
        )
        fresh = new_id("fresh")
        posting = transfer(
            new_id(), "test.paid", ts(2), source=BUYERS, destination=available, amount=700, currency="CNY"
        )
        with pytest.raises(Conflict) as exc:
            ledger.post(posting, alongside=[caller.claim(fresh), caller.claim(taken)])
        assert exc.value.code == "already_claimed"
        assert balance(ledger, available) == 1
        assert ledger.get_posting(posting.posting_id) is None
        assert not caller.exists(fresh)  # the caller's other writes did not happen either

    def test_explain_receives_the_positions_of_every_refused_write(self, ledger, caller):
        available, _ = shop()
        a, b = new_id("a"), new_id("b")
        ledger.post(
            transfer(new_id(), "test.paid", ts(1), source=BUYERS, destination=available, amount=1, currency="CNY"),
            alongside=[caller.claim(a), caller.claim(b)],
        )
        seen = []

        def explain(indexes):
            seen.append(indexes)
            return PreconditionFailed("lines gone", code="lines_unavailable")

        posting = transfer(new_id(), "test.paid", ts(2), source=BUYERS, destination=available, amount=5, currency="CNY")
        with pytest.raises(PreconditionFailed):
            ledger.post(
                posting, alongside=[caller.claim(a), caller.claim(new_id("c")), caller.claim(b)], explain=explain
            )
        assert seen == [[0, 2]]

    def test_an_overdraft_cancels_the_callers_writes(self, ledger, caller):
        points = Account.points(f"usr_{uuid.uuid4().hex[:8]}")
        key = new_id("checkout")
        redeem = transfer(
            new_id(), "points.redeemed", ts(1), source=points, destination=POINTS_ISSUER, amount=10, currency="PTS"
        )
        with pytest.raises(InsufficientFunds):
            ledger.post(redeem, alongside=[caller.claim(key)])
        assert not caller.exists(key)

    def test_a_replay_writes_nothing_not_even_the_callers_writes(self, ledger, caller):
        available, _ = shop()
        posting = transfer(
            new_id(), "test.paid", ts(1), source=BUYERS, destination=available, amount=40, currency="CNY"
        )
        ledger.post(posting, alongside=[caller.claim(new_id("first"))])
        second = new_id("second")
        assert ledger.post(posting, alongside=[caller.claim(second)]).replayed
        assert not caller.exists(second)
        assert balance(ledger, available) == 40

    def test_a_replay_wins_over_the_callers_refused_write(self, ledger, caller):
        """The retry of a whole unit of work (order change + posting) is a replay, not a stale-order error."""
        key = new_id("order-v2")
        posting = transfer(
            new_id(),
            "platform.adjusted",
            ts(1),
            source=Account.platform("rounding"),
            destination=COMMISSION,
            amount=1,
            currency="CNY",
        )
        ledger.post(posting, alongside=[caller.claim(key)])
        assert ledger.post(posting, alongside=[caller.claim(key)]).replayed

    def test_a_transaction_holds_at_most_100_actions(self, ledger, caller):
        entries = [Entry(str(Account.shop(f"shp_{i}", "available")), 10, "CNY") for i in range(19)]
        posting = Posting(new_id(), "test.paid", ts(1), (Entry(str(BUYERS), -190, "CNY"), *entries))
        writes = [caller.claim(new_id(f"w{i}")) for i in range(60)]  # 1 + 2 x 20 + 60 = 101
        with pytest.raises(ValidationFailed):
            ledger.post(posting, alongside=writes)
        assert ledger.get_posting(posting.posting_id) is None
        assert ledger.post(posting, alongside=writes[:59]).entries  # exactly 100


# --- reading: entries, balances, statements -------------------------------------------------------------------


class TestReading:
    def test_entries_by_time_range_are_half_open_and_page_both_ways(self, ledger):
        available, _ = shop()
        for day in range(1, 8):
            pay(ledger, available, day * 100, ts(day))
        week = all_entries(ledger, available, start_at=ts(2), end_at=ts(6), limit=3)
        assert [e.amount for e in week] == [500, 400, 300, 200]  # newest first; day 6 excluded, day 2 included
        oldest_first = all_entries(ledger, available, start_at=ts(2), end_at=ts(6), newest_first=False, limit=1)
        assert [e.amount for e in oldest_first] == [200, 300, 400, 500]
        assert [e.amount for e in all_entries(ledger, available, start_at=ts(7))] == [700]
        assert [e.amount for e in all_entries(ledger, available, end_at=ts(2))] == [100]
        first = ledger.entries(str(available), "CNY", limit=2)
        assert len(first.items) == 2 and first.last_key is not None
        assert ledger.entries(str(available), "CNY", start_at=ts(8)).items == []

    def test_a_page_position_of_another_account_is_refused(self, ledger):
        mine, _ = shop()
        theirs, _ = shop()
        for i in range(3):
            pay(ledger, theirs, 10, ts(1, i))
            pay(ledger, mine, 10, ts(1, i))
        stolen = ledger.entries(str(theirs), "CNY", limit=1).last_key
        with pytest.raises(ValidationFailed) as exc:
            ledger.entries(str(mine), "CNY", limit=1, start=stolen)
        assert exc.value.code == "invalid_cursor"

    @pytest.mark.parametrize("limit", [0, 101, "20"])
    def test_page_sizes_are_bounded(self, ledger, limit):
        available, _ = shop()
        with pytest.raises(ValidationFailed):
            ledger.entries(str(available), "CNY", limit=limit)

    def test_several_balances_in_one_read(self, ledger):
        pending, shop_id = shop("pending")
        available = Account.shop(shop_id, "available")
        pay(ledger, pending, 300, ts(1))
        pay(ledger, available, 200, ts(1))
        got = ledger.balances([(str(pending), "CNY"), (str(available), "CNY"), (str(COMMISSION), "CNY")])
        assert got[(str(pending), "CNY")].amount == 300
        assert got[(str(available), "CNY")].amount == 200
        assert got[(str(COMMISSION), "CNY")].amount == balance(ledger, COMMISSION)
        assert ledger.balance(str(Account.shop("shp_never", "available")), "CNY").amount == 0

    def test_a_statement_has_opening_movements_and_closing_and_periods_chain(self, ledger):
        available, _ = shop()
        for day, amount in [(1, 1000), (3, -300), (4, 250), (4, 50), (6, -1000), (8, 75)]:
            pay(ledger, available, amount, ts(day, 0 if amount > 0 else 1))
        march_1_to_4 = ledger.statement(str(available), "CNY", ts(2), ts(5), limit=2)
        assert (march_1_to_4.opening, march_1_to_4.closing) == (1000, 1000)
        lines, page = list(march_1_to_4.entries), march_1_to_4
        while page.last_key:
            page = ledger.statement(str(available), "CNY", ts(2), ts(5), limit=2, start=page.last_key)
            assert (page.opening, page.closing) == (1000, 1000)
            lines += page.entries
        assert [e.amount for e in lines] == [-300, 250, 50]
        assert sum(e.amount for e in lines) == march_1_to_4.change == 0
        assert summarize(lines).closing == march_1_to_4.closing
        after = ledger.statement(str(available), "CNY", ts(5), ts(9))
        assert after.opening == march_1_to_4.closing  # consecutive periods chain
        assert after.closing == 75 == balance(ledger, available)
        quiet = ledger.statement(str(available), "CNY", ts(9), ts(20))
        assert (quiet.opening, quiet.closing, quiet.entries) == (75, 75, ())
        before = ledger.statement(str(available), "CNY", "2026-01-01T00:00:00Z", ts(1))
        assert (before.opening, before.closing) == (0, 0)

    def test_system_accounts_have_no_statement(self, ledger):
        with pytest.raises(ValidationFailed) as exc:
            ledger.statement(str(COMMISSION), "CNY", ts(1), ts(2))
        assert exc.value.code == "no_statement"

    def test_a_clock_that_went_back_books_after_the_previous_entry(self, ledger):
        available, _ = shop()
        pay(ledger, available, 100, ts(5))
        late = pay(ledger, available, 50, ts(4))  # another Lambda's clock, a little behind
        (entry,) = [e for e in late.entries if e.account == str(available)]
        assert entry.at == ts(4) and entry.booked_at == ts(5)
        assert [e.balance_after for e in all_entries(ledger, available, newest_first=False)] == [100, 150]
        assert ledger.statement(str(available), "CNY", ts(5), ts(6)).opening == 0

    def test_currencies_are_kept_apart(self, ledger):
        available, _ = shop()
        pay(ledger, available, 100, ts(1), currency="CNY")
        pay(ledger, available, 900, ts(1), currency="RUB")
        assert balance(ledger, available, "CNY") == 100 and balance(ledger, available, "RUB") == 900
        assert [e.amount for e in all_entries(ledger, available, "RUB")] == [900]

    @pytest.mark.parametrize(
        ("account", "currency"),
        [("shop:s1:available", "PTS"), ("points:u1", "CNY"), ("shop:s1:available", "XYZ"), ("bank:1", "CNY")],
    )
    def test_reads_refuse_accounts_and_currencies_that_do_not_fit(self, ledger, account, currency):
        with pytest.raises(ValidationFailed):
            ledger.balance(account, currency)
