"""Helpers for the bulk-trade tests (issue 14): business buyers, b2b suppliers, RFQs and quotes, through the API."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from chalicelib.domain.trade import USCC_ALPHABET, uscc_check_character
from tests.support import ADDRESS

# Real codes (their check characters are right): used where any valid code will do.
REAL_USCC = ("91350100M000100Y43", "91330100716105852F", "9144030071526726XG", "914403001922038216")


def uscc(seed: str | None = None) -> str:
    """A well-formed Unified Social Credit Code (market regulation, Urumqi) with its check character."""
    seed = seed or uuid.uuid4().hex
    body = "".join(USCC_ALPHABET[int(c, 16) % len(USCC_ALPHABET)] for c in seed[:9])
    first17 = "91650100" + body
    return first17 + uscc_check_character(first17)


def business_body(**overrides) -> dict:
    body = {
        "company_name": "Hangzhou Good Harvest Foods Co., Ltd.",
        "tax_id": uscc(),
        "address": {
            "province": "Zhejiang",
            "prefecture": "Hangzhou",
            "county": "Xihu",
            "line": "88 Wensan Road",
            "postal_code": "310012",
        },
        "contact": {"name": "Li Na", "phone": "+86 571 555 0199", "email": "li.na@example.com"},
        "documents": [],
    }
    body.update(overrides)
    return body


def later(now: str | None = None, **delta) -> str:
    base = dt.datetime.fromisoformat(now.replace("Z", "+00:00")) if now else dt.datetime.now(dt.UTC)
    return (base + dt.timedelta(**delta)).isoformat(timespec="seconds").replace("+00:00", "Z")


def rfq_body(**overrides) -> dict:
    body = {
        "category": "dried-fruit",
        "title": "Hotan jujubes, grade 1",
        "specification": "Grade 1 red jujubes, moisture under 25%, 10 kg cartons",
        "quantity": 200,
        "unit": "carton",
        "target_unit_amount": 9000,
        "currency": "CNY",
        "deliver_to": {"province": "Zhejiang", "prefecture": "Hangzhou"},
        "quote_deadline": later(days=7),
    }
    body.update(overrides)
    return body


def quote_body(amount: int = 8800, **overrides) -> dict:
    body = {
        "unit_amount": {"amount": amount, "currency": "CNY"},
        "moq": 100,
        "lead_time_days": 10,
        "valid_until": later(days=30),
        "note": "October harvest",
    }
    body.update(overrides)
    return body


def accept_body(quantity: int = 200, payment: str = "bank_transfer") -> dict:
    return {"quantity": quantity, "delivery": ADDRESS, "payment_method": payment}


@dataclass
class Supplier:
    token: str
    shop: dict

    @property
    def shop_id(self) -> str:
        return self.shop["shop_id"]


class Trade:
    """Business buyers and b2b suppliers made through the API."""

    def __init__(self, api, factory) -> None:
        self.api = api
        self.factory = factory

    def business(self, *, verify: bool = True, terms: tuple[int, int] | None = None, **overrides) -> str:
        """A buyer with a business (verified unless told otherwise, net terms if `terms` = (days, limit))."""
        token = self.factory.user("buyer")
        reply = self.api.post("/v1/me/business", business_body(**overrides), token=token)
        assert reply.status == 201, reply
        business_id = reply.json["business_id"]
        if verify:
            done = self.api.post(f"/v1/admin/businesses/{business_id}/verify", {}, token=self.factory.operator)
            assert done.status == 200, done
        if terms:
            days, limit = terms
            set_terms = self.api.put(
                f"/v1/admin/businesses/{business_id}/terms",
                {"terms_days": days, "credit_limit": {"amount": limit, "currency": "CNY"}},
                token=self.factory.operator,
            )
            assert set_terms.status == 200, set_terms
        return token

    def business_id(self, token: str) -> str:
        return self.api.get("/v1/me/business", token=token).json["business_id"]

    def supplier(self, categories=("dried-fruit",), name: str | None = None) -> Supplier:
        token = self.factory.user("seller")
        shop = self.factory.shop(token, "b2b", name=name)
        reply = self.api.put(f"/v1/shops/{shop['shop_id']}/rfq-profile", {"categories": list(categories)}, token=token)
        assert reply.status == 200, reply
        return Supplier(token, shop)

    def rfq(self, buyer: str, **overrides) -> dict:
        reply = self.api.post("/v1/rfqs", rfq_body(**overrides), token=buyer)
        assert reply.status == 201, reply
        return reply.json

    def quote(self, supplier: Supplier, rfq_id: str, amount: int = 8800, status: int = 201, **overrides) -> dict:
        reply = self.api.post(
            f"/v1/shops/{supplier.shop_id}/rfqs/{rfq_id}/quotes", quote_body(amount, **overrides), token=supplier.token
        )
        assert reply.status == status, reply
        return reply.json

    def accept(self, buyer: str, rfq_id: str, quote_id: str, body: dict | None = None, key: str | None = None):
        return self.api.post(
            f"/v1/rfqs/{rfq_id}/quotes/{quote_id}/accept",
            body or accept_body(),
            token=buyer,
            headers={"Idempotency-Key": key or f"accept-{uuid.uuid4().hex}"},
        )
