"""Sellers' shops (each shop is a tenant) and the operators' moderation of them."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.catalog import SHOP_STATUSES
from ..domain.identity import Role
from ..services import shops
from .presenters import shop_public
from .routing import OPTIONAL_TOKEN, Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)


def _private(shop) -> dict:
    return shop_public(shop, private=True)


@route(
    bp,
    "POST",
    "/v1/shops",
    "openShop",
    "Open a shop (pending until an operator approves it)",
    tag="shops",
    auth=roles(Role.SELLER),
    scope=Scope.SELLER_ACCOUNT,
    body="ShopCreate",
    responses={201: "ShopPublic"},
    errors=(409,),
    budget=Budget(1, "one TransactWriteItems: shop + slug claim"),
)
def open_shop(call: Call) -> dict:
    c = container()
    shop = shops.open_shop(c.catalog, call.actor, call.body.model_dump(), now=c.clock(), shop_id=c.new_id("shp"))
    return _private(shop)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}",
    "getShop",
    "A shop (active shops are public)",
    tag="shops",
    auth=OPTIONAL_TOKEN,
    scope=Scope.PUBLIC,
    responses={200: "ShopPublic"},
    budget=Budget(1, "one GetItem"),
)
def get_shop(call: Call, shop_id: str) -> dict:
    actor = call.caller
    shop = shops.view_shop(container().catalog, actor, shop_id)
    mine = actor is not None and (actor.user_id == shop.owner_id or actor.is_operator)
    return shop_public(shop, private=mine)


@route(
    bp,
    "PATCH",
    "/v1/shops/{shop_id}",
    "editShop",
    "Edit your shop",
    tag="shops",
    auth=roles(Role.SELLER, Role.PARTNER),
    scope=Scope.SHOP,
    body="ShopUpdate",
    responses={200: "ShopPublic"},
    errors=(409,),
    budget=Budget(
        2,
        "GetItem shop + conditional PutItem; a new name or region makes that one TransactWriteItems with the "
        "product job's event in the outbox (the products follow in the job, never in the request)",
    ),
)
def edit_shop(call: Call, shop_id: str) -> dict:
    c = container()
    changes = call.body.model_dump(exclude_unset=True, exclude_none=True)
    return _private(shops.edit_shop(c.catalog, call.actor, shop_id, changes, now=c.clock()))


@route(
    bp,
    "GET",
    "/v1/me/shops",
    "listMyShops",
    "Your shops",
    tag="shops",
    auth=roles(Role.SELLER),
    scope=Scope.SELLER_ACCOUNT,
    paged=True,
    responses={200: "ShopsPage"},
    budget=Budget(1, "one Query of owner-index"),
)
def my_shops(call: Call) -> dict:
    page = shops.my_shops(container().catalog, call.actor, call.page.limit, call.page.start)
    return call.page.respond(page, _private)


@route(
    bp,
    "GET",
    "/v1/admin/shops",
    "listShopsByStatus",
    "Shops by status (the moderation queue)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    query=(choice("status", SHOP_STATUSES, "shop status", default="pending", example="active"),),
    paged=True,
    responses={200: "ShopsPage"},
    budget=Budget(1, "one Query of status-index"),
)
def moderation_queue(call: Call) -> dict:
    status = call.params["status"]
    page = shops.moderation_queue(container().catalog, call.actor, status, call.page.limit, call.page.start)
    return call.page.respond(page, _private)


@route(
    bp,
    "POST",
    "/v1/admin/shops/{shop_id}/approve",
    "approveShop",
    "Approve (or reinstate) a shop",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "ShopPublic"},
    errors=(409,),
    description=(
        "From the moment it answers, no checkout of the shop's products fails for the shop's status. Its products "
        "return to (or, for suspend, leave) the storefronts in a job that follows within moments, whatever the "
        "number of products. Repeating the action is allowed (200): it runs that job again."
    ),
    budget=Budget(
        2,
        "GetItem shop + one TransactWriteItems (the version-checked shop and the product job's event in the "
        "outbox); the products follow in the job (shop.resync: one Query + one transaction per product per page "
        "of 100), never in the request",
    ),
)
def approve_shop(call: Call, shop_id: str) -> dict:
    c = container()
    return _private(shops.moderate(c.catalog, call.actor, shop_id, "approve", now=c.clock()))


@route(
    bp,
    "POST",
    "/v1/admin/shops/{shop_id}/suspend",
    "suspendShop",
    "Suspend a shop; its products leave storefronts",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "ShopPublic"},
    errors=(409,),
    description=(
        "From the moment it answers, no checkout containing the shop's products succeeds (409 shop_unavailable). "
        "Its products leave the storefronts in a job that follows within moments, whatever their number. "
        "Repeating the action is allowed (200): it runs that job again."
    ),
    budget=Budget(2, "as approve: the products leave the storefronts in the job, never in the request"),
)
def suspend_shop(call: Call, shop_id: str) -> dict:
    c = container()
    return _private(shops.moderate(c.catalog, call.actor, shop_id, "suspend", now=c.clock()))
