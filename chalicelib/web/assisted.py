"""Ordering for a villager from the village console (issue 11): choose the villager, search a storefront, set
quantities, see the quote with the partner's service fee, choose how it is paid, confirm."""

from __future__ import annotations

import uuid

from chalice import Blueprint, Response

from ..api.presenters import card_public, parcel_public, villager_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import seasons
from ..domain.assisted import ASSISTED_PAYMENTS
from ..domain.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from ..domain.orders import MAX_LINE_QUANTITY
from ..domain.storefronts import STOREFRONTS
from ..services import assisted as assisted_service
from ..services import storefront as storefronts
from ..services import villagers as villager_service
from . import render
from .routing import Form, looks_like_id, page, positive_int
from .session import WebContext
from .village import _form_village, _message, _village

bp = Blueprint(__name__)

FOUND = 12
MAX_LINES = 40


def _order_page(ctx: WebContext, status: int = 200, error: str | None = None) -> Response:
    actor, village = _village(ctx)
    c = container()
    people = villager_service.villagers(c.network, actor, village.village_id, None, 100, None, known=village)
    chosen = (ctx.query.get("villager_id") or "")[:80]
    storefront = ctx.query.get("storefront") or "specialties"
    if storefront not in STOREFRONTS:
        storefront = "specialties"
    query = (ctx.query.get("q") or "").strip()[:100]
    cards: list[dict] = []
    if query:
        found = storefronts.browse(
            c.catalog, storefront, category=None, prefecture=None, q=query, sort="newest", limit=FOUND, start=None
        )
        today = seasons.day_of(c.clock())
        cards = [card_public(card, c.media.url, today) for card in found.items]
    notice = ctx.t("assisted.placed", checkout_id=ctx.query["placed"][:40]) if ctx.query.get("placed") else None
    return render.page(
        ctx,
        "assisted_order.html",
        status=status,
        title=ctx.t("assisted.title"),
        village=village,
        villagers=[villager_public(v) for v in people.items if not v.erased],
        chosen=chosen,
        storefront=storefront,
        storefronts=STOREFRONTS,
        query=query,
        cards=cards,
        notice=notice,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/order",
    budget=Budget(
        4, "the partner's membership + GetItem village + the villagers (one Query) + the storefront search (one Query)"
    ),
)
def order_form(ctx: WebContext) -> Response:
    return _order_page(ctx)


def _lines(form: Form, prefix: str) -> list[dict] | None:
    """`<prefix><product id>` = quantity fields -> lines (zeros left out); None when one is not a quantity."""
    lines = []
    for name in form.names():
        if not name.startswith(prefix):
            continue
        product_id, raw = name[len(prefix) :], form.get(name).strip() or "0"
        quantity = positive_int(raw, 0, MAX_LINE_QUANTITY)
        if quantity is None or not looks_like_id(product_id):
            return None
        if quantity:
            lines.append({"product_id": product_id, "quantity": quantity})
    return lines[:MAX_LINES]


def _quote_page(
    ctx: WebContext, village_id: str, villager_id: str, lines: list[dict], status: int = 200, error: str | None = None
) -> Response:
    actor = ctx.actor
    assert actor is not None
    c = container()
    body = {"villager_id": villager_id, "lines": lines}
    try:
        quoted = assisted_service.quote(c.buying, c.network, actor, village_id, body, now=c.clock())
    except (Conflict, Unprocessable) as exc:
        if exc.code in ("lines_unavailable", "out_of_season"):
            titles = ", ".join(d.get("field", "").removeprefix("lines.") for d in exc.details or [])
            return _order_page(ctx, 409, ctx.t("assisted.unavailable", products=titles))
        return _order_page(ctx, 409, _message(ctx, exc))
    return render.page(
        ctx,
        "assisted_quote.html",
        status=status,
        title=ctx.t("assisted.quote_title"),
        village_id=village_id,
        quote=quoted,
        lines=lines,
        payments=ASSISTED_PAYMENTS,
        idempotency_key=uuid.uuid4().hex,
        error=error,
    )


@page(
    bp,
    "POST",
    "/village/order/quote",
    budget=Budget(2, "the API's quote: one BatchGetItem (village, villager, products) + GetItem fee rule"),
)
def order_quote(ctx: WebContext, form: Form) -> Response:
    _, village_id = _form_village(ctx, form)
    villager_id = form.get("villager_id")
    lines = _lines(form, "qty-")
    if not looks_like_id(villager_id):
        return _order_page(ctx, 400, ctx.t("assisted.choose_villager"))
    if not lines:
        return _order_page(ctx, 400, ctx.t("assisted.no_lines"))
    return _quote_page(ctx, village_id, villager_id, lines)


@page(
    bp,
    "POST",
    "/village/orders",
    budget=Budget(3, "the API's assisted order: one BatchGetItem + GetItem fee rule + one transaction"),
)
def place(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    villager_id, payment = form.get("villager_id"), form.get("payment")
    lines = _lines(form, "line-")
    key = form.get("idempotency_key").strip()[:100]
    if not looks_like_id(villager_id) or not lines or not key:
        raise NotFound("nothing to order", code="nothing_to_order")
    if payment not in ASSISTED_PAYMENTS:
        return _quote_page(ctx, village_id, villager_id, lines, 400, ctx.t("assisted.choose_payment"))
    c = container()
    body = {"villager_id": villager_id, "lines": lines, "payment": payment}
    try:
        result, _ = assisted_service.place(
            c.buying, c.network, actor, village_id, key, body,
            now=c.clock(), new_id=c.new_id, present_order=parcel_public, ledger=c.ledger,
        )  # fmt: skip
    except (Conflict, Unprocessable, ValidationFailed) as exc:
        return _quote_page(ctx, village_id, villager_id, lines, 409, _message(ctx, exc))
    return render.redirect(ctx, "/village/order", {"placed": result["checkout_id"], "villager_id": villager_id})
