"""Races on net terms and invoices (issue 14) through the real app, against a moto server with atomic requests.

- 20 orders on net terms placed at the same instant against one credit line that covers 10: exactly 10 are
  placed, the others are refused (409 credit_limit_exceeded), and the available credit ends at 0 without ever
  going below it. The orders are 20 accepted quotes of one business: a checkout empties the buyer's one cart,
  so one business cannot race checkouts against itself, but an acceptance places its order through the same
  ledger posting (services/terms.place_on_terms), conditioned the same way.
- The control: the same race with a check that reads the available credit and then posts without the guard
  (read-then-write, wrong on purpose) overdraws in at least one trial: the harness can see this race.
- 20 orders on net terms of one seller shipped at the same instant: 20 invoices numbered 1..20, no gap, no
  duplicate; the control (read the counter, write it + 1 without a condition) hands out duplicates.

Figures of every trial are printed (`pytest -s tests/concurrency`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.ledger import InsufficientFunds, transfer
from chalicelib.domain.trade import credit_account, reserved_account
from tests.api.trade.support import Trade, accept_body
from tests.concurrency.harness import (
    locked_moto_stack,
    overlapped,
    run_together,
    thread_local_requests,
    thread_safe_api,
)
from tests.support import Factory, assert_api_error

RACERS = 20
TRIALS = 3
UNIT = 1_000  # 10.00 CNY
QUANTITY = 100  # an order: 1,000.00 CNY
ORDER = UNIT * QUANTITY
LIMIT = 10 * ORDER  # covers 10 of the 20


class World:
    def __init__(self, stack, api) -> None:
        import boto3

        self.stack, self.api = stack, api
        self.factory = Factory(api, stack)
        self.trade = Trade(api, self.factory)
        self.ddb = boto3.session.Session(region_name=stack.settings.region).client(
            "dynamodb", endpoint_url=stack.settings.endpoint_url
        )

    def quoted_rfqs(self, buyer: str, supplier, n: int) -> list[tuple[str, str]]:
        """n RFQs of `buyer`, each with `supplier`'s quote at UNIT a unit."""
        out = []
        for _ in range(n):
            rfq = self.trade.rfq(buyer, quantity=QUANTITY)
            quote = self.trade.quote(supplier, rfq["rfq_id"], UNIT, moq=QUANTITY)
            out.append((rfq["rfq_id"], quote["quote_id"]))
        return out

    def invoice_numbers(self, shop_id: str) -> list[int]:
        """Ground truth: every invoice of the shop, read straight from the table."""
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.stack.settings.trade_table,
            FilterExpression="shop_id = :s AND begins_with(pk, :inv)",
            ExpressionAttributeValues={":s": {"S": shop_id}, ":inv": {"S": "invoice#"}},
            ConsistentRead=True,
        )
        return sorted(json.loads(i["body"]["S"])["seq"] for page in pages for i in page["Items"])


@pytest.fixture(scope="module")
def world():
    from app import app

    with locked_moto_stack() as stack, thread_local_requests(app):
        yield World(stack, thread_safe_api(app))


def _figures(label: str, **figures) -> None:
    print(f"\n[{label}] " + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def _balances_after(ledger, account: str) -> list[int]:
    out, start = [], None
    while True:
        page = ledger.entries(account, "CNY", newest_first=False, limit=100, start=start)
        out += [e.balance_after for e in page.items]
        start = page.last_key
        if not start:
            return out


# --- the credit line --------------------------------------------------------------------------------------


def test_twenty_orders_on_terms_at_once_never_exceed_the_credit_limit(world):
    for trial in range(TRIALS):
        buyer = world.trade.business(terms=(30, LIMIT))
        business_id = world.trade.business_id(buyer)
        supplier = world.trade.supplier()
        quoted = world.quoted_rfqs(buyer, supplier, RACERS)

        def accept(i: int, quoted=quoted, buyer=buyer):
            rfq_id, quote_id = quoted[i]
            return world.trade.accept(buyer, rfq_id, quote_id, accept_body(QUANTITY, "net_terms"), key=f"race-{i}")

        outcomes = run_together(RACERS, accept)

        replies = [o.value for o in outcomes]
        statuses = Counter(r.status for r in replies)
        ledger = world.stack.ledger
        available = ledger.balance(credit_account(business_id), "CNY").amount
        reserved = ledger.balance(reserved_account(business_id), "CNY").amount
        history = _balances_after(ledger, str(credit_account(business_id)))
        _figures(
            f"credit race trial {trial + 1}",
            placed=statuses[201],
            refused_409=statuses[409],
            other=sum(n for s, n in statuses.items() if s not in (201, 409)),
            available=available,
            reserved=reserved,
            lowest_balance=min(history),
            overlapped=overlapped(outcomes),
        )
        assert overlapped(outcomes), "the orders were not placed at the same time"
        assert statuses == {201: 10, 409: 10}, statuses
        for reply in replies:
            if reply.status == 409:
                assert_api_error(reply, 409, "credit_limit_exceeded")
        assert (available, reserved) == (0, LIMIT)
        assert min(history) >= 0  # never below zero, at any point of the history
        orders = world.api.get("/v1/orders?limit=100", token=buyer).json["items"]
        assert len(orders) == 10 and sum(o["total"]["amount"] for o in orders) == LIMIT


def test_control_reading_the_credit_then_posting_without_the_guard_overdraws(world):
    """The same race, wrong on purpose: check the available credit, then post credit -> reserved without
    `no_overdraft` (the ledger still serialises the postings: only the guard is missing)."""
    overdrawn_trials = 0
    for trial in range(TRIALS):
        buyer = world.trade.business(terms=(30, LIMIT))
        business_id = world.trade.business_id(buyer)
        credit, reserved = credit_account(business_id), reserved_account(business_id)
        ledger = world.stack.ledger

        def wrong(i: int, credit=credit, reserved=reserved, ledger=ledger) -> str:
            if ledger.balance(credit, "CNY").amount < ORDER:
                return "refused"
            posting = transfer(
                f"wrong-{uuid.uuid4().hex}", "terms.order_placed", "2026-06-01T12:00:00.000Z",
                source=credit, destination=reserved, amount=ORDER, currency="CNY",
            )  # fmt: skip
            try:
                ledger.post(posting)
            except (InsufficientFunds, ServiceUnavailable):
                return "refused"
            return "placed"

        outcomes = run_together(RACERS, wrong)
        placed = sum(1 for o in outcomes if o.value == "placed")
        available = ledger.balance(credit, "CNY").amount
        overdrawn_trials += available < 0
        _figures(
            f"control trial {trial + 1}",
            placed=placed,
            limit_covers=10,
            available=available,
            overlapped=overlapped(outcomes),
        )
    _figures("control", overdrawn_trials=f"{overdrawn_trials}/{TRIALS}")
    assert overdrawn_trials >= 1, "the harness never saw the unguarded check overdraw: it cannot see this race"


# --- invoice numbers ----------------------------------------------------------------------------------------


def test_twenty_shipments_at_once_number_their_invoices_without_gaps(world):
    for trial in range(TRIALS):
        buyer = world.trade.business(terms=(30, 100 * LIMIT))
        supplier = world.trade.supplier()
        orders = []
        for rfq_id, quote_id in world.quoted_rfqs(buyer, supplier, RACERS):
            placed = world.trade.accept(buyer, rfq_id, quote_id, accept_body(QUANTITY, "net_terms"))
            assert placed.status == 201, placed
            orders.append(placed.json["order"]["order_id"])

        def ship(i: int, orders=orders, supplier=supplier):
            return world.api.post(
                f"/v1/shops/{supplier.shop_id}/orders/{orders[i]}/ship",
                {"carrier": "SF Express", "tracking_number": f"SF{i:04d}"},
                token=supplier.token,
            )

        outcomes = run_together(RACERS, ship, timeout=120)
        statuses = Counter(o.value.status for o in outcomes)
        numbers = world.invoice_numbers(supplier.shop_id)
        invoice_ids = {o.value.json["invoice_id"] for o in outcomes if o.value.status == 200}
        _figures(
            f"invoice numbers trial {trial + 1}",
            shipped=statuses[200],
            other=dict((s, n) for s, n in statuses.items() if s != 200),
            invoices=len(numbers),
            numbers=f"{numbers[0]}..{numbers[-1]}" if numbers else "-",
            overlapped=overlapped(outcomes),
        )
        assert overlapped(outcomes), "the shipments were not made at the same time"
        assert statuses == {200: RACERS}, statuses
        assert numbers == list(range(1, RACERS + 1))  # sequential, no gap, no duplicate
        assert len(invoice_ids) == RACERS
        listed = world.api.get(f"/v1/shops/{supplier.shop_id}/invoices?limit=100", token=supplier.token).json["items"]
        assert [i["number"] for i in listed] == [f"{n:08d}" for n in range(RACERS, 0, -1)]


def test_control_a_counter_read_then_written_without_a_condition_hands_out_duplicates(world):
    from chalicelib.adapters.trade import supplier_key

    table = world.stack.settings.trade_table
    duplicated_trials = 0
    for trial in range(TRIALS):
        shop_id = f"shp_control_{uuid.uuid4().hex[:8]}"
        key = supplier_key(shop_id)

        def wrong_number(i: int, key=key) -> int:
            item = world.ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item") or {}
            number = int(item.get("invoice_seq", {}).get("N", "0")) + 1
            world.ddb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET invoice_seq = :n",
                ExpressionAttributeValues={":n": {"N": str(number)}},
            )
            return number

        outcomes = run_together(RACERS, wrong_number)
        numbers = [o.value for o in outcomes]
        duplicates = len(numbers) - len(set(numbers))
        duplicated_trials += duplicates > 0
        _figures(f"control numbers trial {trial + 1}", handed_out=len(numbers), distinct=len(set(numbers)))
    _figures("control numbers", duplicated_trials=f"{duplicated_trials}/{TRIALS}")
    assert duplicated_trials >= 1, "the harness never saw the unconditional counter hand out a number twice"
