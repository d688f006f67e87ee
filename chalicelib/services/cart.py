"""The buyer's cart: lines grouped by shop with current prices, and rule warnings instead of failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain.buying import Cart, Offer
from ..domain.catalog import Product
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import MAX_CART_LINES, MAX_LINE_QUANTITY, line_problems, rule_text, unit_amount
from .ports import BuyingRepository


def set_quantity(repo: BuyingRepository, actor: Actor, product_id: str, quantity: int, *, now: str) -> Cart:
    """Sets a line's quantity (0 removes it). Retries a few times if the cart changes meanwhile."""
    return set_line(repo, actor, product_id, quantity, now=now, with_products=False)[0]


def add_quantity(repo: BuyingRepository, actor: Actor, product_id: str, quantity: int, *, now: str) -> Cart:
    """Adds `quantity` to the line (at most MAX_LINE_QUANTITY in all), read and written in the same retry loop
    as every cart change, so two adds at once both count."""
    return _change_line(
        repo, actor, product_id, quantity, lambda current: min(current + quantity, MAX_LINE_QUANTITY), now, False
    )[0]


def set_line(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    *,
    now: str,
    with_products: bool = True,
    sample: bool = False,
) -> tuple[Cart, dict[str, Product]]:
    """Sets a line's quantity (0 removes it); returns the saved cart and its products, for `describe`.

    3 DynamoDB calls: GetItem cart, ONE BatchGetItem of the cart's products with the one being added (it
    must be listed; the answer shows current prices of every line), the version-checked put. Retries a few
    times if the cart changes meanwhile (reading only the products not read yet). `with_products=False`
    reads only the product being added (and returns only it).

    The line records the product's Offer as read now (title, price, terms, shop): setting a line is when the
    buyer is shown its price, and checkout sells exactly that offer (services/checkout.py).

    `sample=True` (issue 14): the line is a sample of a b2b product that offers one, below the MOQ at the
    sample price (one line per product: it replaces a bulk line of the same product, and the other way round).
    """
    return _change_line(repo, actor, product_id, quantity, lambda current: quantity, now, with_products, sample)


def _change_line(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    new_quantity: Callable[[int], int],
    now: str,
    with_products: bool,
    sample: bool = False,
) -> tuple[Cart, dict[str, Product]]:
    """`new_quantity(quantity in the cart read)` is the line's quantity to save; `quantity` is what the caller
    asked for (checked against the limits)."""
    require_role(actor, Role.BUYER)
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationFailed(
            "quantity is out of range",
            details=[{"field": "quantity", "message": f"must be 0 to {MAX_LINE_QUANTITY}"}],
        )
    products: dict[str, Product] = {}
    for attempt in range(3):
        cart = repo.get_cart(actor.user_id)
        line_quantity = new_quantity(cart.lines.get(product_id, {}).get("quantity", 0))
        lines_read = cart.lines if with_products else ()
        wanted = [pid for pid in (*lines_read, *([product_id] if line_quantity else [])) if pid not in products]
        if wanted:
            products.update(repo.get_products(wanted))
        lines = dict(cart.lines)
        if line_quantity == 0:
            if product_id not in lines:
                return cart, products
            lines.pop(product_id)
        else:
            product = products.get(product_id)
            if product is None or not product.is_listed:
                raise NotFound("product not found", code="product_not_found")
            if product_id not in lines and len(lines) >= MAX_CART_LINES:
                raise Conflict(f"a cart holds at most {MAX_CART_LINES} lines", code="cart_full")
            if sample and not product.attributes.get("sample"):
                raise Conflict("this product offers no sample", code="no_sample")
            added_at = lines.get(product_id, {}).get("added_at", now)
            lines[product_id] = {
                "quantity": line_quantity,
                "added_at": added_at,
                "offer": Offer.of(product).to_dict(),
            }
            if sample:
                lines[product_id]["sample"] = True
        try:
            return repo.save_cart(replace(cart, lines=lines), now), products
        except Conflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def empty(repo: BuyingRepository, actor: Actor) -> None:
    require_role(actor, Role.BUYER)
    repo.clear_cart(actor.user_id)


def view(repo: BuyingRepository, actor: Actor) -> dict[str, Any]:
    return view_with_products(repo, actor)[0]


def view_with_products(repo: BuyingRepository, actor: Actor) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cart view and the products it was computed from (the web cart shows their pictures and rules)."""
    require_role(actor, Role.BUYER)
    cart = repo.get_cart(actor.user_id)
    products = repo.get_products(list(cart.lines)) if cart.lines else {}
    return describe(cart, products), products


def describe(cart: Cart, products: dict[str, Any]) -> dict[str, Any]:
    """The cart as the buyer sees it: grouped by shop, current prices, totals and per-line problems."""
    shops: dict[str, dict[str, Any]] = {}
    currency = None
    ordered = sorted(cart.lines.items(), key=lambda kv: kv[1]["added_at"])
    for product_id, line in ordered:
        product = products.get(product_id)
        quantity = line["quantity"]
        sample = bool(line.get("sample"))
        problems = line_problems(product, quantity, sample)
        if product is None:
            group = shops.setdefault("", {"shop_id": None, "shop_name": None, "storefront": None, "lines": []})
            group["lines"].append(
                {
                    "product_id": product_id,
                    "title": None,
                    "quantity": quantity,
                    "unit_price": None,
                    "line_total": None,
                    "available": False,
                    "stock": 0,
                    "problems": [{"code": p, "message": rule_text(p, None)} for p in problems],
                    **({"sample": True} if sample else {}),
                }
            )
            continue
        currency = currency or product.currency
        amount = unit_amount(product, quantity, sample)
        group = shops.setdefault(
            product.shop_id,
            {
                "shop_id": product.shop_id,
                "shop_name": product.shop["name"],
                "storefront": product.storefront,
                "lines": [],
            },
        )
        group["lines"].append(
            {
                "product_id": product_id,
                "title": product.title,
                "quantity": quantity,
                "unit_price": {"amount": amount, "currency": product.currency},
                "line_total": {"amount": amount * quantity, "currency": product.currency},
                "available": product.is_listed,
                "stock": product.stock if product.is_listed else 0,
                "problems": [{"code": p, "message": rule_text(p, product)} for p in problems],
                **({"sample": True} if sample else {}),  # issue 14: a sample line
            }
        )
    total = 0
    groups = []
    for group in shops.values():
        subtotal = sum(line["line_total"]["amount"] for line in group["lines"] if not line["problems"])
        total += subtotal
        groups.append({**group, "subtotal": {"amount": subtotal, "currency": currency or "CNY"}})
    line_count = len(cart.lines)
    blocked = sum(1 for g in groups for line in g["lines"] if line["problems"])
    return {
        "shops": groups,
        "total": {"amount": total, "currency": currency or "CNY"},
        "line_count": line_count,
        "can_checkout": line_count > 0 and blocked == 0,
    }
