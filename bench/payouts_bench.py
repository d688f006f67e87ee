"""Issue 17: DynamoDB calls of the weekly payout run and of the dashboards' counters, at two sizes.

- the payout run over N active shops whose available balance reaches the threshold (each with payout details;
  the bank is the in-memory fake, so only DynamoDB is counted): calls per payout must not grow with N;
- the same run over N shops of which none is due: calls per 100 shops (one page: a Query of the shops and one
  BatchGetItem of their balances);
- the order-events consumer's counters for one event (`order.created`, 3 lines): one TransactWriteItems, at any
  history.

    python -m bench.payouts_bench [--sizes 10,100]
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import environment, runner

environment.prepare()

from bench.counting import CallRecorder  # noqa: E402

SIZES = (10, 100)
NOW = "2026-03-09T02:00:00.000Z"  # a Monday's run


def _shop(shop_id: str):
    from chalicelib.domain.catalog import Shop

    return Shop(
        shop_id=shop_id,
        owner_id=f"usr_{shop_id}",
        name=shop_id,
        slug=shop_id.replace("_", "-"),
        storefront="handicrafts",
        description="",
        region={"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
        status="active",
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        version=1,
    )


def measure(n: int, due: bool) -> dict[str, float]:
    from chalicelib.domain.ledger import Account, transfer
    from chalicelib.domain.seller_money import PayoutAccount, available
    from chalicelib.services import payouts
    from tests.fakes import InMemoryBank
    from tests.support import moto_aws_stack

    with moto_aws_stack() as c:
        for i in range(n):
            shop = _shop(f"shp_{i:05d}")
            c.catalog.create_shop(shop)
            if due:
                c.ledger.post(
                    transfer(f"credit-{i}", "order.completed", "2026-03-01T00:00:00Z",
                             source=Account.external("buyer-payments"), destination=available(shop.shop_id),
                             amount=25_000, currency="CNY", refs={"seller_id": shop.owner_id})
                )  # fmt: skip
                c.finance.save_payout_account(
                    PayoutAccount(shop.shop_id, shop.owner_id, "A Seller", "ABC", "6228480012345678901", None,
                                  "2026-03-01T00:00:00Z")
                )  # fmt: skip
        with CallRecorder() as rec:
            report = payouts.run_payouts(c.catalog, c.finance, c.ledger, InMemoryBank(), c.buying, now=NOW)
        calls = rec.dynamodb().calls
        assert report.complete and report.counts.get("created", 0) == (n if due else 0), report.counts
        return {"calls": calls, "per_shop": calls / n, "payouts": report.counts.get("created", 0)}


def measure_event() -> int:
    from chalicelib.services import dashboards
    from tests.support import moto_aws_stack

    event = {
        "event_id": "ord_bench:1",
        "type": "order.created",
        "order_id": "ord_bench",
        "shop_id": "shp_bench",
        "storefront": "handicrafts",
        "currency": "CNY",
        "payment_method": "bank_transfer",
        "total": {"amount": 30_000, "currency": "CNY"},
        "at": NOW,
        "lines": [{"product_id": f"prd_{i}", "title": "Walnuts", "quantity": 1, "amount": 10_000} for i in range(3)],
    }
    with moto_aws_stack() as c, CallRecorder() as rec:
        dashboards.record_event(c.aggregates, event)
    return rec.dynamodb().calls


def report(path: Path | None = None, sizes=SIZES) -> bool:
    lines = [
        "",
        "## Payouts and dashboards (issue 17)",
        "",
        "| measurement | " + " | ".join(f"{n} shops" for n in sizes) + " |",
    ]
    lines.append("|---|" + "---|" * len(sizes))
    due = {n: measure(n, True) for n in sizes}
    idle = {n: measure(n, False) for n in sizes}
    lines.append(
        "| payout run, every shop due: DynamoDB calls | " + " | ".join(str(due[n]["calls"]) for n in sizes) + " |"
    )
    small, large = sizes[0], sizes[-1]
    marginal = (due[large]["calls"] - due[small]["calls"]) / (large - small)
    lines.append(
        "| payout run, no shop due: DynamoDB calls | " + " | ".join(str(idle[n]["calls"]) for n in sizes) + " |"
    )
    event_calls = measure_event()
    lines.append(f"| dashboard counters of one order event | {event_calls} | {event_calls} |")
    # each payout: the posting (BatchGetItem + TransactWriteItems with the payout's put) and the bank's answer
    # (PutItem); each 100 shops: a Query and up to three BatchGetItems (balances, this run's payouts, details)
    ok = marginal <= 3 + 4 / 100 + 0.01 and event_calls == 1
    lines.append("")
    lines.append(
        f"- each further payout costs {marginal:.2f} DynamoDB calls (3 per payout, 4 per 100 shops): "
        f"{'flat' if ok else 'NOT FLAT'}"
    )
    runner.publish("\n".join(lines) + "\n", path, separator="")
    return ok


def main(argv: list[str] | None = None) -> int:
    return runner.main(argv, __doc__, report, SIZES)


if __name__ == "__main__":
    sys.exit(main())
