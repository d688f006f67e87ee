"""Issue 12: buyers' coupons on DynamoDB, in the Finance table (docs/data-model.md, "Finance"):

    coupons#<buyer_id> / <code>     body (the coupon as issued), expires_at, redeemed_at?, redeemed_checkout?

The buyer is the partition, so a buyer's list is one Query and nobody can name another buyer's coupon.
Spending one is an Update conditioned on `redeemed_at` being absent and the coupon unexpired, written in the
checkout's transaction: a replayed or concurrent checkout cannot spend it twice.
"""

from __future__ import annotations

import json

from ..domain.coupons import Coupon
from ..domain.errors import Conflict
from ..services.ports import Page, Position, Write
from .markets import DynamoMarketsRepository


def _s(value: str) -> dict:
    return {"S": value}


def coupon_key(buyer_id: str, code: str) -> dict:
    return {"pk": _s(f"coupons#{buyer_id}"), "sk": _s(code)}


def coupon_from_item(item: dict | None) -> Coupon | None:
    if not item:
        return None
    data = json.loads(item["body"]["S"])
    data["redeemed_at"] = item["redeemed_at"]["S"] if "redeemed_at" in item else None
    data["redeemed_checkout"] = item["redeemed_checkout"]["S"] if "redeemed_checkout" in item else None
    return Coupon.from_dict(data)


class DynamoCouponsRepository(DynamoMarketsRepository):
    """services.ports.CouponsRepository (it shares the markets adapter's table and error mapping)."""

    def issue_write(self, coupon: Coupon) -> Write:
        body = {k: v for k, v in coupon.to_dict().items() if k not in ("redeemed_at", "redeemed_checkout")}
        item = {
            **coupon_key(coupon.buyer_id, coupon.code),
            "body": _s(json.dumps(body, separators=(",", ":"))),
            "expires_at": _s(coupon.expires_at),
        }
        action = {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        return Write(action, Conflict("this coupon was issued already", code="coupon_exists"))

    def get(self, buyer_id: str, code: str) -> Coupon | None:
        raw = self._call("get_item", TableName=self._table, Key=coupon_key(buyer_id, code), ConsistentRead=True)
        return coupon_from_item(raw.get("Item"))

    def of_buyer(self, buyer_id: str, limit: int, start: Position | None) -> Page[Coupon]:
        kwargs: dict = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(f"coupons#{buyer_id}")},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [c for c in (coupon_from_item(i) for i in raw.get("Items", [])) if c is not None]
        return Page(items, raw.get("LastEvaluatedKey"))

    def redeem_write(self, coupon: Coupon, checkout_id: str, now: str) -> Write:
        action = {
            "Update": {
                "TableName": self._table,
                "Key": coupon_key(coupon.buyer_id, coupon.code),
                "UpdateExpression": "SET redeemed_at = :now, redeemed_checkout = :chk",
                "ConditionExpression": (
                    "attribute_exists(pk) AND attribute_not_exists(redeemed_at) AND expires_at > :now"
                ),
                "ExpressionAttributeValues": {":now": _s(now), ":chk": _s(checkout_id)},
            }
        }
        return Write(action, Conflict("this coupon has been used already", code="coupon_used"))
