"""Buy together for villagers from the village console (issue 19 with issues 10-11): find a b2b product's open
groups (or open a group from its shared link), commit for one of the village's villagers, see and withdraw the
commitments made for them. Over the same services as the JSON API (api/group_buys.py); signed-in pages are
never stored by the browser (api/caching: private, no-store)."""

from __future__ import annotations

import re
import secrets

from chalice import Blueprint, Response

from ..api.presenters import card_public, commitment_public, group_buy_public, villager_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain import seasons
from ..domain.assisted import ASSISTED_PAYMENTS
from ..domain.errors import Conflict, Forbidden, NotFound, Unprocessable, ValidationFailed
from ..domain.orders import MAX_LINE_QUANTITY
from ..services import group_buys
from ..services import storefront as storefronts
from ..services import villagers as villager_service
from . import render
from .groups import _countdown, site_of
from .routing import Form, looks_like_id, page, positive_int
from .session import WebContext
from .village import _message, _village, partner

bp = Blueprint(__name__)

FOUND = 12
LISTED = 50
GROUPS_SHOWN = 10
_GROUP_IN_LINK = re.compile(r"(grp_[A-Za-z0-9]{1,60})")


def _group_id_of(link: str) -> str | None:
    """The group a shared link (or a bare id) names."""
    found = _GROUP_IN_LINK.search(link or "")
    return found.group(1) if found else None


@page(
    bp,
    "GET",
    "/village/groups",
    budget=Budget(
        5,
        "the partner's membership + GetItem village + the partner's commitments (one Query) + their villagers' "
        "names (one BatchGetItem, when there are any) + a b2b search or one product's open groups (one Query)",
    ),
)
def groups_home(ctx: WebContext) -> Response:
    link = (ctx.query.get("link") or "").strip()[:300]
    if link:
        group_id = _group_id_of(link)
        if group_id:
            return render.redirect(ctx, f"/village/groups/{group_id}")
    actor, village = _village(ctx)
    c = container()
    now, base = c.clock(), site_of(ctx)
    mine = group_buys.my_commitments(c.group_buys, actor, LISTED, None)
    ours = [m for m in mine.items if m.villager_id]
    # the villagers' names from their profiles (the commitments name only ids): "" once a villager was erased
    people = c.network.villagers_by_id(sorted({m.villager_id for m in ours})) if ours else {}
    query = (ctx.query.get("q") or "").strip()[:100]
    product_id = (ctx.query.get("product_id") or "")[:64]
    cards: list[dict] = []
    open_groups: list[dict] = []
    if product_id and looks_like_id(product_id):
        page_ = group_buys.product_groups(c.group_buys, product_id, GROUPS_SHOWN, None)
        open_groups = [group_buy_public(g, now=now, base_url=base) for g in page_.items]
    elif query:
        found = storefronts.browse(
            c.catalog, "b2b", category=None, prefecture=None, q=query, sort="newest", limit=FOUND, start=None
        )
        today = seasons.day_of(now)
        cards = [card_public(card, c.media.url, today) for card in found.items]
    return render.page(
        ctx,
        "village_groups.html",
        title=ctx.t("vgroup.title"),
        village=village,
        commitments=[commitment_public(m) for m in ours],
        names={i: v.name for i, v in people.items()},
        query=query,
        cards=cards,
        product_id=product_id if looks_like_id(product_id) else "",
        open_groups=open_groups,
        link=link,
        bad_link=bool(link),
    )


def _group_page(ctx: WebContext, group_id: str, status: int = 200, error: str | None = None) -> Response:
    if not looks_like_id(group_id):
        raise NotFound("group not found", code="group_not_found")
    actor, village = _village(ctx)
    c = container()
    group, _ = group_buys.view(c.group_buys, None, group_id)
    ours = group_buys.commitments_in_group(c.group_buys, actor, group_id, LISTED, None).items
    people = villager_service.villagers(c.network, actor, village.village_id, None, 100, None, known=village)
    names = {v.villager_id: v.name for v in people.items}
    shown = group_buy_public(group, now=c.clock(), base_url=site_of(ctx))
    committed = {m.villager_id for m in ours}
    notice = {"committed": "vgroup.committed", "withdrawn": "vgroup.withdrawn"}.get(ctx.query.get("done", ""))
    return render.page(
        ctx,
        "village_group.html",
        status=status,
        title=ctx.t("group.title", title=shown["product"]["title"]),
        village=village,
        g=shown,
        ours=[commitment_public(m) for m in ours if m.villager_id],
        countdown=_countdown(shown["seconds_left"]),
        names=names,
        villagers=[villager_public(v) for v in people.items if not v.erased and v.villager_id not in committed],
        payments=ASSISTED_PAYMENTS,
        idempotency_key=f"web-{secrets.token_hex(12)}",
        notice=ctx.t(notice) if notice else None,
        error=error,
    )


@page(
    bp,
    "GET",
    "/village/groups/{group_id}",
    budget=Budget(
        5,
        "the partner's membership + GetItem village + the API's group page (GetItem) + the partner's commitments "
        "in it (one Query) + the villagers (one Query)",
    ),
)
def group_for_villagers(ctx: WebContext, group_id: str) -> Response:
    return _group_page(ctx, group_id)


@page(
    bp,
    "POST",
    "/village/groups/{group_id}/commitments",
    budget=Budget(6, "the API's commitment for a villager: 3 calls, 6 when it reaches the target and closes the group"),
)
def commit_for_villager(ctx: WebContext, form: Form, group_id: str) -> Response:
    actor = partner(ctx)
    if not looks_like_id(group_id):
        raise NotFound("group not found", code="group_not_found")
    villager_id, payment = form.get("villager_id"), form.get("payment_method")
    quantity = positive_int(form.get("quantity"), 1, MAX_LINE_QUANTITY)
    key = form.get("idempotency_key")
    if not key.startswith("web-") or len(key) > 100 or not key.isprintable():
        key = f"web-{secrets.token_hex(12)}"
    if not looks_like_id(villager_id):
        return _group_page(ctx, group_id, 400, ctx.t("assisted.choose_villager"))
    if quantity is None:
        return _group_page(ctx, group_id, 400, ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY))
    if payment not in ASSISTED_PAYMENTS:
        return _group_page(ctx, group_id, 400, ctx.t("assisted.choose_payment"))
    c = container()
    body = {"quantity": quantity, "villager_id": villager_id, "payment_method": payment}
    try:
        group_buys.join(
            c.group_buys, c.buying, actor, group_id, key, body, now=c.clock(),
            present_commitment=commitment_public, bank_transfer_hours=c.settings.bank_transfer_hours,
        )  # fmt: skip
    except (Conflict, ValidationFailed, Unprocessable, NotFound, Forbidden) as exc:
        if getattr(exc, "code", "") == "group_not_found":
            raise
        status = 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 400
        return _group_page(ctx, group_id, status, _message(ctx, exc))
    return render.redirect(ctx, f"/village/groups/{group_id}", {"done": "committed"})


@page(
    bp,
    "POST",
    "/village/groups/{group_id}/withdraw",
    budget=Budget(2, "the API's withdrawal: BatchGetItem (group, the villager's commitment) + transaction"),
)
def withdraw_for_villager(ctx: WebContext, form: Form, group_id: str) -> Response:
    actor = partner(ctx)
    villager_id = form.get("villager_id")
    if not looks_like_id(group_id) or not looks_like_id(villager_id):
        raise NotFound("commitment not found", code="commitment_not_found")
    c = container()
    try:
        group_buys.withdraw(c.group_buys, actor, group_id, now=c.clock(), villager_id=villager_id)
    except Conflict as exc:
        return _group_page(ctx, group_id, 409, _message(ctx, exc))
    return render.redirect(ctx, f"/village/groups/{group_id}", {"done": "withdrawn"})
