"""Sellers' shops (each shop is a tenant) and the operators' moderation of them."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..services import shops
from . import cursors
from .auth import optional_actor, require_actor
from .errors import api_errors
from .http import choice_param, json_body, limit_param, ok, query
from .presenters import shop_public

bp = Blueprint(__name__)


def _page(page, scope: str, *, private: bool) -> dict:
    secret = container().settings.cursor_secret
    return {
        "items": [shop_public(s, private=private) for s in page.items],
        "next_cursor": cursors.encode(secret, scope, page.last_key),
    }


def _start(params: dict, scope: str):
    return cursors.decode(container().settings.cursor_secret, scope, params.get("cursor"))


@bp.route("/v1/shops", methods=["POST"])
@api_errors
def open_shop():
    from .schemas import ShopCreate

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, ShopCreate)
    c = container()
    shop = shops.open_shop(c.catalog, actor, body.model_dump(), now=c.clock(), shop_id=c.new_id("shp"))
    return ok(shop_public(shop, private=True), status=201)


@bp.route("/v1/shops/{shop_id}", methods=["GET"])
@api_errors
def get_shop(shop_id):
    actor = optional_actor(bp.current_request)
    shop = shops.view_shop(container().catalog, actor, shop_id)
    mine = actor is not None and (actor.user_id == shop.owner_id or actor.is_operator)
    return ok(shop_public(shop, private=mine))


@bp.route("/v1/shops/{shop_id}", methods=["PATCH"])
@api_errors
def edit_shop(shop_id):
    from .schemas import ShopUpdate

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, ShopUpdate)
    c = container()
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    shop = shops.edit_shop(c.catalog, actor, shop_id, changes, now=c.clock())
    return ok(shop_public(shop, private=True))


@bp.route("/v1/me/shops", methods=["GET"])
@api_errors
def my_shops():
    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    params = query(request)
    scope = f"me-shops:{actor.user_id}"
    page = shops.my_shops(container().catalog, actor, limit_param(params), _start(params, scope))
    return ok(_page(page, scope, private=True))


@bp.route("/v1/admin/shops", methods=["GET"])
@api_errors
def moderation_queue():
    from ..domain.catalog import SHOP_STATUSES

    request = bp.current_request
    actor = require_actor(request, Role.OPERATOR)
    params = query(request)
    status = choice_param(params, "status", SHOP_STATUSES, "pending")
    scope = f"admin-shops:{status}"
    page = shops.moderation_queue(container().catalog, actor, status, limit_param(params), _start(params, scope))
    return ok(_page(page, scope, private=True))


def _moderate(shop_id: str, action: str):
    actor = require_actor(bp.current_request, Role.OPERATOR)
    c = container()
    return ok(shop_public(shops.moderate(c.catalog, actor, shop_id, action, now=c.clock()), private=True))


@bp.route("/v1/admin/shops/{shop_id}/approve", methods=["POST"])
@api_errors
def approve_shop(shop_id):
    return _moderate(shop_id, "approve")


@bp.route("/v1/admin/shops/{shop_id}/suspend", methods=["POST"])
@api_errors
def suspend_shop(shop_id):
    return _moderate(shop_id, "suspend")
