"""Issue 12: the Russian storefront in the browser (/ru): products sold in Russia, in Russian and roubles, with
the delivery promise for the buyer's city; checkout paid by Mir card or SBP on the acquirer's page."""

from __future__ import annotations

import secrets

from chalice import Blueprint, Response

from ..api.markets import acquirer_urls
from ..api.presenters import buyer_order_public, card_public, product_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import delivery, seasons
from ..domain.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from ..domain.markets import MARKETS
from ..domain.storefronts import STOREFRONTS, get_storefront
from ..services import cart, checkout, delivery_promise, ru_payments, storefront
from ..services import markets as market_service
from . import i18n, render
from .orders import refunds_shown
from .routing import Form, buyer, page, positive_int
from .session import LANG_COOKIE, WebContext

bp = Blueprint(__name__)

RU = MARKETS["ru"]
FEATURED = 8
PAY_METHODS = ("mir_card", "sbp")


def _russian(ctx: WebContext) -> None:
    """The /ru pages are the Russian storefront: in Russian, unless the visitor chose a language with the switch
    (Uyghur, Chinese, English: like the other storefronts); prices stay in roubles either way."""
    if ctx.cookies.get(LANG_COOKIE) not in i18n.LANGUAGES:
        ctx.lang = "ru"


def city_name(ctx: WebContext, city: str) -> str:
    """A zone's city in the page's language (`city.<key>` in i18n_ru.py); the stored key otherwise. The keys stay
    as the operators stored them (English): the zones and the orders are matched by them."""
    key = f"city.{city}"
    return ctx.t(key) if i18n.has(key) else city


# A city's name in any of the pages' languages -> the key the zones (and orders) use: "Москва" -> "Moscow".
CITY_KEYS = {
    delivery.city_key(name): key.removeprefix("city.")
    for key, names in i18n.MESSAGES.items()
    if key.startswith("city.")
    for name in (*names, key.removeprefix("city."))
}


def city_key(typed: str) -> str:
    """The stored key of a city the buyer typed in any language (the checkout shows it in theirs); as typed when
    it is not one of the named cities (the zones without a list of cities take it)."""
    return CITY_KEYS.get(delivery.city_key(typed), typed)


@page(bp, "GET", "/ru", budget=Budget(3, "one Query of each storefront's ru partition; the rate from the cache"))
def ru_home(ctx: WebContext) -> Response:
    _russian(ctx)
    c = container()
    rate = market_service.rate_for(c.markets, RU)
    today = seasons.day_of(c.clock())
    sections = []
    for key in STOREFRONTS:
        page_ = storefront.browse(
            c.catalog,
            key,
            category=None,
            prefecture=None,
            q=None,
            sort="newest",
            limit=FEATURED,
            start=None,
            market="ru",
        )
        cards = [market_service.localise_card(card_public(x, c.media.url, today), ctx.lang, rate) for x in page_.items]
        sections.append({"key": key, "cards": cards})
    return render.page(ctx, "ru_home.html", title=ctx.t("ru.title"), sections=sections, rate=rate)


def _cities(terms: dict) -> list[str]:
    return [city for zone in terms.get("zones") or [] for city in zone.get("cities") or []]


@page(bp, "GET", "/ru/s/{storefront_key}/p/{product_id}", budget=Budget(1, "one GetItem; rate and zones cached"))
def ru_product(ctx: WebContext, storefront_key: str, product_id: str) -> Response:
    _russian(ctx)
    c = container()
    sf = get_storefront(storefront_key)
    rate = market_service.rate_for(c.markets, RU)
    product = storefront.listed_product(c.catalog, sf.key, product_id, "ru")
    body = product_public(product, c.media.url, today=seasons.day_of(c.clock()))
    body = market_service.localise_product(body, product.translations, ctx.lang, rate)
    city = (ctx.query.get("city") or "")[:60].strip() or None
    promise = delivery_promise.promise_for(c.markets, "ru", city, product.attributes, c.clock())
    cities = [{"key": x, "name": city_name(ctx, x)} for x in _cities(c.markets.delivery_terms("ru"))]
    return render.page(
        ctx,
        "ru_product.html",
        title=body["title"],
        sf=sf,
        product=body,
        promise=promise,
        city=city,
        city_label=city_name(ctx, city) if city else None,
        cities=cities,
    )


@page(bp, "POST", "/ru/cart/add", budget=Budget(3, "the API's cart line: GetItem cart + BatchGetItem + the put"))
def ru_add_to_cart(ctx: WebContext, form: Form) -> Response:
    _russian(ctx)
    actor = buyer(ctx)
    c = container()
    rate = market_service.rate_for(c.markets, RU)
    quantity = positive_int(form.get("quantity", "1"), 1, 1000) or 1
    product_id = form.get("product_id")[:40]
    fx = market_service.offer_fx(RU, rate) if rate else None
    try:
        cart.set_line(c.buying, actor, product_id, quantity, now=c.clock(), with_products=False, fx=fx)
    except (NotFound, Conflict):
        return render.error_page(ctx, 409, "ru.not_available")
    return render.redirect(ctx, "/ru/checkout", {"city": form.get("city")[:60] or None})


COUPONS_SHOWN = 10


def _my_coupons(actor) -> list[dict]:
    """The buyer's coupons they can spend here (active, in roubles): one Query."""
    from ..api.presenters import coupon_public
    from ..services import coupons as coupon_service

    c = container()
    now = c.clock()
    page_ = coupon_service.my_coupons(c.coupons, actor, COUPONS_SHOWN, None)
    shown = [coupon_public(x, now) for x in page_.items]
    return [x for x in shown if x["status"] == "active" and x["value"]["currency"] == RU.currency]


def _checkout_page(
    ctx: WebContext,
    status: int = 200,
    values: dict | None = None,
    problems: list[str] | None = None,
    coupons: list[dict] | None = None,
) -> Response:
    c = container()
    actor = buyer(ctx)
    rate = market_service.rate_for(c.markets, RU)
    saved, view = cart.view_in_market(c.buying, actor, now=c.clock())
    shown = market_service.localise_cart(view, saved, RU, rate) if rate else view
    defaults = {
        "city": (ctx.query.get("city") or "")[:60].strip() or "Moscow",
        "country": "RU",
        "payment_method": "sbp",
    }
    shown_values = {**defaults, **(values or {})}
    shown_values["city"] = city_name(ctx, city_key(shown_values["city"]))  # the key as the buyer reads it
    return render.page(
        ctx,
        "ru_checkout.html",
        status=status,
        title=ctx.t("ru.checkout"),
        cart=shown,
        values=shown_values,
        problems=problems or [],
        key=f"web-ru-{secrets.token_hex(12)}",
        methods=PAY_METHODS,
        coupons=coupons or [],
    )


@page(
    bp,
    "GET",
    "/ru/checkout",
    budget=Budget(3, "the cart in roubles: GetItem cart + BatchGetItem products; a Query of your coupons"),
)
def ru_checkout_page(ctx: WebContext) -> Response:
    _russian(ctx)
    return _checkout_page(ctx, coupons=_my_coupons(buyer(ctx)))


@page(
    bp,
    "POST",
    "/ru/checkout",
    budget=Budget(3, "the API's checkout in roubles (then the acquirer's Init); with a coupon + its GetItem"),
)
def ru_place_order(ctx: WebContext, form: Form) -> Response:
    _russian(ctx)
    actor = buyer(ctx)
    values = {k: form.get(k).strip()[:120] for k in ("name", "phone", "line1", "city", "region", "postal_code")}
    values["payment_method"] = form.get("payment_method")
    values["accept_duty"] = form.get("accept_duty") == "yes"
    values["coupon_code"] = form.get("coupon_code").strip()[:32]
    if values["payment_method"] not in PAY_METHODS or not all(
        values[k] for k in ("name", "phone", "line1", "city", "region", "postal_code")
    ):
        return _checkout_page(ctx, 400, values, [ctx.t("ru.fill_all")])
    body = {
        "delivery": {
            "name": values["name"],
            "phone": values["phone"],
            "lines": [values["line1"]],
            "city": city_key(values["city"]),
            "region": values["region"],
            "postal_code": values["postal_code"],
            "country": "RU",
        },
        "payment_method": values["payment_method"],
        "market": "ru",
        "accept_duty": values["accept_duty"],
    }
    if values["coupon_code"]:  # issue 12: a coupon (compensation of a missed delivery promise)
        body["coupon_code"] = values["coupon_code"]
    key = form.get("idempotency_key")
    if not key.startswith("web-ru-") or len(key) > 100:
        key = f"web-ru-{secrets.token_hex(12)}"
    c = container()
    try:
        from ..api.schemas import CheckoutIn

        CheckoutIn.model_validate(body)
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
            coupons=c.coupons,
        )
    except (ValidationFailed, NotFound, Conflict) as exc:
        if exc.code in COUPON_ERRORS:
            status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, ValidationFailed) else 409
            return _checkout_page(ctx, status, values, [ctx.t(f"coupon.error.{exc.code}")])
        if isinstance(exc, NotFound):
            raise
        if isinstance(exc, Conflict):
            return _checkout_conflict(ctx, values, exc)
        if exc.code == "empty_cart":
            return render.redirect(ctx, "/ru")
        return _checkout_page(ctx, 400, values, [ctx.t("ru.fill_all")])
    except ValueError:  # pydantic's ValidationError: a phone or postcode of the wrong shape
        return _checkout_page(ctx, 400, values, [ctx.t("ru.fill_all")])
    # The order page links to the acquirer's page: a link, since the site's form-action policy (CSP) does not let a
    # form's answer redirect to another site.
    return render.redirect(ctx, f"/ru/orders/{result['orders'][0]['order_id']}")


COUPON_ERRORS = (
    "coupon_not_found",
    "coupon_used",
    "coupon_expired",
    "coupon_wrong_currency",
    "coupon_payment_method",
    "coupon_exceeds_goods",
)


def _checkout_conflict(ctx: WebContext, values: dict, exc: Conflict) -> Response:
    if exc.code == "price_changed":
        return _checkout_page(ctx, 409, values, [ctx.t("ru.price_changed")])
    if exc.code == "duty_acceptance_required":
        details = [d["message"] for d in exc.details or []]
        return _checkout_page(ctx, 409, values, [ctx.t("ru.duty_required"), *details])
    return _checkout_page(ctx, 409, values, [ctx.t("cart.fix_first")])


@page(bp, "GET", "/ru/orders/{order_id}", budget=Budget(1, "one GetItem"))
def ru_order(ctx: WebContext, order_id: str) -> Response:
    _russian(ctx)
    actor = buyer(ctx)
    c = container()
    found = c.buying.get_order(order_id)
    if found is None or found.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    order = buyer_order_public(found)
    return render.page(
        ctx, "ru_order.html", title=ctx.t("ru.order", order_id=order_id), order=order, refunds=refunds_shown(order)
    )


@page(bp, "GET", "/ru/orders/{order_id}/pay", budget=Budget(1, "one GetItem, then the acquirer's Init"))
def ru_pay(ctx: WebContext, order_id: str) -> Response:
    """To the acquirer's payment page for an unpaid order (Init answers the same payment while it is unpaid)."""
    _russian(ctx)
    actor = buyer(ctx)
    c = container()
    try:
        _, payment = ru_payments.payment_for(c.buying, c.ru_acquirer, actor, order_id, urls=acquirer_urls(ctx.request))
    except (Conflict, ServiceUnavailable):
        return render.redirect(ctx, f"/ru/orders/{order_id}")
    return Response(body="", status_code=303, headers={**render.security_headers(ctx), "Location": payment.payment_url})
