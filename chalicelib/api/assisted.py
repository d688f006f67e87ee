"""Assisted orders (issue 11): a village partner quotes and places orders for a villager (collected at the
village), and operators set each county's service fee rule."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..services import assisted
from .http import ok
from .presenters import fee_rule_public, parcel_public
from .routing import Budget, Call, Header, Scope, roles, route

bp = Blueprint(__name__)

PARTNER = roles(Role.PARTNER)
IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "required; replaying it with the same body returns the same result (200), with another body 422",
    required=True,
    max_length=100,
)


@route(
    bp,
    "PUT",
    "/v1/admin/counties/{county_id}/fee-rule",
    "setCountyFeeRule",
    "Set the county's service fee rule for assisted orders",
    tag="network",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="FeeRuleIn",
    responses={200: "FeeRulePublic"},
    description=(
        "One rule per county, replacing the previous one. The fee of an order is `percent_bp` of its goods "
        "(integer minor units, rounded half away from zero), at least `min_amount`, at most `max_amount`; "
        "orders in another currency than the rule's carry no fee."
    ),
    budget=Budget(2, "GetItem county + PutItem rule"),
)
def set_fee_rule(call: Call, county_id: str) -> dict:
    c = container()
    rule = assisted.set_fee_rule(c.network, call.actor, county_id, call.body.model_dump(), now=c.clock())
    return fee_rule_public(rule)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/orders/quote",
    "quoteAssistedOrder",
    "What ordering these lines for a villager would cost: one order per shop, goods, the partner's fee",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="AssistedQuoteIn",
    responses={200: "AssistedQuotePublic"},
    errors=(409, 422),
    description=(
        "Checkout's rules line by line: a product not sold (409 lines_unavailable, each line's reason: "
        "unavailable, out_of_stock, below_moq, not_a_multiple, out_of_season); b2b tiers priced by quantity. "
        "Nothing is reserved."
    ),
    budget=Budget(2, "one BatchGetItem (village, villager, products) + GetItem the county's fee rule"),
)
def quote(call: Call, village_id: str) -> dict:
    c = container()
    return assisted.quote(c.buying, c.network, call.actor, village_id, call.body.model_dump(), now=c.clock())


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/orders",
    "placeAssistedOrder",
    "Order for a villager: one order per shop, collected at this village",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="AssistedOrderIn",
    headers=(IDEMPOTENCY_KEY,),
    responses={201: "AssistedOrdersPublic", 200: "AssistedOrdersPublic"},
    errors=(409, 422),
    description=(
        "Atomic with the stock decrements, exactly like checkout; the orders record the partner (`placed_by`) "
        "and the villager, and carry the partner's fee as their own line. `cash_on_pickup`: the seller ships "
        "before payment and the partner collects goods + fee at the handover; `paid_by_partner`: the partner "
        "pays the seller by bank transfer (the seller ships once paid; the goods are posted to the partner's "
        "`village:<id>:goods` with the orders) and collects the fee. A price changed "
        "since the quote is 409 price_changed (quote again)."
    ),
    budget=Budget(
        4,
        "one BatchGetItem (claim, village, villager, products) + GetItem fee rule + one TransactWriteItems "
        "(claim, stock per product, orders); paid by the partner, + the ledger's BatchGetItem (the posting of "
        "the goods to village:<id>:goods rides in the same transaction)",
    ),
)
def place(call: Call, village_id: str) -> Response:
    c = container()
    result, replayed = assisted.place(
        c.buying, c.network, call.actor, village_id, call.request.headers["idempotency-key"].strip(),
        call.body.model_dump(), now=c.clock(), new_id=c.new_id, present_order=parcel_public, ledger=c.ledger,
    )  # fmt: skip
    return ok(result, status=200 if replayed else 201)
