"""Helpers for the group-buy tests (issue 19): a b2b product, buyers, groups and commitments through the API."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.support import ADDRESS

# MOQ 10, multiples of 5, tiers 10 @ 120.00 and 50 @ 100.00 (tests/support.ATTRIBUTES["b2b"])
B2B = {
    "moq": 10,
    "unit": "carton",
    "price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
    "order_multiple": 5,
    "lead_time_days": 14,
}


def later(now: str | None = None, **delta) -> str:
    base = dt.datetime.fromisoformat(now.replace("Z", "+00:00")) if now else dt.datetime.now(dt.UTC)
    return (base + dt.timedelta(**delta)).isoformat(timespec="seconds").replace("+00:00", "Z")


def commitment(quantity: int, payment_method: str = "bank_transfer") -> dict:
    return {"quantity": quantity, "delivery": dict(ADDRESS), "payment_method": payment_method}


class Groups:
    def __init__(self, api, factory) -> None:
        self.api, self.factory = api, factory
        self.seller = factory.user("seller")
        self.shop = factory.shop(self.seller, "b2b")

    def product(self, stock: int = 100, **overrides) -> dict:
        return self.factory.product(self.seller, self.shop, stock=stock, **overrides)

    def start(self, buyer: str, product: dict, status: int = 201, **body) -> dict:
        payload = {"product_id": product["product_id"], "deadline": later(days=3), **body}
        reply = self.api.post("/v1/group-buys", payload, token=buyer)
        assert reply.status == status, reply
        return reply.json

    def commit(self, buyer: str, group_id: str, quantity: int, key: str | None = None, **kw):
        return self.api.post(
            f"/v1/group-buys/{group_id}/commitments",
            commitment(quantity, **kw),
            token=buyer,
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )

    def view(self, group_id: str, token: str | None = None) -> dict:
        reply = self.api.get(f"/v1/group-buys/{group_id}", token=token)
        assert reply.status == 200, reply
        return reply.json


def settle_groups() -> dict[str, int]:
    """Runs the clock's group job (as its schedule does); what it closed, failed and resumed."""
    from chalicelib.events.group_jobs import settle_group_buys
    from tests.support import scheduled_event

    result = settle_group_buys(scheduled_event(), None)
    assert result["queries"] >= 16  # every shard of the due index is read
    return {name: result[name] for name in ("closed", "failed", "resumed")}
