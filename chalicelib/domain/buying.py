"""Serialisable shapes shared by the buying services and their repository."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .orders import Order, OrderLine, Refund, Return, TimelineEntry


@dataclass(frozen=True)
class Cart:
    buyer_id: str
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)  # product_id -> {"quantity", "added_at"}
    version: int = 0


@dataclass(frozen=True)
class CheckoutClaim:
    """An Idempotency-Key already used by this buyer: the request's digest and the answer it got."""

    digest: str
    result: dict[str, Any]


def order_to_dict(order: Order) -> dict[str, Any]:
    return asdict(order)


def order_from_dict(data: dict[str, Any]) -> Order:
    data = dict(data)
    data["lines"] = tuple(OrderLine(**line) for line in data["lines"])
    data["timeline"] = tuple(TimelineEntry(**entry) for entry in data.get("timeline", ()))
    data["refunds"] = tuple(Refund(**refund) for refund in data.get("refunds", ()))
    return Order(**data)


def return_to_dict(ret: Return) -> dict[str, Any]:
    return asdict(ret)


def return_from_dict(data: dict[str, Any]) -> Return:
    data = dict(data)
    data["lines"] = tuple(data["lines"])
    return Return(**data)
