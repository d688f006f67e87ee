"""Buyer trust on DynamoDB (issue 13): disputes, reviews and ratings, points lots and rules (the Trust table;
docs/data-model.md). Items are written raw so each action's position in a transaction is known; the writes a
service commits together with an order or a ledger posting are `Write`s (services/ports.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import Conflict, PreconditionFailed, ServiceUnavailable
from ..domain.trust import (
    DUE_SHARDS,
    Dispute,
    PartnerBank,
    PointsLot,
    PointsRules,
    RatingSummary,
    Review,
    dispute_from_dict,
    dispute_to_dict,
    review_from_dict,
    review_to_dict,
)
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES
from .models import ProductModel, TrustModel, shared_connection

_CONFIG = "config#points"


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _busy() -> ServiceUnavailable:
    return ServiceUnavailable("the store is busy, please retry", retry_after=1)


def day_key(at: str) -> str:
    return at[:10].replace("-", "")


class DynamoTrustRepository:
    def __init__(self, region: str, host: str | None) -> None:
        self._connection = shared_connection(region, host)

    @property
    def _client(self):
        return self._connection.client

    @property
    def _table(self) -> str:
        return TrustModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES:
                raise _busy() from exc
            raise
        except BotoCoreError as exc:
            raise _busy() from exc

    def _get(self, pk: str, sk: str) -> dict | None:
        raw = self._call("get_item", TableName=self._table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
        return raw.get("Item")

    def _query(
        self, index: str | None, pk_name: str, pk: str, *, limit: int, start: dict | None, forward: bool = False,
        sk_name: str | None = None, low: str | None = None, high: str | None = None,
    ) -> tuple[list[dict], dict | None]:  # fmt: skip
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": pk_name},
            "ExpressionAttributeValues": {":h": _s(pk)},
            "Limit": limit,
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if sk_name and low is not None and high is not None:
            kwargs["KeyConditionExpression"] += " AND #r BETWEEN :lo AND :hi"
            kwargs["ExpressionAttributeNames"]["#r"] = sk_name
            kwargs["ExpressionAttributeValues"].update({":lo": _s(low), ":hi": _s(high)})
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return raw.get("Items", []), raw.get("LastEvaluatedKey")

    @staticmethod
    def _body(item: dict) -> dict:
        return json.loads(item["body"]["S"])

    # --- disputes ---------------------------------------------------------------------------------------

    def _dispute_item(self, d: Dispute) -> dict:
        sort = f"{d.created_at}#{d.dispute_id}"
        item = {
            "pk": _s(f"dispute#{d.dispute_id}"),
            "sk": _s("dispute"),
            "body": _s(json.dumps(dispute_to_dict(d), separators=(",", ":"))),
            "version": _n(d.version),
            "g1pk": _s(f"order#{d.order_id}"),
            "g1sk": _s(sort),
            "g2pk": _s(f"shopd#{d.shop_id}"),
            "g2sk": _s(sort),
            "g3pk": _s(f"shopd#{d.shop_id}#{d.status}"),
            "g3sk": _s(sort),
            "g4pk": _s(f"dstatus#{d.status}"),
            "g4sk": _s(sort),
        }
        if d.due_at is not None:
            item["g5pk"] = _s(f"due#{d.due_shard}")
            item["g5sk"] = _s(f"{d.due_at}#{d.dispute_id}")
        return item

    def _line_lock(self, line_id: str) -> dict:
        return {"pk": _s(f"dline#{line_id}"), "sk": _s("open")}

    def dispute_open_writes(self, dispute: Dispute) -> list[Write]:
        """The new dispute, a claim on each of its lines (one open dispute per line) and the shop's counter."""
        writes = [
            Write(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": self._dispute_item(dispute),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                Conflict("this dispute exists already", code="dispute_exists"),
            )
        ]
        for line in dispute.lines:
            writes.append(
                Write(
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {**self._line_lock(line["line_id"]), "dispute_id": _s(dispute.dispute_id)},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    Conflict(f"line {line['line_id']} already has an open dispute", code="dispute_already_open"),
                )
            )
        writes.append(self._stats_add(dispute.shop_id, f"d{day_key(dispute.created_at)}"))
        return writes

    def _stats_add(self, shop_id: str, attribute: str) -> Write:
        return Write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": _s(f"shopstats#{shop_id}"), "sk": _s("stats")},
                    "UpdateExpression": "ADD #a :one",
                    "ExpressionAttributeNames": {"#a": attribute},
                    "ExpressionAttributeValues": {":one": _n(1)},
                }
            },
            None,
        )

    def delivered_write(self, shop_id: str, at: str) -> Write:
        """Counts a delivered order on the shop's day (the dispute rate's denominator)."""
        return self._stats_add(shop_id, f"o{day_key(at)}")

    def dispute_writes(self, dispute: Dispute, expected_version: int) -> list[Write]:
        """The dispute's new state (version-checked); once it is no longer open, its lines' claims go."""
        new = Dispute(**{**dispute.__dict__, "version": expected_version + 1})
        writes = [
            Write(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": self._dispute_item(new),
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": _n(expected_version)},
                    }
                },
                PreconditionFailed("the dispute changed meanwhile; reload it", code="stale_dispute"),
            )
        ]
        if not new.is_open:
            for line in new.lines:
                writes.append(
                    Write(
                        {
                            "Delete": {
                                "TableName": self._table,
                                "Key": self._line_lock(line["line_id"]),
                                "ConditionExpression": "dispute_id = :d OR attribute_not_exists(pk)",
                                "ExpressionAttributeValues": {":d": _s(new.dispute_id)},
                            }
                        },
                        None,
                    )
                )
        return writes

    def get_dispute(self, dispute_id: str) -> Dispute | None:
        item = self._get(f"dispute#{dispute_id}", "dispute")
        return dispute_from_dict(self._body(item)) if item else None

    def _dispute_page(self, index: str, pk_name: str, pk: str, limit: int, start: dict | None) -> Page:
        items, last = self._query(index, pk_name, pk, limit=limit, start=start)
        return Page([dispute_from_dict(self._body(i)) for i in items], last)

    def order_disputes(self, order_id: str, limit: int, start: dict | None) -> Page:
        return self._dispute_page("g1-index", "g1pk", f"order#{order_id}", limit, start)

    def shop_disputes(self, shop_id: str, status: str | None, limit: int, start: dict | None) -> Page:
        if status:
            return self._dispute_page("g3-index", "g3pk", f"shopd#{shop_id}#{status}", limit, start)
        return self._dispute_page("g2-index", "g2pk", f"shopd#{shop_id}", limit, start)

    def disputes_by_status(self, status: str, limit: int, start: dict | None) -> Page:
        return self._dispute_page("g4-index", "g4pk", f"dstatus#{status}", limit, start)

    def due_disputes(self, shard: int, now: str, limit: int, start: dict | None = None) -> Page:
        """One Query of a shard of the due index (oldest deadline first), up to `now`."""
        items, last = self._query(
            "g5-index", "g5pk", f"due#{shard}", limit=limit, start=start, forward=True, sk_name="g5sk", low="0",
            high=f"{now}#\uffff",
        )  # fmt: skip
        return Page([dispute_from_dict(self._body(i)) for i in items], last)

    # --- the shop's figures -------------------------------------------------------------------------------

    def shop_trust(self, shop_id: str) -> tuple[RatingSummary, dict[str, int], dict[str, int]]:
        """The shop's rating and its daily delivered / disputed counters: one BatchGetItem."""
        keys = [
            {"pk": _s(f"rating#shop#{shop_id}"), "sk": _s("agg")},
            {"pk": _s(f"shopstats#{shop_id}"), "sk": _s("stats")},
        ]
        found = self._batch_get(keys)
        rating = self._summary(found.get(f"rating#shop#{shop_id}"))
        stats = found.get(f"shopstats#{shop_id}") or {}
        orders = {k[1:]: int(v["N"]) for k, v in stats.items() if k.startswith("o") and "N" in v}
        disputes = {k[1:]: int(v["N"]) for k, v in stats.items() if k.startswith("d") and "N" in v}
        return rating, orders, disputes

    def _batch_get(self, keys: list[dict]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        request: dict = {self._table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for item in raw.get("Responses", {}).get(self._table, []):
                found[item["pk"]["S"]] = item
            request = raw.get("UnprocessedKeys") or {}
        return found

    # --- reviews ----------------------------------------------------------------------------------------

    def _review_item(self, r: Review) -> dict:
        sort = f"{r.created_at}#{r.review_id}"
        item = {
            "pk": _s(f"review#{r.review_id}"),
            "sk": _s("review"),
            "body": _s(json.dumps(review_to_dict(r), separators=(",", ":"))),
            "version": _n(r.version),
            "g3pk": _s(f"shopr#{r.shop_id}"),
            "g3sk": _s(sort),
        }
        if r.status == "visible":
            item.update(
                {
                    "g1pk": _s(f"prod#{r.product_id}"),
                    "g1sk": _s(sort),
                    "g2pk": _s(f"prodr#{r.product_id}"),
                    "g2sk": _s(f"{r.rating}#{sort}"),
                }
            )
        return item

    def _rating_add(self, pk: str, rating: int, sign: int) -> Write:
        return Write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": _s(pk), "sk": _s("agg")},
                    "UpdateExpression": "ADD #c :sign, #t :total, #s :sign",
                    "ExpressionAttributeNames": {"#c": "count", "#t": "total", "#s": f"s{rating}"},
                    "ExpressionAttributeValues": {":sign": _n(sign), ":total": _n(sign * rating)},
                }
            },
            None,
        )

    def _ratings(self, r: Review, sign: int) -> list[Write]:
        """The product's and the shop's aggregates, and the product item's own count and sum (what its page and
        its storefront cards show; bumping its version makes a concurrent edit of the product retry on it)."""
        product = Write(
            {
                "Update": {
                    "TableName": ProductModel.Meta.table_name,
                    "Key": {"product_id": _s(r.product_id)},
                    "UpdateExpression": "ADD rating_count :sign, rating_total :total, version :one",
                    "ConditionExpression": "attribute_exists(product_id)",
                    "ExpressionAttributeValues": {":sign": _n(sign), ":total": _n(sign * r.rating), ":one": _n(1)},
                }
            },
            None,  # a product is archived, never deleted
        )
        return [
            self._rating_add(f"rating#product#{r.product_id}", r.rating, sign),
            self._rating_add(f"rating#shop#{r.shop_id}", r.rating, sign),
            product,
        ]

    def review_writes(self, review: Review) -> list[Write]:
        """A new review (once per order line) and its rating added to its product's and shop's aggregates."""
        put = Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": self._review_item(review),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            Conflict("this order line has been reviewed already", code="already_reviewed"),
        )
        return [put, *self._ratings(review, +1)]

    def review_update_writes(self, review: Review, expected_version: int, rating_change: int = 0) -> list[Write]:
        """A review's new state (version-checked); `rating_change` -1 takes it out of the aggregates (hidden),
        +1 puts it back."""
        new = Review(**{**review.__dict__, "version": expected_version + 1})
        put = Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": self._review_item(new),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": _n(expected_version)},
                }
            },
            PreconditionFailed("the review changed meanwhile; reload it", code="stale_review"),
        )
        return [put, *(self._ratings(review, rating_change) if rating_change else [])]

    def get_review(self, review_id: str) -> Review | None:
        item = self._get(f"review#{review_id}", "review")
        return review_from_dict(self._body(item)) if item else None

    def get_reviews(self, review_ids: Sequence[str]) -> dict[str, Review]:
        """The reviews that exist among `review_ids` (an order's lines): one BatchGetItem (100 keys at most)."""
        if not review_ids:
            return {}
        found = self._batch_get([{"pk": _s(f"review#{r}"), "sk": _s("review")} for r in dict.fromkeys(review_ids)])
        return {pk.removeprefix("review#"): review_from_dict(self._body(item)) for pk, item in found.items()}

    def product_reviews(self, product_id: str, sort: str, limit: int, start: dict | None) -> Page:
        if sort == "rating":
            items, last = self._query("g2-index", "g2pk", f"prodr#{product_id}", limit=limit, start=start)
        else:
            items, last = self._query("g1-index", "g1pk", f"prod#{product_id}", limit=limit, start=start)
        return Page([review_from_dict(self._body(i)) for i in items], last)

    def shop_reviews(self, shop_id: str, limit: int, start: dict | None) -> Page:
        items, last = self._query("g3-index", "g3pk", f"shopr#{shop_id}", limit=limit, start=start)
        return Page([review_from_dict(self._body(i)) for i in items], last)

    @staticmethod
    def _summary(item: dict | None) -> RatingSummary:
        if not item:
            return RatingSummary()
        n = lambda name: int(item.get(name, {}).get("N", "0"))  # noqa: E731
        return RatingSummary(n("count"), n("total"), (n("s1"), n("s2"), n("s3"), n("s4"), n("s5")))

    def product_rating(self, product_id: str) -> RatingSummary:
        return self._summary(self._get(f"rating#product#{product_id}", "agg"))

    # --- points -----------------------------------------------------------------------------------------

    def points_credited(self, user_id: str) -> int:
        item = self._get(f"points#{user_id}", "summary")
        return int(item["credited"]["N"]) if item else 0

    def lot_writes(self, lot: PointsLot, credited_before: int) -> list[Write]:
        """A lot of credited points and the user's FIFO line moved past it (conditional on the line read)."""
        summary: dict[str, Any] = {
            "TableName": self._table,
            "Item": {"pk": _s(f"points#{lot.user_id}"), "sk": _s("summary"), "credited": _n(lot.credited_through)},
        }
        if credited_before:
            summary["ConditionExpression"] = "credited = :before"
            summary["ExpressionAttributeValues"] = {":before": _n(credited_before)}
        else:
            summary["ConditionExpression"] = "attribute_not_exists(pk)"
        shard = sum(lot.user_id.encode()) % DUE_SHARDS
        item = {
            "pk": _s(f"points#{lot.user_id}"),
            "sk": _s(f"lot#{lot.earned_at}#{lot.lot_id}"),
            "body": _s(json.dumps(lot.__dict__, separators=(",", ":"))),
            "g5pk": _s(f"pexp#{shard}"),
            "g5sk": _s(f"{lot.expires_at}#{lot.user_id}#{lot.lot_id}"),
        }
        return [
            Write({"Put": summary}, PreconditionFailed("points credited meanwhile", code="stale_points")),
            Write(
                {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                Conflict("this lot exists already", code="lot_exists"),
            ),
        ]

    def lot_expired_write(self, lot: PointsLot, expired: int) -> Write:
        done = PointsLot(**{**lot.__dict__, "expired": expired})
        return Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": _s(f"points#{lot.user_id}"),
                        "sk": _s(f"lot#{lot.earned_at}#{lot.lot_id}"),
                        "body": _s(json.dumps(done.__dict__, separators=(",", ":"))),
                    },
                    "ConditionExpression": "attribute_exists(g5pk)",
                }
            },
            Conflict("this lot has expired already", code="lot_expired"),
        )

    def due_lots(self, shard: int, now: str, limit: int, start: dict | None = None) -> Page:
        """One Query of a shard of the lots' expiry index (oldest first), up to `now`."""
        items, last = self._query(
            "g5-index", "g5pk", f"pexp#{shard}", limit=limit, start=start, forward=True, sk_name="g5sk", low="0",
            high=f"{now}#\uffff",
        )  # fmt: skip
        return Page([PointsLot(**self._body(i)) for i in items], last)

    def lots_earned_between(self, user_id: str, start_at: str, end_at: str, limit: int) -> list[PointsLot]:
        items, _ = self._query(
            None, "pk", f"points#{user_id}", limit=limit, start=None, forward=True, sk_name="sk",
            low=f"lot#{start_at}", high=f"lot#{end_at}",
        )  # fmt: skip
        return [PointsLot(**self._body(i)) for i in items]

    def points_config(self) -> tuple[PointsRules, PartnerBank | None]:
        items, _ = self._query(None, "pk", _CONFIG, limit=10, start=None)
        rules, bank = PointsRules(), None
        for item in items:
            body = self._body(item)
            if item["sk"]["S"] == "rules":
                rules = PointsRules(body["earn"], body.get("updated_at"))
            elif item["sk"]["S"] == "partner-bank":
                bank = PartnerBank(
                    body["name"], tuple(tuple(r) for r in body["bin_ranges"]), body["multiplier"], body["updated_at"]
                )  # type: ignore[arg-type]
        return rules, bank

    def save_points_rules(self, rules: PointsRules) -> None:
        body = {"earn": rules.earn, "updated_at": rules.updated_at}
        self._put_config("rules", body)

    def save_partner_bank(self, bank: PartnerBank) -> None:
        body = {"name": bank.name, "bin_ranges": [list(r) for r in bank.bin_ranges], "multiplier": bank.multiplier,
                "updated_at": bank.updated_at}  # fmt: skip
        self._put_config("partner-bank", body)

    def _put_config(self, sk: str, body: dict) -> None:
        item = {"pk": _s(_CONFIG), "sk": _s(sk), "body": _s(json.dumps(body, separators=(",", ":")))}
        self._call("put_item", TableName=self._table, Item=item)

    # --- evidence pictures --------------------------------------------------------------------------------

    def save_evidence(self, record: dict[str, Any]) -> None:
        item = {"pk": _s(f"evidence#{record['media_id']}"), "sk": _s("media"), "body": _s(json.dumps(record))}
        self._call("put_item", TableName=self._table, Item=item)

    def get_evidence(self, media_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not media_ids:
            return {}
        found = self._batch_get([{"pk": _s(f"evidence#{m}"), "sk": _s("media")} for m in dict.fromkeys(media_ids)])
        return {pk.split("#", 1)[1]: self._body(item) for pk, item in found.items()}
