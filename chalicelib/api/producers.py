"""Producers a village partner sells for (issue 11, "assisted selling"): their profiles (with consent), their
shop (owned by the producer, managed by the partner, approved by operators like any shop; its products and
pictures then go through the ordinary product routes), their account's statement; operators set the partner's
commission on producers' sales per county."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..services import producers
from ..services.ports import Page
from .cash import _period
from .presenters import (
    producer_commission_public,
    producer_public,
    producer_shop_public,
    producer_statement_public,
)
from .routing import Budget, Call, Scope, roles, route, text

bp = Blueprint(__name__)

PARTNER = roles(Role.PARTNER)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/producers",
    "addProducer",
    "Add a producer the partner sells for, with their consent and how they are paid",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="ProducerIn",
    responses={201: "ProducerPublic"},
    errors=(409,),
    description=(
        "Personal data is minimal: a name and an optional phone. `consent` is required (400 without), as for "
        "villagers. `payout`: `bank_account` with the account's `details` (kept for transfers, shown masked) "
        "or `cash_via_partner` (no details)."
    ),
    budget=Budget(2, "GetItem village + PutItem profile (a one-action transaction)"),
)
def add(call: Call, village_id: str) -> dict:
    c = container()
    producer = producers.add_producer(
        c.network, call.actor, village_id, call.body.model_dump(), now=c.clock(), producer_id=c.new_id("pdr")
    )
    return producer_public(producer)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/producers",
    "listProducers",
    "The village's producers, newest first",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    paged=True,
    responses={200: "ProducersPage"},
    budget=Budget(1, "one Query of list-index; the items name the partner (an empty page also GetItems the village)"),
)
def list_producers(call: Call, village_id: str) -> dict:
    c = container()
    page = producers.producers(c.network, call.actor, village_id, call.page.limit, call.page.start)
    return call.page.respond(page, producer_public)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/producers/{producer_id}",
    "getProducer",
    "One producer of the village",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={200: "ProducerPublic"},
    budget=Budget(1, "GetItem producer (it names the partner; another village's also GetItems the village)"),
)
def get(call: Call, village_id: str, producer_id: str) -> dict:
    c = container()
    return producer_public(producers.producer(c.network, call.actor, village_id, producer_id))


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/producers/{producer_id}/shops",
    "openProducerShop",
    "Open the producer's shop: owned by the producer, managed by the partner, pending approval",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="ProducerShopIn",
    responses={201: "ProducerShopPublic"},
    errors=(409, 412),
    description=(
        "An ordinary shop (operators approve it as any other), whose owner is the producer and which the partner "
        "manages: the partner then adds and edits its products and pictures, and ships its orders, through the "
        "ordinary shop routes (that shop only). Its money is not a seller's: sales complete into the producer's "
        "account (`.../statement`), so the seller money routes (balances, payouts, payout account) refuse the "
        "partner. One shop per producer (409 producer_has_shop); a taken slug is 409."
    ),
    budget=Budget(
        5,
        "GetItem producer + GetItem county (the default region) + one TransactWriteItems (shop + slug claim) "
        "+ one version-checked PutItem of the profile",
    ),
)
def open_shop(call: Call, village_id: str, producer_id: str) -> dict:
    c = container()
    producer, shop = producers.open_producer_shop(
        c.network, c.catalog, call.actor, village_id, producer_id, call.body.model_dump(),
        now=c.clock(), shop_id=c.new_id("shp"),
    )  # fmt: skip
    return producer_shop_public(producer, shop)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/producers/{producer_id}/statement",
    "getProducerStatement",
    "The producer's account: opening balance, each sale net of both commissions, refunds, closing balance",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    query=(
        text("from", 40, "ISO-8601 start (default: 30 days ago)"),
        text("to", 40, "ISO-8601 end, excluded (default: now)"),
    ),
    paged=True,
    responses={200: "ProducerStatementPublic"},
    budget=Budget(
        4,
        "GetItem producer + the ledger's statement (the last entry before the period, the last before its end, "
        "one page of the period: three Queries whatever the history)",
        read_exception=True,
    ),
)
def statement(call: Call, village_id: str, producer_id: str) -> dict:
    c = container()
    start_at, end_at = _period(call)
    found = producers.producer_statement(
        c.network, c.ledger, call.actor, village_id, producer_id, start_at, end_at, call.page.limit, call.page.start
    )
    return producer_statement_public(found, call.page.next_cursor(Page([], found.statement.last_key)))


@route(
    bp,
    "PUT",
    "/v1/admin/counties/{county_id}/producer-commission",
    "setProducerCommission",
    "Set the commission a county's village partners earn on the sales of the producers they sell for",
    tag="network",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="ProducerCommissionIn",
    responses={200: "ProducerCommissionPublic"},
    errors=(409,),
    description=(
        "`percent_bp` of a producer's sale (its goods value still kept by the buyer, rounded half away from zero), "
        "credited to `village:<id>:commissions` at completion, in the same posting that credits the producer. "
        "Orders placed before a change keep the terms of their time; without a rule the partner earns nothing."
    ),
    budget=Budget(3, "GetItem county + Query commission rules + conditional PutItem rule"),
)
def set_commission(call: Call, county_id: str) -> dict:
    c = container()
    view = producers.set_producer_commission(
        c.finance, c.network, call.actor, county_id, call.body.percent_bp, call.body.currency, now=c.clock()
    )
    return producer_commission_public(view)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/producers/{producer_id}/erase",
    "eraseProducer",
    "Erase a producer's personal data at their request",
    tag="producers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={200: "ProducerPublic"},
    errors=(409, 412),
    description=(
        "The name, phone, consent witness and bank details are removed for good; the id, the village, the shop, "
        "its orders and the producer's account stay. Erasing twice is 409."
    ),
    budget=Budget(2, "GetItem producer + one version-checked PutItem"),
)  # declared last: the isolation control erases its producer after the other routes
def erase(call: Call, village_id: str, producer_id: str) -> dict:
    c = container()
    return producer_public(producers.erase_producer(c.network, call.actor, village_id, producer_id, now=c.clock()))
