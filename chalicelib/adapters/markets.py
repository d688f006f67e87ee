"""Exchange rates (issue 12) on DynamoDB, in the Finance table (docs/data-model.md, "Finance"):

    fx#<pair> / current                    the rate in force: body, rate_id, as_of
    fx#<pair> / rate#<as_of>#<rate_id>     every rate ever recorded (the history, newest first)

Recording a rate is one transaction (history + current, the current conditional on being older). Reading the
current rate is cached per warm Lambda for RATE_CACHE_SECONDS: storefront reads in a foreign market cost no
second DynamoDB call, and may show a rate at most that old. Checkout never trusts the cache: it reads the
current item in its first BatchGetItem and conditions its transaction on it (adapters/orders.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import Conflict, ServiceUnavailable
from ..domain.markets import FxRate
from ..services.ports import Page, Position
from .dynamodb import RETRYABLE_CODES
from .models import FinanceModel, shared_connection

RATE_CACHE_SECONDS = 60
CURRENT = "current"


def _s(value: str) -> dict:
    return {"S": value}


def fx_pk(pair: str) -> str:
    return f"fx#{pair}"


def current_rate_key(pair: str) -> dict:
    return {"pk": _s(fx_pk(pair)), "sk": _s(CURRENT)}


def delivery_key(market: str) -> dict:
    """Issue 12: the market's delivery terms (zones, compensation): `market#<market>` / `delivery`."""
    return {"pk": _s(f"market#{market}"), "sk": _s("delivery")}


def delivery_from_item(item: dict | None) -> dict:
    if not item:
        return {"zones": [], "compensation": None}
    return {
        "zones": json.loads(item["zones"]["S"]) if "zones" in item else [],
        "compensation": json.loads(item["compensation"]["S"]) if "compensation" in item else None,
    }


def rate_from_item(item: dict | None) -> FxRate | None:
    if not item:
        return None
    return FxRate.from_dict(json.loads(item["body"]["S"]))


def rate_unchanged_check(table: str, rate: FxRate | None) -> dict:
    """A ConditionCheck that the pair's current rate is still `rate` (None: that there is none)."""
    check: dict = {"TableName": table, "Key": current_rate_key(rate.pair if rate else "")}
    if rate is None:
        raise ValueError("a checkout in a foreign market always has a rate")
    check["ConditionExpression"] = "rate_id = :rid"
    check["ExpressionAttributeValues"] = {":rid": _s(rate.rate_id)}
    return {"ConditionCheck": check}


class DynamoMarketsRepository:
    def __init__(self, region: str, host: str | None, *, timer: Callable[[], float] = time.monotonic) -> None:
        self._connection = shared_connection(region, host)
        self._timer = timer
        self._cache: dict[str, tuple[float, FxRate | None]] = {}
        self._terms: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    @property
    def _table(self) -> str:
        return FinanceModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._connection.client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES:
                raise ServiceUnavailable("the rates store is busy, please retry", retry_after=1) from exc
            raise
        except BotoCoreError as exc:
            raise ServiceUnavailable("the rates store is busy, please retry", retry_after=1) from exc

    def record_rate(self, rate: FxRate) -> FxRate:
        body = _s(json.dumps(rate.to_dict(), separators=(",", ":")))
        history = {
            "pk": _s(fx_pk(rate.pair)),
            "sk": _s(f"rate#{rate.as_of}#{rate.rate_id}"),
            "body": body,
        }
        current = {**current_rate_key(rate.pair), "body": body, "rate_id": _s(rate.rate_id), "as_of": _s(rate.as_of)}
        try:
            self._call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": history,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": current,
                            "ConditionExpression": "attribute_not_exists(pk) OR as_of <= :as_of",
                            "ExpressionAttributeValues": {":as_of": _s(rate.as_of)},
                        }
                    },
                ],
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise Conflict(
                    "a rate as of a later time is already in force; record rates in time order",
                    code="rate_out_of_order",
                ) from exc
            raise
        with self._lock:
            self._cache[rate.pair] = (self._timer() + RATE_CACHE_SECONDS, rate)
        return rate

    def current_rate(self, pair: str, *, fresh: bool = False) -> FxRate | None:
        """The rate in force, from this instance's cache when it is under RATE_CACHE_SECONDS old (`fresh`:
        read it now, and refresh the cache)."""
        now = self._timer()
        with self._lock:
            hit = self._cache.get(pair)
        if hit is not None and hit[0] > now and not fresh:
            return hit[1]
        raw = self._call("get_item", TableName=self._table, Key=current_rate_key(pair), ConsistentRead=fresh)
        rate = rate_from_item(raw.get("Item"))
        with self._lock:
            self._cache[pair] = (now + RATE_CACHE_SECONDS, rate)
        return rate

    def delivery_terms(self, market: str, *, fresh: bool = False) -> dict:
        """Issue 12: the market's zones and compensation, cached like the rates."""
        key = f"delivery#{market}"
        now = self._timer()
        with self._lock:
            hit = self._terms.get(key)
        if hit is not None and hit[0] > now and not fresh:
            return hit[1]
        raw = self._call("get_item", TableName=self._table, Key=delivery_key(market), ConsistentRead=fresh)
        terms = delivery_from_item(raw.get("Item"))
        with self._lock:
            self._terms[key] = (now + RATE_CACHE_SECONDS, terms)
        return terms

    def save_delivery_terms(
        self, market: str, *, zones: list[dict] | None = None, compensation: dict | None = None
    ) -> dict:
        sets, values = [], {}
        if zones is not None:
            sets.append("zones = :z")
            values[":z"] = _s(json.dumps(zones, ensure_ascii=False))
        if compensation is not None:
            sets.append("compensation = :c")
            values[":c"] = _s(json.dumps(compensation))
        raw = self._call(
            "update_item",
            TableName=self._table,
            Key=delivery_key(market),
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        terms = delivery_from_item(raw.get("Attributes"))
        with self._lock:
            self._terms[f"delivery#{market}"] = (self._timer() + RATE_CACHE_SECONDS, terms)
        return terms

    def remember_rate(self, pair: str, rate: FxRate | None) -> None:
        """Puts a rate read elsewhere (checkout's first read) in the cache."""
        with self._lock:
            self._cache[pair] = (self._timer() + RATE_CACHE_SECONDS, rate)

    def rate_history(self, pair: str, limit: int, start: Position | None) -> Page[FxRate]:
        kwargs: dict = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :rate)",
            "ExpressionAttributeValues": {":pk": _s(fx_pk(pair)), ":rate": _s("rate#")},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [r for r in (rate_from_item(i) for i in raw.get("Items", [])) if r is not None]
        return Page(items, raw.get("LastEvaluatedKey"))
