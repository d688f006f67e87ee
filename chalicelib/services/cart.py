"""The buyer's cart: lines grouped by shop with current prices, and rule warnings instead of failures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain import personalisation, seasons
from ..domain.buying import Cart, Offer
from ..domain.catalog import Product
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import MAX_CART_LINES, MAX_LINE_QUANTITY, line_problems, rule_text, unit_amount
from .ports import BuyingRepository


def set_quantity(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    *,
    now: str,
    personalisation: dict[str, Any] | None = None,
) -> Cart:
    """Sets a line's quantity (0 removes it). Retries a few times if the cart changes meanwhile."""
    return set_line(repo, actor, product_id, quantity, now=now, with_products=False, personalisation=personalisation)[0]


def add_quantity(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    *,
    now: str,
    personalisation: dict[str, Any] | None = None,
) -> Cart:
    """Adds `quantity` to the line (at most MAX_LINE_QUANTITY in all), read and written in the same retry loop
    as every cart change, so two adds at once both count."""
    return _change_line(
        repo,
        actor,
        product_id,
        quantity,
        lambda current: min(current + quantity, MAX_LINE_QUANTITY),
        now,
        False,
        personalisation,
    )[0]


def set_line(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    *,
    now: str,
    with_products: bool = True,
    personalisation: dict[str, Any] | None = None,
    sample: bool = False,
    fx: dict[str, str] | None = None,
) -> tuple[Cart, dict[str, Product]]:
    """Sets a line's quantity (0 removes it); returns the saved cart and its products, for `describe`.

    3 DynamoDB calls: GetItem cart, ONE BatchGetItem of the cart's products with the one being added (it
    must be listed; the answer shows current prices of every line), the version-checked put. Retries a few
    times if the cart changes meanwhile (reading only the products not read yet). `with_products=False`
    reads only the product being added (and returns only it).

    The line records the product's Offer as read now (title, price, terms, shop): setting a line is when the
    buyer is shown its price, and checkout sells exactly that offer (services/checkout.py).

    Issue 15: a line is a product plus the buyer's `personalisation` values, checked against the product's
    fields (400 when one is missing, too long, unknown or not a choice): two personalisations of one product
    are two lines (`personalisation.line_key`). A product out of season (and not on pre-sale) is 409
    `out_of_season`.

    `sample=True` (issue 14): the line is a sample of a b2b product that offers one, below the MOQ at the
    sample price (one line per product: it replaces a bulk line of the same product, and the other way round).
    """
    return _change_line(
        repo, actor, product_id, quantity, lambda current: quantity, now, with_products, personalisation, sample, fx
    )


def line_product(line_key: str, line: dict[str, Any]) -> str:
    """The product of a cart line (lines of products without personalisation are keyed by the product id)."""
    return str(line.get("product_id") or line_key)


def _change_line(
    repo: BuyingRepository,
    actor: Actor,
    product_id: str,
    quantity: int,
    new_quantity: Callable[[int], int],
    now: str,
    with_products: bool,
    values: dict[str, Any] | None = None,
    sample: bool = False,
    fx: dict[str, str] | None = None,
) -> tuple[Cart, dict[str, Product]]:
    """`new_quantity(quantity in the cart read)` is the line's quantity to save; `quantity` is what the caller
    asked for (checked against the limits). `fx` (issue 12): the market and rate the buyer is shown the price
    at (a product not sold in that market is 404)."""
    require_role(actor, Role.BUYER)
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationFailed(
            "quantity is out of range",
            details=[{"field": "quantity", "message": f"must be 0 to {MAX_LINE_QUANTITY}"}],
        )
    chosen = personalisation.normalise(values)
    key = personalisation.line_key(product_id, chosen)
    products: dict[str, Product] = {}
    for attempt in range(3):
        cart = repo.get_cart(actor.user_id)
        line_quantity = new_quantity(cart.lines.get(key, {}).get("quantity", 0))
        lines_read = [line_product(k, line) for k, line in cart.lines.items()] if with_products else []
        wanted = [pid for pid in (*lines_read, *([product_id] if line_quantity else [])) if pid not in products]
        if wanted:
            products.update(repo.get_products(list(dict.fromkeys(wanted))))
        lines = dict(cart.lines)
        if line_quantity == 0:
            if key not in lines:
                return cart, products
            lines.pop(key)
        else:
            product = products.get(product_id)
            if product is None or not product.is_listed:
                raise NotFound("product not found", code="product_not_found")
            if fx is not None and fx["market"] not in product.markets:
                raise NotFound("this product is not sold in your market", code="product_not_found")
            checked = personalisation.check(product.attributes.get("personalisation"), chosen)
            if not seasons.buyable(product.attributes, seasons.day_of(now)):
                raise Conflict(rule_text("out_of_season", product), code="out_of_season")
            if key not in lines and len(lines) >= MAX_CART_LINES:
                raise Conflict(f"a cart holds at most {MAX_CART_LINES} lines", code="cart_full")
            if sample and not product.attributes.get("sample"):
                raise Conflict("this product offers no sample", code="no_sample")
            added_at = lines.get(key, {}).get("added_at", now)
            line: dict[str, Any] = {
                "quantity": line_quantity,
                "added_at": added_at,
                "offer": Offer.of(product, fx).to_dict(),
            }
            if checked:
                line.update(product_id=product_id, personalisation=checked)
            if sample:
                line["sample"] = True
            lines[key] = line
        try:
            return repo.save_cart(replace(cart, lines=lines), now), products
        except Conflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def empty(repo: BuyingRepository, actor: Actor) -> None:
    require_role(actor, Role.BUYER)
    repo.clear_cart(actor.user_id)


def view(repo: BuyingRepository, actor: Actor, *, now: str | None = None) -> dict[str, Any]:
    return view_with_products(repo, actor, now=now)[0]


def view_with_products(
    repo: BuyingRepository, actor: Actor, *, now: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cart view and the products it was computed from (the web cart shows their pictures and rules)."""
    require_role(actor, Role.BUYER)
    cart = repo.get_cart(actor.user_id)
    wanted = list(dict.fromkeys(line_product(k, line) for k, line in cart.lines.items()))
    products = repo.get_products(wanted) if wanted else {}
    return describe(cart, products, now=now), products


def view_in_market(repo: BuyingRepository, actor: Actor, *, now: str | None = None) -> tuple[Cart, dict[str, Any]]:
    """Issue 12: the cart and its view (2 calls, like `view`): the view in a foreign market needs the offers."""
    require_role(actor, Role.BUYER)
    cart = repo.get_cart(actor.user_id)
    wanted = list(dict.fromkeys(line_product(k, line) for k, line in cart.lines.items()))
    products = repo.get_products(wanted) if wanted else {}
    return cart, describe(cart, products, now=now)


def describe(cart: Cart, products: dict[str, Any], *, now: str | None = None) -> dict[str, Any]:
    """The cart as the buyer sees it: grouped by shop, current prices, totals and per-line problems.

    With `now` (issue 15): a line out of season says so, a pre-sale line shows its ship date and deposit, and a
    made-to-order line its estimated ship date."""
    day = seasons.day_of(now) if now else None
    shops: dict[str, dict[str, Any]] = {}
    currency = None
    ordered = sorted(cart.lines.items(), key=lambda kv: kv[1]["added_at"])
    per_product: Counter[str] = Counter()
    for key, line in ordered:
        per_product[line_product(key, line)] += line["quantity"]
    for key, line in ordered:
        product_id = line_product(key, line)
        product = products.get(product_id)
        quantity = line["quantity"]
        sample = bool(line.get("sample"))
        problems = line_problems(product, quantity, sample, day=day)
        if product is not None and "out_of_stock" not in problems and per_product[product_id] > product.stock:
            problems.append("out_of_stock")  # two personalisations of one product share its stock
        # Issue 15's keys appear only on the lines they concern (a line of a product without personalisation,
        # bought in season, looks exactly as before): a personalised line names its values and its own id.
        extra: dict[str, Any] = {}
        if line.get("personalisation"):
            extra = {"line_id": key, "personalisation": dict(line["personalisation"])}
        if sample:
            extra["sample"] = True  # issue 14: a sample line
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
                    **extra,
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
        if day is not None:
            ships = seasons.estimated_ship_date(product.attributes, day)
            presale = seasons.presale_terms(product.attributes, day)
            if presale:
                extra["presale"] = {"ships_from": presale.ships_from.isoformat()}
                if presale.deposit_percent:
                    extra["presale"]["deposit_percent"] = presale.deposit_percent
            if ships and ships.isoformat() > (group.get("estimated_ship_date") or ""):
                group["estimated_ship_date"] = ships.isoformat()  # the shop's order ships by its latest line
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
                **extra,
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
