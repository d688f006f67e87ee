"""A village partner's cash (issue 11): remittances to the county centre, the county's confirmation with a
variance, the partner's ledger statement."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.remittances import REMITTANCE_STATUSES
from ..services import cash
from ..services.ports import Page
from .presenters import remittance_public, village_statement_public
from .routing import Budget, Call, Scope, choice, roles, route, text

bp = Blueprint(__name__)

PARTNER = roles(Role.PARTNER)
STAFF = roles(Role.COUNTY_STAFF)
STATEMENT_DAYS = 30  # the default period: the last 30 days


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/remittances",
    "remitCash",
    "Send cash collected at handovers to the county centre",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="RemitIn",
    responses={201: "RemittancePublic"},
    errors=(409,),
    description=(
        "The amount leaves the partner's cash (`village:<id>:cash`) and is on its way (`village:<id>:remittances`) "
        "until the county confirms it. More than the cash on hand is 409 insufficient_balance."
    ),
    budget=Budget(
        3, "GetItem village + the ledger's BatchGetItem of balances + one TransactWriteItems (posting, remittance)"
    ),
)
def remit(call: Call, village_id: str) -> dict:
    c = container()
    r = cash.remit(
        c.network, c.ledger, call.actor, village_id, call.body.amount, now=c.clock(), remittance_id=c.new_id("rmt")
    )
    return remittance_public(r)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/remittances",
    "listVillageRemittances",
    "The village's remittances, newest first",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    paged=True,
    responses={200: "RemittancesPage"},
    budget=Budget(1, "one Query of list2-index; the items name the partner (an empty page also GetItems the village)"),
)
def village_remittances(call: Call, village_id: str) -> dict:
    c = container()
    page = cash.village_remittances(c.network, call.actor, village_id, call.page.limit, call.page.start)
    return call.page.respond(page, remittance_public)


def _period(call: Call) -> tuple[str, str]:
    now = dt.datetime.fromisoformat(container().clock().replace("Z", "+00:00"))
    start = call.params.get("from") or (now - dt.timedelta(days=STATEMENT_DAYS)).isoformat().replace("+00:00", "Z")
    end = call.params.get("to") or (now + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    return start, end


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/ledger",
    "getVillageLedger",
    "The partner's statement: opening balance, each movement, closing balance; cash on hand and fees earned",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    query=(
        text("from", 40, "ISO-8601 start (default: 30 days ago)"),
        text("to", 40, "ISO-8601 end, excluded (default: now)"),
        choice("account", cash.VILLAGE_ACCOUNTS, "which account", default="cash", example="fees"),
    ),
    paged=True,
    responses={200: "VillageStatementPublic"},
    budget=Budget(
        5,
        "GetItem village + the ledger's statement (the last entry before the period, the last before its end, one "
        "page of the period: three Queries whatever the history) + one BatchGetItem of the three balances",
        read_exception=True,
    ),
)
def village_ledger(call: Call, village_id: str) -> dict:
    c = container()
    start_at, end_at = _period(call)
    statement = cash.village_statement(
        c.network, c.ledger, call.actor, village_id, call.params["account"], start_at, end_at,
        call.page.limit, call.page.start,
    )  # fmt: skip
    next_cursor = call.page.next_cursor(Page([], statement.statement.last_key))
    return village_statement_public(statement, next_cursor)


@route(
    bp,
    "GET",
    "/v1/county/{county_id}/remittances",
    "listCountyRemittances",
    "Cash sent by the county's villages, by status, newest first",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    query=(choice("status", REMITTANCE_STATUSES, "pending or confirmed", default="pending", example="confirmed"),),
    paged=True,
    responses={200: "RemittancesPage"},
    budget=Budget(1, "one Query of list-index (the token names the county)"),
)
def county_remittances(call: Call, county_id: str) -> dict:
    c = container()
    page = cash.county_remittances(
        c.network, call.actor, county_id, call.params["status"], call.page.limit, call.page.start
    )
    return call.page.respond(page, remittance_public)


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/remittances/{remittance_id}/confirm",
    "confirmRemittance",
    "The county counted a village's cash: confirmed, a difference recorded as a variance",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    body="ConfirmRemittanceIn",
    responses={200: "RemittancePublic"},
    errors=(409,),
    description=(
        "The sent amount leaves the village's remittances; what arrived goes to `county:<id>:cash` and the "
        "difference (sent - received) to `county:<id>:variance`; the remittance shows both to both sides. "
        "Confirming twice is 409 remittance_confirmed."
    ),
    budget=Budget(
        3, "GetItem remittance + the ledger's BatchGetItem of balances + one TransactWriteItems (posting, remittance)"
    ),
)
def confirm(call: Call, county_id: str, remittance_id: str) -> dict:
    c = container()
    r = cash.confirm(
        c.network, c.ledger, call.actor, county_id, remittance_id, call.body.amount_received, now=c.clock()
    )
    return remittance_public(r)
