"""Buy together in the browser (issue 19): the group page (progress toward the target and the next tier, a
countdown, join and withdraw, share links built here: no third-party script), starting a group from a b2b
product page. Over the same services as the JSON API (chalicelib/api/group_buys.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlencode

from chalice import Blueprint, Response

from ..api.group_buys import site_url_of
from ..api.presenters import commitment_public, group_buy_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from ..domain.group_buys import MAX_DEADLINE_DAYS, iso
from ..domain.identity import Role
from ..domain.orders import MAX_LINE_QUANTITY, parse_time
from ..domain.referrals import referral_code, referrer_of
from ..services import group_buys
from . import formatting, i18n, render
from .routing import Form, buyer, looks_like_id, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")
PAYMENT_METHODS = ("bank_transfer", "cash_on_delivery", "card")


def share_links(url: str, text: str) -> dict[str, str]:
    """VK's and Telegram's share endpoints, built server-side (no widget script on the page)."""
    return {
        "vk": "https://vk.com/share.php?" + urlencode({"url": url, "title": text}),
        "telegram": "https://t.me/share/url?" + urlencode({"url": url, "text": text}),
    }


def site_of(ctx: WebContext) -> str:
    return site_url_of(ctx.request.headers) + ctx.base  # type: ignore[attr-defined]


def _countdown(seconds: int) -> dict[str, int]:
    days, rest = divmod(max(0, seconds), 86400)
    return {"days": days, "hours": rest // 3600, "minutes": rest % 3600 // 60}


def _message(ctx: WebContext, exc: Exception) -> str:
    code = getattr(exc, "code", "")
    return ctx.t(f"error.{code}" if i18n.has(f"error.{code}") else "error.body.generic")


def group_page_view(
    ctx: WebContext,
    group_id: str,
    status: int = 200,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    if not looks_like_id(group_id):
        raise NotFound("group not found", code="group_not_found")
    c = container()
    actor = ctx.actor
    group, mine = group_buys.view(c.group_buys, actor, group_id)
    ref = referral_code(actor.user_id) if actor is not None and actor.has(Role.BUYER) else None
    shown = group_buy_public(group, now=c.clock(), base_url=site_of(ctx), mine=mine, ref=ref, media_url=c.media.url)
    price = formatting.format_money(shown["price_per_unit"]["amount"], shown["price_per_unit"]["currency"], ctx.lang)
    text = ctx.t("group.share_text", title=shown["product"]["title"], price=price)
    came_by = ctx.query.get("ref") or ""
    next_tier = shown["next_tier"]
    return render.page(
        ctx,
        "group.html",
        status=status,
        title=ctx.t("group.title", title=shown["product"]["title"]),
        g=shown,
        countdown=_countdown(shown["seconds_left"]),
        more=(next_tier["min_quantity"] - shown["committed_quantity"]) if next_tier else None,
        share=share_links(shown["share_url"], text),
        og={
            "title": ctx.t("group.title", title=shown["product"]["title"]),
            "description": text,
            "url": shown["share_url"].split("?")[0],
            "image": shown["picture_url"],
            "price": shown["price_per_unit"],
        },
        ref=came_by if referrer_of(came_by) else None,
        values=values or {},
        errors=errors or {},
        notice=notice or ({"joined": "group.joined", "withdrawn": "group.withdrawn"}.get(ctx.query.get("done", ""))),
        idempotency_key=(values or {}).get("idempotency_key") or f"web-{secrets.token_hex(12)}",
        payment_methods=PAYMENT_METHODS,
    )


OPEN_GROUPS_SHOWN = 5


def open_groups_of(ctx: WebContext, product_id: str) -> list[dict]:
    """A b2b product page's "buy together": its open groups, soonest deadline first (one Query)."""
    if not looks_like_id(product_id):
        return []
    c = container()
    now, base = c.clock(), site_of(ctx)
    page_ = group_buys.product_groups(c.group_buys, product_id, OPEN_GROUPS_SHOWN, None)
    return [group_buy_public(g, now=now, base_url=base) for g in page_.items]


@page(
    bp,
    "GET",
    "/groups/{group_id}",
    budget=Budget(1, "the API's group page: one GetItem, or one BatchGetItem with your own commitment"),
)
def group_page(ctx: WebContext, group_id: str) -> Response:
    return group_page_view(ctx, group_id)


@page(
    bp,
    "POST",
    "/groups/{group_id}/join",
    budget=Budget(5, "the API's commitment: 3 calls, 5 when it reaches the target and closes the group"),
)
def join_group(ctx: WebContext, form: Form, group_id: str) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import CommitmentIn

    actor = buyer(ctx)
    if not looks_like_id(group_id):
        raise NotFound("group not found", code="group_not_found")
    values = {name: form.get(name).strip()[:120] for name in (*ADDRESS_FIELDS, "quantity", "payment_method")}
    key = form.get("idempotency_key")
    if not key.startswith("web-") or len(key) > 100 or not key.isprintable():
        key = f"web-{secrets.token_hex(12)}"
    values["idempotency_key"] = key
    errors: dict[str, str] = {}
    quantity = positive_int(values["quantity"], 1, MAX_LINE_QUANTITY)
    if quantity is None:
        errors["quantity"] = ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY)
    body = {
        "quantity": quantity or 1,
        "delivery": {
            "name": values["name"],
            "phone": values["phone"],
            "lines": [line for line in (values["line1"], values["line2"]) if line] or [""],
            "city": values["city"],
            "region": values["region"],
            "postal_code": values["postal_code"],
            "country": values["country"],
        },
        "payment_method": values["payment_method"],
    }
    try:
        CommitmentIn.model_validate(body)
    except ValidationError as exc:
        for problem in exc.errors():
            name = str(problem["loc"][-1]) if problem["loc"] else "form"
            name = "line1" if name in ("0", "lines") else name
            errors.setdefault(name, ctx.t("form.invalid"))
    if errors:
        return group_page_view(ctx, group_id, 400, values=values, errors=errors)
    c = container()
    try:
        group_buys.join(
            c.group_buys,
            c.buying,
            actor,
            group_id,
            key,
            body,
            now=c.clock(),
            present_commitment=commitment_public,
            bank_transfer_hours=c.settings.bank_transfer_hours,
        )
    except (Conflict, ValidationFailed, Unprocessable) as exc:
        status = 409 if isinstance(exc, Conflict) else 400
        return group_page_view(ctx, group_id, status, values=values, errors={"form": _message(ctx, exc)})
    return render.redirect(ctx, f"/groups/{group_id}", {"done": "joined"})


@page(bp, "POST", "/groups/{group_id}/withdraw", budget=Budget(2, "the API's withdrawal: BatchGetItem + transaction"))
def withdraw_from_group(ctx: WebContext, form: Form, group_id: str) -> Response:
    actor = buyer(ctx)
    if not looks_like_id(group_id):
        raise NotFound("group not found", code="group_not_found")
    c = container()
    try:
        group_buys.withdraw(c.group_buys, actor, group_id, now=c.clock())
    except Conflict as exc:
        return group_page_view(ctx, group_id, 409, errors={"form": _message(ctx, exc)})
    return render.redirect(ctx, f"/groups/{group_id}", {"done": "withdrawn"})


@page(bp, "POST", "/groups", budget=Budget(2, "the API's start: the product's BatchGetItem + the group's put"))
def start_group(ctx: WebContext, form: Form) -> Response:
    actor = buyer(ctx)
    product_id = form.get("product_id")
    if not looks_like_id(product_id):
        raise NotFound("product not found", code="product_not_found")
    days = positive_int(form.get("deadline_days"), 1, MAX_DEADLINE_DAYS)
    target = positive_int(form.get("target"), 1, MAX_LINE_QUANTITY)
    c = container()
    now = c.clock()
    deadline = iso(parse_time(now) + dt.timedelta(days=days or 0))
    try:
        if days is None:
            raise ValidationFailed("the deadline is 1 to 14 days away", code="invalid_deadline")
        group = group_buys.start(c.group_buys, c.buying, actor, product_id, target, deadline, now=now, new_id=c.new_id)
    except (ValidationFailed, Conflict) as exc:
        return render.error_page(ctx, 400 if isinstance(exc, ValidationFailed) else 409, f"error.{exc.code}")
    return render.redirect(ctx, f"/groups/{group.group_id}")
