"""Bulk trade at 1k and 10k requests for quotation (issue 14): the opportunity list is one Query whatever the
number of RFQs, and so are the buyer's RFQ list and a quote comparison.

N open RFQs are stored straight into the Trade table as the adapter stores them (`rfq_item`; posting 10k of
them through the API on moto would take an hour, the items are the same), in the six b2b categories in turn,
newest last, all from one business buyer. Then, through the API with real tokens (calls counted by wrapping
botocore's `_make_api_call`, bench/counting.py):

- the opportunities of a shop quoting in 2 of the 6 categories (a FilterExpression page: it reads `limit`
  RFQs and returns those of its categories), its second page, and those of a shop quoting in all six;
- the buyer's RFQs (first page) and the comparison of an RFQ's quotes.

Target: calls and items identical at every size; the opportunity list is 1 Query (+ the BatchGetItem of the
shop and its trade record), every other read 1 call.

    python -m bench.trade_bench [--sizes 1000,10000]
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import environment, runner

environment.prepare()

from bench.counting import CallRecorder, Totals  # noqa: E402

SIZES = (1_000, 10_000)
CATEGORIES = ("cotton-textiles", "dried-fruit", "nuts", "grain", "wool-leather", "other")
TARGETS = {  # what is measured -> most DynamoDB calls
    "opportunities, 2 of 6 categories (page 1)": 2,
    "opportunities, 2 of 6 categories (page 2)": 2,
    "opportunities, all 6 categories": 2,
    "buyer's RFQs (page 1)": 1,
    "compare quotes (2 quotes)": 1,
}


@dataclass
class Row:
    size: int
    what: str
    totals: Totals

    @property
    def figures(self) -> tuple:
        t = self.totals
        return (t.calls, t.items_read, t.items_returned, t.items_written, dict(t.operations))


def seed_rfqs(stack, buyer_id: str, business: dict, count: int, now: dt.datetime) -> None:
    """`count` open RFQs, a minute apart (the newest one minute ago), category by category in turn."""
    from chalicelib.adapters.trade import rfq_item
    from chalicelib.domain.trade import Rfq, format_time

    client, table = stack.trade._store._client, stack.settings.trade_table
    deadline = format_time(now + dt.timedelta(days=30))
    pending: list[dict] = []
    for i in range(count):
        at = format_time(now - dt.timedelta(minutes=count - i))
        rfq = Rfq(
            rfq_id=f"rfq_bench{i:06d}",
            buyer_id=buyer_id,
            business=business,
            category=CATEGORIES[i % len(CATEGORIES)],
            title=f"Lot {i}",
            specification="Grade 1",
            quantity=100,
            unit="carton",
            target_unit_amount=None,
            currency="CNY",
            deliver_to={"province": "Zhejiang", "prefecture": "Hangzhou"},
            quote_deadline=deadline,
            attachments=(),
            status="open",
            created_at=at,
            updated_at=at,
            closes_at=deadline,
        )
        pending.append(rfq_item(rfq))
        while len(pending) >= 25 or (i == count - 1 and pending):
            batch, pending = pending[:25], pending[25:]
            request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
            while request:
                request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def measure(size: int) -> list[Row]:
    from tests.api.trade.support import Trade
    from tests.support import Factory

    rows: list[Row] = []
    with runner.api_stack() as (stack, api):
        trade = Trade(api, Factory(api, stack))
        buyer = trade.business()
        me = api.get("/v1/me/business", token=buyer).json
        badge = {"business_id": me["business_id"], "company_name": me["company_name"], "verified": True}
        two = trade.supplier(("dried-fruit", "nuts"))
        six = trade.supplier(CATEGORIES)
        seed_rfqs(stack, me["business_id"][4:], badge, size, dt.datetime.now(dt.UTC))
        rfq = trade.rfq(buyer)  # the newest, with two quotes
        trade.quote(two, rfq["rfq_id"], 8800)
        trade.quote(six, rfq["rfq_id"], 8600)

        def record(what: str, path: str, token: str):
            with CallRecorder() as rec:
                reply = api.get(path, token=token)
            assert reply.status == 200, reply
            rows.append(Row(size, what, rec.dynamodb()))
            return reply.json

        first = record(
            "opportunities, 2 of 6 categories (page 1)", f"/v1/shops/{two.shop_id}/rfq-opportunities", two.token
        )
        assert first["next_cursor"] and first["items"]
        assert {r["category"] for r in first["items"]} <= {"dried-fruit", "nuts"}
        record(
            "opportunities, 2 of 6 categories (page 2)",
            f"/v1/shops/{two.shop_id}/rfq-opportunities?cursor={first['next_cursor']}",
            two.token,
        )
        record("opportunities, all 6 categories", f"/v1/shops/{six.shop_id}/rfq-opportunities", six.token)
        record("buyer's RFQs (page 1)", "/v1/rfqs", buyer)
        compared = record("compare quotes (2 quotes)", f"/v1/rfqs/{rfq['rfq_id']}/quotes", buyer)
        assert [q["unit_price"]["amount"] for q in compared["items"]] == [8600, 8800]
    return rows


def render(sizes: list[int], rows: list[Row]) -> tuple[str, bool]:
    out = [
        "## Bulk trade: opportunity lists at "
        + " and ".join(f"{n:,}" for n in sizes)
        + " open RFQs (issue 14, bench/trade_bench.py)",
        "",
        "Open RFQs of the six b2b categories in turn, stored as the adapter stores them. A shop quoting in 2 "
        "categories reads one page of the open-RFQ index (`rfqs#open`, newest first) and keeps its categories "
        "(FilterExpression): read 20, returned about a third. A cell shows one value when every size agrees.",
        "",
        "| Read | Calls | DynamoDB operations | Read | Returned | Read amp. | Target calls | Same at every size |",
        "|---|---:|---|---:|---:|---:|---:|:-:|",
    ]
    ok = True
    for what, target in TARGETS.items():
        cells = [r for r in rows if r.what == what]
        same = all(c.figures == cells[0].figures for c in cells)
        within = all(c.totals.calls <= target for c in cells)
        ok &= same and within
        t = cells[-1].totals
        amp = f"{t.read_amplification:.2f}" if t.read_amplification else "-"
        out.append(
            f"| {what} | {t.calls} | {t.describe_operations()} | {t.items_read} | {t.items_returned} | {amp} "
            f"| {target} | {'yes' if same else '**NO**'} |"
        )
    out += [
        "",
        "- The opportunity list is one Query whatever the number of RFQs (plus one BatchGetItem of the shop and its "
        "categories: the RFQs name no shop, so ownership cannot come from the page).",
        f"- Identical calls and items at {' and '.join(f'{n:,}' for n in sizes)} RFQs: "
        + ("**yes**." if ok else "**NO**."),
        "",
    ]
    return "\n".join(out), ok


def report(append_to: Path | None = None, sizes: list[int] | None = None) -> bool:
    return runner.report(measure, render, sizes or SIZES, "bulk trade with {size:,} open RFQs", append_to)


def main(argv: list[str] | None = None) -> int:
    return runner.main(argv, __doc__, report, SIZES, "open RFQs")


if __name__ == "__main__":
    sys.exit(main())
