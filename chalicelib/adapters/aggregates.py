"""The dashboards' counters on DynamoDB (the Aggregates table; domain/dashboards.py says what they hold).

An event's counters are added in one TransactWriteItems together with the event's claim
(`event#<event_id>` / `applied`, `attribute_not_exists`): a redelivered event adds nothing. Claims carry
`expires_at` (the table's time to live removes them after CLAIM_DAYS, long after SQS stops redelivering:
its retention is 14 days at most); nothing depends on the expiry having run.

Two consumers adding to the same counter item at the same moment cancel each other's transaction
(TransactionConflict): that is retried here with jittered backoff, and beyond that the message goes back to
the queue and is retried by SQS, still counted once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.dashboards import COUNTERS_SK, AggregateUpdate, day_sk, dimension_pk, shop_pk, week_sk
from ..domain.errors import ServiceUnavailable
from .dynamodb import RETRYABLE_CODES, RETRYABLE_REASONS
from .models import AggregateModel, shared_connection

CLAIM_DAYS = 30
ATTEMPTS = 8


def _value(raw: dict):
    if "N" in raw:
        return int(raw["N"]) if raw["N"].lstrip("-").isdigit() else float(raw["N"])
    if "S" in raw:
        return raw["S"]
    return None


def _plain(item: dict) -> dict:
    return {name: _value(raw) for name, raw in item.items()}


def _update_action(table: str, update: AggregateUpdate) -> dict:
    names, values, adds, sets = {}, {}, [], []
    for i, (name, amount) in enumerate(sorted(update.add.items())):
        names[f"#a{i}"] = name
        values[f":a{i}"] = {"N": str(int(amount))}
        adds.append(f"#a{i} :a{i}")
    for i, (name, text) in enumerate(sorted(update.put.items())):
        names[f"#p{i}"] = name
        values[f":p{i}"] = {"S": text}
        sets.append(f"#p{i} = :p{i}")
    parts = (["ADD " + ", ".join(adds)] if adds else []) + (["SET " + ", ".join(sets)] if sets else [])
    expression = " ".join(parts)
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": update.pk}, "sk": {"S": update.sk}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


class DynamoAggregatesRepository:
    def __init__(self, region: str, host: str | None, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._connection = shared_connection(region, host)
        self._sleep = sleep

    @property
    def _client(self):
        return self._connection.client

    @property
    def _table(self) -> str:
        return AggregateModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES:
                raise ServiceUnavailable("the dashboards are busy, please retry", retry_after=1) from exc
            raise
        except BotoCoreError as exc:
            raise ServiceUnavailable("the dashboards are busy, please retry", retry_after=1) from exc

    def apply(self, event_id: str, updates: Sequence[AggregateUpdate], *, at: str) -> bool:
        if not updates:
            return False
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=CLAIM_DAYS)
        claim = {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "pk": {"S": f"event#{event_id}"},
                    "sk": {"S": "applied"},
                    "at": {"S": at},
                    "expires_at": {"N": str(int(expires.timestamp()))},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        actions = [claim] + [_update_action(self._table, u) for u in updates]
        for attempt in range(ATTEMPTS):
            try:
                self._call("transact_write_items", TransactItems=actions)
                return True
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    return False  # counted before
                if not any(r in RETRYABLE_REASONS for r in reasons):
                    raise
            self._sleep(secrets.randbelow(1000) / 1000 * min(0.5, 0.01 * 2**attempt))
        raise ServiceUnavailable("the dashboards are busy, please retry", retry_after=1)

    def _query(self, pk: str, low: str, high: str) -> list[dict]:
        items, start = [], None
        while True:
            kwargs = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            raw = self._call("query", **kwargs)
            items += [_plain(i) for i in raw.get("Items", [])]
            start = raw.get("LastEvaluatedKey")
            if not start:
                return items

    def shop_items(self, shop_id: str, first_day: str) -> list[dict]:
        """One Query: the shop's day items from `first_day` and its counters (`now` sorts after every day)."""
        return self._query(shop_pk(shop_id), day_sk(first_day), COUNTERS_SK)

    def dimension_items(self, dimension: str, first_week: str, last_week: str) -> list[dict]:
        """One Query: the dimension's items of the weeks from `first_week` to `last_week` (all values)."""
        return self._query(dimension_pk(dimension), week_sk(first_week, ""), week_sk(last_week, "\uffff"))
