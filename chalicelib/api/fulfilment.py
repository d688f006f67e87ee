"""Sellers: their shops' orders, shipping, delivery, payments received, returns."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.orders import ORDER_STATUSES
from ..services import order_lifecycle, returns
from . import cursors
from .auth import require_actor
from .errors import api_errors
from .http import json_body, limit_param, ok, query
from .presenters import return_public, seller_order_public

bp = Blueprint(__name__)


@bp.route("/v1/shops/{shop_id}/orders", methods=["GET"])
@api_errors
def shop_orders(shop_id):
    from .http import choice_param

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    params = query(request)
    status = choice_param(params, "status", ("", *ORDER_STATUSES), "") or None
    scope = f"shop-orders:{shop_id}:{status}"
    c = container()
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = order_lifecycle.shop_orders(c.catalog, c.buying, actor, shop_id, status, limit_param(params), start)
    return ok(
        {
            "items": [seller_order_public(o) for o in page.items],
            "next_cursor": cursors.encode(c.settings.cursor_secret, scope, page.last_key),
        }
    )


@bp.route("/v1/shops/{shop_id}/orders/{order_id}", methods=["GET"])
@api_errors
def shop_order(shop_id, order_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    return ok(seller_order_public(order_lifecycle.shop_order(c.catalog, c.buying, actor, shop_id, order_id)))


@bp.route("/v1/shops/{shop_id}/orders/{order_id}/ship", methods=["POST"])
@api_errors
def ship(shop_id, order_id):
    from .schemas import ShipIn

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, ShipIn)
    c = container()
    order = order_lifecycle.ship(
        c.catalog, c.buying, c.events, actor, shop_id, order_id, body.carrier, body.tracking_number, now=c.clock()
    )
    return ok(seller_order_public(order))


@bp.route("/v1/shops/{shop_id}/orders/{order_id}/deliver", methods=["POST"])
@api_errors
def deliver(shop_id, order_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    order = order_lifecycle.deliver(c.catalog, c.buying, c.events, actor, shop_id, order_id, now=c.clock())
    return ok(seller_order_public(order))


@bp.route("/v1/shops/{shop_id}/orders/{order_id}/mark-paid", methods=["POST"])
@api_errors
def mark_paid(shop_id, order_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    order = order_lifecycle.mark_paid(c.catalog, c.buying, c.events, actor, shop_id, order_id, now=c.clock())
    return ok(seller_order_public(order))


@bp.route("/v1/shops/{shop_id}/returns", methods=["GET"])
@api_errors
def shop_returns(shop_id):
    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    params = query(request)
    scope = f"shop-returns:{shop_id}"
    c = container()
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = returns.shop_returns(c.catalog, c.buying, actor, shop_id, limit_param(params), start)
    return ok(
        {
            "items": [return_public(r) for r in page.items],
            "next_cursor": cursors.encode(c.settings.cursor_secret, scope, page.last_key),
        }
    )


@bp.route("/v1/shops/{shop_id}/returns/{return_id}/receive", methods=["POST"])
@api_errors
def receive_return(shop_id, return_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    ret = returns.receive_return(c.catalog, c.buying, c.events, actor, shop_id, return_id, now=c.clock())
    return ok(return_public(ret))
