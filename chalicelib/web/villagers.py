"""The partner's villagers in the village console (issue 11): search them by name, add one with the consent
given at the counter, correct a profile, erase it at the villager's request. Signed-in pages are never stored
by the browser (api/caching: private, no-store), so the shared computer keeps no villager's data."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api.presenters import villager_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ValidationFailed
from ..domain.villagers import CONSENT_METHODS
from ..services import villagers as villager_service
from . import render
from .routing import Form, looks_like_id, page
from .session import WebContext
from .village import _form_village, _message, _village

bp = Blueprint(__name__)

LISTED = 50
PHONE_CHARS = set("+0123456789 ()-")


def _fields(ctx: WebContext, form: Form) -> tuple[dict, str | None]:
    """The profile fields of the form, and the message of the first problem (None: fine)."""
    name = form.get("name").strip()[:100]
    phone = form.get("phone").strip()[:30]
    if not name:
        return {"name": name, "phone": phone}, ctx.t("villagers.name_needed")
    if phone and (len(phone) < 5 or not set(phone) <= PHONE_CHARS or not phone[-1].isdigit()):
        return {"name": name, "phone": phone}, ctx.t("villagers.phone_invalid")
    return {"name": name, "phone": phone or None}, None


def _list_page(ctx: WebContext, status: int = 200, error: str | None = None, values: dict | None = None) -> Response:
    actor, village = _village(ctx)
    c = container()
    query = (ctx.query.get("q") or "").strip()[:100]
    found = villager_service.villagers(c.network, actor, village.village_id, query, LISTED, None, known=village)
    notice = ctx.t("villagers.added", name=ctx.query["added"][:100]) if ctx.query.get("added") else None
    if ctx.query.get("erased"):
        notice = ctx.t("villagers.erased_notice")
    return render.page(
        ctx,
        "villagers.html",
        status=status,
        title=ctx.t("villagers.title"),
        village=village,
        villagers=[villager_public(v) for v in found.items],
        more=found.last_key is not None,
        query=query,
        methods=CONSENT_METHODS,
        values=values or {},
        notice=notice,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/villagers",
    budget=Budget(3, "the partner's membership + GetItem village + the API's list or search (one Query)"),
)
def villagers(ctx: WebContext) -> Response:
    return _list_page(ctx)


@page(bp, "POST", "/village/villagers", budget=Budget(2, "the API's add: GetItem village + one transaction"))
def add(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    fields, problem = _fields(ctx, form)
    method, witness = form.get("consent_method"), form.get("witness").strip()[:100]
    values = {**fields, "consent_method": method, "witness": witness, "phone": form.get("phone")[:30]}
    if problem is None and form.get("consent") != "yes":
        problem = ctx.t("villagers.consent_needed")
    if problem is None and method not in CONSENT_METHODS:
        problem = ctx.t("villagers.consent_needed")
    if problem is None and method == "witnessed_verbal" and not witness:
        problem = ctx.t("villagers.witness_needed")
    if problem is not None:
        return _list_page(ctx, 400, problem, values)
    c = container()
    now = c.clock()
    consent = {"method": method, "recorded_at": now, "witness": witness or None}
    try:
        added = villager_service.add_villager(
            c.network, actor, village_id, {**fields, "consent": consent}, now=now, villager_id=c.new_id("vgr")
        )
    except ValidationFailed:
        return _list_page(ctx, 400, ctx.t("error.body.generic"), values)
    return render.redirect(ctx, "/village/villagers", {"added": added.name})


def _villager_page(
    ctx: WebContext, villager_id: str, status: int = 200, error: str | None = None, values: dict | None = None
) -> Response:
    actor, village = _village(ctx)
    if not looks_like_id(villager_id):
        raise NotFound("villager not found", code="villager_not_found")
    found = villager_service.villager(container().network, actor, village.village_id, villager_id)
    shown = villager_public(found)
    return render.page(
        ctx,
        "villager.html",
        status=status,
        title=shown["name"] or ctx.t("villagers.erased"),
        village=village,
        villager=shown,
        values=values or {"name": shown["name"] or "", "phone": shown["phone"] or ""},
        notice=ctx.t("villagers.saved") if ctx.query.get("saved") else None,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/villagers/{villager_id}",
    budget=Budget(3, "the partner's membership + GetItem village + GetItem villager"),
)
def villager(ctx: WebContext, villager_id: str) -> Response:
    return _villager_page(ctx, villager_id)


def _village_villager(ctx: WebContext, form: Form, villager_id: str) -> tuple:
    actor, village_id = _form_village(ctx, form)
    if not looks_like_id(villager_id):
        raise NotFound("villager not found", code="villager_not_found")
    return actor, village_id


@page(
    bp,
    "POST",
    "/village/villagers/{villager_id}",
    budget=Budget(2, "the API's change: GetItem villager + one version-checked transaction"),
)
def update(ctx: WebContext, form: Form, villager_id: str) -> Response:
    actor, village_id = _village_villager(ctx, form, villager_id)
    fields, problem = _fields(ctx, form)
    if problem is not None:
        return _villager_page(ctx, villager_id, 400, problem, {**fields, "phone": form.get("phone")[:30]})
    c = container()
    try:
        villager_service.update_villager(c.network, actor, village_id, villager_id, fields, now=c.clock())
    except (Conflict, PreconditionFailed) as exc:
        return _villager_page(ctx, villager_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/village/villagers/{villager_id}", {"saved": "1"})


@page(
    bp,
    "POST",
    "/village/villagers/{villager_id}/erase",
    budget=Budget(2, "the API's erasure: GetItem villager + one version-checked transaction"),
)
def erase(ctx: WebContext, form: Form, villager_id: str) -> Response:
    actor, village_id = _village_villager(ctx, form, villager_id)
    if form.get("confirm") != "yes":
        return _villager_page(ctx, villager_id, 400, ctx.t("villagers.erase_confirm_needed"))
    c = container()
    try:
        villager_service.erase_villager(c.network, actor, village_id, villager_id, now=c.clock())
    except DomainError as exc:
        if not isinstance(exc, Conflict | PreconditionFailed):
            raise
        return _villager_page(ctx, villager_id, 409, _message(ctx, exc))
    return render.redirect(ctx, "/village/villagers", {"erased": "1"})
