"""Races on the ledger against a moto server with atomic requests (tests/concurrency/harness.py).

- 20 redemptions at the same instant from one points balance that covers 10: exactly 10 apply, the balance
  ends at 0 and never goes below it;
- 20 posts of the same posting id: one applies, 19 are replays;
- 20 postings to one seller's account: all apply, and its running balances chain exactly (sequence 1..20);
- 20 concurrent handovers of one order, each its order change + a cash posting in one transaction: one counts;
- the control: the same redemption race, read-then-write on purpose, overspends in at least one trial, which
  is what shows the harness can see a race at all.

The ledger is called directly (it has no route); figures are printed (`pytest -s tests/concurrency`).
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from chalicelib.domain.errors import PreconditionFailed, ServiceUnavailable
from chalicelib.domain.ledger import Account, InsufficientFunds, split, summarize, transfer
from chalicelib.services.ports import Write
from tests.concurrency.harness import locked_moto_stack, overlapped, run_together

THREADS = 20
TRIALS = 3
AT = "2026-06-01T12:00:00.000Z"
POINTS_ISSUER = Account.external("points")
COMMISSION = Account.platform("commission")


@pytest.fixture(scope="module")
def stack():
    with locked_moto_stack() as stack:
        yield stack


def _figures(label: str, **figures) -> None:
    print(f"\n[{label}] " + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def _outcome(fn):
    """Runs one racer; expected refusals are results, not errors."""
    try:
        posted = fn()
    except InsufficientFunds:
        return "insufficient"
    except PreconditionFailed:
        return "stale"
    except ServiceUnavailable:
        return "busy"
    return "replayed" if posted.replayed else "applied"


def _entries(ledger, account, currency: str) -> list:
    out, start = [], None
    while True:
        page = ledger.entries(str(account), currency, newest_first=False, limit=100, start=start)
        out += page.items
        if not page.last_key:
            return out
        start = page.last_key


def test_twenty_concurrent_redemptions_never_overspend_one_points_balance(stack):
    ledger = stack.ledger
    for trial in range(TRIALS):
        points = Account.points(f"usr_{uuid.uuid4().hex[:10]}")
        ledger.post(
            transfer(
                f"earn-{points.owner}",
                "points.earned",
                AT,
                source=POINTS_ISSUER,
                destination=points,
                amount=1_000,
                currency="PTS",
            )
        )

        def redeem(i: int, points=points):
            return _outcome(
                lambda: ledger.post(
                    transfer(
                        f"redeem-{points.owner}-{i}",
                        "points.redeemed",
                        AT,
                        source=points,
                        destination=POINTS_ISSUER,
                        amount=100,
                        currency="PTS",
                    )
                )
            )

        outcomes = run_together(THREADS, redeem)
        results = Counter(o.value for o in outcomes)
        entries = _entries(ledger, points, "PTS")
        balance = ledger.balance(str(points), "PTS").amount
        _figures(
            f"redemption race {trial + 1}",
            applied=results["applied"],
            refused=results["insufficient"],
            other=sum(n for r, n in results.items() if r not in ("applied", "insufficient")),
            final_balance=balance,
            entries=len(entries),
            overlapped=overlapped(outcomes),
        )
        assert overlapped(outcomes), "the redemptions did not run at the same time"
        assert results == {"applied": 10, "insufficient": 10}, results
        assert balance == 0
        assert len(entries) == 11 and all(e.balance_after >= 0 for e in entries)
        assert summarize(entries, opening=0).closing == 0
        assert [e.seq for e in entries] == list(range(1, 12))


def test_twenty_concurrent_posts_of_one_posting_id_apply_once(stack):
    ledger = stack.ledger
    pending = Account.shop(f"shp_{uuid.uuid4().hex[:10]}", "pending")
    available = Account.shop(pending.owner, "available")
    ledger.post(
        transfer(
            f"paid-{pending.owner}",
            "order.paid",
            AT,
            source=Account.external("buyer-payments"),
            destination=pending,
            amount=10_000,
            currency="CNY",
        )
    )
    commission_before = ledger.balance(str(COMMISSION), "CNY").amount
    completion = split(
        f"order-completed:{pending.owner}",
        "order.completed",
        AT,
        source=pending,
        shares={available: 9_500, COMMISSION: 500},
        currency="CNY",
    )
    between_system_accounts = transfer(
        f"sweep-{pending.owner}",
        "platform.adjusted",
        AT,
        source=Account.platform("rounding"),
        destination=COMMISSION,
        amount=1,
        currency="CNY",
    )

    for label, posting in (("with a running account", completion), ("system accounts only", between_system_accounts)):
        outcomes = run_together(THREADS, lambda i, p=posting: _outcome(lambda: ledger.post(p)))
        results = Counter(o.value for o in outcomes)
        _figures(f"same posting id, {label}", **results, overlapped=overlapped(outcomes))
        assert results == {"applied": 1, "replayed": THREADS - 1}, results

    assert ledger.balance(str(available), "CNY").amount == 9_500
    assert ledger.balance(str(pending), "CNY").amount == 0
    assert ledger.balance(str(COMMISSION), "CNY").amount == commission_before + 500 + 1
    assert [e.amount for e in _entries(ledger, available, "CNY")] == [9_500]


def test_concurrent_postings_to_one_account_keep_its_running_balances_exact(stack):
    ledger = stack.ledger
    available = Account.shop(f"shp_{uuid.uuid4().hex[:10]}", "available")
    commission_before = ledger.balance(str(COMMISSION), "CNY").amount
    amounts = [100 * (i + 1) + i for i in range(THREADS)]

    def credit(i: int):
        return _outcome(
            lambda: ledger.post(
                split(
                    f"credit-{available.owner}-{i}",
                    "order.completed",
                    AT,
                    source=Account.external("buyer-payments"),
                    shares={available: amounts[i], COMMISSION: 10},
                    currency="CNY",
                )
            )
        )

    outcomes = run_together(THREADS, credit)
    results = Counter(o.value for o in outcomes)
    entries = _entries(ledger, available, "CNY")
    balance = ledger.balance(str(available), "CNY")
    _figures(
        "one account, 20 postings",
        **results,
        entries=len(entries),
        balance=balance.amount,
        overlapped=overlapped(outcomes),
    )
    assert results == {"applied": THREADS}, results
    assert [e.seq for e in entries] == list(range(1, THREADS + 1))
    assert summarize(entries, opening=0).closing == balance.amount == sum(amounts)  # every balance_after chains
    assert sorted(e.amount for e in entries) == sorted(amounts)
    assert balance.entry_count == THREADS
    assert ledger.balance(str(COMMISSION), "CNY").amount == commission_before + 10 * THREADS


def test_concurrent_handovers_of_one_order_count_the_cash_once(stack):
    """The canonical composition: the order's state change and the cash posting in one transaction. Each racer
    even uses its own posting id, so only the order's version condition stands between them and a double count."""
    ledger = stack.ledger
    client = ledger._client
    orders = stack.settings.orders_table
    order_id = f"ord_{uuid.uuid4().hex[:10]}"
    client.put_item(
        TableName=orders,
        Item={"order_id": {"S": order_id}, "status": {"S": "at_pickup_point"}, "version": {"N": "1"}},
    )
    cash = Account.village(f"vil_{uuid.uuid4().hex[:8]}", "cash")
    fees = Account.village(cash.owner, "fees")

    def hand_over(i: int):
        read = client.get_item(TableName=orders, Key={"order_id": {"S": order_id}}, ConsistentRead=True)["Item"]
        version = int(read["version"]["N"])
        order_change = {
            "Put": {
                "TableName": orders,
                "Item": {
                    "order_id": {"S": order_id},
                    "status": {"S": "handed_over"},
                    "version": {"N": str(version + 1)},
                },
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(version)}},
            }
        }
        posting = split(
            f"handover-{order_id}-{i}",
            "village.cash_collected",
            AT,
            source=Account.external("cash"),
            shares={cash: 10_000, fees: 500},
            currency="CNY",
            refs={"order_id": order_id},
        )
        refused = PreconditionFailed("the order changed meanwhile; reload it", code="stale_order")
        return _outcome(lambda: ledger.post(posting, alongside=[Write(order_change, refused)]))

    outcomes = run_together(THREADS, hand_over)
    results = Counter(o.value for o in outcomes)
    order = client.get_item(TableName=orders, Key={"order_id": {"S": order_id}}, ConsistentRead=True)["Item"]
    _figures(
        "concurrent handovers",
        **results,
        cash=ledger.balance(str(cash), "CNY").amount,
        order_version=order["version"]["N"],
        overlapped=overlapped(outcomes),
    )
    assert results == {"applied": 1, "stale": THREADS - 1}, results
    assert ledger.balance(str(cash), "CNY").amount == 10_000
    assert ledger.balance(str(fees), "CNY").amount == 500
    assert order["version"]["N"] == "2" and order["status"]["S"] == "handed_over"


def test_control_a_read_then_write_redemption_overspends(stack):
    """The redemption race, wrong on purpose: read the balance, check it, write balance - 100 without a condition."""
    client = stack.ledger._client
    table = stack.settings.ledger_table
    overspent_trials = 0
    for trial in range(TRIALS):
        key = {"pk": {"S": f"acct#points:ctl_{uuid.uuid4().hex[:8]}#PTS"}, "sk": {"S": "balance"}}
        client.put_item(TableName=table, Item={**key, "balance": {"N": "1000"}, "seq": {"N": "1"}})

        def wrong_redeem(i: int, key=key) -> bool:
            item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            balance = int(item["balance"]["N"])
            if balance < 100:
                return False
            client.put_item(TableName=table, Item={**key, "balance": {"N": str(balance - 100)}, "seq": {"N": "0"}})
            return True

        outcomes = run_together(THREADS, wrong_redeem)
        redeemed = sum(1 for o in outcomes if o.value)
        overspent_trials += redeemed > 10
        _figures(
            f"control trial {trial + 1}",
            redeemed=redeemed,
            covered=10,
            overspent_by=max(0, redeemed - 10) * 100,
            overlapped=overlapped(outcomes),
        )
    _figures("control", overspent_trials=f"{overspent_trials}/{TRIALS}")
    assert overspent_trials >= 1, "the harness never saw the wrong redemption overspend: it cannot see races"
