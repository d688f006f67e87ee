"""What only the DynamoDB ledger has: its calls per operation, the retry when another posting wins the race
between read and write, the conditions that hold even when a caller computed wrong, and the shards of system
accounts. (Behaviour shared with the fake: test_ledger_contract.py.)"""

from __future__ import annotations

import uuid

import pytest

from bench.counting import CallRecorder
from chalicelib.adapters.ledger import MAX_ATTEMPTS, SHARDS, DynamoLedger, shard_pk
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.ledger import MAX_AMOUNT, Account, InsufficientFunds, RunningState, split, transfer

BUYERS = Account.external("buyer-payments")
COMMISSION = Account.platform("commission")
AT = "2026-05-01T09:00:00.000Z"


def fresh(purpose: str = "available") -> Account:
    return Account.shop(f"shp_{uuid.uuid4().hex[:10]}", purpose)


def pay(ledger, account, amount, posting_id=None, currency="CNY"):
    return ledger.post(
        transfer(
            posting_id or f"pay-{uuid.uuid4().hex[:8]}",
            "test.paid",
            AT,
            source=BUYERS,
            destination=account,
            amount=amount,
            currency=currency,
        )
    )


@pytest.fixture
def ledger(stack):
    return stack.ledger


@pytest.fixture
def quiet_ledger(stack):
    """The same table, without the pauses between attempts."""
    return DynamoLedger(stack.settings.region, stack.settings.endpoint_url, sleep=lambda _: None)


def counted(fn):
    with CallRecorder() as rec:
        result = fn()
    return result, rec.dynamodb()


def test_a_posting_is_one_read_and_one_transaction(ledger):
    pending = fresh("pending")
    available = Account.shop(pending.owner, "available")
    pay(ledger, pending, 10_000)
    completion = split(
        "done-1", "order.completed", AT, source=pending, shares={available: 9_500, COMMISSION: 500}, currency="CNY"
    )
    _, totals = counted(lambda: ledger.post(completion))
    assert totals.operations == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert totals.items_written == 1 + 2 * 3  # the posting record, then a balance item and an entry per account
    _, replay = counted(lambda: ledger.post(completion))
    assert replay.operations == {"BatchGetItem": 1} and replay.items_written == 0


def test_a_posting_between_system_accounts_needs_no_read(ledger):
    posting = transfer(
        "sys-1",
        "platform.adjusted",
        AT,
        source=Account.platform("rounding"),
        destination=COMMISSION,
        amount=2,
        currency="CNY",
    )
    _, totals = counted(lambda: ledger.post(posting))
    assert totals.operations == {"TransactWriteItems": 1}
    replayed, replay = counted(lambda: ledger.post(posting))
    assert replayed.replayed
    assert replay.operations == {"TransactWriteItems": 1, "GetItem": 1}  # the claim's condition, then the record


def test_reads_are_one_call_each(ledger):
    available = fresh()
    for _ in range(3):
        pay(ledger, available, 100)
    _, one = counted(lambda: ledger.balance(str(available), "CNY"))
    assert one.operations == {"GetItem": 1}
    _, system = counted(lambda: ledger.balance(str(COMMISSION), "CNY"))
    assert system.operations == {"TransactGetItems": 1}
    _, several = counted(lambda: ledger.balances([(str(available), "CNY"), (str(COMMISSION), "CNY")]))
    assert several.operations == {"BatchGetItem": 1}
    _, page = counted(lambda: ledger.entries(str(available), "CNY", limit=2))
    assert page.operations == {"Query": 1} and page.items_read == 2
    _, statement = counted(lambda: ledger.statement(str(available), "CNY", AT, "2026-06-01T00:00:00Z", limit=2))
    assert statement.operations == {"Query": 3}


def test_a_posting_that_loses_the_race_reads_again_and_keeps_running_balances_exact(quiet_ledger, ledger):
    available = fresh()
    pay(ledger, available, 1_000)
    original_read = quiet_ledger._read
    raced = []

    def read_then_someone_else_posts(posting_id, running):
        result = original_read(posting_id, running)
        if not raced:
            raced.append(pay(ledger, available, 50))  # lands between this posting's read and its write
        return result

    quiet_ledger._read = read_then_someone_else_posts
    with CallRecorder() as rec:
        mine = pay(quiet_ledger, available, 7)
    failed = [c for c in rec.calls if c.operation == "TransactWriteItems" and c.error]
    assert len(failed) == 1  # the first attempt was refused by the sequence condition
    assert mine.balance_after(available, "CNY") == 1_057
    entries = ledger.entries(str(available), "CNY", newest_first=False).items
    assert [(e.seq, e.amount, e.balance_after) for e in entries] == [(1, 1_000, 1_000), (2, 50, 1_050), (3, 7, 1_057)]


def test_a_concurrent_replay_between_read_and_write_is_reported_as_a_replay(quiet_ledger, ledger):
    available = fresh()
    posting = transfer("same-id", "test.paid", AT, source=BUYERS, destination=available, amount=30, currency="CNY")
    original_read = quiet_ledger._read

    def read_then_the_same_posting_lands(posting_id, running):
        result = original_read(posting_id, running)
        ledger.post(posting)
        return result

    quiet_ledger._read = read_then_the_same_posting_lands
    assert quiet_ledger.post(posting).replayed
    assert ledger.balance(str(available), "CNY").amount == 30


def test_the_balance_item_refuses_to_go_below_zero_whatever_the_caller_computed(quiet_ledger, ledger):
    points = Account.points(f"usr_{uuid.uuid4().hex[:8]}")
    ledger.post(
        transfer(
            "earn-1",
            "points.earned",
            AT,
            source=Account.external("points"),
            destination=points,
            amount=100,
            currency="PTS",
        )
    )
    original_read = quiet_ledger._read
    lies = []

    def inflated_read(posting_id, running):
        stored, states = original_read(posting_id, running)
        if not lies:  # the first read claims 1,000 points at the right sequence number
            lies.append(True)
            states = {k: RunningState(1_000, s.seq, s.booked_at) for k, s in states.items()}
        return stored, states

    quiet_ledger._read = inflated_read
    redeem = transfer(
        "redeem-1",
        "points.redeemed",
        AT,
        source=points,
        destination=Account.external("points"),
        amount=500,
        currency="PTS",
    )
    with CallRecorder() as rec, pytest.raises(InsufficientFunds):
        quiet_ledger.post(redeem)
    refused = [c for c in rec.calls if c.operation == "TransactWriteItems"]
    assert len(refused) == 1 and refused[0].error == "TransactionCanceledException"
    assert ledger.balance(str(points), "PTS").amount == 100
    assert ledger.get_posting("redeem-1") is None


def test_an_account_that_stays_too_busy_answers_service_unavailable_and_nothing_is_written(quiet_ledger, ledger):
    available = fresh()
    pay(ledger, available, 10)
    original_read = quiet_ledger._read

    def always_stale(posting_id, running):
        stored, states = original_read(posting_id, running)
        return stored, {k: RunningState(s.balance, s.seq - 1, s.booked_at) for k, s in states.items()}

    quiet_ledger._read = always_stale
    with CallRecorder() as rec, pytest.raises(ServiceUnavailable):
        pay(quiet_ledger, available, 5, posting_id="never")
    assert sum(1 for c in rec.calls if c.operation == "TransactWriteItems") == MAX_ATTEMPTS
    assert ledger.get_posting("never") is None
    assert ledger.balance(str(available), "CNY").amount == 10


def test_a_system_account_spreads_over_shards_summed_on_read(ledger, stack):
    before = ledger.balance(str(COMMISSION), "CNY").amount
    for i in range(24):
        ledger.post(
            transfer(
                f"fee-{i}", "order.completed", AT, source=BUYERS, destination=COMMISSION, amount=10 + i, currency="CNY"
            )
        )
    client = ledger._client
    table = stack.settings.ledger_table
    shards = [
        client.get_item(TableName=table, Key={"pk": {"S": shard_pk(str(COMMISSION), "CNY", s)}, "sk": {"S": "balance"}})
        for s in range(SHARDS)
    ]
    used = [int(s["Item"]["balance"]["N"]) for s in shards if "Item" in s]
    assert len(used) > 1  # no single hot item
    assert sum(used) == ledger.balance(str(COMMISSION), "CNY").amount == before + sum(10 + i for i in range(24))


def test_amounts_are_stored_and_read_back_as_exact_ints(ledger):
    available = fresh()
    pay(ledger, available, MAX_AMOUNT)
    pay(ledger, available, MAX_AMOUNT)
    got = ledger.balance(str(available), "CNY").amount
    assert got == 2 * MAX_AMOUNT and type(got) is int
    entries = ledger.entries(str(available), "CNY").items
    assert [e.balance_after for e in entries] == [2 * MAX_AMOUNT, MAX_AMOUNT]
    assert all(type(e.amount) is int for e in entries)
