"""A seller's products and their pictures."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..services import catalog, media
from .http import etag, if_match_version, ok
from .presenters import media_public, product_public
from .routing import Budget, Call, Header, Scope, choice, roles, route

bp = Blueprint(__name__)

# The shop's owner, or the village partner managing it for a producer (issue 11; domain/identity.manages_shop).
SHOP_RUNNERS = roles(Role.SELLER, Role.PARTNER)

ETAG = (("ETag", "the product's version; send it back as If-Match"),)
IF_MATCH = Header("If-Match", "ETag from a previous read; a stale value gives 412")


def _product_response(product, status: int = 200) -> Response:
    body = product_public(product, container().media.url, private=True)
    return ok(body, status=status, headers={"ETag": etag(product.version)})


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/products",
    "addProduct",
    "Add a product",
    tag="products",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    body="ProductCreate",
    responses={201: "ProductPublic"},
    errors=(409,),
    response_headers=ETAG,
    budget=Budget(
        3,
        "GetItem shop + one TransactWriteItems (product, shop-status check, one listing per facet, the origin "
        "count); a product naming a maker_id also GetItems the maker (issue 15)",
    ),
)
def add_product(call: Call, shop_id: str) -> Response:
    c = container()
    product = catalog.add_product(
        c.catalog,
        call.actor,
        shop_id,
        call.body.fields(),
        now=c.clock(),
        product_id=c.new_id("prd"),
        makers=c.provenance,
    )
    return _product_response(product, status=201)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/products",
    "listShopProducts",
    "Your shop's products, drafts included",
    tag="products",
    auth=roles(Role.SELLER, Role.PARTNER, Role.OPERATOR),
    scope=Scope.SHOP,
    query=(choice("archived", ("true", "false"), "list archived products instead", default="false", example="true"),),
    paged=True,
    responses={200: "ProductsPage"},
    budget=Budget(
        1,
        "one Query of shop-index; ownership checked on the products' shop snapshot "
        "(an empty page costs one more GetItem, of the shop, to tell an empty shop from a foreign one)",
    ),
)
def list_products(call: Call, shop_id: str) -> dict:
    c = container()
    archived = call.params["archived"] == "true"
    page = catalog.shop_products(c.catalog, call.actor, shop_id, call.page.limit, call.page.start, archived)
    return call.page.respond(page, lambda p: product_public(p, c.media.url, private=True))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/products/{product_id}",
    "getShopProduct",
    "One of your products",
    tag="products",
    auth=roles(Role.SELLER, Role.PARTNER, Role.OPERATOR),
    scope=Scope.SHOP,
    responses={200: "ProductPublic"},
    response_headers=ETAG,
    budget=Budget(1, "one GetItem of the product; ownership checked on its shop snapshot"),
)
def get_product(call: Call, shop_id: str, product_id: str) -> Response:
    return _product_response(catalog.owned_product(container().catalog, call.actor, shop_id, product_id))


@route(
    bp,
    "PATCH",
    "/v1/shops/{shop_id}/products/{product_id}",
    "editProduct",
    "Edit a product",
    tag="products",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    body="ProductUpdate",
    responses={200: "ProductPublic"},
    errors=(409, 412),
    headers=(IF_MATCH,),
    response_headers=ETAG,
    budget=Budget(
        4,
        "GetItem shop + GetItem product + one TransactWriteItems (listings moved and origin counts kept in the "
        "same transaction); a product naming a maker_id also GetItems the maker (issue 15). A change too big for "
        "one transaction deletes the old listing entries with a second one",
    ),
)
def edit_product(call: Call, shop_id: str, product_id: str) -> Response:
    c = container()
    product = catalog.edit_product(
        c.catalog,
        call.actor,
        shop_id,
        product_id,
        call.body.changes(),
        if_match=if_match_version(call.request),
        now=c.clock(),
        makers=c.provenance,
    )
    return _product_response(product)


@route(
    bp,
    "DELETE",
    "/v1/shops/{shop_id}/products/{product_id}",
    "archiveProduct",
    "Archive a product",
    tag="products",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    responses={204: None},
    errors=(412,),
    headers=(IF_MATCH,),
    budget=Budget(3, "GetItem shop + GetItem product + one TransactWriteItems (archive, listings removed)"),
)
def archive_product(call: Call, shop_id: str, product_id: str) -> None:
    c = container()
    if_match = if_match_version(call.request)
    catalog.archive_product(c.catalog, call.actor, shop_id, product_id, if_match=if_match, now=c.clock())


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/products/{product_id}/media",
    "startMediaUpload",
    "Start a picture upload (presigned POST)",
    tag="media",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    body="MediaCreate",
    responses={201: "UploadTicket"},
    errors=(409,),
    budget=Budget(
        2, "GetItem product + conditional PutItem of the pending upload (the presigned POST is signed locally)"
    ),
)
def request_upload(call: Call, shop_id: str, product_id: str) -> dict:
    c = container()
    return media.request_upload(
        c.catalog,
        c.media,
        call.actor,
        shop_id,
        product_id,
        call.body.content_type,
        call.body.size,
        media_id=c.new_id("med"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/products/{product_id}/media/{media_id}/complete",
    "completeMediaUpload",
    "Verify an uploaded picture, make its thumbnail and 800 px WebP, and attach it under stable URLs",
    tag="media",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    responses={200: "MediaPublic"},
    errors=(409, 422),
    budget=Budget(5, "GetItem shop + GetItem product + GetItem pending + TransactWriteItems + DeleteItem pending"),
)
def complete_upload(call: Call, shop_id: str, product_id: str, media_id: str) -> dict:
    c = container()
    ref = media.complete_upload(c.catalog, c.media, call.actor, shop_id, product_id, media_id, now=c.clock())
    return media_public(ref, c.media.url)


@route(
    bp,
    "DELETE",
    "/v1/shops/{shop_id}/products/{product_id}/media/{media_id}",
    "removeMedia",
    "Remove a picture",
    tag="media",
    auth=SHOP_RUNNERS,
    scope=Scope.SHOP,
    responses={204: None},
    budget=Budget(3, "GetItem shop + GetItem product + TransactWriteItems"),
)
def remove_media(call: Call, shop_id: str, product_id: str, media_id: str) -> None:
    c = container()
    media.remove_media(c.catalog, c.media, call.actor, shop_id, product_id, media_id, now=c.clock())
