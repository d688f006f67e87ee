"""The producers a partner sells for, in the village console (issue 11): the list, adding one with the consent
given at the counter (paid in cash through the partner, or to a bank account), and a producer's page: their shop
(its status), its products and the producer's account statement. Signed-in pages are never stored by the
browser (api/caching: private, no-store)."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint, Response

from ..api.presenters import producer_public, village_entry_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import NotFound, ValidationFailed
from ..domain.ledger import Account
from ..domain.producers import PAYOUT_METHODS
from ..domain.remittances import NETWORK_CURRENCY
from ..domain.villagers import CONSENT_METHODS
from ..services import producers as producer_service
from ..services import shops as shop_service
from . import render
from .routing import Form, looks_like_id, page
from .session import WebContext
from .village import _form_village, _village
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
    return render.page(
        ctx,
        "producer.html",
        title=found.name or ctx.t("villagers.erased"),
        village=village,
        producer=producer_public(found),
        shop=shop,
        products=products,
        statement=statement,
        entries=[village_entry_public(e) for e in reversed(statement.entries)],
    )
