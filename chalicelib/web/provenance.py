"""Makers and origins in the browser (issue 15): a maker's page, the places of origin of a storefront, and a
prefecture's landing page with its counties and products."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api import provenance as api_provenance
from ..api import storefronts as api_storefronts
from ..api.presenters import card_public, maker_profile_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import seasons
from ..domain.errors import NotFound, ValidationFailed
from ..domain.storefronts import get_storefront
from ..services import makers, origins
from . import render
from .routing import Pager, api_scope, looks_like_id, page
from .session import WebContext

bp = Blueprint(__name__)

PAGE_SIZE = 8


@page(bp, "GET", "/makers/{maker_id}", budget=Budget(1, "the API's maker page: one Query (profile and products)"))
def maker_page(ctx: WebContext, maker_id: str) -> Response:
    if not looks_like_id(maker_id):
        raise NotFound("maker not found", code="maker_not_found")
    c = container()
    scope = api_scope(api_provenance.maker_page, path={"maker_id": maker_id}, params={}, caller=None)
    try:
        pager = Pager.open(ctx.query, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    profile, result = makers.public_maker(c.provenance, maker_id, PAGE_SIZE, pager.start)
    today = seasons.day_of(c.clock())
    cards = [card_public(card, c.media.url, today) for card in result.items]
    maker = maker_profile_public(profile, c.media.url) if profile else None
    shop = cards[0]["shop"] if cards else None
    return render.page(
        ctx,
        "maker.html",
        title=maker["name"] if maker else ctx.t("product.maker_page"),
        maker=maker,
        shop=shop,
        cards=cards,
        pager=pager.links(ctx, f"/makers/{maker_id}", {}, result),
    )


@page(
    bp,
    "GET",
    "/s/{storefront}/origins",
    budget=Budget(1, "the API's origins: one Query of the storefront's county counts"),
)
def origins_page(ctx: WebContext, storefront: str) -> Response:
    sf = get_storefront(storefront)
    tree = origins.origins(container().provenance, sf.key)
    return render.page(ctx, "origins.html", title=ctx.t("origin.all"), sf=sf, provinces=tree)


@page(
    bp,
    "GET",
    "/s/{storefront}/origin/{prefecture}",
    budget=Budget(
        2,
        "the origin counts (one Query: the prefecture's counties) and the storefront page of the prefecture (one "
        "Query of its facet partition)",
    ),
)
def prefecture_page(ctx: WebContext, storefront: str, prefecture: str) -> Response:
    from urllib.parse import quote, unquote

    sf = get_storefront(storefront)
    name = unquote(prefecture)[:60]
    c = container()
    in_season = ctx.query.get("in_season") == "true"
    filters = {
        "category": None,
        "prefecture": name,
        "q": None,
        "sort": "newest",
        "gi": None,
        "in_season": "true" if in_season else None,
    }
    scope = api_scope(api_storefronts.browse, path={"storefront_key": sf.key}, params=filters, caller=None)
    try:
        pager = Pager.open(ctx.query, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    found, result = origins.prefecture(
        c.catalog, c.provenance, sf.key, name, limit=PAGE_SIZE, start=pager.start, in_season=in_season
    )
    today = seasons.day_of(c.clock())
    path = f"/s/{sf.key}/origin/{quote(found['prefecture'])}"
    return render.page(
        ctx,
        "origin.html",
        title=ctx.t("origin.title", prefecture=found["prefecture"]),
        sf=sf,
        prefecture=found,
        in_season=in_season,
        path=path,
        cards=[card_public(card, c.media.url, today) for card in result.items],
        pager=pager.links(ctx, path, {"in_season": "true" if in_season else None}, result),
    )
