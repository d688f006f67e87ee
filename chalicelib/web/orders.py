"""The buyer's orders in the browser: the checkout confirmation, the list, an order, cancel, return."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api import buying as api_buying
from ..api.presenters import buyer_order_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from ..domain.identity import Actor
from ..domain.orders import MAX_CHECKOUT_LINES, MAX_LINE_QUANTITY, OPEN_STATUSES, parse_time
from ..services import order_lifecycle, returns
from ..services.disputes import DISPUTE_PREFIX
from . import formatting, i18n, render
from .routing import Form, Pager, api_scope, buyer, looks_like_id, page, positive_int
from .session import WebContext
from .trust import evidence_ids, order_trust

bp = Blueprint(__name__)

ORDERS_PAGE_SIZE = 10

# What a refund is for, from its `return_id` (domain/orders.Refund), as its page says it (`refunds.reason.<r>`)
REFUND_REASONS = ("return", "dispute", "compensation", "cancellation", "late_payment")
REFUND_STATUSES = ("recorded", "pending", "issued")  # `refunds.status.<s>`


def refund_reason(return_id: str) -> str:
    if return_id in ("compensation", "cancellation"):  # a missed delivery promise's percent_refund; a cancellation
        return return_id
    if return_id.startswith("late-payment:"):
        return "late_payment"
    if return_id.startswith(f"{DISPUTE_PREFIX}_"):
        return "dispute"
    return "return"


def refunds_shown(order: dict) -> dict | None:
    """The order's refunds for its page (from the presented `order`: no read of its own): each one's date, reason,
    status and amount, and the total given back, in the currency the buyer was charged: roubles on an order of the
    ru market (issue 12: `refunds[].charged`, `market.refunded`), the order's currency otherwise. The order keeps
    its newest REFUNDS_ON_ORDER settled refunds but their exact total: older ones are one "earlier" amount, so
    the table adds up. A late payment is a charge of its own (not in `market.refunded`): added to the total.
    None without refunds."""
    if not order["refunds"]:
        return None
    market = order.get("market")
    entries = [
        {
            "at": r["at"],
            "reason": refund_reason(r["return_id"]),
            "status": r["status"],
            "amount": r.get("charged") or r["amount"],
        }
        for r in order["refunds"]
    ]
    total = dict(market["refunded"] if market else order["refunded"])
    if market:
        total["amount"] += sum(e["amount"]["amount"] for e in entries if e["reason"] == "late_payment")
    listed = sum(e["amount"]["amount"] for e in entries if e["amount"]["currency"] == total["currency"])
    earlier = total["amount"] - listed
    return {
        "entries": entries,
        "earlier": {"amount": earlier, "currency": total["currency"]} if earlier > 0 else None,
        "total": total,
    }


MY_GROUPS_SHOWN = 10


@page(bp, "GET", "/checkout/done", budget=Budget(1, "one GetItem per order of the checkout (one order here)"))
def order_confirmation(ctx: WebContext) -> Response:
    actor = buyer(ctx)
    ids = [i for i in (ctx.query.get("orders") or "").split(",") if i][:MAX_CHECKOUT_LINES]
    if not ids or not all(looks_like_id(i) for i in ids):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    placed = [buyer_order_public(order_lifecycle.buyer_order(c.buying, actor, i)) for i in ids]
    total = {"amount": sum(o["total"]["amount"] for o in placed), "currency": placed[0]["total"]["currency"]}
    return render.page(ctx, "done.html", title=ctx.t("done.title"), orders=placed, total=total)


@page(
    bp,
    "GET",
    "/orders",
    budget=Budget(
        3,
        "the API's order list: one Query; on its first page (issue 19) + one Query of your group buys "
        "(issue 12) + one Query of your coupons",
    ),
)
def orders_page(ctx: WebContext) -> Response:
    actor = buyer(ctx)
    c = container()
    scope = api_scope(api_buying.my_orders, path={}, params={}, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, ORDERS_PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    result = order_lifecycle.buyer_orders(c.buying, actor, ORDERS_PAGE_SIZE, pager.start)
    commitments, coupons = [], []
    if pager.start is None:  # issue 19: the groups you are in, above your orders
        from ..api.presenters import commitment_public
        from ..services import group_buys

        page_ = group_buys.my_commitments(c.group_buys, actor, MY_GROUPS_SHOWN, None)
        commitments = [commitment_public(item) for item in page_.items]
        from ..api.presenters import coupon_public
        from ..services import coupons as coupon_service

        now = c.clock()
        coupons = [
            coupon_public(x, now) for x in coupon_service.my_coupons(c.coupons, actor, MY_GROUPS_SHOWN, None).items
        ]
    return render.page(
        ctx,
        "orders.html",
        title=ctx.t("orders.title"),
        orders=[buyer_order_public(o) for o in result.items],
        pager=pager.links(ctx, "/orders", {}, result),
        commitments=commitments,
        coupons=coupons,
    )


def _order_page(
    ctx: WebContext, actor: Actor, order_id: str, status=200, error=None, return_values=None, trust_values=None
) -> Response:
    if not looks_like_id(order_id):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    found = order_lifecycle.buyer_order(c.buying, actor, order_id)
    order = buyer_order_public(found)
    pictures = (trust_values or {}).get("pictures") or evidence_ids(ctx.query.get("evidence") or "")
    trust = order_trust(found, c.clock(), pictures)  # issue 13: disputes, reviews and their forms
    closes = order["return_window_closes"]
    returnable = [
        {**line, "left": line["quantity"] - line["returned_quantity"]}
        for line in order["lines"]
        if line["quantity"] > line["returned_quantity"]
    ]
    can_return = (
        order["status"] in ("delivered", "completed")
        and closes is not None
        and parse_time(c.clock()) <= parse_time(closes)
        and bool(returnable)
    )
    notice = None
    if ctx.query.get("returned"):
        notice = _return_notice(ctx, actor, found.order_id, ctx.query.get("returned") or "")
    elif ctx.query.get("cancelled"):
        notice = ctx.t("order.cancelled_note")
    elif ctx.query.get("reviewed"):
        notice = ctx.t("order.reviewed_note")
    elif ctx.query.get("disputed"):
        notice = ctx.t("order.disputed_note")
    elif ctx.query.get("dispute") in ("accepted", "escalated"):
        notice = ctx.t(f"order.dispute_{ctx.query.get('dispute')}_note")
    return render.page(
        ctx,
        "order.html",
        status=status,
        title=ctx.t("order.title", order_id=order["order_id"]),
        order=order,
        refunds=refunds_shown(order),
        can_cancel=order["status"] in OPEN_STATUSES,
        can_return=can_return,
        returnable=returnable,
        return_values=return_values or {},
        trust=trust,
        trust_values=trust_values or {},
        notice=notice,
        error=error,
    )


def _return_notice(ctx: WebContext, actor: Actor, order_id: str, return_id: str) -> str:
    """Just after a return was asked for: the refund it will bring (the rule the refund is paid by, on the order
    as it was), an estimate until the shop has the goods back."""
    ret = returns.buyer_return(container().buying, actor, order_id, return_id) if looks_like_id(return_id) else None
    if ret is None or ret.status != "requested":
        return ctx.t("order.return_requested")
    if not ret.refund:  # nothing paid yet (cash on delivery or at pickup): nothing to give back
        return ctx.t("order.return_requested_unpaid")
    refund = formatting.format_money(ret.refund, ret.currency, ctx.lang)
    return ctx.t("order.return_requested_refund", refund=refund)


@page(
    bp,
    "GET",
    "/orders/{order_id}",
    budget=Budget(
        4,
        "one GetItem; once shipped, a Query of its disputes; once delivered, a BatchGetItem of its lines' reviews; "
        "while pictures are being added to a dispute, a BatchGetItem of them; just after a return was asked for "
        "(no pictures then), a GetItem of the return",
    ),
)
def order_page(ctx: WebContext, order_id: str) -> Response:
    return _order_page(ctx, buyer(ctx), order_id)


def _known(exc: DomainError) -> bool:
    return i18n.has(f"error.{exc.code}")


@page(
    bp,
    "POST",
    "/orders/{order_id}/cancel",
    budget=Budget(
        4,
        "the API's cancel: GetItem + one transaction (order + restock; a paid order's refund posting, or on net "
        "terms the credit given back); an order that used a coupon + its GetItem (issue 12: released or given "
        "back in the same transaction)",
    ),
)
def cancel_order(ctx: WebContext, form: Form, order_id: str) -> Response:
    actor = buyer(ctx)
    if not looks_like_id(order_id):
        raise NotFound("order not found", code="order_not_found")
    c = container()
    try:
        order_lifecycle.cancel(
            c.buying, c.ledger, actor, order_id, now=c.clock(), trust=c.trust, coupon_store=c.coupons
        )
    except Conflict as exc:
        return _order_page(ctx, actor, order_id, 409, ctx.t(f"error.{exc.code}") if _known(exc) else None)
    return render.redirect(ctx, f"/orders/{order_id}", {"cancelled": "1"})


@page(
    bp,
    "POST",
    "/orders/{order_id}/return",
    budget=Budget(2, "the API's return: GetItem order + one transaction (return + order)"),
)
def request_return(ctx: WebContext, form: Form, order_id: str) -> Response:
    actor = buyer(ctx)
    if not looks_like_id(order_id):
        raise NotFound("order not found", code="order_not_found")
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
        return _order_page(ctx, actor, order_id, 400, error, values)
    c = container()
    try:
        ret = returns.request_return(c.buying, actor, order_id, lines, reason, now=c.clock(), return_id=c.new_id("ret"))
    except Conflict as exc:
        message = ctx.t(f"error.{exc.code}") if _known(exc) else ctx.t("error.body.generic")
        return _order_page(ctx, actor, order_id, 409, message, values)
    return render.redirect(ctx, f"/orders/{order_id}", {"returned": ret.return_id})
