"""Issue 12: the carriers operators registered, in the Finance table (docs/data-model.md, "Finance"):

    carrier#<carrier_id> / carrier      name, created_at, created_by

Their signing secrets are derived from the `carrier_signing` secret, never stored (domain/carriers.py).
"""

from __future__ import annotations

from ..domain.carriers import Carrier
from ..domain.errors import Conflict
from .markets import DynamoMarketsRepository


def _s(value: str) -> dict:
    return {"S": value}


def carrier_key(carrier_id: str) -> dict:
    return {"pk": _s(f"carrier#{carrier_id}"), "sk": _s("carrier")}


class DynamoCarriersRepository(DynamoMarketsRepository):
    """services.ports.CarriersRepository (it shares the markets adapter's table and error mapping)."""

    def create_carrier(self, carrier: Carrier) -> Carrier:
        from botocore.exceptions import ClientError

        item = {
            **carrier_key(carrier.carrier_id),
            "name": _s(carrier.name),
            "created_at": _s(carrier.created_at),
            "created_by": _s(carrier.created_by),
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
        if not item:
            return None
        return Carrier(carrier_id, item["name"]["S"], item["created_at"]["S"], item["created_by"]["S"])
