"""The cart and the checkout in the browser (cash on delivery or bank transfer)."""

from __future__ import annotations

import secrets

from chalice import Blueprint, Response

from ..api.presenters import buyer_order_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import seasons
from ..domain.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor
from ..domain.orders import MAX_LINE_QUANTITY
from ..domain.trust import redeemable
from ..services import cart, checkout
from . import pickup, render
from .catalog import product_view
from .routing import Form, buyer, looks_like_id, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

COUNTRIES = ("CN", "KZ", "KG", "RU", "UZ", "MN")
# card needs the provider's hosted page; net terms (issue 14) are for verified businesses with a credit line
WEB_PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer", "net_terms")


def _problem_text(ctx: WebContext, code: str, product) -> str:
    attrs = product.attributes if product is not None else {}
    if code == "below_moq" and product is not None:
        return ctx.t("rule.below_moq", moq=attrs["moq"], unit=attrs["unit"])
    if code == "not_a_multiple" and product is not None:
        return ctx.t("rule.not_a_multiple", multiple=attrs["order_multiple"])
    if code == "out_of_stock" and product is not None:
        return ctx.t("rule.out_of_stock", stock=product.stock) if product.stock else ctx.t("rule.sold_out")
    if code in ("out_of_season", "personalisation_changed"):
        return ctx.t(f"rule.{code}")
    return ctx.t("rule.unavailable")


def _personalisation(form: Form) -> dict[str, str]:
    """The personalisation fields of a form (`p.<key>`), as the buyer typed them (the service checks them)."""
    return {name[2:]: form.get(name)[:500] for name in form.names() if name.startswith("p.") and len(name) <= 32}


def _cart_for_page(ctx: WebContext, actor: Actor) -> dict:
    """The service's cart view with each line's picture, link and translated rule warnings added."""
    c = container()
    now = c.clock()
    view, products = cart.view_with_products(c.buying, actor, now=now)
    for group in view["shops"]:
        for line in group["lines"]:
            product = products.get(line["product_id"])
            line["warnings"] = [_problem_text(ctx, p["code"], product) for p in line["problems"]]
            # issue 15: a personalised line has its own id (and its values go back with its form); a made-to-order
            # line says when it ships
            line["key"] = line.get("line_id") or line["product_id"]
            line["fields"] = product.attributes.get("personalisation") if product else None
            ships = seasons.estimated_ship_date(product.attributes, seasons.day_of(now)) if product else None
            line["ships_by"] = ships.isoformat() if ships else None
            line["thumbnail_url"] = c.media.url(product.media[0].thumbnail_key) if product and product.media else None
            line["storefront"] = product.storefront if product else None
            line["unit"] = product.attributes.get("unit") if product and product.storefront == "b2b" else None
    return view


def _cart_page(ctx: WebContext, actor: Actor, status: int = 200, error: str | None = None) -> Response:
    notice = None
    if ctx.query.get("added"):
        notice = ctx.t("cart.added")
    elif ctx.query.get("updated"):
        notice = ctx.t("cart.updated")
    view = _cart_for_page(ctx, actor)
    return render.page(
        ctx,
        "cart.html",
        status=status,
        title=ctx.t("cart.title"),
        cart=view,
        notice=notice,
        error=error,
        pickup_centre=pickup.centre(ctx) if view["line_count"] else None,
    )


@page(
    bp,
    "GET",
    "/cart",
    budget=Budget(
        3,
        "the API's cart view: GetItem cart + one BatchGetItem of its products; + GetItem of the village centre the "
        "buyer collected at last time (its hours)",
    ),
)
def cart_page(ctx: WebContext) -> Response:
    return _cart_page(ctx, buyer(ctx))


@page(
    bp,
    "POST",
    "/cart/add",
    budget=Budget(3, "a cart write that adds to the line: GetItem cart, BatchGetItem of the product, conditional put"),
)
def add_to_cart(ctx: WebContext, form: Form) -> Response:
    product_id, storefront = form.get("product_id"), form.get("storefront")
    if not looks_like_id(product_id) or not storefront.isalnum():
        raise NotFound("product not found", code="product_not_found")
    actor = buyer(ctx)
    quantity = positive_int(form.get("quantity"), 1, MAX_LINE_QUANTITY)
    if quantity is None:
        error = ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY)
        return product_view(ctx, storefront, product_id, 400, error, form.get("quantity")[:12])
    c = container()
    values = _personalisation(form)
    try:
        cart.add_quantity(c.buying, actor, product_id, quantity, now=c.clock(), personalisation=values or None)
    except ValidationFailed as exc:
        if exc.code != "invalid_personalisation":
            raise
        wrong = [d["field"].removeprefix("personalisation.") for d in exc.details or []]
        return product_view(ctx, storefront, product_id, 400, None, quantity, values, wrong_fields=wrong)
    except Conflict as exc:
        if exc.code == "out_of_season":
            return product_view(ctx, storefront, product_id, 409, ctx.t("err.out_of_season"), quantity, values)
        if exc.code != "cart_full":
            raise
        return product_view(ctx, storefront, product_id, 409, ctx.t("err.cart_full"), quantity, values)
    return render.redirect(ctx, "/cart", {"added": "1"})


@page(
    bp,
    "POST",
    "/cart/update",
    budget=Budget(3, "the API's cart write: GetItem cart, BatchGetItem products, conditional put"),
)
def update_cart(ctx: WebContext, form: Form) -> Response:
    actor = buyer(ctx)
    product_id = form.get("product_id")
    if not looks_like_id(product_id):
        raise NotFound("product not found", code="product_not_found")
    quantity = 0 if form.get("remove") else positive_int(form.get("quantity"), 0, MAX_LINE_QUANTITY)
    if quantity is None:
        return _cart_page(ctx, actor, 400, ctx.t("err.quantity", min=0, max=MAX_LINE_QUANTITY))
    c = container()
    values = _personalisation(form)
    try:
        cart.set_quantity(c.buying, actor, product_id, quantity, now=c.clock(), personalisation=values or None)
    except Conflict as exc:
        if exc.code != "out_of_season":
            raise
        return _cart_page(ctx, actor, 409, ctx.t("err.out_of_season"))
    return render.redirect(ctx, "/cart", {"updated": "1"})


def _new_checkout_key() -> str:
    return "web-" + secrets.token_urlsafe(18)


def _points_balance(actor) -> int:
    """The buyer's points (issue 13): one GetItem of the ledger's balance."""
    from ..domain.ledger import POINTS
    from ..services.points import account

    return container().ledger.balance(account(actor.user_id), POINTS).amount


def _checkout_page(ctx, actor, status=200, values=None, errors=None, key=None, problems=None) -> Response:
    defaults = {"country": "CN", "payment_method": "cash_on_delivery"}
    values = {**defaults, **(values or {})}
    centres = pickup.choices(ctx, values.get("pickup_point"))
    if "delivery" not in values:  # collecting again where the buyer collected last time, or asking for centres
        wanted = ctx.query.get("county") or ctx.query.get("pickup_point") or pickup.remembered(ctx)
        values["delivery"] = "pickup" if wanted else "address"
    cart_view = _cart_for_page(ctx, actor)
    balance = _points_balance(actor)
    most = sum(redeemable(group["subtotal"]["amount"]) for group in cart_view.get("shops", []))  # 25 % per order
    return render.page(
        ctx,
        "checkout.html",
        status=status,
        title=ctx.t("checkout.title"),
        cart=cart_view,
        points_balance=balance,
        points_max=min(balance, most),
        values=values,
        errors=errors or {},
        pickup=centres,
        problems=problems or [],
        key=key or _new_checkout_key(),
        countries=COUNTRIES,
        payment_methods=WEB_PAYMENT_METHODS,
    )


@page(
    bp,
    "GET",
    "/checkout",
    budget=Budget(
        6,
        "the cart view under the address form (2) + the counties (1 Query) + the chosen county's village centres "
        "(1 Query) + the remembered centre (GetItem), to collect at a village service centre; the points balance "
        "(GetItem)",
    ),
)
def checkout_page(ctx: WebContext) -> Response:
    return _checkout_page(ctx, buyer(ctx))


_ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")
_MUST_HAVE_TEXT = ("name", "city", "region")  # their schema pattern refuses blank text


def _checkout_errors(ctx: WebContext, exc) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"] if not str(p).startswith("~")]  # "~pickup": the shape of the delivery
        field = loc[-1] if loc[0] == "delivery" else loc[0]
        if loc[:2] == ["delivery", "lines"]:
            field = "line2" if loc[-1] == "1" else "line1"
        kind = err["type"]
        blank = kind == "string_pattern_mismatch" and field in _MUST_HAVE_TEXT  # only spaces
        if kind in ("string_too_short", "missing", "too_short") or blank:
            message = ctx.t("form.required")
        elif kind in ("string_too_long", "too_long"):
            message = ctx.t("err.too_long")
        elif field == "phone":
            message = ctx.t("err.phone")
        elif field == "postal_code":
            message = ctx.t("err.postal_code")
        else:
            message = ctx.t("form.invalid")
        errors.setdefault(field, message)
    return errors


@page(
    bp,
    "POST",
    "/checkout",
    budget=Budget(
        3,
        "the API's checkout (2 whatever the lines and shops: the cart lines carry the offers; 3 on net terms, "
        "issue 14: the ledger's read of the credit; 3 when it redeems points, issue 13: the ledger's read of the "
        "points balance)",
    ),
)
def place_order(ctx: WebContext, form: Form) -> Response:
    from pydantic import ValidationError  # not at import: pydantic stays out of the cold start

    from ..api.schemas import CheckoutIn

    actor = buyer(ctx)
    values = {name: form.get(name).strip() for name in _ADDRESS_FIELDS}
    values["payment_method"] = form.get("payment_method")
    values["delivery"] = "pickup" if form.get("delivery") == "pickup" else "address"
    values["pickup_point"] = form.get("pickup_point").strip()[:80]
    key = form.get("idempotency_key")
    if not key.startswith("web-") or len(key) > 100 or not key.isprintable():
        key = _new_checkout_key()
    delivery: dict = {
        "name": values["name"],
        "phone": values["phone"],
        "lines": [line for line in (values["line1"], values["line2"]) if line] or [""],
        "city": values["city"],
        "region": values["region"],
        "postal_code": values["postal_code"],
        "country": values["country"],
    }
    if values["delivery"] == "pickup":  # collected at a village service centre (issue 10)
        delivery = {"pickup_point": values["pickup_point"], "name": values["name"], "phone": values["phone"]}
    body = {"delivery": delivery, "payment_method": values["payment_method"]}
    errors = {}
    if values["delivery"] == "pickup" and not values["pickup_point"]:
        errors["pickup_point"] = ctx.t("checkout.choose_centre")
    if values["payment_method"] not in WEB_PAYMENT_METHODS:
        errors["payment_method"] = ctx.t("form.invalid")
    values["points_to_redeem"] = form.get("points_to_redeem").strip()[:12]
    if values["points_to_redeem"]:  # issue 13: points off the goods (at most 25 %)
        points = positive_int(values["points_to_redeem"], 0, 10**9)
        if points is None:
            errors["points_to_redeem"] = ctx.t("form.invalid")
        elif points:
            body["points_to_redeem"] = points
    try:
        CheckoutIn.model_validate(body)
    except ValidationError as exc:
        errors = {**_checkout_errors(ctx, exc), **errors}
    if errors:
        return _checkout_page(ctx, actor, 400, values, errors, key)
    c = container()
    try:
        result, _ = checkout.checkout(
            c.buying,
            actor,
            key,
            body,
            now=c.clock(),
            new_id=c.new_id,
            present_order=buyer_order_public,
            card_payment_minutes=c.settings.card_payment_minutes,
            bank_transfer_hours=c.settings.bank_transfer_hours,
            ledger=c.ledger,
            trade=c.trade,
        )
    except ValidationFailed as exc:
        if exc.code == "empty_cart":
            return render.redirect(ctx, "/cart")
        raise
    except Unprocessable as exc:
        if exc.code != "pickup_point_not_found":
            raise
        return _checkout_page(ctx, actor, 422, values, {"pickup_point": ctx.t("checkout.choose_centre")}, key)
    except Conflict as exc:
        if exc.code in ("net_terms_unavailable", "credit_limit_exceeded", "net_terms_changed"):  # issue 14
            return _checkout_page(ctx, actor, 409, values, {"payment_method": ctx.t(f"error.{exc.code}")}, key)
        if exc.code == "price_changed":  # the cart now holds the new prices; the page below shows them
            return _checkout_page(ctx, actor, 409, values, {}, key, [ctx.t("checkout.price_changed")])
        if exc.code in ("points_over_limit", "insufficient_balance"):  # issue 13
            return _checkout_page(ctx, actor, 409, values, {"points_to_redeem": ctx.t(f"error.{exc.code}")}, key)
        if exc.code == "shop_unavailable":
            return _checkout_page(ctx, actor, 409, values, {}, key, [ctx.t("checkout.shop_unavailable")])
        if exc.code != "lines_unavailable":
            raise
        return _checkout_page(ctx, actor, 409, values, {}, key, [ctx.t("cart.fix_first")])
    if values["delivery"] == "pickup":
        pickup.remember(ctx, values["pickup_point"])
    return render.redirect(ctx, "/checkout/done", {"orders": ",".join(o["order_id"] for o in result["orders"])})
