"""The county operations centre's console (issue 10), for its staff: a scan box a USB barcode scanner types
into (it "presses" Enter after each code, which submits the form), today's inbound parcels, parcels by status,
manifests to build, dispatch and print, return manifests to receive, returns to forward to their sellers."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api import county as api_county
from ..api.presenters import manifest_line_public, manifest_public, network_return_public, parcel_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, NotFound, Unauthenticated, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.network import COUNTY_PARCEL_STATUSES, TO_COUNTY, TO_VILLAGE
from ..services import county as county_service
from ..services import network
from . import barcode, i18n, render
from .routing import Form, Pager, api_scope, looks_like_id, page
from .session import WebContext

bp = Blueprint(__name__)

PAGE_SIZE = 20
CONSOLE_LIST = 50


def staff(ctx: WebContext) -> tuple[Actor, str]:
    """The signed-in county staff member and their county (sign-in page otherwise; others get a 403 page)."""
    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    require_role(actor, Role.COUNTY_STAFF)
    return actor, network.my_county(container().network, actor)


def _message(ctx: WebContext, exc: DomainError) -> str:
    key = f"error.{exc.code}"
    return ctx.t(key) if i18n.has(key) else ctx.t("error.body.generic")


def _today() -> str:
    return container().clock()[:10]


def _console(ctx: WebContext, status: int = 200, error: str | None = None, code: str = "") -> Response:
    actor, county_id = staff(ctx)
    c = container()
    county = c.network.get_county(county_id)
    if county is None:
        raise NotFound("county centre not found", code="county_not_found")
    villages = c.network.villages(county_id, 100, None).items
    arrived = county_service.parcels(c.buying, c.network, actor, county_id, "at_county", None, CONSOLE_LIST, None)
    today = _today()
    inbound = [parcel_public(o) for o in arrived.items if o.status_since().startswith(today)]
    lists = {
        "building": (TO_VILLAGE, "building"),
        "ready": (TO_VILLAGE, "ready"),
        "sent": (TO_VILLAGE, "dispatched"),
        "arriving": (TO_COUNTY, "dispatched"),
    }
    manifests = {
        name: [
            manifest_public(m)
            for m in county_service.county_manifests(c.network, actor, county_id, d, s, CONSOLE_LIST, None).items
        ]
        for name, (d, s) in lists.items()
    }
    returns = county_service.returns_at(c.buying, c.network, actor, county_id, "at_county", CONSOLE_LIST, None)
    notice = None
    scanned = ctx.query.get("scanned")
    if scanned and looks_like_id(scanned):
        notice = ctx.t("county.scan_already" if ctx.query.get("already") else "county.scan_done", order_id=scanned)
    elif ctx.query.get("forwarded"):
        notice = ctx.t("county.forwarded")
    return render.page(
        ctx,
        "county.html",
        status=status,
        title=ctx.t("county.title", name=county.name),
        county=county,
        villages=villages,
        inbound=inbound,
        manifests=manifests,
        returns=[network_return_public(r) for r in returns.items],
        notice=notice,
        error=error,
        code=code,
        today=today,
    )


@page(
    bp,
    "GET",
    "/county",
    budget=Budget(
        8,
        "GetItem county + Query villages + the API's parcel list + four manifest lists + the returns list "
        "(the staff's county comes from the token)",
    ),
)
def console(ctx: WebContext) -> Response:
    return _console(ctx)


@page(bp, "POST", "/county/scan", budget=Budget(2, "the API's scan: the lookup + one write"))
def scan(ctx: WebContext, form: Form) -> Response:
    actor, county_id = staff(ctx)
    code = form.get("code").strip()[:80]
    if not code or not all(ch.isalnum() or ch in "_-" for ch in code):
        return _console(ctx, 400, ctx.t("county.scan_invalid"), code)
    c = container()
    try:
        order, already = county_service.scan(c.buying, c.network, actor, county_id, code, now=c.clock())
    except (NotFound, Conflict) as exc:
        return _console(ctx, 404 if isinstance(exc, NotFound) else 409, _message(ctx, exc), code)
    return render.redirect(ctx, "/county", {"scanned": order.order_id, "already": "1" if already else None})


@page(bp, "GET", "/county/parcels", budget=Budget(1, "the API's parcel list: one Query"))
def parcels(ctx: WebContext) -> Response:
    actor, county_id = staff(ctx)
    status = ctx.query.get("status") or "at_county"
    village_id = (ctx.query.get("village_id") or "").strip() or None
    if status not in COUNTY_PARCEL_STATUSES or (village_id and not looks_like_id(village_id)):
        return render.error_page(ctx, 400, "err.bad_filter")
    params = {"status": status, "village_id": village_id}
    scope = api_scope(api_county.parcels, path={"county_id": county_id}, params=params, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    c = container()
    result = county_service.parcels(c.buying, c.network, actor, county_id, status, village_id, PAGE_SIZE, pager.start)
    return render.page(
        ctx,
        "county_parcels.html",
        title=ctx.t("county.parcels_title"),
        parcel_status=status,
        statuses=COUNTY_PARCEL_STATUSES,
        village_id=village_id,
        parcels=[parcel_public(o) for o in result.items],
        pager=pager.links(ctx, "/county/parcels", params, result),
    )


@page(
    bp,
    "POST",
    "/county/manifests",
    budget=Budget(4, "the API's build: GetItem village + one Query + [GetItem header] + one transaction"),
)
def build(ctx: WebContext, form: Form) -> Response:
    actor, county_id = staff(ctx)
    village_id = form.get("village_id")
    if not looks_like_id(village_id):
        return _console(ctx, 400, ctx.t("county.choose_village"))
    c = container()
    try:
        manifest, _ = county_service.build_manifest(
            c.buying, c.network, c.jobs, actor, county_id, village_id, now=c.clock(), new_id=c.new_id
        )
    except (NotFound, Conflict) as exc:
        return _console(ctx, 404 if isinstance(exc, NotFound) else 409, _message(ctx, exc))
    return render.redirect(ctx, f"/county/manifests/{manifest.manifest_id}")


def _manifest_page(ctx: WebContext, manifest_id: str, status: int = 200, error: str | None = None) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    c = container()
    header, lines = county_service.manifest_view(c.network, actor, county_id, manifest_id, 100, None)
    assert header is not None  # the first page has it
    return render.page(
        ctx,
        "manifest.html",
        status=status,
        title=ctx.t("manifest.title", manifest_id=manifest_id),
        side="county",
        base="/county",
        manifest=manifest_public(header),
        lines=[manifest_line_public(line) for line in lines.items],
        more=lines.last_key is not None,
        can_dispatch=header.direction == TO_VILLAGE and header.status == "ready",
        can_receive=header.direction == TO_COUNTY and header.status == "dispatched",
        busy=header.busy,
        error=error,
        village_id=header.village_id,
    )


@page(bp, "GET", "/county/manifests/{manifest_id}", budget=Budget(1, "the API's manifest: one Query"))
def manifest(ctx: WebContext, manifest_id: str) -> Response:
    return _manifest_page(ctx, manifest_id)


@page(
    bp,
    "POST",
    "/county/manifests/{manifest_id}/dispatch",
    budget=Budget(3, "the API's dispatch: one Query + one BatchGetItem + one transaction (the rest in a job)"),
)
def dispatch(ctx: WebContext, form: Form, manifest_id: str) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    c = container()
    try:
        county_service.dispatch_manifest(c.buying, c.network, c.jobs, actor, county_id, manifest_id, now=c.clock())
    except Conflict as exc:
        return _manifest_page(ctx, manifest_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/county/manifests/{manifest_id}")


def receipt_refused(ctx: WebContext, exc: DomainError) -> tuple[int, str]:
    """The status and message a manifest page shows when its receipt is refused: 422 naming the scanned codes that
    are on no line of the manifest, 409 for a conflict; any other error goes on to the error pages."""
    if exc.code == "not_on_manifest":
        unknown = ", ".join(d["message"].split()[0] for d in exc.details or [])
        return 422, ctx.t("manifest.not_on_manifest", codes=unknown)
    if not isinstance(exc, Conflict):
        raise exc
    return 409, _message(ctx, exc)


def scanned_codes(form: Form) -> list[str] | None:
    """The codes a scanner typed into the box, one per line (None when one is not a code)."""
    codes = [line.strip() for line in form.get("codes").replace(",", "\n").splitlines() if line.strip()]
    if len(codes) > 5000 or not all(len(c) <= 80 and all(ch.isalnum() or ch in "_-" for ch in c) for c in codes):
        return None
    return codes


@page(
    bp,
    "POST",
    "/county/manifests/{manifest_id}/receive",
    budget=Budget(3, "the API's receipt: one Query of the manifest + one BatchGetItem + one transaction"),
)
def receive(ctx: WebContext, form: Form, manifest_id: str) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    codes = scanned_codes(form)
    if codes is None:
        return _manifest_page(ctx, manifest_id, 400, ctx.t("county.scan_invalid"))
    c = container()
    try:
        county_service.receive_manifest(
            c.buying, c.network, c.jobs, actor, county_id, manifest_id, codes, now=c.clock()
        )
    except DomainError as exc:
        return _manifest_page(ctx, manifest_id, *receipt_refused(ctx, exc))
    return render.redirect(ctx, f"/county/manifests/{manifest_id}")


def print_page(ctx: WebContext, side: str, header, lines) -> Response:
    """A manifest as paper: the header, a barcode per parcel, and room for the signatures."""
    rows = [{**manifest_line_public(line), "barcode": barcode.svg(line.item_id)} for line in lines]
    return render.page(
        ctx,
        "manifest_print.html",
        title=ctx.t("manifest.title", manifest_id=header.manifest_id),
        side=side,
        manifest=manifest_public(header),
        manifest_barcode=barcode.svg(header.manifest_id),
        lines=rows,
    )


@page(
    bp,
    "GET",
    "/county/manifests/{manifest_id}/print",
    budget=Budget(1, "one Query of the whole manifest (one per MB of lines: about 3,000 parcels)"),
)
def print_manifest(ctx: WebContext, manifest_id: str) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(manifest_id):
        raise NotFound("manifest not found", code="manifest_not_found")
    c = container()
    header, lines = c.network.whole_manifest(manifest_id)
    if header is None or header.county_id != county_id:
        raise NotFound("this county centre has no such manifest", code="manifest_not_found")
    return print_page(ctx, "county", header, lines)


@page(
    bp,
    "POST",
    "/county/returns/{return_id}/forward",
    budget=Budget(2, "the API's forward: GetItem return + one transaction"),
)
def forward(ctx: WebContext, form: Form, return_id: str) -> Response:
    actor, county_id = staff(ctx)
    if not looks_like_id(return_id):
        raise NotFound("return not found", code="return_not_found")
    carrier, tracking = form.get("carrier").strip()[:60], form.get("tracking_number").strip()[:60]
    if not carrier or not tracking or not all(ch.isalnum() or ch == "-" for ch in tracking):
        return _console(ctx, 400, ctx.t("county.forward_invalid"))
    c = container()
    try:
        county_service.forward(c.buying, c.network, actor, county_id, return_id, carrier, tracking, now=c.clock())
    except Conflict as exc:
        return _console(ctx, 409, _message(ctx, exc))
    return render.redirect(ctx, "/county", {"forwarded": "1"})
