"""The buyers' web storefront: server-rendered HTML over the same services as the JSON API.

Every route is declared with `_route`, which records it in WEB_ROUTES (the OpenAPI contract and the API call
budgets cover the JSON API only and leave these out), builds the request's WebContext, checks the CSRF token
of every POST, and turns errors into friendly HTML pages with the status api/errors.py gives them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from ..api.paging import PageRequest, cursor_scope, page_request
from ..domain.errors import Conflict, DomainError, NotFound, Unauthenticated, ValidationFailed
from ..services.ports import Page

bp = Blueprint(__name__)

WEB_ROUTES: list[tuple[str, str]] = []  # (method, path) of every route this blueprint serves
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
PAGE_SIZE = 8
FEATURED = 4
ORDERS_PAGE_SIZE = 10
MAX_TRAIL = 50
FIRST_PAGE = "0"  # stands for "no cursor" in a trail (a real cursor always contains a ".")
COUNTRIES = ("CN", "KZ", "KG", "RU", "UZ", "MN")
WEB_PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer")  # card needs the provider's hosted page
_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


# --- plumbing ---------------------------------------------------------------------------------------


class Form:
    """An application/x-www-form-urlencoded body."""

    MAX_FIELDS = 200

    def __init__(self, raw: bytes | str) -> None:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        try:
            self._data = parse_qs(text, keep_blank_values=True, max_num_fields=self.MAX_FIELDS)
        except ValueError:
            raise ValidationFailed("too many form fields") from None

    def get(self, name: str, default: str = "") -> str:
        values = self._data.get(name)
        return values[0] if values else default

    def names(self) -> list[str]:
        return list(self._data)


def _status_for(exc: DomainError) -> int:
    from ..api.errors import STATUS_BY_ERROR

    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 400)


def _route(path: str, method: str = "GET") -> Callable:
    def decorate(handler: Callable) -> Callable:
        WEB_ROUTES.append((method, path))
        options: dict = {"methods": [method]}
        if method == "POST":
            options["content_types"] = [FORM_CONTENT_TYPE]

        @functools.wraps(handler)
        def view(**params):
            return _handle(handler, method, params)

        bp.route(path, **options)(view)
        return handler

    return decorate


_LAST_RESORT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bazaar</title></head><body>'
    "<h1>Something went wrong on our side</h1><p>Please try again in a moment.</p></body></html>"
)


def _log_failure(view: str) -> None:
    from ..observability import logger

    logger().exception("unhandled error in a web page", view=view)


def _handle(handler: Callable, method: str, params: dict) -> Response:
    from ..bootstrap import container
    from .render import error_page, redirect
    from .session import CsrfRejected, WebContext, safe_next

    request = bp.current_request
    try:
        ctx = WebContext.from_request(request, container().settings)
    except Exception:
        _log_failure(handler.__name__)
        return Response(body=_LAST_RESORT, status_code=500, headers={"Content-Type": "text/html; charset=utf-8"})
    form = None
    try:
        try:
            if method == "POST":
                form = Form(request.raw_body or b"")
                ctx.check_csrf(form.get("csrf"))
                return handler(ctx, form, **params)
            return handler(ctx, **params)
        except CsrfRejected:
            return error_page(ctx, 403, "error.csrf")
        except Unauthenticated:
            back = safe_next(form.get("next") if form else ctx.here, default="/")
            return redirect(ctx, "/signin", {"next": back, "required": "1"})
        except DomainError as exc:
            return error_page(ctx, _status_for(exc), f"error.{exc.code}")
        except Exception:
            _log_failure(handler.__name__)
            return error_page(ctx, 500)
    except Exception:  # the error page itself failed (e.g. the identity service is down while rendering it)
        _log_failure(handler.__name__)
        return Response(body=_LAST_RESORT, status_code=500, headers={"Content-Type": "text/html; charset=utf-8"})


def _buyer(ctx):
    """The signed-in buyer (sign-in page otherwise; a seller or operator gets a 403 page)."""
    from ..domain.identity import Role, require_role

    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    require_role(actor, Role.BUYER)
    return actor


def _positive_int(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return None
    value = int(raw)
    return value if low <= value <= high else None


@dataclass
class Pager:
    """Next/previous over signed API cursors. `trail` holds the cursors of the pages before this one, so
    "previous" needs no backwards query; it is capped, after which the first page stays one click away."""

    cursor: str | None
    trail: list[str]
    request: PageRequest

    @classmethod
    def open(cls, params: dict, scope: str, limit: int) -> Pager:
        """The page the query asks for (cursor and trail), bound to `scope` (api/paging.cursor_scope)."""
        cursor = params.get("cursor") or None
        raw_trail = params.get("trail") or ""
        trail = [entry for entry in raw_trail.split("~") if entry][-MAX_TRAIL:] if raw_trail else []
        request = page_request(scope, cursor, limit)
        for entry in trail:
            if entry != FIRST_PAGE:
                PageRequest.open(scope, entry, limit, request.secret)  # a forged trail fails here, not on the way back
        return cls(cursor, trail, request)

    @property
    def start(self) -> dict | None:
        return self.request.start

    def links(self, ctx, path: str, params: dict, page: Page) -> dict:
        next_cursor = self.request.next_cursor(page)

        def url(cursor: str | None, trail: list[str]) -> str:
            return ctx.url(path, {**params, "cursor": cursor, "trail": "~".join(trail)})

        links: dict = {"next": None, "previous": None, "first": None, "number": None}
        if next_cursor:
            links["next"] = url(next_cursor, [*self.trail, self.cursor or FIRST_PAGE][-MAX_TRAIL:])
        if self.cursor:
            if self.trail:
                back = self.trail[-1]
                links["previous"] = url(None if back == FIRST_PAGE else back, self.trail[:-1])
            links["first"] = url(None, [])
        if not self.cursor:
            links["number"] = 1
        elif self.trail and self.trail[0] == FIRST_PAGE:
            links["number"] = len(self.trail) + 1
        return links


def _api_scope(view, *, path: dict, params: dict, caller: str | None) -> str:
    """The cursor scope of a JSON API list (its view from api/), so its cursors work on the page too."""
    return cursor_scope(view.route_spec.operation_id, path=path, params=params, caller=caller)


# --- static -----------------------------------------------------------------------------------------


@bp.route("/static/site.css", methods=["GET"])
def stylesheet():
    from .render import static_file

    text, _ = static_file("site.css")
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/css; charset=utf-8",
            "Cache-Control": "public, max-age=31536000, immutable",  # the pages link it with ?v=<hash>
            "X-Content-Type-Options": "nosniff",
        },
    )


WEB_ROUTES.append(("GET", "/static/site.css"))


# --- browsing ---------------------------------------------------------------------------------------


@_route("/")
def home(ctx):
    from ..api.presenters import card_public
    from ..bootstrap import container
    from ..services import storefront
    from .render import page

    c = container()
    sections = []
    for sf in storefront.all_storefronts():
        result = storefront.browse(
            c.catalog,
            sf["storefront"],
            category=None,
            prefecture=None,
            q=None,
            sort="newest",
            limit=FEATURED,
            start=None,
        )
        sections.append({"sf": sf, "cards": [card_public(card, c.media.url) for card in result.items]})
    return page(ctx, "home.html", title=ctx.t("site.tagline"), sections=sections)


def _filters(params: dict) -> dict:
    from ..api.storefronts import BROWSE_FILTERS

    return {q.name: q.parse(params) for q in BROWSE_FILTERS}


@_route("/s/{storefront}")
def storefront_page(ctx, storefront):
    from ..api import storefronts as api
    from ..api.presenters import card_public
    from ..bootstrap import container
    from ..domain.storefronts import get_storefront
    from ..services import storefront as storefronts
    from .render import page

    sf = get_storefront(storefront)
    c = container()
    params = ctx.query
    shown = {k: (params.get(k) or "")[:100] for k in ("category", "prefecture", "q", "sort")}
    values = {"sf": sf, "filters": shown, "sorts": storefronts.SORTS, "cards": [], "pager": None, "error": None}
    try:
        filters = _filters(params)
        scope = _api_scope(api.browse, path={"storefront_key": sf.key}, params=filters, caller=None)
        pager = Pager.open(params, scope, PAGE_SIZE)
        result = storefronts.browse(c.catalog, sf.key, limit=PAGE_SIZE, start=pager.start, **filters)
    except ValidationFailed as exc:
        values["error"] = ctx.t("err.bad_cursor" if exc.code == "invalid_cursor" else "err.bad_filter")
        return page(ctx, "storefront.html", status=400, title=ctx.t(f"sf.{sf.key}.name"), **values)
    link_params = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "newest")}
    values["cards"] = [card_public(card, c.media.url) for card in result.items]
    values["pager"] = pager.links(ctx, f"/s/{sf.key}", link_params, result)
    values["filters"] = {k: v or "" for k, v in filters.items()}
    return page(ctx, "storefront.html", title=ctx.t(f"sf.{sf.key}.name"), **values)


def _product_view(ctx, storefront: str, product_id: str, status: int = 200, error: str | None = None, quantity=None):
    from ..api.presenters import product_public
    from ..bootstrap import container
    from ..domain.storefronts import get_storefront
    from ..services.storefront import listed_product
    from .render import page

    c = container()
    product = product_public(listed_product(c.catalog, storefront, product_id), c.media.url)
    attrs = product["attributes"]
    step = (attrs.get("order_multiple") or 1) if product["storefront"] == "b2b" else 1
    minimum = attrs["moq"] if product["storefront"] == "b2b" else 1
    image = _positive_int(ctx.query.get("image", "1"), 1, max(1, len(product["media"]))) or 1
    return page(
        ctx,
        "product.html",
        status=status,
        title=product["title"],
        sf=get_storefront(product["storefront"]),
        product=product,
        image=image,
        minimum=minimum,
        step=step,
        quantity=quantity or minimum,
        error=error,
    )


@_route("/s/{storefront}/p/{product_id}")
def product_page(ctx, storefront, product_id):
    return _product_view(ctx, storefront, product_id)


@_route("/shops/{slug}")
def shop_page(ctx, slug):
    from ..api.presenters import card_public
    from ..bootstrap import container
    from ..services import storefront as storefronts
    from .render import error_page, page

    c = container()
    params = ctx.query
    wanted = params.get("storefront") or None
    shops = storefronts.shops_by_slug(c.catalog, slug, wanted)
    if not shops:
        raise NotFound("shop not found", code="shop_not_found")
    if len(shops) > 1:
        return page(ctx, "shop_choice.html", title=shops[0].name, shops=shops)
    shop = shops[0]
    scope = cursor_scope("webShopPage", path={"shop_id": shop.shop_id}, params={}, caller=None)
    try:
        pager = Pager.open(params, scope, PAGE_SIZE)
    except ValidationFailed:
        return error_page(ctx, 400, "err.bad_cursor")
    result = storefronts.listed_shop_products(c.catalog, shop, PAGE_SIZE, pager.start)
    link_params = {"storefront": wanted}
    return page(
        ctx,
        "shop.html",
        title=shop.name,
        shop=shop,
        cards=[card_public(p.card(), c.media.url) for p in result.items],
        pager=pager.links(ctx, f"/shops/{shop.slug}", link_params, result),
    )


# --- account ----------------------------------------------------------------------------------------


def _signin_form(ctx, status=200, errors=None, email="", next_path="/", notice=None):
    from .render import page

    return page(
        ctx,
        "signin.html",
        status=status,
        title=ctx.t("auth.signin_title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
        notice=notice,
    )


@_route("/signin")
def signin_page(ctx):
    from .session import safe_next

    next_path = safe_next(ctx.query.get("next"))
    notice = ctx.t("auth.signin_needed") if ctx.query.get("required") else None
    return _signin_form(ctx, next_path=next_path, notice=notice)


@_route("/signin", "POST")
def signin(ctx, form):
    from ..bootstrap import container
    from ..services import identity
    from .render import redirect
    from .session import safe_next

    email, password = form.get("email").strip()[:254], form.get("password")[:128]
    next_path = safe_next(form.get("next"))
    errors = {}
    if not email:
        errors["email"] = ctx.t("form.required")
    if not password:
        errors["password"] = ctx.t("form.required")
    if errors:
        return _signin_form(ctx, 400, errors, email, next_path)
    try:
        tokens = identity.login(container().identity, email, password)
    except Unauthenticated:
        return _signin_form(ctx, 400, {"form": ctx.t("err.credentials")}, email, next_path)
    ctx.sign_in(tokens["access_token"], tokens["expires_in"])
    return redirect(ctx, next_path)


def _register_form(ctx, status=200, errors=None, email="", next_path="/"):
    from .render import page

    return page(
        ctx,
        "register.html",
        status=status,
        title=ctx.t("auth.register_title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
    )


@_route("/register")
def register_page(ctx):
    from .session import safe_next

    return _register_form(ctx, next_path=safe_next(ctx.query.get("next")))


@_route("/register", "POST")
def register(ctx, form):
    from ..bootstrap import container
    from ..services import identity
    from .render import redirect
    from .session import safe_next

    email, password = form.get("email").strip()[:254], form.get("password")[:128]
    next_path = safe_next(form.get("next"))
    c = container()
    try:
        identity.register(c.identity, email, password, "buyer")
    except ValidationFailed as exc:
        fields = {d.get("field") for d in exc.details or []}
        errors = {}
        if "email" in fields:
            errors["email"] = ctx.t("err.email")
        if "password" in fields:
            errors["password"] = ctx.t("auth.password_rules")
        return _register_form(ctx, 400, errors or {"form": ctx.t("form.invalid")}, email, next_path)
    except Conflict:
        return _register_form(ctx, 400, {"email": ctx.t("err.email_taken")}, email, next_path)
    tokens = identity.login(c.identity, email, password)
    ctx.sign_in(tokens["access_token"], tokens["expires_in"])
    return redirect(ctx, next_path)


@_route("/signout", "POST")
def signout(ctx, form):
    from .render import redirect

    ctx.clear_session()
    return redirect(ctx, "/")


@_route("/lang", "POST")
def choose_language(ctx, form):
    from . import i18n
    from .render import error_page, redirect
    from .session import safe_next

    lang = form.get("lang")
    if lang not in i18n.LANGUAGES:
        return error_page(ctx, 400)
    ctx.choose_language(lang)
    return redirect(ctx, safe_next(form.get("next")))


# --- cart and checkout ------------------------------------------------------------------------------


def _problem_text(ctx, code: str, product) -> str:
    attrs = product.attributes if product is not None else {}
    if code == "below_moq" and product is not None:
        return ctx.t("rule.below_moq", moq=attrs["moq"], unit=attrs["unit"])
    if code == "not_a_multiple" and product is not None:
        return ctx.t("rule.not_a_multiple", multiple=attrs["order_multiple"])
    if code == "out_of_stock" and product is not None:
        return ctx.t("rule.out_of_stock", stock=product.stock) if product.stock else ctx.t("rule.sold_out")
    return ctx.t("rule.unavailable")


def _cart_for_page(ctx, actor) -> dict:
    """The service's cart view with each line's picture, link and translated rule warnings added."""
    from ..bootstrap import container
    from ..services import cart

    c = container()
    view, products = cart.view_with_products(c.buying, actor)
    for group in view["shops"]:
        for line in group["lines"]:
            product = products.get(line["product_id"])
            line["warnings"] = [_problem_text(ctx, p["code"], product) for p in line["problems"]]
            line["thumbnail_url"] = c.media.url(product.media[0].thumbnail_key) if product and product.media else None
            line["storefront"] = product.storefront if product else None
            line["unit"] = product.attributes.get("unit") if product and product.storefront == "b2b" else None
    return view


def _cart_page(ctx, actor, status=200, error=None):
    from .render import page

    notice = None
    if ctx.query.get("added"):
        notice = ctx.t("cart.added")
    elif ctx.query.get("updated"):
        notice = ctx.t("cart.updated")
    view = _cart_for_page(ctx, actor)
    return page(ctx, "cart.html", status=status, title=ctx.t("cart.title"), cart=view, notice=notice, error=error)


@_route("/cart")
def cart_page(ctx):
    return _cart_page(ctx, _buyer(ctx))


@_route("/cart/add", "POST")
def add_to_cart(ctx, form):
    from ..bootstrap import container
    from ..domain.orders import MAX_LINE_QUANTITY
    from ..services import cart
    from .render import redirect

    product_id, storefront = form.get("product_id"), form.get("storefront")
    if not _ORDER_ID.match(product_id) or not storefront.isalnum():
        raise NotFound("product not found", code="product_not_found")
    actor = _buyer(ctx)
    quantity = _positive_int(form.get("quantity"), 1, MAX_LINE_QUANTITY)
    if quantity is None:
        error = ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY)
        return _product_view(ctx, storefront, product_id, 400, error, form.get("quantity")[:12])
    c = container()
    current = c.buying.get_cart(actor.user_id).lines.get(product_id, {}).get("quantity", 0)
    try:
        cart.set_quantity(c.buying, actor, product_id, min(current + quantity, MAX_LINE_QUANTITY), now=c.clock())
    except Conflict as exc:
        if exc.code != "cart_full":
            raise
        return _product_view(ctx, storefront, product_id, 409, ctx.t("err.cart_full"), quantity)
    return redirect(ctx, "/cart", {"added": "1"})


@_route("/cart/update", "POST")
def update_cart(ctx, form):
    from ..bootstrap import container
    from ..domain.orders import MAX_LINE_QUANTITY
    from ..services import cart
    from .render import redirect

    actor = _buyer(ctx)
    product_id = form.get("product_id")
    if not _ORDER_ID.match(product_id):
        raise NotFound("product not found", code="product_not_found")
    quantity = 0 if form.get("remove") else _positive_int(form.get("quantity"), 0, MAX_LINE_QUANTITY)
    if quantity is None:
        return _cart_page(ctx, actor, 400, ctx.t("err.quantity", min=0, max=MAX_LINE_QUANTITY))
    c = container()
    cart.set_quantity(c.buying, actor, product_id, quantity, now=c.clock())
    return redirect(ctx, "/cart", {"updated": "1"})


def _new_checkout_key() -> str:
    import secrets

    return "web-" + secrets.token_urlsafe(18)


def _checkout_page(ctx, actor, status=200, values=None, errors=None, key=None, problems=None):
    from .render import page

    defaults = {"country": "CN", "payment_method": "cash_on_delivery"}
    return page(
        ctx,
        "checkout.html",
        status=status,
        title=ctx.t("checkout.title"),
        cart=_cart_for_page(ctx, actor),
        values={**defaults, **(values or {})},
        errors=errors or {},
        problems=problems or [],
        key=key or _new_checkout_key(),
        countries=COUNTRIES,
        payment_methods=WEB_PAYMENT_METHODS,
    )


@_route("/checkout")
def checkout_page(ctx):
    return _checkout_page(ctx, _buyer(ctx))


_ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")
_MUST_HAVE_TEXT = ("name", "city", "region")  # their schema pattern refuses blank text


def _checkout_errors(ctx, exc) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"]]
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


@_route("/checkout", "POST")
def place_order(ctx, form):
    from pydantic import ValidationError

    from ..api.presenters import buyer_order_public
    from ..api.schemas import CheckoutIn
    from ..bootstrap import container
    from ..services import checkout
    from .render import redirect

    actor = _buyer(ctx)
    values = {name: form.get(name).strip() for name in _ADDRESS_FIELDS}
    values["payment_method"] = form.get("payment_method")
    key = form.get("idempotency_key")
    if not key.startswith("web-") or len(key) > 100 or not key.isprintable():
        key = _new_checkout_key()
    body = {
        "delivery": {
            "name": values["name"],
            "phone": values["phone"],
            "lines": [line for line in (values["line1"], values["line2"]) if line] or [""],
            "city": values["city"],
            "region": values["region"],
            "postal_code": values["postal_code"],
            "country": values["country"],
        },
        "payment_method": values["payment_method"],
    }
    errors = {}
    if values["payment_method"] not in WEB_PAYMENT_METHODS:
        errors["payment_method"] = ctx.t("form.invalid")
    try:
        CheckoutIn.model_validate(body)
    except ValidationError as exc:
        errors = {**_checkout_errors(ctx, exc), **errors}
    if errors:
        return _checkout_page(ctx, actor, 400, values, errors, key)
    c = container()
    try:
        result, _ = checkout.checkout(
            c.buying, c.events, actor, key, body, now=c.clock(), new_id=c.new_id, present_order=buyer_order_public
        )
    except ValidationFailed as exc:
        if exc.code == "empty_cart":
            return redirect(ctx, "/cart")
        raise
    except Conflict as exc:
        if exc.code != "lines_unavailable":
            raise
        return _checkout_page(ctx, actor, 409, values, {}, key, [ctx.t("cart.fix_first")])
    return redirect(ctx, "/checkout/done", {"orders": ",".join(o["order_id"] for o in result["orders"])})


@_route("/checkout/done")
def order_confirmation(ctx):
    from ..api.presenters import buyer_order_public
    from ..bootstrap import container
    from ..domain.orders import MAX_CHECKOUT_LINES
    from ..services import order_lifecycle
    from .render import page

    actor = _buyer(ctx)
    ids = [i for i in (ctx.query.get("orders") or "").split(",") if i][:MAX_CHECKOUT_LINES]
    if not ids or not all(_ORDER_ID.match(i) for i in ids):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    placed = [buyer_order_public(order_lifecycle.buyer_order(c.buying, actor, i)) for i in ids]
    total = {"amount": sum(o["total"]["amount"] for o in placed), "currency": placed[0]["total"]["currency"]}
    return page(ctx, "done.html", title=ctx.t("done.title"), orders=placed, total=total)


# --- orders -----------------------------------------------------------------------------------------


@_route("/orders")
def orders_page(ctx):
    from ..api import buying as api
    from ..api.presenters import buyer_order_public
    from ..bootstrap import container
    from ..services import order_lifecycle
    from .render import error_page, page

    actor = _buyer(ctx)
    c = container()
    scope = _api_scope(api.my_orders, path={}, params={}, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, ORDERS_PAGE_SIZE)
    except ValidationFailed:
        return error_page(ctx, 400, "err.bad_cursor")
    result = order_lifecycle.buyer_orders(c.buying, actor, ORDERS_PAGE_SIZE, pager.start)
    return page(
        ctx,
        "orders.html",
        title=ctx.t("orders.title"),
        orders=[buyer_order_public(o) for o in result.items],
        pager=pager.links(ctx, "/orders", {}, result),
    )


def _order_page(ctx, actor, order_id: str, status=200, error=None, return_values=None):
    from ..api.presenters import buyer_order_public
    from ..bootstrap import container
    from ..domain.orders import OPEN_STATUSES, parse_time
    from ..services import order_lifecycle
    from .render import page

    if not _ORDER_ID.match(order_id):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    order = buyer_order_public(order_lifecycle.buyer_order(c.buying, actor, order_id))
    closes = order["return_window_closes"]
    returnable = [
        {**line, "left": line["quantity"] - line["returned_quantity"]}
        for line in order["lines"]
        if line["quantity"] > line["returned_quantity"]
    ]
    can_return = (
        order["status"] in ("delivered", "completed")
        and closes is not None
        and parse_time(c.clock()) <= parse_time(closes)
        and bool(returnable)
    )
    notice = None
    if ctx.query.get("returned"):
        notice = ctx.t("order.return_requested")
    elif ctx.query.get("cancelled"):
        notice = ctx.t("order.cancelled_note")
    return page(
        ctx,
        "order.html",
        status=status,
        title=ctx.t("order.title", order_id=order["order_id"]),
        order=order,
        can_cancel=order["status"] in OPEN_STATUSES,
        can_return=can_return,
        returnable=returnable,
        return_values=return_values or {},
        notice=notice,
        error=error,
    )


@_route("/orders/{order_id}")
def order_page(ctx, order_id):
    return _order_page(ctx, _buyer(ctx), order_id)


@_route("/orders/{order_id}/cancel", "POST")
def cancel_order(ctx, form, order_id):
    from ..bootstrap import container
    from ..services import order_lifecycle
    from .render import redirect

    actor = _buyer(ctx)
    if not _ORDER_ID.match(order_id):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    try:
        order_lifecycle.cancel(c.buying, c.events, actor, order_id, now=c.clock())
    except Conflict as exc:
        return _order_page(ctx, actor, order_id, 409, ctx.t(f"error.{exc.code}") if _known(exc) else None)
    return redirect(ctx, f"/orders/{order_id}", {"cancelled": "1"})


def _known(exc: DomainError) -> bool:
    from . import i18n

    return i18n.has(f"error.{exc.code}")


@_route("/orders/{order_id}/return", "POST")
def request_return(ctx, form, order_id):
    from ..bootstrap import container
    from ..domain.orders import MAX_LINE_QUANTITY
    from ..services import returns
    from .render import redirect

    actor = _buyer(ctx)
    if not _ORDER_ID.match(order_id):
        raise NotFound("order not found", code="order_not_found")
    lines, values, bad = [], {}, False
    for name in form.names():
        if not name.startswith("qty-"):
            continue
        line_id, raw = name[4:], form.get(name)
        values[line_id] = raw[:12]
        quantity = _positive_int(raw or "0", 0, MAX_LINE_QUANTITY)
        if quantity is None or not _ORDER_ID.match(line_id):
            bad = True
        elif quantity:
            lines.append({"line_id": line_id, "quantity": quantity})
    reason = form.get("reason").strip()[:500] or None
    if bad or not lines:
        error = ctx.t("err.return_lines") if not bad else ctx.t("err.quantity", min=0, max=MAX_LINE_QUANTITY)
        return _order_page(ctx, actor, order_id, 400, error, values)
    c = container()
    try:
        returns.request_return(
            c.buying, c.events, actor, order_id, lines, reason, now=c.clock(), return_id=c.new_id("ret")
        )
    except Conflict as exc:
        message = ctx.t(f"error.{exc.code}") if _known(exc) else ctx.t("error.body.generic")
        return _order_page(ctx, actor, order_id, 409, message, values)
    return redirect(ctx, f"/orders/{order_id}", {"returned": "1"})
