"""Makers and origins (issue 15): sellers' makers and the files behind them, public maker pages, the origin
taxonomy with live counts, and geographic-indication claims with their verification by operators."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain import seasons
from ..domain.identity import Role
from ..domain.provenance import GI_CLAIM_STATUSES
from ..services import gi_claims, makers, origins, shop_uploads
from .presenters import card_public, claim_public, maker_profile_public, maker_public, upload_public
from .routing import ANYONE, Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)


# --- files for makers and claims -------------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/uploads",
    "startShopUpload",
    "Start uploading a maker's photo or a geographic-indication document (presigned POST)",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="ShopUploadCreate",
    responses={201: "ShopUploadTicket"},
    errors=(409,),
    budget=Budget(2, "GetItem shop + conditional PutItem of the announced upload (the POST is signed locally)"),
)
def start_upload(call: Call, shop_id: str) -> dict:
    c = container()
    body = call.body
    return shop_uploads.request_upload(
        c.catalog,
        c.provenance,
        c.media,
        call.actor,
        shop_id,
        body.purpose,
        body.content_type,
        body.size,
        upload_id=c.new_id("upl"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/uploads/{upload_id}/complete",
    "completeShopUpload",
    "Verify an uploaded file (a photo gets its thumbnail and 800 px WebP) and keep it under stable URLs",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "ShopUploadPublic"},
    errors=(422,),
    budget=Budget(
        2,
        "GetItem upload (ownership from its owner; anyone else also GetItems the shop for the 403/404) + "
        "conditional PutItem (ready); completing again is one GetItem",
    ),
)
def complete_upload(call: Call, shop_id: str, upload_id: str) -> dict:
    c = container()
    upload = shop_uploads.complete_upload(
        c.catalog, c.provenance, c.media, call.actor, shop_id, upload_id, now=c.clock()
    )
    return upload_public(upload, c.media.url)


# --- makers -------------------------------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/makers",
    "addMaker",
    "Add a maker to your handicrafts shop",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="MakerCreate",
    responses={201: "MakerPublic"},
    errors=(409,),
    budget=Budget(
        3,
        "GetItem shop + GetItem of the photo's upload when one is named + one TransactWriteItems (the maker "
        "and its public profile, stored first in its listing partition)",
    ),
)
def add_maker(call: Call, shop_id: str) -> dict:
    c = container()
    maker = makers.add_maker(
        c.catalog, c.provenance, call.actor, shop_id, call.body.model_dump(), now=c.clock(), maker_id=c.new_id("mkr")
    )
    return maker_public(maker, c.media.url, private=True)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/makers",
    "listShopMakers",
    "Your shop's makers",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "MakersPage"},
    budget=Budget(
        1,
        "one Query of the Provenance owner-index; ownership from the makers' owner (an empty page costs one more "
        "GetItem, of the shop, to tell an empty shop from a foreign one)",
    ),
)
def list_makers(call: Call, shop_id: str) -> dict:
    c = container()
    page = makers.shop_makers(c.catalog, c.provenance, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, lambda m: maker_public(m, c.media.url, private=True))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/makers/{maker_id}",
    "getShopMaker",
    "One of your shop's makers",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "MakerPublic"},
    budget=Budget(1, "one GetItem; ownership from the maker's owner"),
)
def get_maker(call: Call, shop_id: str, maker_id: str) -> dict:
    c = container()
    return maker_public(
        makers.shop_maker(c.catalog, c.provenance, call.actor, shop_id, maker_id), c.media.url, private=True
    )


@route(
    bp,
    "PATCH",
    "/v1/shops/{shop_id}/makers/{maker_id}",
    "editMaker",
    "Edit a maker (a new name follows onto the products that name them)",
    tag="makers",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="MakerUpdate",
    responses={200: "MakerPublic"},
    errors=(412,),
    budget=Budget(
        5,
        "GetItem maker + GetItem of a new photo's upload + one TransactWriteItems (maker and public profile); a "
        "new name also Queries the maker's listing partition and BatchGetItems those products (100 a page), "
        "then rewrites each (one transaction per product)",
        per_product=1,
    ),
)
def edit_maker(call: Call, shop_id: str, maker_id: str) -> dict:
    c = container()
    changes = call.body.model_dump(exclude_unset=True)
    maker = makers.edit_maker(c.catalog, c.provenance, call.actor, shop_id, maker_id, changes, now=c.clock())
    return maker_public(maker, c.media.url, private=True)


@route(
    bp,
    "GET",
    "/v1/makers/{maker_id}",
    "getMaker",
    "A maker and their products",
    tag="makers",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    paged=True,
    responses={200: "MakerPagePublic"},
    description="The maker is on the first page; a maker with no listed product is 404.",
    budget=Budget(1, "one Query of the maker's listing partition: the profile first, then their listed products"),
)
def maker_page(call: Call, maker_id: str) -> dict:
    c = container()
    profile, page = makers.public_maker(c.provenance, maker_id, call.page.limit, call.page.start)
    today = seasons.day_of(c.clock())
    return {
        "maker": maker_profile_public(profile, c.media.url) if profile else None,
        **call.page.respond(page, lambda card: card_public(card, c.media.url, today)),
    }


# --- origins ------------------------------------------------------------------------------------------


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront_key}/origins",
    "listOrigins",
    "Provinces, prefectures and counties with their live product counts",
    tag="storefronts",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: "OriginsPublic"},
    description="Only storefronts with an origin taxonomy (specialties); others are 404.",
    budget=Budget(1, "one Query of the storefront's county counts, kept by the product writes (no scan)"),
)
def list_origins(call: Call, storefront_key: str) -> dict:
    return {"storefront": storefront_key, "items": origins.origins(container().provenance, storefront_key)}


# --- geographic-indication claims ---------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/gi-claims",
    "submitGiClaim",
    "Claim a geographic indication for products, with its registration document",
    tag="geographic-indications",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="GiClaimCreate",
    responses={201: "GiClaimPublic"},
    errors=(409,),
    budget=Budget(
        4,
        "GetItem shop + BatchGetItem of the products + GetItem of the document's upload + one TransactWriteItems "
        "(the claim and a hold on each product: one pending or verified claim per product)",
    ),
)
def submit_claim(call: Call, shop_id: str) -> dict:
    c = container()
    data = call.body.model_dump()
    data["register"] = data.pop("register_")
    claim = gi_claims.submit_claim(
        c.catalog, c.provenance, call.actor, shop_id, data, now=c.clock(), claim_id=c.new_id("gic")
    )
    return claim_public(claim, c.media.url)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/gi-claims",
    "listShopGiClaims",
    "Your shop's geographic-indication claims",
    tag="geographic-indications",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "GiClaimsPage"},
    budget=Budget(
        1,
        "one Query of the Provenance owner-index; ownership from the claims' owner (an empty page costs one "
        "more GetItem, of the shop)",
    ),
)
def list_shop_claims(call: Call, shop_id: str) -> dict:
    c = container()
    page = gi_claims.shop_claims(c.catalog, c.provenance, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, lambda claim: claim_public(claim, c.media.url))


@route(
    bp,
    "GET",
    "/v1/admin/gi-claims",
    "listGiClaims",
    "Geographic-indication claims by status (the verification queue)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    query=(choice("status", GI_CLAIM_STATUSES, "claim status", default="pending", example="verified"),),
    paged=True,
    responses={200: "GiClaimsPage"},
    budget=Budget(1, "one Query of the Provenance queue-index"),
)
def claims_queue(call: Call) -> dict:
    c = container()
    page = gi_claims.claims_queue(c.provenance, call.actor, call.params["status"], call.page.limit, call.page.start)
    return call.page.respond(page, lambda claim: claim_public(claim, c.media.url))


_DECISION_BUDGET = Budget(
    2,
    "GetItem claim + one TransactWriteItems (the claim, version-checked; holds released when it stops holding "
    "its products); then per product a GetItem and its transaction (the badge on or off its listings)",
    per_product=2,
)


@route(
    bp,
    "POST",
    "/v1/admin/gi-claims/{claim_id}/verify",
    "verifyGiClaim",
    "Verify a claim: its products show the geographic-indication badge",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "GiClaimPublic"},
    errors=(409, 412),
    description="Verifying a verified claim again brings its products in line (after an interrupted run).",
    budget=_DECISION_BUDGET,
)
def verify_claim(call: Call, claim_id: str) -> dict:
    c = container()
    claim = gi_claims.decide(c.catalog, c.provenance, call.actor, claim_id, "verify", now=c.clock())
    return claim_public(claim, c.media.url)


@route(
    bp,
    "POST",
    "/v1/admin/gi-claims/{claim_id}/reject",
    "rejectGiClaim",
    "Reject a pending claim (its products may be claimed again)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="GiDecisionIn",
    responses={200: "GiClaimPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem claim + one TransactWriteItems (the claim; its products' holds released)"),
)
def reject_claim(call: Call, claim_id: str) -> dict:
    c = container()
    claim = gi_claims.decide(
        c.catalog, c.provenance, call.actor, claim_id, "reject", now=c.clock(), reason=call.body.reason
    )
    return claim_public(claim, c.media.url)


@route(
    bp,
    "POST",
    "/v1/admin/gi-claims/{claim_id}/revoke",
    "revokeGiClaim",
    "Revoke a verified claim: the badge leaves its products everywhere",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="GiDecisionIn",
    responses={200: "GiClaimPublic"},
    errors=(409, 412),
    description="Revoking a revoked claim again brings its products in line (after an interrupted run).",
    budget=_DECISION_BUDGET,
)
def revoke_claim(call: Call, claim_id: str) -> dict:
    c = container()
    claim = gi_claims.decide(
        c.catalog, c.provenance, call.actor, claim_id, "revoke", now=c.clock(), reason=call.body.reason
    )
    return claim_public(claim, c.media.url)
