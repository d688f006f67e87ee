"""DynamoDB calls and items of the ledger (docs/ledger.md) with 1k and 10k entries in the accounts it touches.

A seller's account (`shop:<id>:available`, a running balance) and `platform:commission` (a system account,
sharded balance) are given a history of N entries each, booked by the domain's own `book()` and stored as
the adapter's own items (`entry_item`, `balance_item`, shard sums) with BatchWriteItem (posting through
moto's TransactWriteItems 10k times would take hours; the stored items are the same). Then, with calls
counted by wrapping botocore's `_make_api_call` (bench/counting.py):

- a posting (buyer payments -> seller + commission), its replay, a posting between system accounts only;
- a balance (running; system), two balances in one read;
- a page of entries (newest first) and a page of a time range in the middle of the history;
- a statement page of a period in the middle of the history.

Target: every figure identical at 1k and 10k entries; a posting <= 2 calls; a balance or a page 1 call; a
statement page 3 calls.

    python -m bench.ledger_bench [--sizes 1000,10000]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import environment, runner

environment.prepare()

from bench.counting import CallRecorder, Totals  # noqa: E402

SIZES = (1_000, 10_000)
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
TARGETS = {  # operation -> most DynamoDB calls
    "post (seller + commission)": 2,
    "post, replayed": 1,
    "post (system accounts only)": 1,
    "balance (running)": 1,
    "balance (system account)": 1,
    "balances (2 accounts, one read)": 1,
    "entries page (20, newest first)": 1,
    "entries page (time range, 20)": 1,
    "statement page (period, 50 lines)": 3,
}


def _at(hours: int) -> str:
    return (EPOCH + dt.timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Row:
    size: int
    operation: str
    totals: Totals

    @property
    def figures(self) -> tuple:
        t = self.totals
        return (t.calls, t.items_read, t.items_returned, t.items_written, t.condition_checks)

    @property
    def within(self) -> bool:
        return self.totals.calls <= TARGETS[self.operation]


def seed(stack, shop_account: str, entries: int) -> None:
    """`entries` sales, one an hour: each credits the seller net of a 5 % commission (one entry on each of the
    seller's account, platform:commission and external:buyer-payments)."""
    from chalicelib.adapters.ledger import SHARDS, balance_item, entry_item, shard_of, shard_pk
    from chalicelib.domain.ledger import Account, RunningState, basis_points, book, split

    client, table = stack.ledger._client, stack.settings.ledger_table
    states: dict = {}
    shards: Counter = Counter()
    pending: list[dict] = []

    def flush(force: bool = False) -> None:
        while len(pending) >= 25 or (force and pending):
            batch, pending[:] = pending[:25], pending[25:]
            request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
            while request:
                request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    for i in range(entries):
        gross = 10_000 + i % 997
        commission = basis_points(gross, 500)
        posting = split(
            f"seed-{shop_account}-{i}",
            "order.completed",
            _at(i),
            source=Account.external("buyer-payments"),
            shares={shop_account: gross - commission, "platform:commission": commission},
            currency="CNY",
        )
        booked, new_states = book(posting, states)
        states.update(new_states)
        for entry in booked:
            pending.append(entry_item(entry))
            if entry.seq is None:
                shards[(entry.account, shard_of(posting.posting_id, entry.account))] += entry.amount
        flush()
    for (account, currency), state in states.items():
        pending.append(balance_item(account, currency, state))
    for (account, shard), total in shards.items():
        pending.append(
            {
                "pk": {"S": shard_pk(account, "CNY", shard)},
                "sk": {"S": "balance"},
                "account": {"S": account},
                "currency": {"S": "CNY"},
                "balance": {"N": str(total)},
            }
        )
    flush(force=True)
    assert len({s for _, s in shards}) <= SHARDS
    assert isinstance(states[(shop_account, "CNY")], RunningState)


def measure(size: int) -> list[Row]:
    from chalicelib.domain.ledger import Account, split, transfer
    from tests.support import moto_aws_stack

    rows: list[Row] = []
    with contextlib.redirect_stdout(io.StringIO()), moto_aws_stack() as stack:
        ledger = stack.ledger
        shop = str(Account.shop("shp_bench", "available"))
        seed(stack, shop, size)
        now = _at(size + 1)
        middle = size // 2

        def record(operation: str, fn):
            with CallRecorder() as rec:
                result = fn()
            rows.append(Row(size, operation, rec.dynamodb()))
            return result

        sale = split(
            "bench-sale",
            "order.completed",
            now,
            source=Account.external("buyer-payments"),
            shares={shop: 9_500, "platform:commission": 500},
            currency="CNY",
        )
        posted = record("post (seller + commission)", lambda: ledger.post(sale))
        assert not posted.replayed and posted.balance_after(shop, "CNY") is not None
        assert record("post, replayed", lambda: ledger.post(sale)).replayed
        sweep = transfer(
            "bench-sweep",
            "platform.adjusted",
            now,
            source="platform:rounding",
            destination="platform:commission",
            amount=1,
            currency="CNY",
        )
        record("post (system accounts only)", lambda: ledger.post(sweep))
        balance = record("balance (running)", lambda: ledger.balance(shop, "CNY"))
        assert balance.entry_count == size + 1
        record("balance (system account)", lambda: ledger.balance("platform:commission", "CNY"))
        record(
            "balances (2 accounts, one read)",
            lambda: ledger.balances([(shop, "CNY"), ("shop:shp_bench:pending", "CNY")]),
        )
        page = record("entries page (20, newest first)", lambda: ledger.entries(shop, "CNY", limit=20))
        assert len(page.items) == 20 and page.last_key
        ranged = record(
            "entries page (time range, 20)",
            lambda: ledger.entries(shop, "CNY", start_at=_at(middle), end_at=_at(middle + 100), limit=20),
        )
        assert len(ranged.items) == 20
        statement = record(
            "statement page (period, 50 lines)",
            lambda: ledger.statement(shop, "CNY", _at(middle), _at(middle + 200), limit=50),
        )
        assert len(statement.entries) == 50 and statement.opening == statement.entries[0].balance_before
    return rows


def render(sizes: list[int], rows: list[Row]) -> tuple[str, bool]:
    small, large = sizes[0], sizes[-1]
    out = [
        "## Ledger: DynamoDB calls and items per operation (docs/ledger.md)",
        "",
        f"A seller's account and `platform:commission` hold {' and then '.join(f'{n:,}' for n in sizes)} entries "
        "each (seeded as the adapter stores them). Counted by wrapping botocore `_make_api_call`; read = items a "
        "Query scanned or a Get returned; written = items put/updated in a transaction. A cell shows one value when "
        f"every size agrees, else `{small:,} / {large:,}` in bold.",
        "",
        "| Operation | Calls | DynamoDB operations | Read | Returned | Written | Target calls | Within | Same at "
        + runner.same_at(sizes)
        + " |",
        "|---|---:|---|---:|---:|---:|---:|:-:|:-:|",
    ]
    ok = True
    for operation in TARGETS:
        cells = [r for r in rows if r.operation == operation]
        first, last = cells[0], cells[-1]
        same = all(c.figures == first.figures and c.totals.operations == first.totals.operations for c in cells)
        within = all(c.within for c in cells)
        ok &= same and within
        pair = runner.pair
        t0, t1 = first.totals, last.totals
        out.append(
            f"| {operation} | {pair(t0.calls, t1.calls)} | {t1.describe_operations()} "
            f"| {pair(t0.items_read, t1.items_read)} | {pair(t0.items_returned, t1.items_returned)} "
            f"| {pair(t0.items_written, t1.items_written)} | {TARGETS[operation]} | {'yes' if within else '**NO**'} "
            f"| {'yes' if same else '**NO**'} |"
        )
    out += [
        "",
        "- A posting = BatchGetItem (its idempotency record + the running-balance items of its owned accounts) + "
        "TransactWriteItems (the record, then per account a balance item and an entry: 1 + 2 x entries actions). "
        "A posting between system accounts needs no read. A replay is found by the read and writes nothing.",
        "- A statement page = the last entry before the period (opening), the last entry before its end "
        "(closing), one page of the period: 3 Queries of at most `limit` items, whatever the history.",
        "- A system account's balance is one TransactGetItems of its 16 shard items (a snapshot).",
        f"- Identical counts at {' and '.join(f'{n:,}' for n in sizes)} entries: {'**yes**' if ok else '**NO**'}.",
        "",
    ]
    return "\n".join(out), ok


def report(append_to: Path | None = None, sizes: list[int] | None = None) -> bool:
    return runner.report(measure, render, sizes or SIZES, "ledger with {size:,} entries per account", append_to)


def main(argv: list[str] | None = None) -> int:
    return runner.main(argv, __doc__, report, SIZES, "entries per account")


if __name__ == "__main__":
    sys.exit(main())
