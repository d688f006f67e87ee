"""The village service centre's console (issue 10), for its partner, on the centre's one shared computer:
manifests to receive (a box the scanner types every parcel into), parcels ready for pickup handed over against
the buyer's code, returns opened and sent back to the county."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api.presenters import manifest_line_public, manifest_public, network_return_public, parcel_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, NotFound, TooManyAttempts, Unauthenticated, Unprocessable
from ..domain.identity import Actor, Role, require_role
from ..domain.network import TO_COUNTY, TO_VILLAGE, Village
from ..domain.orders import MAX_LINE_QUANTITY
from ..services import network
from ..services import village as village_service
from ..services import villagers as villager_service
from . import i18n, render
from .county import print_page, receipt_refused, scanned_codes
from .routing import Form, looks_like_id, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

CONSOLE_LIST = 50


def partner(ctx: WebContext) -> Actor:
    """The signed-in partner (sign-in page otherwise; others get a 403 page)."""
    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    require_role(actor, Role.PARTNER)
    return actor


def _village(ctx: WebContext) -> tuple[Actor, Village]:
    actor = partner(ctx)
    return actor, network.my_village(container().network, actor)


def _form_village(ctx: WebContext, form: Form) -> tuple[Actor, str]:
    """The partner and the village the form names (each service checks the partner runs it)."""
    actor = partner(ctx)
    village_id = form.get("village_id")
    if not looks_like_id(village_id):
        raise NotFound("village service centre not found", code="village_not_found")
    return actor, village_id


def _message(ctx: WebContext, exc: DomainError) -> str:
    key = f"error.{exc.code}"
    return ctx.t(key) if i18n.has(key) else ctx.t("error.body.generic")


def _console(ctx: WebContext, status: int = 200, error: str | None = None, failed: dict | None = None) -> Response:
    actor, village = _village(ctx)
    c = container()
    vid = village.village_id

    def listed(status_name: str) -> list:
        return village_service.parcels(
            c.buying, c.network, actor, vid, status_name, CONSOLE_LIST, None, known=village
        ).items

    def manifests(direction: str, state: str) -> list[dict]:
        page_ = village_service.village_manifests(
            c.network, actor, vid, direction, state, CONSOLE_LIST, None, known=village
        )
        return [manifest_public(m) for m in page_.items]

    waiting = village_service.returns_waiting(c.buying, c.network, actor, vid, CONSOLE_LIST, None, known=village)
    ready, handed = listed("ready_for_pickup"), listed("delivered")
    names = villager_service.recipients(c.network, village, ready + handed)  # issue 11: names live on profiles
    notice = None
    if ctx.query.get("handed"):
        notice = ctx.t("village.handed_over", order_id=ctx.query["handed"])
    elif ctx.query.get("returned"):
        notice = ctx.t("village.return_opened")
    return render.page(
        ctx,
        "village.html",
        status=status,
        title=village.name,
        village=village,
        to_receive=manifests(TO_VILLAGE, "dispatched"),
        ready=[parcel_public(o, names) for o in ready],
        handed=[parcel_public(o, names) for o in handed],
        returns=[network_return_public(r) for r in waiting.items if not (r.network or {}).get("manifest_id")],
        outbound=manifests(TO_COUNTY, "ready") + manifests(TO_COUNTY, "building"),
        notice=notice,
        error=error,
        failed=failed or {},
        now=c.clock(),
    )


@page(
    bp,
    "GET",
    "/village",
    budget=Budget(
        9,
        "the partner's membership + GetItem village + the API's lists: manifests to receive, parcels ready, "
        "parcels handed over, returns waiting, return manifests ready and being built (+ one BatchGetItem of the "
        "villagers the assisted parcels were placed for)",
    ),
)
def console(ctx: WebContext) -> Response:
    return _console(ctx)


@page(
    bp,
    "POST",
    "/village/handovers",
    budget=Budget(3, "the API's handover: GetItem order + one write (an assisted order: + the ledger's BatchGetItem)"),
)
def hand_over(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    order_id, code = form.get("order_id"), form.get("pickup_code").strip()
    if not looks_like_id(order_id):
        raise NotFound("parcel not found", code="parcel_not_found")
    in_person = form.get("villager_present") == "yes"  # issue 11: to the villager the order was placed for
    villager_id = form.get("villager_id")
    if in_person and not looks_like_id(villager_id):
        raise NotFound("villager not found", code="villager_not_found")
    if not in_person and not (len(code) == 6 and code.isascii() and code.isdigit()):
        return _console(ctx, 400, ctx.t("village.code_format"), {"order_id": order_id})
    c = container()
    try:
        village_service.hand_over(
            c.buying, c.network, actor, village_id, order_id, None if in_person else code,
            now=c.clock(), secret=c.settings.pickup_code_secret, villager_present=in_person,
            villager_id=villager_id if in_person else None, ledger=c.ledger, trust=c.trust,
        )  # fmt: skip
    except TooManyAttempts:
        return _console(ctx, 429, ctx.t("error.handover_locked"), {"order_id": order_id})
    except Unprocessable as exc:
        if in_person:
            return _console(ctx, 422, _message(ctx, exc), {"order_id": order_id})
        return _console(ctx, 422, ctx.t("error.wrong_pickup_code"), {"order_id": order_id})
    except Conflict as exc:
        return _console(ctx, 409, _message(ctx, exc), {"order_id": order_id})
    return render.redirect(ctx, "/village", {"handed": order_id})


def _manifest_page(ctx: WebContext, manifest_id: str, status: int = 200, error: str | None = None) -> Response:
    actor, village = _village(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    c = container()
    header, lines = village_service.manifest_view(c.network, actor, village.village_id, manifest_id, 100, None)
    assert header is not None
    return render.page(
        ctx,
        "manifest.html",
        status=status,
        title=ctx.t("manifest.title", manifest_id=manifest_id),
        side="village",
        base="/village",
        manifest=manifest_public(header),
        lines=[manifest_line_public(line) for line in lines.items],
        more=lines.last_key is not None,
        can_dispatch=header.direction == TO_COUNTY and header.status == "ready",
        can_receive=header.direction == TO_VILLAGE and header.status == "dispatched",
        busy=header.busy,
        error=error,
        village_id=village.village_id,
    )


@page(
    bp,
    "GET",
    "/village/manifests/{manifest_id}",
    budget=Budget(3, "the partner's membership + GetItem village + the API's manifest (one Query)"),
)
def manifest(ctx: WebContext, manifest_id: str) -> Response:
    return _manifest_page(ctx, manifest_id)


@page(
    bp,
    "POST",
    "/village/manifests/{manifest_id}/receive",
    budget=Budget(3, "the API's receipt: one Query of the manifest + one BatchGetItem + one transaction"),
)
def receive(ctx: WebContext, form: Form, manifest_id: str) -> Response:
    actor, village_id = _form_village(ctx, form)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    codes = scanned_codes(form)
    if codes is None:
        return _manifest_page(ctx, manifest_id, 400, ctx.t("county.scan_invalid"))
    c = container()
    try:
        village_service.receive_manifest(
            c.buying, c.network, c.jobs, actor, village_id, manifest_id, codes, now=c.clock()
        )
    except DomainError as exc:
        return _manifest_page(ctx, manifest_id, *receipt_refused(ctx, exc))
    return render.redirect(ctx, f"/village/manifests/{manifest_id}")


@page(
    bp,
    "POST",
    "/village/manifests",
    budget=Budget(4, "the API's return manifest: GetItem village + one Query + [GetItem header] + one transaction"),
)
def build(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    c = container()
    try:
        built, _ = village_service.build_return_manifest(
            c.buying, c.network, c.jobs, actor, village_id, now=c.clock(), new_id=c.new_id
        )
    except Conflict as exc:
        return _console(ctx, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/village/manifests/{built.manifest_id}")


@page(
    bp,
    "POST",
    "/village/manifests/{manifest_id}/dispatch",
    budget=Budget(3, "the API's dispatch: one Query + one BatchGetItem + one transaction"),
)
def dispatch(ctx: WebContext, form: Form, manifest_id: str) -> Response:
    actor, village_id = _form_village(ctx, form)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    c = container()
    try:
        village_service.dispatch_return_manifest(
            c.buying, c.network, c.jobs, actor, village_id, manifest_id, now=c.clock()
        )
    except Conflict as exc:
        return _manifest_page(ctx, manifest_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/village/manifests/{manifest_id}")


@page(
    bp,
    "GET",
    "/village/manifests/{manifest_id}/print",
    budget=Budget(3, "the partner's membership + GetItem village + one Query of the whole manifest"),
)
def print_manifest(ctx: WebContext, manifest_id: str) -> Response:
    _, village = _village(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    header, lines = container().network.whole_manifest(manifest_id)
    if header is None or header.village_id != village.village_id:
        raise NotFound("this village service centre has no such manifest", code="manifest_not_found")
    return print_page(ctx, "village", header, lines)


def _return_form(ctx: WebContext, order_id: str, status: int = 200, error: str | None = None, values=None) -> Response:
    actor, village = _village(ctx)
    if not looks_like_id(order_id):
        raise NotFound("parcel not found", code="parcel_not_found")
    c = container()
    order = c.buying.get_order(order_id)
    if order is None or order.pickup is None or order.pickup["village_id"] != village.village_id:
        raise NotFound("this village service centre has no such parcel", code="parcel_not_found")
    parcel = parcel_public(order)
    returnable = [
        {**line, "left": line["quantity"] - line["returned_quantity"]}
        for line in parcel["lines"]
        if line["quantity"] > line["returned_quantity"]
    ]
    return render.page(
        ctx,
        "village_return.html",
        status=status,
        title=ctx.t("village.return_title", order_id=order_id),
        village=village,
        parcel=parcel,
        returnable=returnable,
        error=error,
        values=values or {},
    )


@page(
    bp,
    "GET",
    "/village/returns/new",
    budget=Budget(3, "the partner's membership + GetItem village + GetItem order"),
)
def new_return(ctx: WebContext) -> Response:
    return _return_form(ctx, ctx.query.get("order_id") or "")


@page(
    bp,
    "POST",
    "/village/returns",
    budget=Budget(
        3, "the API's village return: GetItem order + one transaction (+ the ledger's BatchGetItem for a fee)"
    ),
)
def open_return(ctx: WebContext, form: Form) -> Response:
    actor, village_id = _form_village(ctx, form)
    order_id = form.get("order_id")
    if not looks_like_id(order_id):
        raise NotFound("parcel not found", code="parcel_not_found")
    lines, values, bad = [], {}, False
    for name in form.names():
        if not name.startswith("qty-"):
            continue
        line_id, raw = name[4:], form.get(name)
        values[line_id] = raw[:12]
        quantity = positive_int(raw or "0", 0, MAX_LINE_QUANTITY)
        if quantity is None or not looks_like_id(line_id):
            bad = True
        elif quantity:
            lines.append({"line_id": line_id, "quantity": quantity})
    reason = form.get("reason").strip()[:500] or None
    if bad or not lines:
        error = ctx.t("err.return_lines") if not bad else ctx.t("err.quantity", min=0, max=MAX_LINE_QUANTITY)
        return _return_form(ctx, order_id, 400, error, values)
    c = container()
    try:
        village_service.open_village_return(
            c.buying, c.network, actor, village_id, order_id, lines, reason,
            now=c.clock(), return_id=c.new_id("ret"), ledger=c.ledger,
        )  # fmt: skip
    except Conflict as exc:
        return _return_form(ctx, order_id, 409, _message(ctx, exc), values)
    return render.redirect(ctx, "/village", {"returned": "1"})
