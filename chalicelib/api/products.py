"""A seller's products and their pictures."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..services import catalog, media
from . import cursors
from .auth import require_actor
from .errors import api_errors
from .http import etag, if_match_version, json_body, limit_param, no_content, ok, query
from .presenters import media_public, product_public

bp = Blueprint(__name__)


def _product_response(product, status: int = 200):
    body = product_public(product, container().media.url, private=True)
    return ok(body, status=status, headers={"ETag": etag(product.version)})


@bp.route("/v1/shops/{shop_id}/products", methods=["POST"])
@api_errors
def add_product(shop_id):
    from .schemas import ProductCreate

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, ProductCreate)
    c = container()
    product = catalog.add_product(c.catalog, actor, shop_id, body.fields(), now=c.clock(), product_id=c.new_id("prd"))
    return _product_response(product, status=201)


@bp.route("/v1/shops/{shop_id}/products", methods=["GET"])
@api_errors
def list_products(shop_id):
    request = bp.current_request
    actor = require_actor(request, Role.SELLER, Role.OPERATOR)
    params = query(request)
    archived = params.get("archived") == "true"
    scope = f"shop-products:{shop_id}:{archived}"
    c = container()
    start = cursors.decode(c.settings.cursor_secret, scope, params.get("cursor"))
    page = catalog.shop_products(c.catalog, actor, shop_id, limit_param(params), start, archived)
    return ok(
        {
            "items": [product_public(p, c.media.url, private=True) for p in page.items],
            "next_cursor": cursors.encode(c.settings.cursor_secret, scope, page.last_key),
        }
    )


@bp.route("/v1/shops/{shop_id}/products/{product_id}", methods=["GET"])
@api_errors
def get_product(shop_id, product_id):
    actor = require_actor(bp.current_request, Role.SELLER, Role.OPERATOR)
    return _product_response(catalog.owned_product(container().catalog, actor, shop_id, product_id))


@bp.route("/v1/shops/{shop_id}/products/{product_id}", methods=["PATCH"])
@api_errors
def edit_product(shop_id, product_id):
    from .schemas import ProductUpdate

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, ProductUpdate)
    c = container()
    product = catalog.edit_product(
        c.catalog, actor, shop_id, product_id, body.changes(), if_match=if_match_version(request), now=c.clock()
    )
    return _product_response(product)


@bp.route("/v1/shops/{shop_id}/products/{product_id}", methods=["DELETE"])
@api_errors
def archive_product(shop_id, product_id):
    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    c = container()
    catalog.archive_product(c.catalog, actor, shop_id, product_id, if_match=if_match_version(request), now=c.clock())
    return no_content()


@bp.route("/v1/shops/{shop_id}/products/{product_id}/media", methods=["POST"])
@api_errors
def request_upload(shop_id, product_id):
    from .schemas import MediaCreate

    request = bp.current_request
    actor = require_actor(request, Role.SELLER)
    body = json_body(request, MediaCreate)
    c = container()
    result = media.request_upload(
        c.catalog,
        c.media,
        actor,
        shop_id,
        product_id,
        body.content_type,
        body.size,
        media_id=c.new_id("med"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )
    return ok(result, status=201)


@bp.route("/v1/shops/{shop_id}/products/{product_id}/media/{media_id}/complete", methods=["POST"])
@api_errors
def complete_upload(shop_id, product_id, media_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    ref = media.complete_upload(c.catalog, c.media, actor, shop_id, product_id, media_id, now=c.clock())
    return ok(media_public(ref, c.media.url))


@bp.route("/v1/shops/{shop_id}/products/{product_id}/media/{media_id}", methods=["DELETE"])
@api_errors
def remove_media(shop_id, product_id, media_id):
    actor = require_actor(bp.current_request, Role.SELLER)
    c = container()
    media.remove_media(c.catalog, c.media, actor, shop_id, product_id, media_id, now=c.clock())
    return no_content()
