"""The partner's cash drawer and the county's remittances (issue 11), in the consoles: what the partner holds,
today's collections, remitting to the county, the statement; the county counting what arrived."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint, Response

from ..api.presenters import remittance_public, village_statement_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..services import cash as cash_service
from . import render
from .county import staff
from .routing import Form, looks_like_id, page, positive_int
from .session import WebContext
from .village import _form_village, _message, _village

bp = Blueprint(__name__)

LISTED = 20
KINDS = ("assisted.handover", "remittance.sent", "remittance.confirmed", "service_fee.reversed")
MAX_AMOUNT = 10**10


def _yuan_to_fen(raw: str) -> int | None:
    """ "123.45" or "123" (yuan) -> fen; None when it is not an amount."""
    text = raw.strip().replace(",", "")
    whole, _, part = text.partition(".")
    if not whole.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
        return None
    amount = int(whole) * 100 + int((part + "00")[:2] or 0)
    return amount if 0 < amount <= MAX_AMOUNT else None


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _drawer(ctx: WebContext, status: int = 200, error: str | None = None) -> Response:
    actor, village = _village(ctx)
    c = container()
    now = dt.datetime.fromisoformat(c.clock().replace("Z", "+00:00"))
    days = positive_int(ctx.query.get("days", "1"), 1, 92) or 1
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)
    statement = cash_service.village_statement(
        c.network, c.ledger, actor, village.village_id, "cash", _iso(start), _iso(now + dt.timedelta(seconds=1)),
        100, None, known=village,
    )  # fmt: skip
    sent = cash_service.village_remittances(c.network, actor, village.village_id, LISTED, None, known=village)
    notice = ctx.t("cash.remitted") if ctx.query.get("remitted") else None
    return render.page(
        ctx,
        "cash.html",
        status=status,
        title=ctx.t("cash.title"),
        village=village,
        statement=village_statement_public(statement, None),
        remittances=[remittance_public(r) for r in sent.items],
        days=days,
        kind_names={kind: ctx.t(f"cash.kind.{kind}") for kind in KINDS},
        notice=notice,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/cash",
    budget=Budget(
        7,
        "the partner's membership + GetItem village + the API's statement (three Queries + a BatchGetItem of the "
        "balances; the village is known) + the remittances (one Query)",
    ),
)
def drawer(ctx: WebContext) -> Response:
    return _drawer(ctx)


@page(
    bp,
    "POST",
    "/village/remittances",
    budget=Budget(3, "the API's remittance: GetItem village + the ledger's BatchGetItem + one transaction"),
)
def remit(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    amount = _yuan_to_fen(form.get("amount"))
    if amount is None:
        return _drawer(ctx, 400, ctx.t("cash.amount_invalid"))
    c = container()
    try:
        cash_service.remit(c.network, c.ledger, actor, village_id, amount, now=c.clock(), remittance_id=c.new_id("rmt"))
    except Conflict as exc:
        return _drawer(ctx, 409, _message(ctx, exc))
    return render.redirect(ctx, "/village/cash", {"remitted": "1"})


def _remittances(ctx: WebContext, status: int = 200, error: str | None = None) -> Response:
    actor, county_id = staff(ctx)
    c = container()
    pending = cash_service.county_remittances(c.network, actor, county_id, "pending", LISTED, None)
    done = cash_service.county_remittances(c.network, actor, county_id, "confirmed", LISTED, None)
    return render.page(
        ctx,
        "county_remittances.html",
        status=status,
        title=ctx.t("cash.county_title"),
        pending=[remittance_public(r) for r in pending.items],
        confirmed=[remittance_public(r) for r in done.items],
        notice=ctx.t("cash.confirmed") if ctx.query.get("confirmed") else None,
        error=error,
    )


@page(
    bp,
    "GET",
    "/county/remittances",
    budget=Budget(3, "the staff's membership (a token without the county) + the API's lists: pending, confirmed"),
)
def county_remittances(ctx: WebContext) -> Response:
    return _remittances(ctx)


@page(
    bp,
    "POST",
    "/county/remittances/{remittance_id}/confirm",
    budget=Budget(
        4,
        "the staff's membership + the API's confirmation: GetItem remittance + the ledger's BatchGetItem + one "
        "transaction",
    ),
)
def confirm(ctx: WebContext, form: Form, remittance_id: str) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(remittance_id):
        raise NotFound("remittance not found", code="remittance_not_found")
    received = _yuan_to_fen(form.get("amount_received"))
    if received is None and form.get("amount_received").strip() in ("0", "0.0", "0.00"):
        received = 0
    if received is None:
        return _remittances(ctx, 400, ctx.t("cash.amount_invalid"))
    c = container()
    try:
        cash_service.confirm(c.network, c.ledger, actor, county_id, remittance_id, received, now=c.clock())
    except (Conflict, ValidationFailed) as exc:
        return _remittances(ctx, 409, _message(ctx, exc))
    return render.redirect(ctx, "/county/remittances", {"confirmed": "1"})
