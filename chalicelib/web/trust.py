"""Buyer trust in the browser (issue 13): a product's reviews; on a delivered order, a review form per line, the
dispute form and the buyer's answers to the seller (accept, escalate). The pages call the same services as the
JSON API (api/trust.py), so they cost what it costs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from ..api import trust as api_trust
from ..api.presenters import dispute_public, review_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    Unprocessable,
    ValidationFailed,
)
from ..domain.identity import Actor, Role
from ..domain.orders import MAX_LINE_QUANTITY, Order
from ..domain.storefronts import get_storefront
from ..domain.trust import (
    DISPUTE_REASONS,
    DISPUTE_WINDOW_DAYS,
    FUNDERS,
    MAX_EVIDENCE,
    OPEN_DISPUTE_STATUSES,
    REVIEW_SORTS,
    REVIEW_WINDOW_DAYS,
    plus_days,
    review_id_for,
)
from ..services import disputes, evidence, order_lifecycle, reviews
from . import formatting, i18n, render
from .routing import Form, Pager, api_scope, buyer, looks_like_id, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

REVIEWS_PAGE_SIZE = 10
PRODUCT_PAGE_REVIEWS = 5
MAX_TEXT = 2000


# --- what an order page shows (web/orders.py calls it) -------------------------------------------------------


def evidence_ids(raw: str) -> list[str]:
    """The pictures a dispute form carries (`?evidence=a,b` after an upload), well-formed and at most six."""
    return list(dict.fromkeys(i for i in raw.split(",") if looks_like_id(i)))[:MAX_EVIDENCE]


def order_trust(order: Order, now: str, pictures: list[str] | None = None) -> dict[str, Any]:
    """The order's disputes, its lines' reviews and what the buyer may still do: one Query of the order's
    disputes (once shipped), one BatchGetItem of its lines' reviews (once delivered) and, while the buyer adds
    pictures to a dispute, one BatchGetItem of those (only the buyer's own, completed ones are shown)."""
    c = container()
    out: dict[str, Any] = {"disputes": [], "reviews": {}, "disputable": [], "reviewable": [], "reasons": []}
    out["pictures"] = []
    if order.status not in ("shipped", "delivered", "completed"):
        return out
    if pictures:
        found = c.trust.get_evidence(pictures)
        out["pictures"] = [
            {"media_id": m, "url": c.media.url(str(found[m]["thumbnail_key"]))}
            for m in pictures
            if m in found and found[m]["owner"] == order.buyer_id and found[m]["status"] == "ready"
        ]
    found = c.trust.order_disputes(order.order_id, 20, None).items
    out["disputes"] = [dispute_public(d, c.media.url) for d in found]
    in_dispute = {line["line_id"] for d in found if d.status in OPEN_DISPUTE_STATUSES for line in d.lines}
    since = order.delivered_at or (order.shipment or {}).get("shipped_at")
    if since and now <= plus_days(since, DISPUTE_WINDOW_DAYS):
        out["disputable"] = [line for line in order.lines if line.line_id not in in_dispute]
        out["reasons"] = [r for r in DISPUTE_REASONS if order.delivered_at or r == "not_received"]
        out["dispute_closes"] = plus_days(since, DISPUTE_WINDOW_DAYS)
    if order.delivered_at:
        written = c.trust.get_reviews([review_id_for(line.line_id) for line in order.lines])
        out["reviews"] = {r.line_id: review_public(r, c.media.url, party=True) for r in written.values()}
        if now <= plus_days(order.delivered_at, REVIEW_WINDOW_DAYS):
            out["reviewable"] = [line for line in order.lines if line.line_id not in out["reviews"]]
    return out


def _message(ctx: WebContext, exc: DomainError) -> str:
    for key in (f"trust.error.{exc.code}", f"error.{exc.code}"):
        if i18n.has(key):
            return ctx.t(key)
    return str(exc)


def _order_again(ctx: WebContext, actor: Actor, order_id: str, status: int, error: str, **values: Any) -> Response:
    from .orders import _order_page  # the order page renders these forms; it imports this module

    return _order_page(ctx, actor, order_id, status, error, trust_values=values)


def _checked_order_id(order_id: str, *more: str) -> None:
    if not all(looks_like_id(v) for v in (order_id, *more)):
        raise NotFound("order not found", code="order_not_found")


# --- reviews ------------------------------------------------------------------------------------------------


@page(bp, "GET", "/s/{storefront}/p/{product_id}/reviews", budget=Budget(1, "the API's review page: one Query"))
def reviews_page(ctx: WebContext, storefront: str, product_id: str) -> Response:
    sf = get_storefront(storefront)
    if not looks_like_id(product_id):
        raise NotFound("product not found", code="product_not_found")
    sort = ctx.query.get("sort") or "newest"
    if sort not in REVIEW_SORTS:
        return render.error_page(ctx, 400, "err.bad_filter")
    scope = api_scope(
        api_trust.product_reviews, path={"storefront": sf.key, "product_id": product_id}, params={"sort": sort},
        caller=None,
    )  # fmt: skip
    try:
        pager = Pager.open(ctx.query, scope, REVIEWS_PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    c = container()
    result = reviews.product_reviews(c.trust, product_id, sort, REVIEWS_PAGE_SIZE, pager.start)
    path = f"/s/{sf.key}/p/{product_id}/reviews"
    return render.page(
        ctx,
        "reviews.html",
        title=ctx.t("reviews.title"),
        sf=sf,
        product_id=product_id,
        sort=sort,
        sorts=REVIEW_SORTS,
        reviews=[review_public(r, c.media.url) for r in result.items],
        pager=pager.links(ctx, path, {"sort": sort if sort != "newest" else None}, result),
    )


def product_reviews(product_id: str) -> tuple[list[dict[str, Any]], bool]:
    """The newest reviews a product page shows (one Query), and whether there are more."""
    c = container()
    result = reviews.product_reviews(c.trust, product_id, "newest", PRODUCT_PAGE_REVIEWS, None)
    return [review_public(r, c.media.url) for r in result.items], bool(result.last_key)


@page(
    bp,
    "POST",
    "/orders/{order_id}/lines/{line_id}/review",
    budget=Budget(6, "the API's review: GetItem order, one transaction, the product's cards (GetItem + one write)"),
)
def review_line(ctx: WebContext, form: Form, order_id: str, line_id: str) -> Response:
    actor = buyer(ctx)
    _checked_order_id(order_id, line_id)
    rating = positive_int(form.get("rating"), 1, 5)
    text = form.get("text").strip()
    if rating is None or len(text) > MAX_TEXT:
        error = ctx.t("err.rating") if rating is None else ctx.t("err.too_long")
        return _order_again(ctx, actor, order_id, 400, error, review_line=line_id, review_text=text[:MAX_TEXT])
    c = container()
    try:
        reviews.create_review(
            c.buying, c.trust, c.catalog, actor, order_id, line_id, {"rating": rating, "text": text, "photos": []},
            now=c.clock(),
        )  # fmt: skip
    except (Conflict, Forbidden) as exc:
        return _order_again(ctx, actor, order_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/orders/{order_id}", {"reviewed": "1"})


# --- disputes -----------------------------------------------------------------------------------------------


@page(
    bp,
    "POST",
    "/orders/{order_id}/disputes",
    budget=Budget(3, "the API's dispute: GetItem order, BatchGetItem of its pictures (when any), one transaction"),
)
def open_dispute(ctx: WebContext, form: Form, order_id: str) -> Response:
    actor = buyer(ctx)
    _checked_order_id(order_id)
    lines, values, bad = [], {}, False
    for name in form.names():
        if not name.startswith("dispute-qty-"):
            continue
        line_id, raw = name[len("dispute-qty-") :], form.get(name)
        values[line_id] = raw[:12]
        quantity = positive_int(raw or "0", 0, MAX_LINE_QUANTITY)
        if quantity is None or not looks_like_id(line_id):
            bad = True
        elif quantity:
            lines.append({"line_id": line_id, "quantity": quantity})
    reason, description = form.get("reason"), form.get("description").strip()
    pictures = evidence_ids(form.get("evidence"))
    kept = {
        "dispute_quantities": values, "dispute_reason": reason, "dispute_description": description[:MAX_TEXT],
        "pictures": pictures,
    }  # fmt: skip
    error = None
    if bad:
        error = ctx.t("err.quantity", min=0, max=MAX_LINE_QUANTITY)
    elif not lines:
        error = ctx.t("err.dispute_lines")
    elif reason not in DISPUTE_REASONS:
        error = ctx.t("err.dispute_reason")
    elif not description or len(description) > MAX_TEXT:
        error = ctx.t("err.dispute_description")
    if error:
        return _order_again(ctx, actor, order_id, 400, error, **kept)
    c = container()
    body = {"lines": lines, "reason": reason, "description": description, "evidence": pictures}
    try:
        disputes.open_dispute(c.buying, c.trust, actor, order_id, body, now=c.clock(), new_id=c.new_id)
    except Conflict as exc:
        return _order_again(ctx, actor, order_id, 409, _message(ctx, exc), **kept)
    except Unprocessable as exc:
        return _order_again(ctx, actor, order_id, 422, _message(ctx, exc), **kept)
    return render.redirect(ctx, f"/orders/{order_id}", {"disputed": "1"})


@page(
    bp,
    "POST",
    "/orders/{order_id}/disputes/{dispute_id}/accept",
    budget=Budget(12, "the API's accept: the step, and the refund with its postings when one is owed"),
)
def accept_answer(ctx: WebContext, form: Form, order_id: str, dispute_id: str) -> Response:
    actor = buyer(ctx)
    _checked_order_id(order_id, dispute_id)
    c = container()
    try:
        disputes.accept(c.buying, c.trust, c.ledger, actor, order_id, dispute_id, now=c.clock())
    except Conflict as exc:
        return _order_again(ctx, actor, order_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/orders/{order_id}", {"dispute": "accepted"})


@page(
    bp,
    "POST",
    "/orders/{order_id}/disputes/{dispute_id}/escalate",
    budget=Budget(3, "the API's escalation: GetItem dispute + GetItem order + one transaction"),
)
def escalate(ctx: WebContext, form: Form, order_id: str, dispute_id: str) -> Response:
    actor = buyer(ctx)
    _checked_order_id(order_id, dispute_id)
    c = container()
    try:
        disputes.escalate(c.buying, c.trust, actor, order_id, dispute_id, now=c.clock())
    except Conflict as exc:
        return _order_again(ctx, actor, order_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/orders/{order_id}", {"dispute": "escalated"})


# --- pictures for a dispute, uploaded by the browser straight to S3 (no JavaScript) ----------------------------

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


def _absolute(ctx: WebContext, path: str) -> str:
    """This site's absolute URL of `path` (S3 sends the browser back there after an upload)."""
    headers = ctx.request.headers or {}
    host = headers.get("host", "")
    if not _HOST.match(host):
        raise ValidationFailed("bad Host header")
    scheme = headers.get("x-forwarded-proto") or ("http" if ctx.settings.is_local else "https")
    return f"{'https' if scheme == 'https' else 'http'}://{host}{path}"


@page(
    bp,
    "POST",
    "/orders/{order_id}/evidence",
    budget=Budget(2, "GetItem order (the buyer's own) + PutItem of the pending upload (presigned S3 POST)"),
)
def new_picture(ctx: WebContext, form: Form, order_id: str) -> Response:
    """The upload page: a form the browser posts straight to S3, which then sends it to `picture_uploaded`."""
    actor = buyer(ctx)
    _checked_order_id(order_id)
    c = container()
    order_lifecycle.buyer_order(c.buying, actor, order_id)  # 404 for anyone else's order
    have = evidence_ids(form.get("evidence"))
    if len(have) >= MAX_EVIDENCE:
        return _order_again(ctx, actor, order_id, 400, ctx.t("err.too_many_pictures", most=MAX_EVIDENCE))
    media_id = c.new_id("evd")
    back = _absolute(ctx, ctx.url(f"/orders/{order_id}/evidence/{media_id}/done", {"have": ",".join(have)}))
    upload = evidence.request_browser_upload(
        c.trust, c.media, actor, media_id=media_id, now=c.clock(), expires_in=c.settings.upload_url_ttl_seconds,
        redirect=back,
    )["upload"]  # fmt: skip
    target = urlsplit(upload["url"])
    return render.page(
        ctx,
        "evidence_upload.html",
        title=ctx.t("evidence.title"),
        order_id=order_id,
        upload=upload,
        form_origins=(f"{target.scheme}://{target.netloc}",),
    )


@page(
    bp,
    "GET",
    "/orders/{order_id}/evidence/{media_id}/done",
    budget=Budget(2, "the API's upload completion: BatchGetItem of the upload's record + PutItem of it completed"),
)
def picture_uploaded(ctx: WebContext, order_id: str, media_id: str) -> Response:
    """Where S3 sends the browser after the upload: the picture is checked and stored (the uploader's only),
    and the order page shows it on the dispute form."""
    actor = buyer(ctx)
    _checked_order_id(order_id, media_id)
    have = evidence_ids(ctx.query.get("have") or "")
    c = container()
    try:
        evidence.complete_upload(c.trust, c.media, actor, media_id, now=c.clock())
    except Unprocessable:
        return _order_again(ctx, actor, order_id, 422, ctx.t("err.picture_unusable"), pictures=have)
    pictures = evidence_ids(",".join([*have, media_id]))
    return render.redirect(ctx, f"/orders/{order_id}", {"evidence": ",".join(pictures)})


# --- operators: the escalated disputes and their decision -----------------------------------------------------

OPERATOR_PAGE_SIZE = 10
OPERATOR_STATUSES = ("escalated", "decided")
MAX_NOTE = 2000


def _operator(ctx: WebContext) -> Actor:
    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    if not actor.has(Role.OPERATOR):
        raise Forbidden("this page needs the operator role", code="operators_only")
    return actor


def parse_amount(raw: str, currency: str) -> int | None:
    """ "70", "70.5", "70,50" in the currency's major unit -> minor units (None if it is not such an amount)."""
    raw = raw.strip().replace(",", ".")
    digits = formatting.CURRENCIES.get(currency, (currency, 2))[1]
    if not raw or len(raw) > 15 or not re.fullmatch(r"\d+(\.\d*)?", raw):
        return None
    units, _, fraction = raw.partition(".")
    if len(fraction) > digits:
        return None
    return int(units) * 10**digits + int(fraction.ljust(digits, "0") or 0)


def _desk(
    ctx: WebContext,
    actor: Actor,
    status: str,
    code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    scope = api_scope(api_trust.operator_disputes, path={}, params={"status": status}, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, OPERATOR_PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    c = container()
    result = disputes.operator_disputes(c.trust, actor, status, OPERATOR_PAGE_SIZE, pager.start)
    return render.page(
        ctx,
        "admin_disputes.html",
        code,
        title=ctx.t("desk.title"),
        shown=status,
        statuses=OPERATOR_STATUSES,
        disputes=[dispute_public(d, c.media.url) for d in result.items],
        pager=pager.links(ctx, "/admin/disputes", {"status": status if status != "escalated" else None}, result),
        error=error,
        values=values or {},
        decided=ctx.query.get("decided") or None,
    )


@page(bp, "GET", "/admin/disputes", budget=Budget(1, "the API's operator list: one Query of g4-index"))
def dispute_desk(ctx: WebContext) -> Response:
    """Operators: the disputes waiting for a decision (or those decided), with the buyer's and the shop's sides,
    the pictures, and a decision form on each escalated one."""
    actor = _operator(ctx)
    status = ctx.query.get("status") or "escalated"
    if status not in OPERATOR_STATUSES:
        return render.error_page(ctx, 400, "err.bad_filter")
    return _desk(ctx, actor, status)


@page(
    bp,
    "POST",
    "/admin/disputes/{dispute_id}/decide",
    budget=Budget(15, "the API's decision (14 at most) + the refund's amount read first: GetItem dispute"),
)
def decide_dispute(ctx: WebContext, form: Form, dispute_id: str) -> Response:
    actor = _operator(ctx)
    if not looks_like_id(dispute_id):
        raise NotFound("dispute not found", code="dispute_not_found")
    c = container()
    dispute = c.trust.get_dispute(dispute_id)
    if dispute is None:
        raise NotFound("dispute not found", code="dispute_not_found")
    raw_amount, funded_by, note = form.get("refund_amount"), form.get("funded_by"), form.get("note").strip()
    values = {
        "dispute_id": dispute_id,
        "refund_amount": raw_amount[:20],
        "funded_by": funded_by,
        "note": note[:MAX_NOTE],
    }
    amount = parse_amount(raw_amount, dispute.currency)
    error = None
    if amount is None or amount > dispute.claimed:
        error = ctx.t("desk.err.amount", most=formatting.format_money(dispute.claimed, dispute.currency, ctx.lang))
    elif funded_by not in FUNDERS:
        error = ctx.t("desk.err.funded_by")
    elif not note or len(note) > MAX_NOTE:
        error = ctx.t("desk.err.note", most=MAX_NOTE)
    if error:
        return _desk(ctx, actor, "escalated", 400, error, values)
    body = {"refund_amount": amount, "funded_by": funded_by, "note": note}
    try:
        disputes.decide(c.buying, c.trust, c.ledger, actor, dispute_id, body, now=c.clock())
    except (Conflict, PreconditionFailed) as exc:
        return _desk(ctx, actor, "escalated", 409, _message(ctx, exc), values)
    return render.redirect(ctx, "/admin/disputes", {"decided": dispute_id})
