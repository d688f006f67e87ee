"""devtools/moto_patches.py only makes moto's TransactWriteItems faster: the same transactions, with and without
the patch, leave the same items and the same stream records (committed ones stay, rolled-back ones leave none).
"""

from __future__ import annotations

import contextlib
import os

import pytest

from devtools.moto_patches import fast_moto_transactions


def _transactions():
    def put(table, key, **attrs):
        item = {**key, **{k: {"N": str(v)} for k, v in attrs.items()}}
        return {"Put": {"TableName": table, "Item": item}}

    def add(table, key, n, condition=None):
        update = {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET n = if_not_exists(n, :z) + :n",
            "ExpressionAttributeValues": {":z": {"N": "0"}, ":n": {"N": str(n)}},
        }
        if condition:
            update["ConditionExpression"] = condition
        return {"Update": update}

    a, b = {"k": {"S": "a"}}, {"k": {"S": "b"}}
    r1, r2 = {"p": {"S": "x"}, "s": {"S": "1"}}, {"p": {"S": "x"}, "s": {"S": "2"}}
    r3 = {"p": {"S": "x"}, "s": {"S": "3"}}
    y1, z1 = {"p": {"S": "y"}, "s": {"S": "1"}}, {"p": {"S": "z"}, "s": {"S": "1"}}
    return [
        [put("flat", a, n=1), put("ranged", r1, n=1), put("ranged", y1, n=4)],  # commits
        [add("flat", a, 5), add("ranged", r1, 2), put("ranged", r2, n=9)],  # commits
        # fails on its last action (moto applies the others first, then rolls back): a new item in a partition
        # it writes (x) and a new partition (z) go, the partition it does not write (y) is untouched
        [
            add("flat", a, 100),
            put("flat", b, n=7),
            put("ranged", r3, n=8),
            put("ranged", z1, n=2),
            add("ranged", r1, 1, condition="n = :z"),
        ],
        [put("flat", b, n=3), {"Delete": {"TableName": "ranged", "Key": r2}}],  # commits
        [
            put("flat", a, n=0),
            {"Delete": {"TableName": "ranged", "Key": y1}},
            add("ranged", r1, 1, condition="attribute_not_exists(p)"),
        ],  # fails
    ]


@contextlib.contextmanager
def _moto_own_transactions():
    """moto's TransactWriteItems as it ships, even where the patch is installed (tests/conftest.py installs it for
    the whole session)."""
    from moto.dynamodb import models

    current = models.DynamoDBBackend.transact_write_items
    models.DynamoDBBackend.transact_write_items = getattr(current, "__wrapped__", current)
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = current


def _run(patched: bool) -> tuple[dict, list]:
    import boto3
    from moto import mock_aws

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(), fast_moto_transactions() if patched else _moto_own_transactions():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        stream = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        ddb.create_table(
            TableName="flat",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification=stream,
        )
        ddb.create_table(
            TableName="ranged",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("p", "s")],
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
        )
        outcomes = []
        for actions in _transactions():
            try:
                ddb.transact_write_items(TransactItems=actions)
                outcomes.append("committed")
            except ddb.exceptions.TransactionCanceledException:
                outcomes.append("cancelled")
        tables = {t: sorted(map(str, ddb.scan(TableName=t)["Items"])) for t in ("flat", "ranged")}
        streams = boto3.client(
            "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
        )
        arn = ddb.describe_table(TableName="flat")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        return {"outcomes": outcomes, **tables}, [(r["eventName"], str(r["dynamodb"]["NewImage"])) for r in records]


@pytest.fixture(scope="module")
def both():
    return _run(patched=False), _run(patched=True)


def test_the_patch_commits_and_rolls_back_exactly_as_moto_does(both):
    (plain, _), (fast, _) = both
    assert plain["outcomes"] == fast["outcomes"] == ["committed", "committed", "cancelled", "committed", "cancelled"]
    assert fast == plain


def test_a_rolled_back_transaction_leaves_no_stream_record(both):
    _, (_, fast_records) = both
    # committed writes to "flat": put a (n=1), update a (n=6), put b (n=3); nothing from the cancelled ones
    assert [event for event, _ in fast_records] == ["INSERT", "MODIFY", "INSERT"]
    assert "'100'" not in str(fast_records) and "'7'" not in str(fast_records)


def test_no_snapshot_outlives_its_transaction():
    """moto keeps every model object its classes make (`instances_tracked`) until the mock ends: a snapshot made
    that way per transaction kept whole table indexes alive (memory quadratic in the transactions)."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models.table import StreamShard, Table

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(), fast_moto_transactions():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="flat",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        tracked = len(Table.instances_tracked), len(StreamShard.instances_tracked)
        for i in range(20):
            item = {"k": {"S": f"k{i}"}, "n": {"N": str(i)}}
            ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "flat", "Item": item}}])
        assert (len(Table.instances_tracked), len(StreamShard.instances_tracked)) == tracked
        assert ddb.scan(TableName="flat")["Count"] == 20
