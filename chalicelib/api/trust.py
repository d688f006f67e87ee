"""Buyer trust (issue 13): quality-assurance disputes, the points programme, reviews and ratings."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.trust import DISPUTE_STATUSES, REVIEW_SORTS
from ..services import disputes, evidence, points, reviews
from .presenters import dispute_public, points_entry_public, review_public
from .routing import ANYONE, Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)


def _dispute(d) -> dict:
    return dispute_public(d, container().media.url)


# --- disputes: the buyer ------------------------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/disputes",
    "openDispute",
    "Open a quality-assurance dispute on delivered lines of your order",
    tag="disputes",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    body="DisputeIn",
    responses={201: "DisputePublic"},
    errors=(409, 422),
    description=(
        "Within 15 days of delivery (`not_received`: of shipment). One open dispute per line (409 "
        "dispute_already_open). The seller has 3 days to answer; without an answer, or without an agreement "
        "within 7 days, the dispute escalates to the operators by itself."
    ),
    budget=Budget(
        3,
        "GetItem order, BatchGetItem of the evidence pictures (when any), one TransactWriteItems (the "
        "dispute, a claim per line, the order's timeline version-checked, the shop's daily counter)",
    ),  # fmt: skip
)
def open_dispute(call: Call, order_id: str) -> dict:
    c = container()
    return _dispute(
        disputes.open_dispute(
            c.buying, c.trust, call.actor, order_id, call.body.model_dump(), now=c.clock(), new_id=c.new_id
        )
    )


@route(
    bp,
    "GET",
    "/v1/orders/{order_id}/disputes",
    "listOrderDisputes",
    "The disputes of your order",
    tag="disputes",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    paged=True,
    responses={200: "DisputesPage"},
    budget=Budget(1, "one Query of g1-index; ownership from the disputes' buyer (an empty page: + GetItem order)"),
)
def order_disputes(call: Call, order_id: str) -> dict:
    c = container()
    page = disputes.order_disputes(c.buying, c.trust, call.actor, order_id, call.page.limit, call.page.start)
    return call.page.respond(page, _dispute)


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/disputes/{dispute_id}/accept",
    "acceptDisputeAnswer",
    "Accept the seller's answer (a refund offered is made now)",
    tag="disputes",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    responses={200: "DisputePublic"},
    errors=(409, 412),
    budget=Budget(
        12,
        "GetItem dispute + GetItem order + TransactWriteItems (step); a refund: GetItem order, the refund "
        "posting with the order and the dispute (BatchGetItem + TransactWriteItems), the points earned on it "
        "reversed (2 GetItem postings, GetItem balance, BatchGetItem + TransactWriteItems)",
    ),  # fmt: skip
)
def accept(call: Call, order_id: str, dispute_id: str) -> dict:
    c = container()
    return _dispute(disputes.accept(c.buying, c.trust, c.ledger, call.actor, order_id, dispute_id, now=c.clock()))


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/disputes/{dispute_id}/escalate",
    "escalateDispute",
    "Ask the operators to decide",
    tag="disputes",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    responses={200: "DisputePublic"},
    errors=(409, 412),
    budget=Budget(3, "GetItem dispute + GetItem order + one TransactWriteItems (dispute and order's timeline)"),
)
def escalate(call: Call, order_id: str, dispute_id: str) -> dict:
    c = container()
    return _dispute(disputes.escalate(c.buying, c.trust, call.actor, order_id, dispute_id, now=c.clock()))


# --- disputes: the seller and the operators -----------------------------------------------------------------


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/disputes",
    "listShopDisputes",
    "Your shop's disputes",
    tag="disputes",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    query=(choice("status", ("", *DISPUTE_STATUSES), "only disputes in this status", example="awaiting_seller"),),
    paged=True,
    responses={200: "DisputesPage"},
    budget=Budget(1, "one Query of g2-index (g3 with ?status=); ownership from the disputes' seller"),
)
def shop_disputes(call: Call, shop_id: str) -> dict:
    c = container()
    status = call.params["status"] or None
    page = disputes.shop_disputes(c.catalog, c.trust, call.actor, shop_id, status, call.page.limit, call.page.start)
    return call.page.respond(page, _dispute)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/disputes/{dispute_id}/respond",
    "respondToDispute",
    "Answer a dispute: refund, partial refund, return and refund, or reject",
    tag="disputes",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="DisputeResponseIn",
    responses={200: "DisputePublic"},
    errors=(409, 412, 422),
    budget=Budget(
        4,
        "GetItem dispute (ownership from its seller), BatchGetItem evidence (when any), GetItem order, "
        "one TransactWriteItems",
    ),  # fmt: skip
)
def respond(call: Call, shop_id: str, dispute_id: str) -> dict:
    c = container()
    body = call.body.model_dump()
    return _dispute(
        disputes.respond(c.catalog, c.buying, c.trust, call.actor, shop_id, dispute_id, body, now=c.clock())
    )


@route(
    bp,
    "GET",
    "/v1/admin/disputes",
    "listDisputes",
    "Disputes by status (the escalated ones wait for a decision)",
    tag="disputes",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    query=(choice("status", DISPUTE_STATUSES, "disputes in this status", default="escalated", example="escalated"),),
    paged=True,
    responses={200: "DisputesPage"},
    budget=Budget(1, "one Query of g4-index"),
)
def operator_disputes(call: Call) -> dict:
    c = container()
    page = disputes.operator_disputes(c.trust, call.actor, call.params["status"], call.page.limit, call.page.start)
    return call.page.respond(page, _dispute)


@route(
    bp,
    "POST",
    "/v1/admin/disputes/{dispute_id}/decide",
    "decideDispute",
    "Decide an escalated dispute: the refund and who funds it",
    tag="disputes",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="DisputeDecisionIn",
    responses={200: "DisputePublic"},
    errors=(409, 412),
    description=(
        "`funded_by: platform` is the quality-assurance guarantee: the buyer is refunded from "
        "`platform:guarantee` and the seller's available balance is debited towards it (it may go below zero)."
    ),
    budget=Budget(
        14,
        "GetItem dispute + GetItem order + TransactWriteItems (decision); the refund: GetItem order, the "
        "seller debit (BatchGetItem + TransactWriteItems), the refund posting with the order and the dispute "
        "(TransactWriteItems: system accounts only), the points reversed (up to 5)",
    ),  # fmt: skip
)
def decide(call: Call, dispute_id: str) -> dict:
    c = container()
    body = call.body.model_dump()
    return _dispute(disputes.decide(c.buying, c.trust, c.ledger, call.actor, dispute_id, body, now=c.clock()))


# --- pictures for disputes and reviews ----------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/me/uploads",
    "requestUpload",
    "Upload a picture for a dispute or a review (presigned S3 POST)",
    tag="disputes",
    auth=roles(Role.BUYER, Role.SELLER),
    scope=Scope.ACCOUNT,
    body="UploadIn",
    responses={201: "UploadPublic"},
    budget=Budget(1, "one PutItem (the pending upload, owned by the caller)"),
)
def request_upload(call: Call) -> dict:
    c = container()
    return evidence.request_upload(
        c.trust, c.media, call.actor, call.body.content_type, call.body.size, media_id=c.new_id("evd"),
        now=c.clock(), expires_in=c.settings.upload_url_ttl_seconds,
    )  # fmt: skip


@route(
    bp,
    "POST",
    "/v1/me/uploads/{upload_id}/complete",
    "completeUpload",
    "Verify an uploaded picture (yours only)",
    tag="disputes",
    auth=roles(Role.BUYER, Role.SELLER),
    scope=Scope.ACCOUNT,
    responses={200: "UploadedPublic"},
    errors=(422,),
    budget=Budget(2, "BatchGetItem of the upload's record + PutItem of it completed"),
)
def complete_upload(call: Call, upload_id: str) -> dict:
    c = container()
    done = evidence.complete_upload(c.trust, c.media, call.actor, upload_id, now=c.clock())
    return {"media_id": upload_id, "url": c.media.url(done["key"]), "thumbnail_url": c.media.url(done["thumbnail_key"])}


# --- points ---------------------------------------------------------------------------------------------------


@route(
    bp,
    "GET",
    "/v1/me/points",
    "getMyPoints",
    "Your points: balance, what expires soon, and the history",
    tag="points",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "PointsPublic"},
    budget=Budget(
        4,
        "GetItem balance (ledger) + Query of the lots earned 12 months ago (the next 30 days' expiries) + "
        "GetItem of the FIFO line (only when such lots exist) + one Query page of the history (ledger): the "
        "balance and history live in the ledger, the lots in the Trust table",
        read_exception=True,
    ),  # fmt: skip
)
def my_points(call: Call) -> dict:
    c = container()
    view = points.my_points(c.trust, c.ledger, call.actor, now=c.clock(), limit=call.page.limit, start=call.page.start)
    page = call.page.respond(view.history, points_entry_public)
    return {"balance": view.balance, "expiring_soon": view.expiring, **page}


@route(
    bp,
    "PUT",
    "/v1/admin/points/rules",
    "setPointsRules",
    "How many points an order earns, per market currency",
    tag="points",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="PointsRulesIn",
    responses={200: "PointsRulesPublic"},
    budget=Budget(1, "one PutItem"),
)
def set_rules(call: Call) -> dict:
    c = container()
    rules = points.set_rules(c.trust, call.actor, [m.model_dump() for m in call.body.markets], now=c.clock())
    markets = [{"currency": k, **v} for k, v in sorted(rules.earn.items())]
    return {"markets": markets, "updated_at": rules.updated_at}


@route(
    bp,
    "PUT",
    "/v1/admin/points/partner-bank",
    "setPartnerBank",
    "The partner bank: its cards' BIN ranges and the points multiplier",
    tag="points",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="PartnerBankIn",
    responses={200: "PartnerBankPublic"},
    budget=Budget(1, "one PutItem"),
)
def set_partner_bank(call: Call) -> dict:
    c = container()
    ranges = [{"from": r.from_, "to": r.to or r.from_} for r in call.body.bin_ranges]
    bank = points.set_partner_bank(c.trust, call.actor, call.body.name, ranges, call.body.multiplier, now=c.clock())
    return {
        "name": bank.name,
        "bin_ranges": [{"from": lo, "to": hi} for lo, hi in bank.bin_ranges],
        "multiplier": bank.multiplier,
        "updated_at": bank.updated_at,
    }


# --- reviews -------------------------------------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/orders/{order_id}/lines/{line_id}/review",
    "reviewOrderLine",
    "Review a product you received (once per order line, within 90 days of delivery)",
    tag="reviews",
    auth=roles(Role.BUYER),
    scope=Scope.BUYER_ORDER,
    body="ProductReviewIn",
    responses={201: "ReviewPublic"},
    errors=(409, 422),
    budget=Budget(
        6,
        "GetItem order, BatchGetItem photos (when any), one TransactWriteItems (the review, the product's "
        "and the shop's aggregates, the product's count), then the product's cards: GetItem product + one "
        "TransactWriteItems of its listing entries (the card shows the new average)",
    ),  # fmt: skip
)
def review(call: Call, order_id: str, line_id: str) -> dict:
    c = container()
    body = call.body.model_dump()
    created = reviews.create_review(c.buying, c.trust, c.catalog, call.actor, order_id, line_id, body, now=c.clock())
    return review_public(created, c.media.url, party=True)


@route(
    bp,
    "GET",
    "/v1/storefronts/{storefront}/products/{product_id}/reviews",
    "listProductReviews",
    "A product's reviews, newest or best rated first",
    tag="reviews",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    query=(choice("sort", REVIEW_SORTS, "order", default="newest", example="rating"),),
    paged=True,
    responses={200: "ReviewsPage"},
    budget=Budget(1, "one Query of g1-index (newest) or g2-index (rating); hidden reviews are not in them"),
)
def product_reviews(call: Call, storefront: str, product_id: str) -> dict:
    c = container()
    page = reviews.product_reviews(c.trust, product_id, call.params["sort"], call.page.limit, call.page.start)
    return call.page.respond(page, lambda r: review_public(r, c.media.url))


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/reviews/{review_id}/reply",
    "replyToReview",
    "Reply to a review of your product (once)",
    tag="reviews",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="ReviewReplyIn",
    responses={200: "ReviewPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem review (ownership from its seller) + one TransactWriteItems"),
)
def reply(call: Call, shop_id: str, review_id: str) -> dict:
    c = container()
    done = reviews.reply(c.buying, c.trust, c.catalog, call.actor, shop_id, review_id, call.body.text, now=c.clock())
    return review_public(done, c.media.url, party=True)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/reviews/{review_id}/hide-request",
    "requestReviewHiding",
    "Ask the operators to hide a review",
    tag="reviews",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="ReasonIn",
    responses={200: "ReviewPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem review (ownership from its seller) + one TransactWriteItems"),
)
def request_hiding(call: Call, shop_id: str, review_id: str) -> dict:
    c = container()
    done = reviews.request_hiding(
        c.buying, c.trust, c.catalog, call.actor, shop_id, review_id, call.body.reason, now=c.clock()
    )
    return review_public(done, c.media.url, party=True)


@route(
    bp,
    "POST",
    "/v1/admin/reviews/{review_id}/hide",
    "hideReview",
    "Hide a review (it leaves the product's page and its ratings)",
    tag="reviews",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="ReasonIn",
    responses={200: "ReviewPublic"},
    errors=(409, 412),
    budget=Budget(
        4,
        "GetItem review + one TransactWriteItems (the review, the aggregates less its rating), then the "
        "product's cards: GetItem product + one TransactWriteItems",
    ),  # fmt: skip
)
def hide(call: Call, review_id: str) -> dict:
    c = container()
    done = reviews.hide(c.buying, c.trust, c.catalog, call.actor, review_id, call.body.reason, now=c.clock())
    return review_public(done, c.media.url, party=True)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/trust",
    "getShopTrust",
    "A shop's rating and its dispute rate over the last 90 days",
    tag="reviews",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    responses={200: "ShopTrustPublic"},
    budget=Budget(1, "one BatchGetItem: the shop's rating aggregate and its daily counters"),
)
def shop_trust(call: Call, shop_id: str) -> dict:
    c = container()
    return disputes.shop_trust(c.catalog, c.trust, shop_id, now=c.clock())
