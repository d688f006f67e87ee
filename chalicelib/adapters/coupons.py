"""Issue 12: buyers' coupons on DynamoDB, in the Finance table (docs/data-model.md, "Finance"):

    coupons#<buyer_id> / <code>     body (the coupon as issued), expires_at, redeemed_at?, redeemed_checkout?,
                                    open_orders? (SS), restored_at?, restored_from?, restorations? (N)

The buyer is the partition, so a buyer's list is one Query and nobody can name another buyer's coupon.
Spending one is an Update conditioned on `redeemed_at` being absent and the coupon unexpired, written in the
checkout's transaction: a replayed or concurrent checkout cannot spend it twice. It records the orders that took a
share (`open_orders`); cancelling one of them drops it from the set, the last one gives the coupon back, each in
the cancellation's transaction and conditioned on the set as it was read (its size), so two cancellations racing
cannot both see "others still use it" and leave it spent, nor both give it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from botocore.exceptions import ClientError

from ..domain.coupons import Coupon
from ..domain.errors import Conflict
from ..services.ports import Page, Position, Write
from .markets import DynamoMarketsRepository


def _s(value: str) -> dict:
    return {"S": value}


def coupon_key(buyer_id: str, code: str) -> dict:
    return {"pk": _s(f"coupons#{buyer_id}"), "sk": _s(code)}


# What changes after the coupon is issued: top-level attributes, never in its body
STATE = ("redeemed_at", "redeemed_checkout", "open_orders", "restored_at", "restored_from")


def _busy() -> Conflict:
    return Conflict("the coupon changed meanwhile (another order of its checkout); try again", code="coupon_busy")


def coupon_from_item(item: dict | None) -> Coupon | None:
    if not item:
        return None
    data = json.loads(item["body"]["S"])
    for name in ("redeemed_at", "redeemed_checkout", "restored_at", "restored_from"):
        data[name] = item[name]["S"] if name in item else None
    data["open_orders"] = tuple(sorted(item["open_orders"]["SS"])) if "open_orders" in item else ()
    return Coupon.from_dict(data)


class DynamoCouponsRepository(DynamoMarketsRepository):
    """services.ports.CouponsRepository (it shares the markets adapter's table and error mapping)."""

    def issue_write(self, coupon: Coupon) -> Write:
        body = {k: v for k, v in coupon.to_dict().items() if k not in STATE}
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

    def redeem_write(self, coupon: Coupon, checkout_id: str, now: str, order_ids: Sequence[str]) -> Write:
        values = {":now": _s(now), ":chk": _s(checkout_id), ":orders": {"SS": sorted(set(order_ids))}}
        action = {
            "Update": {
                "TableName": self._table,
                "Key": coupon_key(coupon.buyer_id, coupon.code),
                "UpdateExpression": "SET redeemed_at = :now, redeemed_checkout = :chk, open_orders = :orders",
                "ConditionExpression": (
                    "attribute_exists(pk) AND attribute_not_exists(redeemed_at) AND expires_at > :now"
                ),
                "ExpressionAttributeValues": values,
            }
        }
        return Write(action, Conflict("this coupon has been used already", code="coupon_used"))

    def release_write(self, coupon: Coupon, order_id: str) -> Write:
        return self._still_open(coupon, order_id, "DELETE open_orders :order", {":order": {"SS": [order_id]}})

    def restore_write(self, coupon: Coupon, order_id: str, now: str) -> Write:
        return self._still_open(
            coupon,
            order_id,
            "REMOVE redeemed_at, redeemed_checkout, open_orders "
            "SET restored_at = :now, restored_from = :chk ADD restorations :one",
            {":now": _s(now), ":one": {"N": "1"}},
            unexpired_at=now,
        )

    def _still_open(
        self, coupon: Coupon, order_id: str, update: str, values: dict, *, unexpired_at: str | None = None
    ) -> Write:
        """An update of the coupon on condition that it is still spent on the same checkout, with `order_id`
        among its open orders and as many of them as were read (else Conflict coupon_busy: read it again)."""
        condition = "redeemed_checkout = :chk AND contains(open_orders, :oid) AND size(open_orders) = :n"
        if unexpired_at is not None:
            condition += " AND expires_at > :now"
        action = {
            "Update": {
                "TableName": self._table,
                "Key": coupon_key(coupon.buyer_id, coupon.code),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": {
                    **values,
                    ":chk": _s(coupon.redeemed_checkout or ""),
                    ":oid": _s(order_id),
                    ":n": {"N": str(len(coupon.open_orders))},
                },
            }
        }
        return Write(action, _busy())

    def apply_alone(self, write: Write) -> bool:
        """One of this repository's coupon updates on its own (the order-events consumer's safety net): False
        when its condition no longer holds."""
        try:
            self._call("update_item", **write.action["Update"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
