"""Buyers: cart, checkout, their orders, cancellations, returns; everyone: notifications."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.errors import ValidationFailed
from ..domain.identity import Role
from ..services import cart, checkout, notifications, order_lifecycle, returns
from . import cursors
from .auth import require_actor
from .errors import api_errors
from .http import json_body, limit_param, no_content, ok, query
from .presenters import buyer_order_public, return_public

bp = Blueprint(__name__)
IDEMPOTENCY_KEY_MAX = 100


def _page(items, scope: str, last_key) -> dict:
    return {"items": items, "next_cursor": cursors.encode(container().settings.cursor_secret, scope, last_key)}


@bp.route("/v1/cart", methods=["GET"])
@api_errors
def view_cart():
    actor = require_actor(bp.current_request, Role.BUYER)
    return ok(cart.view(container().buying, actor))


@bp.route("/v1/cart/items/{product_id}", methods=["PUT"])
@api_errors
def put_cart_item(product_id):
    from .schemas import CartItemPut

    request = bp.current_request
    actor = require_actor(request, Role.BUYER)
    body = json_body(request, CartItemPut)
    c = container()
    saved, products = cart.set_line(c.buying, actor, product_id, body.quantity, now=c.clock())
    return ok(cart.describe(saved, products))


@bp.route("/v1/cart", methods=["DELETE"])
@api_errors
def empty_cart():
    actor = require_actor(bp.current_request, Role.BUYER)
    cart.empty(container().buying, actor)
    return no_content()


@bp.route("/v1/checkout", methods=["POST"])
@api_errors
def do_checkout():
    from .schemas import CheckoutIn

    request = bp.current_request
    actor = require_actor(request, Role.BUYER)
    key = (request.headers.get("idempotency-key") or "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ValidationFailed(
            "an Idempotency-Key header is required",
            code="idempotency_key_required",
            details=[{"field": "Idempotency-Key", "message": f"1 to {IDEMPOTENCY_KEY_MAX} printable characters"}],
        )
    body = json_body(request, CheckoutIn)
    c = container()
    result, replayed = checkout.checkout(
        c.buying,
        c.events,
        actor,
        key,
        body.model_dump(),
        now=c.clock(),
        new_id=c.new_id,
        present_order=buyer_order_public,
    )
    return ok(result, status=200 if replayed else 201, headers={"Idempotent-Replayed": str(replayed).lower()})


@bp.route("/v1/orders", methods=["GET"])
@api_errors
def my_orders():
    request = bp.current_request
    actor = require_actor(request, Role.BUYER)
    params = query(request)
    scope = f"orders:{actor.user_id}"
    c = container()
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = order_lifecycle.buyer_orders(c.buying, actor, limit_param(params), start)
    return ok(_page([buyer_order_public(o) for o in page.items], scope, page.last_key))


@bp.route("/v1/orders/{order_id}", methods=["GET"])
@api_errors
def my_order(order_id):
    actor = require_actor(bp.current_request, Role.BUYER)
    return ok(buyer_order_public(order_lifecycle.buyer_order(container().buying, actor, order_id)))


@bp.route("/v1/orders/{order_id}/cancel", methods=["POST"])
@api_errors
def cancel_order(order_id):
    actor = require_actor(bp.current_request, Role.BUYER)
    c = container()
    order = order_lifecycle.cancel(c.buying, c.events, actor, order_id, now=c.clock())
    return ok(buyer_order_public(order))


@bp.route("/v1/orders/{order_id}/returns", methods=["POST"])
@api_errors
def request_return(order_id):
    from .schemas import ReturnIn

    request = bp.current_request
    actor = require_actor(request, Role.BUYER)
    body = json_body(request, ReturnIn)
    c = container()
    ret = returns.request_return(
        c.buying,
        c.events,
        actor,
        order_id,
        [line.model_dump() for line in body.lines],
        body.reason,
        now=c.clock(),
        return_id=c.new_id("ret"),
    )
    return ok(return_public(ret), status=201)


@bp.route("/v1/me/notifications", methods=["GET"])
@api_errors
def my_notifications():
    request = bp.current_request
    actor = require_actor(request)
    params = query(request)
    scope = f"notifications:{actor.user_id}"
    c = container()
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = notifications.my_notifications(c.buying, actor, limit_param(params), start)
    return ok(_page(page.items, scope, page.last_key))
