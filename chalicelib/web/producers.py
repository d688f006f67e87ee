"""The producers a partner sells for, in the village console (issue 11): the list, adding one with the consent
given at the counter (paid in cash through the partner, or to a bank account), and a producer's page: their shop
(its status), its products and the producer's account statement. Signed-in pages are never stored by the
browser (api/caching: private, no-store)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from ..api.presenters import producer_public, village_entry_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, Unprocessable, ValidationFailed
from ..domain.ledger import Account
from ..domain.producers import PAYOUT_METHODS
from ..domain.remittances import NETWORK_CURRENCY
from ..domain.storefronts import get_storefront
from ..domain.villagers import CONSENT_METHODS
from ..services import catalog as catalog_service
from ..services import media as media_service
from ..services import producers as producer_service
from ..services import shops as shop_service
from . import i18n, render
from .routing import Form, looks_like_id, page, positive_int
from .session import WebContext
from .trust import _absolute, parse_amount
from .village import _form_village, _message, _village
from .villagers import _fields

bp = Blueprint(__name__)

LISTED = 50
STATEMENT_DAYS = 90


def _list_page(ctx: WebContext, status: int = 200, error: str | None = None, values: dict | None = None) -> Response:
    actor, village = _village(ctx)
    found = producer_service.producers(container().network, actor, village.village_id, LISTED, None)
    notice = ctx.t("producers.added", name=ctx.query["added"][:100]) if ctx.query.get("added") else None
    return render.page(
        ctx,
        "producers.html",
        status=status,
        title=ctx.t("producers.title"),
        village=village,
        producers=[producer_public(p) for p in found.items],
        more=found.last_key is not None,
        methods=CONSENT_METHODS,
        payouts=PAYOUT_METHODS,
        values=values or {},
        notice=notice,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/producers",
    budget=Budget(3, "the partner's membership + GetItem village + the API's list (one Query)"),
)
def producers(ctx: WebContext) -> Response:
    return _list_page(ctx)


@page(bp, "POST", "/village/producers", budget=Budget(2, "the API's add: GetItem village + one PutItem"))
def add(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    fields, problem = _fields(ctx, form)
    method, witness = form.get("consent_method"), form.get("witness").strip()[:100]
    payout = form.get("payout_method")
    bank = {k: form.get(k).strip()[:100] for k in ("holder_name", "bank_name", "account_number")}
    values = {**fields, "consent_method": method, "witness": witness, "phone": form.get("phone")[:30]}
    values.update(payout_method=payout, **bank)
    if problem is None and (form.get("consent") != "yes" or method not in CONSENT_METHODS):
        problem = ctx.t("villagers.consent_needed")
    if problem is None and method == "witnessed_verbal" and not witness:
        problem = ctx.t("villagers.witness_needed")
    if problem is None and payout not in PAYOUT_METHODS:
        problem = ctx.t("producers.payout_needed")
    if problem is not None:
        return _list_page(ctx, 400, problem, values)
    c = container()
    now = c.clock()
    details = dict(bank) if payout == "bank_account" else None
    body = {
        **fields,
        "consent": {"method": method, "recorded_at": now, "witness": witness or None},
        "payout": {"method": payout, "details": details},
    }
    try:
        added = producer_service.add_producer(c.network, actor, village_id, body, now=now, producer_id=c.new_id("pdr"))
    except ValidationFailed:
        return _list_page(ctx, 400, ctx.t("producers.bank_invalid"), values)
    return render.redirect(ctx, "/village/producers", {"added": added.name})


def _producer_page(
    ctx: WebContext,
    producer_id: str,
    status: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    actor, village = _village(ctx)
    if not looks_like_id(producer_id):
        raise NotFound("producer not found", code="producer_not_found")
    c = container()
    found = producer_service.producer(c.network, actor, village.village_id, producer_id)
    shop, products = None, []
    if found.shop_id:  # the partner manages it (the same rule as the product routes); its products in one Query
        shop = shop_service.owned_shop(c.catalog, actor, found.shop_id, managed=True)
        products = c.catalog.shop_products(found.shop_id, LISTED, None, False).items
    now = dt.datetime.fromisoformat(c.clock().replace("Z", "+00:00"))
    start = (now - dt.timedelta(days=STATEMENT_DAYS)).isoformat().replace("+00:00", "Z")
    end = (now + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    statement = c.ledger.statement(Account.producer(found.producer_id), NETWORK_CURRENCY, start, end, limit=LISTED)
    notice_key = ctx.query.get("done") or ""
    return render.page(
        ctx,
        "producer.html",
        status=status,
        title=found.name or ctx.t("villagers.erased"),
        village=village,
        producer=producer_public(found),
        shop=shop,
        categories=get_storefront(shop.storefront).categories if shop else (),
        storefronts=SHOP_STOREFRONTS,
        media_url=c.media.url,
        products=products,
        statement=statement,
        entries=[village_entry_public(e) for e in reversed(statement.entries)],
        values=values or {},
        error=error,
        notice=ctx.t(f"producers.done.{notice_key}") if notice_key in DONE_NOTICES else None,
    )


@page(
    bp,
    "GET",
    "/village/producers/{producer_id}",
    budget=Budget(
        8,
        "the partner's membership + GetItem village + GetItem producer + GetItem shop + one Query of its products "
        "+ the ledger's statement (three Queries)",
    ),
)
def producer(ctx: WebContext, producer_id: str) -> Response:
    return _producer_page(ctx, producer_id)


# --- the producer's shop and its products, managed by the partner (the API's schemas and services) -----------

SHOP_STOREFRONTS = ("handicrafts", "specialties")
DONE_NOTICES = ("shop", "product", "edited", "picture")
MONTHS = tuple(range(1, 13))


def _producer_id(producer_id: str, *more: str) -> None:
    if not all(looks_like_id(i) for i in (producer_id, *more)):
        raise NotFound("producer not found", code="producer_not_found")


def _invalid(ctx: WebContext, field: str) -> str:
    key = f"producers.field.{field}"
    return ctx.t("producers.invalid", field=ctx.t(key) if i18n.has(key) else ctx.t("producers.field.form"))


def _schema_problem(ctx: WebContext, exc: Any) -> str:
    """The first field the API's schema refused, named in the page's language."""
    fields = [str(problem["loc"][0]) for problem in exc.errors() if problem["loc"]]
    return _invalid(ctx, fields[0] if fields else "form")


def _managed_shop_id(ctx: WebContext, actor: Any, village_id: str, producer_id: str) -> str:
    found = producer_service.producer(container().network, actor, village_id, producer_id)
    if not found.shop_id:
        raise NotFound("the producer has no shop yet", code="shop_not_found")
    return found.shop_id


def _status(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 422 if isinstance(exc, Unprocessable) else 400


def _back(ctx: WebContext, producer_id: str, done: str) -> Response:
    return render.redirect(ctx, f"/village/producers/{producer_id}", {"done": done})


@page(
    bp,
    "POST",
    "/village/producers/{producer_id}/shop",
    budget=Budget(5, "the API's openProducerShop (5 calls); a refused form re-renders the producer page"),
)
def open_shop(ctx: WebContext, form: Form, producer_id: str) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import ProducerShopIn

    actor, village_id = _form_village(ctx, form)
    _producer_id(producer_id)
    values = {k: form.get(k).strip()[:2000] for k in ("name", "storefront", "description")}
    try:
        body = ProducerShopIn.model_validate(values).model_dump()
    except ValidationError as exc:
        return _producer_page(ctx, producer_id, 400, _schema_problem(ctx, exc), {"shop": values})
    c = container()
    try:
        producer_service.open_producer_shop(
            c.network, c.catalog, actor, village_id, producer_id, body, now=c.clock(), shop_id=c.new_id("shp")
        )
    except (Conflict, ValidationFailed) as exc:
        return _producer_page(ctx, producer_id, _status(exc), _message(ctx, exc), {"shop": values})
    return _back(ctx, producer_id, "shop")


def _product_body(storefront: str, region: Any, producer_name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The API's ProductCreate body from the page's few fields: a handicraft names its maker (the producer unless
    another is given) and is not made to order; a specialty comes from the shop's county in the months ticked."""
    price = parse_amount(values["price"], NETWORK_CURRENCY)
    stock = positive_int(values["stock"], 0, 1_000_000_000) if values["stock"] != "0" else 0
    attributes: dict[str, Any]
    if storefront == "handicrafts":
        attributes = {"maker": values["maker"] or producer_name, "made_to_order": False}
    else:
        attributes = {"season_months": values["months"], "origin": dict(region)}
    return {
        "title": values["title"],
        "description": values["description"],
        "category": values["category"],
        "price": {"amount": price if price is not None else -1, "currency": NETWORK_CURRENCY},
        "stock": stock if stock is not None else -1,
        "status": "active",
        "attributes": attributes,
    }


@page(
    bp,
    "POST",
    "/village/producers/{producer_id}/products",
    budget=Budget(5, "GetItem producer + GetItem shop (its storefront) + the API's addProduct (2 or 3 calls)"),
)
def add_product(ctx: WebContext, form: Form, producer_id: str) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import ProductCreate

    actor, village_id = _form_village(ctx, form)
    _producer_id(producer_id)
    c = container()
    found = producer_service.producer(c.network, actor, village_id, producer_id)
    if not found.shop_id:
        raise NotFound("the producer has no shop yet", code="shop_not_found")
    shop = shop_service.owned_shop(c.catalog, actor, found.shop_id, managed=True)
    names = ("title", "description", "category", "price", "stock", "maker")
    values: dict[str, Any] = {k: form.get(k).strip()[:5000] for k in names}
    values["months"] = [m for m in MONTHS if form.get(f"month-{m}") == "yes"]
    body = _product_body(shop.storefront, shop.region, found.name or "", values)
    try:
        fields = ProductCreate.model_validate(body).fields()
        catalog_service.add_product(
            c.catalog, actor, shop.shop_id, fields, now=c.clock(), product_id=c.new_id("prd"), makers=c.provenance
        )
    except ValidationError as exc:
        return _producer_page(ctx, producer_id, 400, _schema_problem(ctx, exc), {"product": values})
    except ValidationFailed as exc:
        field = str((exc.details or [{}])[0].get("field", "")).removeprefix("attributes.").split(".")[0]
        return _producer_page(ctx, producer_id, 400, _invalid(ctx, field), {"product": values})
    except (Conflict, Unprocessable) as exc:
        return _producer_page(ctx, producer_id, _status(exc), _message(ctx, exc), {"product": values})
    return render.redirect(ctx, f"/village/producers/{producer_id}", {"done": "product"})


@page(
    bp,
    "POST",
    "/village/producers/{producer_id}/products/{product_id}",
    budget=Budget(
        5, "GetItem producer + the API's editProduct (3 or 4 calls: shop, product, one write, a named maker)"
    ),
)
def edit_product(ctx: WebContext, form: Form, producer_id: str, product_id: str) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import ProductUpdate

    actor, village_id = _form_village(ctx, form)
    _producer_id(producer_id, product_id)
    c = container()
    shop_id = _managed_shop_id(ctx, actor, village_id, producer_id)
    values = {k: form.get(k).strip()[:200] for k in ("title", "price", "stock")}
    price = parse_amount(values["price"], NETWORK_CURRENCY)
    stock = 0 if values["stock"] == "0" else positive_int(values["stock"], 1, 1_000_000_000)
    body = {
        "title": values["title"],
        "price": {"amount": price if price is not None else -1, "currency": NETWORK_CURRENCY},
        "stock": stock if stock is not None else -1,
    }
    try:
        changes = ProductUpdate.model_validate(body).changes()
        catalog_service.edit_product(
            c.catalog, actor, shop_id, product_id, changes, if_match=None, now=c.clock(), makers=c.provenance
        )
    except ValidationError as exc:
        return _producer_page(ctx, producer_id, 400, _schema_problem(ctx, exc), {"edit": {product_id: values}})
    except (Conflict, PreconditionFailed, ValidationFailed, Unprocessable) as exc:
        return _producer_page(ctx, producer_id, _status(exc), _message(ctx, exc), {"edit": {product_id: values}})
    return _back(ctx, producer_id, "edited")


@page(
    bp,
    "POST",
    "/village/producers/{producer_id}/products/{product_id}/pictures",
    budget=Budget(3, "GetItem producer + GetItem product + PutItem of the pending upload (a presigned S3 POST)"),
)
def new_picture(ctx: WebContext, form: Form, producer_id: str, product_id: str) -> Response:
    """The upload page: a form the browser posts straight to S3, which then sends it to `picture_uploaded`
    (the evidence upload's pattern, web/trust.py)."""
    actor, village_id = _form_village(ctx, form)
    _producer_id(producer_id, product_id)
    c = container()
    shop_id = _managed_shop_id(ctx, actor, village_id, producer_id)
    media_id = c.new_id("med")
    back = _absolute(ctx, ctx.url(f"/village/producers/{producer_id}/products/{product_id}/pictures/{media_id}"))
    try:
        upload = media_service.request_browser_upload(
            c.catalog, c.media, actor, shop_id, product_id, media_id=media_id, now=c.clock(),
            expires_in=c.settings.upload_url_ttl_seconds, redirect=back,
        )["upload"]  # fmt: skip
    except Conflict as exc:
        return _producer_page(ctx, producer_id, 409, _message(ctx, exc))
    target = urlsplit(upload["url"])
    return render.page(
        ctx,
        "producer_picture.html",
        title=ctx.t("producers.picture_title"),
        producer_id=producer_id,
        upload=upload,
        form_origins=(f"{target.scheme}://{target.netloc}",),
    )


@page(
    bp,
    "GET",
    "/village/producers/{producer_id}/products/{product_id}/pictures/{media_id}",
    budget=Budget(
        8,
        "the partner's membership + GetItem village + GetItem producer + the API's completeMediaUpload "
        "(GetItem shop, GetItem product, GetItem pending, one write of the product, DeleteItem pending)",
    ),
)
def picture_uploaded(ctx: WebContext, producer_id: str, product_id: str, media_id: str) -> Response:
    """Where S3 sends the browser after the upload: the picture is checked, its renditions made, and it is
    attached to the product (or refused with the reason on the producer's page)."""
    actor, village = _village(ctx)
    _producer_id(producer_id, product_id, media_id)
    c = container()
    shop_id = _managed_shop_id(ctx, actor, village.village_id, producer_id)
    try:
        media_service.complete_upload(c.catalog, c.media, actor, shop_id, product_id, media_id, now=c.clock())
    except (Unprocessable, Conflict) as exc:
        message = ctx.t("err.picture_unusable") if isinstance(exc, Unprocessable) else _message(ctx, exc)
        return _producer_page(ctx, producer_id, _status(exc), message)
    return _back(ctx, producer_id, "picture")
