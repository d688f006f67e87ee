"""Browsing: the home page, a storefront's product grid, a product page, a shop page (and the stylesheet)."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api import storefronts as api_storefronts
from ..api.paging import cursor_scope
from ..api.presenters import card_public, product_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import seasons
from ..domain.errors import NotFound, ValidationFailed
from ..domain.storefronts import get_storefront
from ..services import storefront as storefronts
from . import render
from .routing import Pager, api_scope, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

PAGE_SIZE = 8
FEATURED = 4


@page(bp, "GET", "/static/site.css", budget=Budget(0, "a file of the package"), plain=True)
def stylesheet() -> Response:
    text, _ = render.static_file("site.css")
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/css; charset=utf-8",
            "Cache-Control": "public, max-age=31536000, immutable",  # the pages link it with ?v=<hash>
            "X-Content-Type-Options": "nosniff",
        },
    )


@page(bp, "GET", "/", budget=Budget(3, "one Query per storefront for its featured products (a page of 4)"))
def home(ctx: WebContext) -> Response:
    c = container()
    sections = []
    for sf in storefronts.all_storefronts():
        result = storefronts.browse(
            c.catalog,
            sf["storefront"],
            category=None,
            prefecture=None,
            q=None,
            sort="newest",
            limit=FEATURED,
            start=None,
        )
        today = seasons.day_of(c.clock())
        sections.append({"sf": sf, "cards": [card_public(card, c.media.url, today) for card in result.items]})
    return render.page(ctx, "home.html", title=ctx.t("site.tagline"), sections=sections)


@page(bp, "GET", "/s/{storefront}", budget=Budget(1, "the API's storefront page: one Query of one facet partition"))
def storefront_page(ctx: WebContext, storefront: str) -> Response:
    sf = get_storefront(storefront)
    c = container()
    params = ctx.query
    shown = {k: (params.get(k) or "")[:100] for k in ("category", "prefecture", "q", "sort", "gi", "in_season")}
    values = {"sf": sf, "filters": shown, "sorts": storefronts.SORTS, "cards": [], "pager": None, "error": None}
    try:
        filters = {q.name: q.parse(params) for q in api_storefronts.BROWSE_FILTERS}
        scope = api_scope(api_storefronts.browse, path={"storefront_key": sf.key}, params=filters, caller=None)
        pager = Pager.open(params, scope, PAGE_SIZE)
        result = storefronts.browse(c.catalog, sf.key, limit=PAGE_SIZE, start=pager.start, **filters)
    except ValidationFailed as exc:
        values["error"] = ctx.t("err.bad_cursor" if exc.code == "invalid_cursor" else "err.bad_filter")
        return render.page(ctx, "storefront.html", status=400, title=ctx.t(f"sf.{sf.key}.name"), **values)
    link_params = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "newest")}
    today = seasons.day_of(c.clock())
    values["cards"] = [card_public(card, c.media.url, today) for card in result.items]
    values["pager"] = pager.links(ctx, f"/s/{sf.key}", link_params, result)
    values["filters"] = {k: v or "" for k, v in filters.items()}
    return render.page(ctx, "storefront.html", title=ctx.t(f"sf.{sf.key}.name"), **values)


def product_view(
    ctx: WebContext,
    storefront: str,
    product_id: str,
    status: int = 200,
    error: str | None = None,
    quantity: int | str | None = None,
    personalisation: dict[str, str] | None = None,
    wrong_fields: list[str] | None = None,
) -> Response:
    """The product page; the cart form re-shows it with an error (and the personalisation the buyer typed;
    `wrong_fields`: the personalisation fields that were refused, named by their labels)."""
    c = container()
    product = product_public(
        storefronts.listed_product(c.catalog, storefront, product_id), c.media.url, today=seasons.day_of(c.clock())
    )
    attrs = product["attributes"]
    if wrong_fields:
        labels = {f["key"]: f["label"] for f in attrs.get("personalisation") or []}
        error = ctx.t("err.personalisation", fields=", ".join(labels.get(k, k) for k in wrong_fields))
    step = (attrs.get("order_multiple") or 1) if product["storefront"] == "b2b" else 1
    minimum = attrs["moq"] if product["storefront"] == "b2b" else 1
    image = positive_int(ctx.query.get("image", "1"), 1, max(1, len(product["media"]))) or 1
    from .trust import product_reviews  # issue 13: the newest reviews under the product

    reviews, more = product_reviews(product_id)
    return render.page(
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
        personalisation=personalisation or {},
        reviews=reviews,
        reviews_more=ctx.url(f"/s/{product['storefront']}/p/{product_id}/reviews") if more else None,
    )


@page(
    bp,
    "GET",
    "/s/{storefront}/p/{product_id}",
    budget=Budget(2, "the API's product page: one GetItem; its newest reviews: one Query (issue 13)"),
)
def product_page(ctx: WebContext, storefront: str, product_id: str) -> Response:
    return product_view(ctx, storefront, product_id)


@page(
    bp,
    "GET",
    "/shops/{slug}",
    budget=Budget(
        6,
        "per storefront one GetItem of the slug claim (+ the shop's GetItem where it exists), then one Query of "
        "the shop's products and one BatchGetItem of its rating and dispute counters (issue 13); ?storefront= "
        "(the links the pages make) costs 4",
    ),
)
def shop_page(ctx: WebContext, slug: str) -> Response:
    c = container()
    params = ctx.query
    wanted = params.get("storefront") or None
    shops = storefronts.shops_by_slug(c.catalog, slug, wanted)
    if not shops:
        raise NotFound("shop not found", code="shop_not_found")
    if len(shops) > 1:
        return render.page(ctx, "shop_choice.html", title=shops[0].name, shops=shops)
    shop = shops[0]
    scope = cursor_scope("webShopPage", path={"shop_id": shop.shop_id}, params={}, caller=None)
    try:
        pager = Pager.open(params, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    result = storefronts.listed_shop_products(c.catalog, shop, PAGE_SIZE, pager.start)
    from ..services.disputes import shop_trust  # issue 13: the shop's rating and dispute rate

    return render.page(
        ctx,
        "shop.html",
        title=shop.name,
        shop=shop,
        trust=shop_trust(c.catalog, c.trust, shop.shop_id, now=c.clock()),
        cards=[card_public(p.card(), c.media.url, seasons.day_of(c.clock())) for p in result.items],
        pager=pager.links(ctx, f"/shops/{shop.slug}", {"storefront": wanted}, result),
    )
