"""Issue 12: the carriers operators registered, in the Finance table (docs/data-model.md, "Finance"):

    carrier#<carrier_id> / carrier      name, created_at, created_by; carrier_status (absent: active) and, while
                                        suspended, suspended_at, suspended_by, reason;
                                        list_key = "carriers", list_sort = "<created_at>#<carrier_id>" (list-index);
                                        key_version (N, absent: 1) and secret_rotated_at once rotated

Their signing secrets are derived from the `carrier_signing` secret, never stored (domain/carriers.py).
"""

from __future__ import annotations

from ..domain.carriers import ACTIVE, SUSPENDED, Carrier
from ..domain.errors import Conflict, NotFound
from ..services.ports import Page, Position
from .markets import DynamoMarketsRepository

CARRIERS_LIST = "carriers"


def _s(value: str) -> dict:
    return {"S": value}


def carrier_key(carrier_id: str) -> dict:
    return {"pk": _s(f"carrier#{carrier_id}"), "sk": _s("carrier")}


def carrier_from_item(item: dict) -> Carrier:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return Carrier(
        carrier_id=item["pk"]["S"].removeprefix("carrier#"),
        name=item["name"]["S"],
        created_at=item["created_at"]["S"],
        created_by=item["created_by"]["S"],
        status=text("carrier_status") or ACTIVE,
        suspended_at=text("suspended_at"),
        suspended_by=text("suspended_by"),
        reason=text("reason"),
        key_version=int(item["key_version"]["N"]) if "key_version" in item else 1,
        secret_rotated_at=text("secret_rotated_at"),
    )


class DynamoCarriersRepository(DynamoMarketsRepository):
    """services.ports.CarriersRepository (it shares the markets adapter's table and error mapping)."""

    def create_carrier(self, carrier: Carrier) -> Carrier:
        from botocore.exceptions import ClientError

        item = {
            **carrier_key(carrier.carrier_id),
            "name": _s(carrier.name),
            "created_at": _s(carrier.created_at),
            "created_by": _s(carrier.created_by),
            "carrier_status": _s(ACTIVE),
            "list_key": _s(CARRIERS_LIST),
            "list_sort": _s(f"{carrier.created_at}#{carrier.carrier_id}"),
        }
        try:
            self._call("put_item", TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise Conflict("this carrier exists already", code="carrier_exists") from exc
            raise
        return carrier

    def get_carrier(self, carrier_id: str) -> Carrier | None:
        raw = self._call("get_item", TableName=self._table, Key=carrier_key(carrier_id), ConsistentRead=True)
        item = raw.get("Item")
        return carrier_from_item(item) if item else None

    def list_carriers(self, limit: int, start: Position | None) -> Page[Carrier]:
        kwargs: dict = {
            "TableName": self._table,
            "IndexName": "list-index",
            "KeyConditionExpression": "list_key = :carriers",
            "ExpressionAttributeValues": {":carriers": _s(CARRIERS_LIST)},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([carrier_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def suspend_carrier(self, carrier_id: str, at: str, by: str, reason: str) -> Carrier:
        return self._update_carrier(
            carrier_id,
            "SET carrier_status = :suspended, suspended_at = :at, suspended_by = :by, reason = :reason",
            "attribute_exists(pk) AND (attribute_not_exists(carrier_status) OR carrier_status = :active)",
            {":suspended": _s(SUSPENDED), ":active": _s(ACTIVE), ":at": _s(at), ":by": _s(by), ":reason": _s(reason)},
            Conflict("this carrier is suspended already", code="carrier_suspended"),
        )

    def reactivate_carrier(self, carrier_id: str) -> Carrier:
        return self._update_carrier(
            carrier_id,
            "SET carrier_status = :active REMOVE suspended_at, suspended_by, reason",
            "carrier_status = :suspended",
            {":suspended": _s(SUSPENDED), ":active": _s(ACTIVE)},
            Conflict("this carrier is not suspended", code="carrier_active"),
        )

    def rotate_carrier_secret(self, carrier_id: str, at: str) -> Carrier:
        return self._update_carrier(
            carrier_id,
            "SET key_version = if_not_exists(key_version, :one) + :one, secret_rotated_at = :at",
            "attribute_exists(pk)",
            {":one": {"N": "1"}, ":at": _s(at)},
        )

    def _update_carrier(
        self, carrier_id: str, update: str, condition: str, values: dict, refused: Conflict | None = None
    ) -> Carrier:
        """One conditional UpdateItem; when its condition fails, the old item (returned by the same call) tells a
        carrier that does not exist (404) from one already in the asked state (409 `refused`)."""
        from botocore.exceptions import ClientError

        try:
            raw = self._call(
                "update_item",
                TableName=self._table,
                Key=carrier_key(carrier_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            if refused is None or not exc.response.get("Item"):
                raise NotFound("there is no such carrier", code="carrier_not_found") from exc
            raise refused from exc
        return carrier_from_item(raw["Attributes"])
