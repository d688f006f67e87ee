"""Serialisable shapes shared by the buying services and their repository."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .catalog import Product
from .errors import Conflict
from .orders import Order, OrderLine, Refund, Return, TimelineEntry


@dataclass(frozen=True)
class Cart:
    buyer_id: str
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)  # product_id -> {"quantity", "added_at", "offer"}
    version: int = 0


@dataclass(frozen=True)
class Offer:
    """The product as the buyer took it into the cart: what checkout sells, without reading the product again.

    Recorded on the cart line whenever the buyer sets that line. Checkout makes orders from it and conditions
    its transaction on the product still having `price_fp` (Product.price_fingerprint), so an order never
    carries a price the buyer was not shown. Attribute names follow Product's, so `unit_amount` prices both.
    """

    product_id: str
    title: str
    storefront: str
    currency: str
    price_amount: int
    attributes: dict[str, Any]
    price_fp: str
    shop_id: str
    shop_name: str
    seller_id: str

    @classmethod
    def of(cls, product: Product) -> Offer:
        return cls(
            product_id=product.product_id,
            title=product.title,
            storefront=product.storefront,
            currency=product.currency,
            price_amount=product.price_amount,
            attributes=product.attributes,
            price_fp=product.price_fingerprint,
            shop_id=product.shop_id,
            shop_name=product.shop["name"],
            seller_id=product.shop["owner_id"],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Offer | None:
        """None for lines put in the cart before offers were recorded (or a shape this code does not know)."""
        names = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) != names:
            return None
        return cls(**data)


class LinesRefused(Conflict):
    """The checkout transaction's condition failed on these products: stock, listing or price fingerprint."""

    code = "lines_unavailable"

    def __init__(self, product_ids: list[str]) -> None:
        super().__init__(
            "some lines can no longer be bought",
            details=[{"field": f"lines.{pid}", "message": "out of stock or unavailable"} for pid in product_ids],
        )
        self.product_ids = product_ids


class ShopsUnavailable(Conflict):
    """The checkout transaction's condition on these shops failed: suspended (or otherwise not active)."""

    code = "shop_unavailable"

    def __init__(self, shop_ids: list[str]) -> None:
        super().__init__(
            "some shops in your cart are not selling right now",
            details=[{"field": f"shops.{sid}", "message": "this shop is not selling right now"} for sid in shop_ids],
        )
        self.shop_ids = shop_ids


@dataclass(frozen=True)
class CheckoutClaim:
    """An Idempotency-Key already used by this buyer: the request's digest and the answer it got."""

    digest: str
    result: dict[str, Any]


@dataclass(frozen=True)
class UnpaidHolds:
    """What a buyer holds unpaid: product_id -> units on their orders awaiting payment (zeros included, until a
    checkout tidies them away). One item per buyer, read with the cart and updated in checkout's transaction."""

    units: dict[str, int] = field(default_factory=dict)

    def held(self, product_id: str) -> int:
        return max(self.units.get(product_id, 0), 0)


def order_to_dict(order: Order) -> dict[str, Any]:
    data = asdict(order)
    data.pop("hold_released")  # a signal to the repository within one save, never stored
    return data


def order_from_dict(data: dict[str, Any]) -> Order:
    data = dict(data)
    data["lines"] = tuple(OrderLine(**line) for line in data["lines"])
    data["timeline"] = tuple(TimelineEntry(**entry) for entry in data.get("timeline", ()))
    data["refunds"] = tuple(Refund(**refund) for refund in data.get("refunds", ()))
    # orders stored before issue 9 kept every entry and refund on the order
    if "timeline_total" not in data:
        data["timeline"] = tuple(replace(e, seq=i + 1) for i, e in enumerate(data["timeline"]))
        data["timeline_total"] = len(data["timeline"])
    data.setdefault("refunded_total", sum(r.amount for r in data["refunds"]))
    return Order(**data)


def return_to_dict(ret: Return) -> dict[str, Any]:
    return asdict(ret)


def return_from_dict(data: dict[str, Any]) -> Return:
    data = dict(data)
    data["lines"] = tuple(data["lines"])
    return Return(**data)
