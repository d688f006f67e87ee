"""Sellers' money (issue 17): commissions (operators), balances, the ledger, statements, payout details, payouts,
the payout run, and the bank's payout status callbacks."""

from __future__ import annotations

import csv
import io

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.ledger import Statement
from ..domain.seller_money import reason_text
from ..services import balances, commissions, payouts
from ..services.payments import verify_webhook
from ..services.ports import Page
from .presenters import (
    balance_public,
    commission_public,
    ledger_entry_public,
    payout_account_public,
    payout_public,
    payout_run_public,
    statement_public,
)
from .routing import Budget, Call, Header, Scope, choice, roles, route, signed, text

bp = Blueprint(__name__)

CURRENCY = choice("currency", balances.CURRENCIES, "the balance's currency", default=balances.CURRENCIES[0])
RUN_SLICE_SHOPS = 20  # active shops one POST /v1/admin/payouts/run looks at (the schedule runs them all)


# --- commissions (operators) ---------------------------------------------------------------------------------


@route(
    bp,
    "PUT",
    "/v1/admin/commissions/{storefront}",
    "setCommission",
    "Set a storefront's commission (orders placed from now on pay it at completion)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="CommissionIn",
    responses={200: "CommissionPublic"},
    errors=(409,),
    budget=Budget(2, "one Query of the commission rules + one conditional PutItem (versioned rule)"),
)
def set_commission(call: Call, storefront: str) -> dict:
    c = container()
    view = commissions.set_commission(
        c.finance,
        call.actor,
        storefront,
        call.body.percent_bp,
        call.body.min_amount.amount,
        call.body.min_amount.currency,
        now=c.clock(),
    )
    return commission_public(view)


@route(
    bp,
    "GET",
    "/v1/admin/commissions",
    "listCommissions",
    "Every storefront's commission and its history",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "CommissionsList"},
    budget=Budget(1, "one Query of the commission rules' partition"),
)
def list_commissions(call: Call) -> dict:
    return {"items": [commission_public(v) for v in commissions.commissions(container().finance, call.actor)]}


# --- balances, ledger, statements (sellers) --------------------------------------------------------------------


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/balance",
    "getShopBalance",
    "Your shop's available and pending balances and its next payout",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "BalancePublic"},
    budget=Budget(1, "one BatchGetItem: the shop (ownership) and its running balances in the Ledger table"),
)
def shop_balance(call: Call, shop_id: str) -> dict:
    c = container()
    return balance_public(balances.shop_balance(c.finance, call.actor, shop_id, now=c.clock()))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/ledger",
    "listShopLedger",
    "The entries of your shop's balance, newest first",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    query=(
        text("from", 40, "entries booked at or after this date (yyyy-mm-dd) or time (ISO-8601)"),
        text("to", 40, "entries booked before this date or time"),
        choice("account", balances.PURPOSES, "available (default) or pending", default="available", example="pending"),
        CURRENCY,
    ),
    paged=True,
    responses={200: "LedgerEntriesPage"},
    budget=Budget(
        1,
        "one Query of the account's entries; ownership proven by the entries' seller reference (an empty page "
        "costs one more GetItem, of the shop)",
    ),
)
def shop_ledger(call: Call, shop_id: str) -> dict:
    c = container()
    page = balances.shop_ledger(
        c.catalog,
        c.ledger,
        call.actor,
        shop_id,
        purpose=call.params["account"],
        currency=call.params["currency"],
        start_at=call.params["from"],
        end_at=call.params["to"],
        limit=call.page.limit,
        start=call.page.start,
    )
    return call.page.respond(page, ledger_entry_public)


def _wants_csv(request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "text/csv" in accept and "application/json" not in accept.split("text/csv")[0]


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/statements/{month}",
    "getShopStatement",
    "A month's statement of your available balance (JSON pages, or every line as CSV with Accept: text/csv)",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    query=(CURRENCY,),
    paged=True,
    responses={200: "StatementPublic"},
    alternatives=(
        (
            "text/csv",
            "the whole month: an opening row, one row per line, a closing row; the lines sum to closing - opening",
        ),
    ),
    budget=Budget(
        4,
        "GetItem shop (ownership) + the ledger's statement: the last entry before the month (opening), the last "
        "before its end (closing), the page of lines; as CSV one more Query per further 100 lines",
        read_exception=True,
    ),
)
def shop_statement(call: Call, shop_id: str, month: str) -> dict | Response:
    c = container()
    currency = call.params["currency"]
    if _wants_csv(call.request):
        whole = balances.whole_statement(
            c.catalog, c.ledger, call.actor, shop_id, month, currency=currency, now=c.clock()
        )
        return Response(
            body=statement_csv(whole),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="statement-{shop_id}-{month}.csv"',
            },
        )
    statement = balances.shop_statement(
        c.catalog,
        c.ledger,
        call.actor,
        shop_id,
        month,
        currency=currency,
        now=c.clock(),
        limit=call.page.limit,
        start=call.page.start,
    )
    next_cursor = call.page.next_cursor(Page(list(statement.entries), statement.last_key))
    return statement_public(statement, shop_id, month, next_cursor)


MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0}
CSV_COLUMNS = (
    "line",
    "booked_at",
    "posting_id",
    "kind",
    "description",
    "order_id",
    "reference",
    "amount",
    "amount_minor",
    "currency",
    "balance_after",
)


def decimal_text(amount: int, currency: str) -> str:
    """Minor units as a decimal number, without floats: 123456 CNY -> 1234.56."""
    digits = MINOR_DIGITS.get(currency, 2)
    units, minor = divmod(abs(amount), 10**digits)
    sign = "-" if amount < 0 else ""
    return f"{sign}{units}" + (f".{minor:0{digits}d}" if digits else "")


def _cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: text cells never do."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    cur = statement.currency
    opening = decimal_text(statement.opening, cur)
    writer.writerow(["opening", statement.start_at, "", "", "Opening balance", "", "", "", "", cur, opening])
    for e in statement.entries:
        public = ledger_entry_public(e)
        reference = public["refund_id"] or public["payout_id"] or public["reference"] or ""
        writer.writerow(
            [
                "entry",
                e.booked_at,
                _cell(e.posting_id),
                e.kind,
                _cell(reason_text(e.kind)),
                _cell(public["order_id"] or ""),
                _cell(reference),
                decimal_text(e.amount, cur),
                str(e.amount),
                cur,
                "" if e.balance_after is None else decimal_text(e.balance_after, cur),
            ]
        )
    writer.writerow(
        ["closing", statement.end_at, "", "", "Closing balance", "", "", decimal_text(statement.change, cur),
         str(statement.change), cur, decimal_text(statement.closing, cur)]
    )  # fmt: skip
    return out.getvalue()


# --- payout details and payouts (sellers) ---------------------------------------------------------------------


@route(
    bp,
    "PUT",
    "/v1/shops/{shop_id}/payout-account",
    "setPayoutAccount",
    "Register where your payouts go (answered masked)",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="PayoutAccountIn",
    responses={200: "PayoutAccountPublic"},
    errors=(412,),
    budget=Budget(3, "GetItem shop (ownership) + GetItem of the current details (version) + conditional PutItem"),
)
def set_payout_account(call: Call, shop_id: str) -> dict:
    c = container()
    account = payouts.set_payout_account(
        c.catalog, c.finance, call.actor, shop_id, call.body.model_dump(), now=c.clock()
    )
    return payout_account_public(account)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/payout-account",
    "getPayoutAccount",
    "Your payout details, masked",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "PayoutAccountPublic"},
    budget=Budget(1, "one GetItem; ownership from the details' owner (none yet: one more GetItem, of the shop)"),
)
def get_payout_account(call: Call, shop_id: str) -> dict:
    c = container()
    return payout_account_public(payouts.payout_account(c.catalog, c.finance, call.actor, shop_id))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/payouts",
    "listShopPayouts",
    "Your shop's payouts, newest first",
    tag="money",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "PayoutsPage"},
    budget=Budget(
        1,
        "one Query of the shop's payouts; ownership proven by the payouts' seller (an empty page costs one more "
        "GetItem, of the shop)",
    ),
)
def shop_payouts(call: Call, shop_id: str) -> dict:
    c = container()
    page = payouts.shop_payouts(c.catalog, c.finance, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, payout_public)


# --- the run (operators) and the bank's callbacks --------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/admin/payouts/run",
    "runPayouts",
    "Run (or carry on with) this week's payout run: one slice of shops per call",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "PayoutRunPublic"},
    budget=Budget(
        100,
        f"GetItem run + Query of the open payouts (a pending one is sent again: GetItem + PutItem) + one Query of "
        f"{RUN_SLICE_SHOPS} active shops + BatchGetItem of their balances + BatchGetItem of this run's payouts + "
        "BatchGetItem of payout details + per payout 2 (posting and payout) + 1 (the bank's answer) + PutItem run",
    ),
    description="Idempotent per week: a shop is paid at most once per run (ISO week), whatever is re-run.",
)
def run_payouts(call: Call) -> dict:
    c = container()
    payouts.require_bank(c.settings.payout_provider_url)
    report = payouts.run_payouts(
        c.catalog,
        c.finance,
        c.ledger,
        c.payouts,
        c.buying,
        now=c.clock(),
        actor=call.actor,
        page_size=RUN_SLICE_SHOPS,
        max_pages=1,
    )
    return payout_run_public(report.to_dict())


def _signed_by_the_bank(request) -> None:
    """Checked before the body is read: an unsigned request learns nothing about its body's validity."""
    secret = container().settings.payout_webhook_secret
    verify_webhook(secret, request.headers.get("x-bank-signature"), request.raw_body or b"")


@route(
    bp,
    "POST",
    "/v1/payouts/webhook",
    "receivePayoutEvent",
    "The bank's payout status reports (HMAC-SHA256 signed)",
    tag="payments",
    auth=signed(_signed_by_the_bank),
    scope=Scope.PROVIDER,
    headers=(Header("X-Bank-Signature", 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">'),),
    body="PayoutEventIn",
    responses={200: "WebhookResult"},
    errors=(401, 404, 409),
    budget=Budget(
        5,
        "GetItem payout + (paid: PutItem payout | failed: the reversal posting, BatchGetItem + TransactWriteItems, "
        "and GetItem payout) + PutItem notification",
    ),
)
def payout_webhook(call: Call) -> dict:
    c = container()
    return payouts.payout_callback(c.finance, c.ledger, c.buying, call.body.model_dump(), now=c.clock())
