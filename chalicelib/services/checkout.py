"""Checkout: one order per shop, created atomically with every line's stock decrement, idempotently."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..domain.buying import CheckoutClaim
from ..domain.errors import Conflict, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import (
    MAX_CHECKOUT_LINES,
    Order,
    OrderLine,
    TimelineEntry,
    line_problems,
    rule_text,
    unit_amount,
)
from .notifications import order_event
from .ports import BuyingRepository, EventPublisher


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _claim_key(buyer_id: str, key: str) -> str:
    return f"checkout#{buyer_id}#{key}"


def _replay(repo: BuyingRepository, publisher: EventPublisher, claim: CheckoutClaim, digest: str) -> dict[str, Any]:
    if claim.digest != digest:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    # The first attempt may have failed to queue its events: queue them again (consumers deduplicate).
    orders = repo.get_orders([o["order_id"] for o in claim.result["orders"]])
    publisher.publish([order_event(o, "order.created") for o in orders if o.version == 1])
    return {**claim.result, "replayed": True}


def checkout(
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    new_id: Callable[[str], str],
    present_order: Callable[[Order], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Returns (result, replayed). The result is stored with the idempotency claim, so a replay answers exactly
    what the first attempt answered: `present_order` gives each order the shape the caller shows."""
    require_role(actor, Role.BUYER)
    claim_key = _claim_key(actor.user_id, idempotency_key)
    digest = _digest(body)
    cart, claim = repo.checkout_reads(actor.user_id, claim_key)
    if claim is not None:
        return _replay(repo, publisher, claim, digest), True
    if not cart.lines:
        raise ValidationFailed("the cart is empty", code="empty_cart")
    if len(cart.lines) > MAX_CHECKOUT_LINES:
        raise ValidationFailed(f"one checkout takes at most {MAX_CHECKOUT_LINES} lines", code="too_many_lines")
    products = repo.get_products(list(cart.lines))
    problems = []
    for product_id, line in cart.lines.items():
        for problem in line_problems(products.get(product_id), line["quantity"]):
            problems.append(
                {
                    "field": f"lines.{product_id}",
                    "message": rule_text(problem, products.get(product_id)),
                    "code": problem,
                }
            )
    if problems:
        raise Conflict("some lines cannot be bought as they are", code="lines_unavailable", details=problems)

    checkout_id = new_id("chk")
    by_shop: dict[str, list[Any]] = defaultdict(list)
    for product_id, line in sorted(cart.lines.items(), key=lambda kv: kv[1]["added_at"]):
        by_shop[products[product_id].shop_id].append((products[product_id], line["quantity"]))
    orders = []
    for shop_id, items in by_shop.items():
        first = items[0][0]
        order_id = new_id("ord")
        lines = tuple(
            OrderLine(
                line_id=f"{order_id}-{i + 1}",
                product_id=p.product_id,
                title=p.title,
                quantity=q,
                unit_amount=unit_amount(p, q),
                currency=p.currency,
                attributes=p.attributes,
            )
            for i, (p, q) in enumerate(items)
        )
        status = "pending_payment"
        orders.append(
            Order(
                order_id=order_id,
                checkout_id=checkout_id,
                buyer_id=actor.user_id,
                seller_id=first.shop["owner_id"],
                shop_id=shop_id,
                shop_name=first.shop["name"],
                storefront=first.storefront,
                status=status,
                lines=lines,
                currency=first.currency,
                delivery=body["delivery"],
                payment_method=body["payment_method"],
                created_at=now,
                updated_at=now,
                timeline=(TimelineEntry(at=now, actor="buyer", action="placed", status=status),),
            )
        )
    result = {
        "checkout_id": checkout_id,
        "orders": [present_order(o) for o in orders],
        "total": {"amount": sum(o.total for o in orders), "currency": orders[0].currency},
    }
    stock = {pid: line["quantity"] for pid, line in cart.lines.items()}
    try:
        repo.place_orders(orders, stock, cart, claim_key, CheckoutClaim(digest, result), now)
    except Conflict as exc:
        if exc.code != "idempotency_race":
            raise
        earlier = repo.get_claim(claim_key)
        if earlier is None:  # the claim that won the race is written with its orders: it is there
            raise
        return _replay(repo, publisher, earlier, digest), True
    publisher.publish([order_event(o, "order.created") for o in orders])
    return {**result, "replayed": False}, False
