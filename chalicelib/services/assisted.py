"""Assisted orders (issue 11): a village partner quotes and places orders for a villager, delivered to the
village's pickup point, with the partner's service fee (the county's rule, domain/assisted.py).

Checkout's rules apply line by line (services/checkout: listing, stock, MOQ and multiples, b2b tiers, season,
idempotency claim, one order per shop), without a cart: the lines come in the request and the products are read
with the village, the villager and the claim in one BatchGetItem; the transaction is conditioned on each
product's stock, listing and the price fingerprint it was priced at.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from ..domain import seasons
from ..domain.assisted import FeeRule, fee_rule, goods_paid_by_partner
from ..domain.buying import CheckoutClaim, LinesRefused, Offer
from ..domain.catalog import Product
from ..domain.errors import Conflict, NotFound, Unprocessable
from ..domain.identity import Actor, Role, require_role
from ..domain.network import Village, pickup_snapshot, require_partner
from ..domain.orders import Order, OrderLine, TimelineEntry, line_problems, rule_text
from ..domain.villagers import Villager, recipient_label
from .checkout import _order_line, _raise_unavailable
from .ports import BuyingRepository, Ledger, NetworkRepository

# The payment the partner chose -> the order's payment method: cash collected at the pickup (the seller ships
# before payment, as cash on delivery), or paid by the partner by bank transfer (the seller ships once paid).
PAYMENT_METHOD = {"cash_on_pickup": "cash_on_delivery", "paid_by_partner": "bank_transfer"}


def _claim_key(partner_id: str, key: str) -> str:
    return f"assisted#{partner_id}#{key}"


def _digest(village_id: str, body: dict[str, Any]) -> str:
    raw = json.dumps({"village_id": village_id, **body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _checked(actor: Actor, village_id: str, village: Village | None, villager: Villager | None) -> Village:
    require_role(actor, Role.PARTNER)
    known = require_partner(actor, village)
    if villager is None or villager.village_id != village_id:
        raise NotFound("this village service centre serves no such villager", code="villager_not_found")
    if villager.erased:
        raise Conflict("this villager's data was erased", code="villager_erased")
    return known


def _problem(product_id: str, code: str, message: str) -> dict[str, str]:
    return {"field": f"lines.{product_id}", "message": message, "code": code}


def _offers(lines: list[dict[str, Any]], products: dict[str, Product], now: str) -> list[tuple[Offer, dict[str, Any]]]:
    """Each line with the offer it is priced at; 409 lines_unavailable (or out_of_season) naming every problem."""
    day = seasons.day_of(now)
    problems = []
    priced = []
    for line in lines:
        product = products.get(line["product_id"])
        for code in line_problems(product, line["quantity"], day=day):
            problems.append(_problem(line["product_id"], code, rule_text(code, product)))
        if product is not None:
            priced.append((Offer.of(product), line))
    if problems:
        _raise_unavailable(problems)
    currencies = {offer.currency for offer, _ in priced}
    if len(currencies) > 1:
        raise Unprocessable("one assisted order is in one currency", code="mixed_currencies")
    return priced


def _fee(rule: FeeRule | None, goods: int, currency: str) -> int:
    if rule is None or rule.currency != currency:
        return 0
    return rule.fee(goods)


def _groups(
    priced: list[tuple[Offer, dict[str, Any]]], now: str, new_id: Callable[[str], str] | None
) -> list[tuple[str, list[OrderLine], Offer]]:
    """One group per shop, in the order the lines came: (order id, its lines, its first offer)."""
    day = seasons.day_of(now)
    by_shop: dict[str, list[tuple[Offer, dict[str, Any]]]] = defaultdict(list)
    for offer, line in priced:
        by_shop[offer.shop_id].append((offer, line))
    groups = []
    for n, items in enumerate(by_shop.values()):
        order_id = new_id("ord") if new_id else f"quote-{n + 1}"
        lines = [_order_line(order_id, i, offer, line, day) for i, (offer, line) in enumerate(items)]
        groups.append((order_id, lines, items[0][0]))
    return groups


def _shop_quote(lines: list[OrderLine], first: Offer, fee: int) -> dict[str, Any]:
    goods = sum(line.total for line in lines)
    return {
        "shop_id": first.shop_id,
        "shop_name": first.shop_name,
        "storefront": first.storefront,
        "lines": [
            {
                "product_id": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": {"amount": line.unit_amount, "currency": line.currency},
                "total": {"amount": line.total, "currency": line.currency},
            }
            for line in lines
        ],
        "goods_total": {"amount": goods, "currency": first.currency},
        "service_fee": {"amount": fee, "currency": first.currency},
        "total": {"amount": goods + fee, "currency": first.currency},
    }


def _totals(per_shop: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    def money(name: str) -> dict[str, Any]:
        return {"amount": sum(o[name]["amount"] for o in per_shop), "currency": currency}

    return {"goods_total": money("goods_total"), "service_fee": money("service_fee"), "total": money("total")}


def quote(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    body: dict[str, Any],
    *,
    now: str,
) -> dict[str, Any]:
    """The orders an assisted order would create (one per shop), the goods, the partner's fee and the total.
    Two calls: one BatchGetItem (village, villager, products) + GetItem of the county's fee rule."""
    lines = body["lines"]
    _, village, villager, products = buying.assisted_reads(
        None, village_id, body["villager_id"], [line["product_id"] for line in lines]
    )
    known = _checked(actor, village_id, village, villager)
    priced = _offers(lines, products, now)
    rule = network.get_fee_rule(known.county_id)
    currency = priced[0][0].currency
    per_shop = []
    for _, order_lines, first in _groups(priced, now, None):
        goods = sum(line.total for line in order_lines)
        per_shop.append(_shop_quote(order_lines, first, _fee(rule, goods, currency)))
    return {
        "village_id": village_id,
        "villager_id": body["villager_id"],
        "orders": per_shop,
        **_totals(per_shop, currency),
        "fee_rule": rule.as_dict() if rule else None,
    }


def place(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    new_id: Callable[[str], str],
    present_order: Callable[[Order], dict[str, Any]],
    ledger: Ledger,
) -> tuple[dict[str, Any], bool]:
    """One order per shop for the villager, collected at the village: atomic with the stock decrements, each
    shop still selling (409 shop_unavailable), the orders' events (one outbox item) and the Idempotency-Key's
    claim (a replay answers the first result; another body with the key is 422). `paid_by_partner`: the
    goods the partner pays are posted to `village:<id>:goods` in the same transaction.
    Three calls: the BatchGetItem, the fee rule, one TransactWriteItems (+ the ledger's BatchGetItem of the
    village's goods balance when paid by the partner)."""
    require_role(actor, Role.PARTNER)
    lines = body["lines"]
    claim_key = _claim_key(actor.user_id, idempotency_key)
    digest = _digest(village_id, body)
    claim, village, villager, products = buying.assisted_reads(
        claim_key, village_id, body["villager_id"], [line["product_id"] for line in lines]
    )
    if claim is not None:
        return _replayed(claim, digest), True
    known = _checked(actor, village_id, village, villager)
    assert villager is not None
    priced = _offers(lines, products, now)
    rule = network.get_fee_rule(known.county_id)
    currency = priced[0][0].currency
    checkout_id = new_id("chk")
    # only the villager's id: their name and phone stay on the profile, which an erasure blanks (issue 11)
    delivery = {"pickup_point": village_id, "name": recipient_label(villager.villager_id), "phone": ""}
    orders: list[Order] = []
    per_shop = []
    for order_id, order_lines, first in _groups(priced, now, new_id):
        goods = sum(line.total for line in order_lines)
        fee = _fee(rule, goods, currency)
        per_shop.append(_shop_quote(order_lines, first, fee))
        status = "pending_payment"
        orders.append(
            Order(
                order_id=order_id,
                checkout_id=checkout_id,
                buyer_id=actor.user_id,
                seller_id=first.seller_id,
                shop_id=first.shop_id,
                shop_name=first.shop_name,
                storefront=first.storefront,
                status=status,
                lines=tuple(order_lines),
                currency=first.currency,
                delivery=delivery,
                payment_method=PAYMENT_METHOD[body["payment"]],
                created_at=now,
                updated_at=now,
                timeline=(
                    TimelineEntry(
                        at=now,
                        actor="partner",
                        action="placed",
                        status=status,
                        actor_id=actor.user_id,
                        note=f"for villager {villager.villager_id}",
                    ),
                ),  # fmt: skip
                pickup=pickup_snapshot(known),
                assisted={
                    "placed_by": actor.user_id,
                    "village_id": village_id,
                    "villager_id": villager.villager_id,
                    "payment": body["payment"],
                    "service_fee": fee,
                    "fee_rule": rule.as_dict() if rule and fee else None,
                },
            )
        )
    result = {
        "checkout_id": checkout_id,
        "villager_id": villager.villager_id,
        "payment": body["payment"],
        "orders": [present_order(o) for o in orders],
        **_totals(per_shop, currency),
    }
    stock: Counter[str] = Counter()
    fps: dict[str, str] = {}
    for offer, line in priced:
        stock[offer.product_id] += line["quantity"]
        fps[offer.product_id] = offer.price_fp
    try:
        if body["payment"] == "paid_by_partner":
            writes, explain = buying.assisted_order_writes(
                orders, dict(stock), fps, actor.user_id, claim_key, CheckoutClaim(digest, result), now
            )
            paid = goods_paid_by_partner(orders, village_id, villager.villager_id, now)
            ledger.post(paid, alongside=writes, explain=explain)
        else:
            buying.place_assisted_orders(
                orders, dict(stock), fps, actor.user_id, claim_key, CheckoutClaim(digest, result), now
            )
    except LinesRefused as refused:
        fresh = buying.get_products(refused.product_ids)
        _offers([line for line in lines if line["product_id"] in refused.product_ids], fresh, now)
        raise Conflict(
            "the price or terms of some products changed since they were quoted: quote again",
            code="price_changed",
            details=[_problem(pid, "price_changed", "quote again") for pid in refused.product_ids],
        ) from None
    except Conflict as exc:
        if exc.code != "idempotency_race":
            raise
        earlier = buying.get_claim(claim_key)
        if earlier is None:
            raise
        return _replayed(earlier, digest), True
    return {**result, "replayed": False}, False


def _replayed(claim: CheckoutClaim, digest: str) -> dict[str, Any]:
    if claim.digest != digest:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    return {**claim.result, "replayed": True}


def set_fee_rule(
    network: NetworkRepository, actor: Actor, county_id: str, fields: dict[str, Any], *, now: str
) -> FeeRule:
    """The county's one service fee rule (operators), replacing the previous one."""
    require_role(actor, Role.OPERATOR)
    if network.get_county(county_id) is None:
        raise NotFound("county centre not found", code="county_not_found")
    rule = fee_rule(county_id, fields, actor_id=actor.user_id, now=now)
    network.put_fee_rule(rule)
    return rule
