"""Bulk trade (issue 14): business buyers, requests for quotation and quotes, net terms and invoices."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.trade import BUSINESS_STATUSES, INVOICE_STATUSES, quota_month
from ..services import business, rfq, terms
from .buying import IDEMPOTENCY_KEY
from .http import ok
from .presenters import (
    business_public,
    buyer_order_public,
    invoice_public,
    message_public,
    quote_public,
    rfq_public,
    supplier_public,
)
from .routing import Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)

DOWNLOAD_SECONDS = 600  # document and attachment links handed to operators and sellers


def _download(key: str) -> str:
    return container().media.download_url(key, DOWNLOAD_SECONDS)


# --- business buyers -----------------------------------------------------------------------------------------


@route(
    bp,
    "POST",
    "/v1/me/business/uploads",
    "uploadBusinessFile",
    "Announce a business document or an RFQ attachment (PDF, JPEG, PNG): a presigned upload",
    tag="business",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    body="TradeUploadIn",
    responses={201: "TradeUploadTicket"},
    errors=(409,),
    budget=Budget(1, "one TransactWriteItems: the announced upload (the presigned POST is computed locally)"),
)
def upload_business_file(call: Call) -> dict:
    c = container()
    return business.request_upload(
        c.trade,
        c.media,
        call.actor,
        call.body.content_type,
        call.body.size,
        call.body.name.strip(),
        media_id=c.new_id("doc"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )


@route(
    bp,
    "POST",
    "/v1/me/business",
    "applyAsBusiness",
    "Apply as a business buyer (pending until an operator verifies it); again after a rejection",
    tag="business",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    body="BusinessIn",
    responses={201: "BusinessPublic", 200: "BusinessPublic"},
    errors=(409, 412, 422),
    description=(
        "`tax_id` is China's Unified Social Credit Code: 18 characters whose last one is a check character "
        "(GB 32100-2015); a mistyped code is 400 tax_id_check_character. `documents` are uploads announced with "
        "POST /v1/me/business/uploads and sent: each is checked in storage. 201 for a new application, 200 when "
        "a pending or rejected one is replaced."
    ),
    budget=Budget(
        2, "BatchGetItem (the business, the announced documents) + one TransactWriteItems; S3 checks each document"
    ),
)
def apply_as_business(call: Call) -> Response:
    c = container()
    saved, created = business.apply(c.trade, c.media, call.actor, call.body.model_dump(), now=c.clock())
    return ok(business_public(saved), status=201 if created else 200)


@route(
    bp,
    "GET",
    "/v1/me/business",
    "getMyBusiness",
    "Your business: its verification, its net terms and credit",
    tag="business",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    responses={200: "BusinessPublic"},
    errors=(404,),
    budget=Budget(
        2,
        "GetItem business + one BatchGetItem of its three credit balances (available, reserved, owed), which "
        "live in the ledger (docs/ledger.md: never a balance anywhere else); 1 without net terms",
        read_exception=True,
    ),
)
def my_business(call: Call) -> dict:
    c = container()
    found, credit = business.my_business(c.trade, c.ledger, call.actor)
    return business_public(found, credit=credit)


@route(
    bp,
    "GET",
    "/v1/admin/businesses",
    "listBusinesses",
    "Business applications by status (the verification queue)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    query=(choice("status", BUSINESS_STATUSES, "status", default="pending", example="verified"),),
    paged=True,
    responses={200: "BusinessesPage"},
    budget=Budget(1, "one Query of the Trade table's gsi1 (businesses#<status>)"),
)
def list_businesses(call: Call) -> dict:
    page = business.queue(container().trade, call.actor, call.params["status"], call.page.limit, call.page.start)
    return call.page.respond(page, lambda b: business_public(b, operator=True, download=_download))


@route(
    bp,
    "GET",
    "/v1/admin/businesses/{business_id}",
    "getBusiness",
    "One business application, with links to its documents",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    responses={200: "BusinessPublic"},
    budget=Budget(1, "one GetItem"),
)
def get_business(call: Call, business_id: str) -> dict:
    found = business.operator_view(container().trade, call.actor, business_id)
    return business_public(found, operator=True, download=_download)


@route(
    bp,
    "POST",
    "/v1/admin/businesses/{business_id}/verify",
    "verifyBusiness",
    "Verify a pending business (its badge shows on its RFQs and orders)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="ReviewIn",
    responses={200: "BusinessPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem + one version-checked TransactWriteItems"),
)
def verify_business(call: Call, business_id: str) -> dict:
    c = container()
    saved = business.review(c.trade, call.actor, business_id, "verify", call.body.reason, now=c.clock())
    return business_public(saved, operator=True, download=_download)


@route(
    bp,
    "PUT",
    "/v1/admin/businesses/{business_id}/terms",
    "setBusinessTerms",
    "Give a verified business net terms: 30 or 60 days and a credit limit",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="TermsIn",
    responses={200: "BusinessPublic"},
    errors=(409, 412),
    budget=Budget(
        3,
        "GetItem business + the ledger posting of the credit line's change (BatchGetItem + one TransactWriteItems "
        "that also writes the business, version-checked)",
    ),
)
def set_business_terms(call: Call, business_id: str) -> dict:
    c = container()
    saved = business.set_terms(
        c.trade,
        c.ledger,
        call.actor,
        business_id,
        call.body.terms_days,
        call.body.credit_limit.amount,
        call.body.credit_limit.currency,
        now=c.clock(),
    )
    return business_public(saved, operator=True, download=_download)


@route(
    bp,
    "POST",
    "/v1/admin/businesses/{business_id}/reject",
    "rejectBusiness",
    "Reject a pending business, or revoke a verified one (a reason is required)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="ReviewIn",
    responses={200: "BusinessPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem + one version-checked TransactWriteItems"),
)
def reject_business(call: Call, business_id: str) -> dict:
    c = container()
    saved = business.review(c.trade, call.actor, business_id, "reject", call.body.reason, now=c.clock())
    return business_public(saved, operator=True, download=_download)


@route(
    bp,
    "PUT",
    "/v1/admin/shops/{shop_id}/quote-quota",
    "setQuoteQuota",
    "Set a shop's monthly quote quota (null: the default, 20)",
    tag="admin",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="QuotaIn",
    responses={200: "SupplierPublic"},
    budget=Budget(2, "GetItem shop + one UpdateItem of its trade record"),
)
def set_quote_quota(call: Call, shop_id: str) -> dict:
    c = container()
    now = c.clock()
    supplier = rfq.set_quote_quota(c.catalog, c.trade, call.actor, shop_id, call.body.monthly, now=now)
    return supplier_public(supplier, quota_month(now))


# --- requests for quotation: the buyer -----------------------------------------------------------------------


def _buyer_rfq(item) -> dict:
    return rfq_public(item, viewer="buyer", download=_download)


@route(
    bp,
    "POST",
    "/v1/rfqs",
    "postRfq",
    "Ask eligible b2b shops for quotes (verified businesses)",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    body="RfqIn",
    responses={201: "RfqPublic"},
    errors=(409, 422),
    budget=Budget(2, "BatchGetItem (the business, the attachments' uploads) + one TransactWriteItems"),
)
def post_rfq(call: Call) -> dict:
    c = container()
    created = rfq.post_rfq(c.trade, c.media, call.actor, call.body.model_dump(), rfq_id=c.new_id("rfq"), now=c.clock())
    return _buyer_rfq(created)


@route(
    bp,
    "GET",
    "/v1/rfqs",
    "listMyRfqs",
    "Your requests for quotation, newest first",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    paged=True,
    responses={200: "RfqsPage"},
    budget=Budget(1, "one Query of gsi1 (buyer#<id>#rfqs)"),
)
def my_rfqs(call: Call) -> dict:
    return call.page.respond(rfq.my_rfqs(container().trade, call.actor, call.page.limit, call.page.start), _buyer_rfq)


@route(
    bp,
    "GET",
    "/v1/rfqs/{rfq_id}",
    "getMyRfq",
    "One of your requests for quotation",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    responses={200: "RfqPublic"},
    budget=Budget(1, "one GetItem"),
)
def my_rfq(call: Call, rfq_id: str) -> dict:
    return _buyer_rfq(rfq.buyer_rfq(container().trade, call.actor, rfq_id))


@route(
    bp,
    "GET",
    "/v1/rfqs/{rfq_id}/quotes",
    "compareQuotes",
    "The quotes on your RFQ, cheapest (or fastest) first",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    query=(choice("sort", ("unit_amount", "lead_time"), "order", default="unit_amount", example="lead_time"),),
    paged=True,
    responses={200: "QuotesPage"},
    budget=Budget(
        1,
        "one Query of the RFQ's quotes (gsi2 by price, gsi3 by lead time); ownership from the quotes' buyer "
        "snapshot (an empty page costs one more GetItem, of the RFQ)",
    ),
)
def compare_quotes(call: Call, rfq_id: str) -> dict:
    page = rfq.compare_quotes(
        container().trade, call.actor, rfq_id, call.params["sort"], call.page.limit, call.page.start
    )
    return call.page.respond(page, quote_public)


@route(
    bp,
    "POST",
    "/v1/rfqs/{rfq_id}/cancel",
    "cancelRfq",
    "Withdraw an open RFQ (its sellers are told)",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    responses={200: "RfqPublic"},
    errors=(409, 412),
    budget=Budget(2, "GetItem + one version-checked TransactWriteItems (the sellers are told through the queue)"),
)
def cancel_rfq(call: Call, rfq_id: str) -> dict:
    c = container()
    return _buyer_rfq(rfq.cancel_rfq(c.trade, c.events, call.actor, rfq_id, now=c.clock()))


@route(
    bp,
    "GET",
    "/v1/rfqs/{rfq_id}/quotes/{quote_id}/messages",
    "listQuoteMessages",
    "Your conversation with the seller of one quote",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    paged=True,
    responses={200: "MessagesPage"},
    budget=Budget(
        1, "one Query of the RFQ's partition; ownership from the messages (an empty page also reads the quote)"
    ),
)
def buyer_messages(call: Call, rfq_id: str, quote_id: str) -> dict:
    c = container()
    page = rfq.messages(
        c.catalog, c.trade, call.actor, rfq_id, quote_id, shop_id=None, limit=call.page.limit, start=call.page.start
    )
    return call.page.respond(page, message_public)


@route(
    bp,
    "POST",
    "/v1/rfqs/{rfq_id}/quotes/{quote_id}/messages",
    "sendQuoteMessageToSeller",
    "Write to the seller of one quote",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    body="MessageIn",
    responses={201: "MessagePublic"},
    budget=Budget(3, "GetItem quote + one TransactWriteItems (the message) + PutItem (the seller's notification)"),
)
def buyer_message(call: Call, rfq_id: str, quote_id: str) -> dict:
    c = container()
    message = rfq.post_message(
        c.catalog,
        c.trade,
        c.buying,
        call.actor,
        rfq_id,
        quote_id,
        call.body.text,
        shop_id=None,
        message_id=c.new_id("msg"),
        now=c.clock(),
    )
    return message_public(message)


@route(
    bp,
    "POST",
    "/v1/rfqs/{rfq_id}/quotes/{quote_id}/accept",
    "acceptQuote",
    "Accept one quote: an order at the quoted unit price; the RFQ closes and the other sellers are told",
    tag="rfq",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    headers=(IDEMPOTENCY_KEY,),
    body="AcceptIn",
    responses={201: "AcceptResult", 200: "AcceptResult"},
    errors=(409, 412, 422),
    response_headers=(("Idempotent-Replayed", "true when this answer is a replay"),),
    budget=Budget(
        3,
        "One BatchGetItem (RFQ, quote, idempotency claim, business) + one TransactWriteItems (claim, RFQ awarded, "
        "quote accepted, the order, the quoted product's stock): 2. Net terms: the transaction rides in the "
        "ledger posting that takes the order's total from the available credit (+ its BatchGetItem): 3",
    ),
)
def accept_quote(call: Call, rfq_id: str, quote_id: str) -> Response:
    c = container()
    result, replayed = rfq.accept(
        c.trade,
        c.buying,
        c.ledger,
        c.events,
        call.actor,
        rfq_id,
        quote_id,
        call.request.headers["idempotency-key"].strip(),
        call.body.model_dump(),
        now=c.clock(),
        new_id=c.new_id,
        present_order=buyer_order_public,
    )
    return ok(result, status=200 if replayed else 201, headers={"Idempotent-Replayed": str(replayed).lower()})


# --- invoices: the buyer -------------------------------------------------------------------------------------


@route(
    bp,
    "GET",
    "/v1/me/invoices",
    "listMyInvoices",
    "Your business's invoices (net terms), newest first",
    tag="invoices",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    query=(choice("status", ("", *INVOICE_STATUSES), "only invoices in this status", example="open"),),
    paged=True,
    responses={200: "InvoicesPage"},
    budget=Budget(1, "one Query (gsi3; gsi2 with ?status=)"),
)
def my_invoices(call: Call) -> dict:
    c = container()
    now = c.clock()
    page = terms.my_invoices(c.trade, call.actor, call.params["status"] or None, call.page.limit, call.page.start)
    return call.page.respond(page, lambda i: invoice_public(i, now))


@route(
    bp,
    "GET",
    "/v1/me/invoices/{invoice_id}",
    "getMyInvoice",
    "One of your business's invoices",
    tag="invoices",
    auth=roles(Role.BUYER),
    scope=Scope.BUSINESS,
    responses={200: "InvoicePublic"},
    budget=Budget(1, "one GetItem"),
)
def my_invoice(call: Call, invoice_id: str) -> dict:
    c = container()
    return invoice_public(terms.my_invoice(c.trade, call.actor, invoice_id), c.clock())


# --- sellers: profile, opportunities, quotes, messages, invoices -------------------------------------------


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/rfq-profile",
    "getRfqProfile",
    "The categories your b2b shop quotes in, and its quote quota",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "SupplierPublic"},
    budget=Budget(1, "one BatchGetItem: the shop and its trade record"),
)
def get_rfq_profile(call: Call, shop_id: str) -> dict:
    c = container()
    _, supplier = rfq.rfq_profile(c.trade, call.actor, shop_id)
    return supplier_public(supplier, quota_month(c.clock()))


@route(
    bp,
    "PUT",
    "/v1/shops/{shop_id}/rfq-profile",
    "setRfqProfile",
    "Choose the categories whose requests for quotation your b2b shop sees",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="RfqProfileIn",
    responses={200: "SupplierPublic"},
    errors=(409,),
    budget=Budget(2, "one BatchGetItem (the shop, its trade record) + one UpdateItem"),
)
def set_rfq_profile(call: Call, shop_id: str) -> dict:
    c = container()
    now = c.clock()
    _, supplier = rfq.set_rfq_categories(c.trade, call.actor, shop_id, list(call.body.categories), now=now)
    return supplier_public(supplier, quota_month(now))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/rfq-opportunities",
    "listRfqOpportunities",
    "Open requests for quotation in your shop's categories, newest first",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "RfqsPage"},
    errors=(409,),
    description=(
        "One Query of the open RFQs (newest first) filtered to the shop's categories and to those still before "
        "their quoting deadline: a page may hold fewer than `limit` items and still have a next_cursor."
    ),
    budget=Budget(
        2,
        "one BatchGetItem (the shop: ownership, b2b, active; its categories) + ONE Query of the open RFQs, the "
        "same at 1k and 10k RFQs. The RFQs name no shop, so ownership cannot come from the page",
        read_exception=True,
    ),
)
def rfq_opportunities(call: Call, shop_id: str) -> dict:
    c = container()
    page = rfq.opportunities(c.trade, call.actor, shop_id, now=c.clock(), limit=call.page.limit, start=call.page.start)
    return call.page.respond(page, lambda r: rfq_public(r, viewer="seller", download=_download))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/rfqs/{rfq_id}",
    "getShopRfq",
    "A request for quotation as your shop sees it, with your own quote (never a competitor's)",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "SellerRfqPublic"},
    budget=Budget(1, "one BatchGetItem: the RFQ, the shop, its trade record, its own quote"),
)
def shop_rfq(call: Call, shop_id: str, rfq_id: str) -> dict:
    c = container()
    found, own = rfq.seller_rfq(c.trade, call.actor, shop_id, rfq_id, now=c.clock())
    winner = own is not None and found.accepted_quote_id == own.quote_id
    return {
        "rfq": rfq_public(found, viewer="seller", download=_download, winner=winner),
        "my_quote": quote_public(own) if own is not None else None,
    }


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/rfqs/{rfq_id}/quotes",
    "submitQuote",
    "Quote (201) or revise your quote (200) until the quoting deadline; one live quote per shop",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="QuoteIn",
    responses={201: "QuotePublic", 200: "QuotePublic"},
    errors=(409, 412),
    description="A new quote counts against the shop's monthly quota (409 quote_quota_exhausted); a revision does not.",
    budget=Budget(
        4,
        "one BatchGetItem (RFQ, shop, trade record, own quote) + one TransactWriteItems (the quote; the monthly "
        "quota ADD, conditional; the RFQ still open before its deadline) + PutItem (the buyer's notification); "
        "+ GetItem of the product when the quote names one",
    ),
)
def submit_quote(call: Call, shop_id: str, rfq_id: str) -> Response:
    c = container()
    quote, created = rfq.submit_quote(
        c.trade, c.catalog, c.buying, call.actor, shop_id, rfq_id, call.body.model_dump(), now=c.clock()
    )
    return ok(quote_public(quote), status=201 if created else 200)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/quotes",
    "listShopQuotes",
    "Your shop's quotes, newest first",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "QuotesPage"},
    budget=Budget(
        1,
        "one Query of gsi1 (shop#<id>#quotes); ownership from the quotes' seller snapshot (an empty page "
        "reads the shop)",
    ),
)
def shop_quotes(call: Call, shop_id: str) -> dict:
    c = container()
    page = rfq.shop_quotes(c.catalog, c.trade, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, quote_public)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/rfqs/{rfq_id}/quotes/{quote_id}/messages",
    "listShopQuoteMessages",
    "Your conversation with the buyer about your quote",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "MessagesPage"},
    budget=Budget(
        1, "one Query of the RFQ's partition; ownership from the messages (an empty page also reads the quote)"
    ),
)
def seller_messages(call: Call, shop_id: str, rfq_id: str, quote_id: str) -> dict:
    c = container()
    page = rfq.messages(
        c.catalog, c.trade, call.actor, rfq_id, quote_id, shop_id=shop_id, limit=call.page.limit, start=call.page.start
    )
    return call.page.respond(page, message_public)


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/rfqs/{rfq_id}/quotes/{quote_id}/messages",
    "sendQuoteMessageToBuyer",
    "Write to the buyer about your quote",
    tag="rfq",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="MessageIn",
    responses={201: "MessagePublic"},
    budget=Budget(3, "GetItem quote + one TransactWriteItems (the message) + PutItem (the buyer's notification)"),
)
def seller_message(call: Call, shop_id: str, rfq_id: str, quote_id: str) -> dict:
    c = container()
    message = rfq.post_message(
        c.catalog,
        c.trade,
        c.buying,
        call.actor,
        rfq_id,
        quote_id,
        call.body.text,
        shop_id=shop_id,
        message_id=c.new_id("msg"),
        now=c.clock(),
    )
    return message_public(message)


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/invoices",
    "listShopInvoices",
    "Your shop's invoices, by number (newest first)",
    tag="invoices",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    paged=True,
    responses={200: "InvoicesPage"},
    budget=Budget(
        1, "one Query of gsi1 (shop#<id>#invoices); ownership from the invoices (an empty page reads the shop)"
    ),
)
def shop_invoices(call: Call, shop_id: str) -> dict:
    c = container()
    now = c.clock()
    page = terms.shop_invoices(c.catalog, c.trade, call.actor, shop_id, call.page.limit, call.page.start)
    return call.page.respond(page, lambda i: invoice_public(i, now))


@route(
    bp,
    "GET",
    "/v1/shops/{shop_id}/invoices/{invoice_id}",
    "getShopInvoice",
    "One of your shop's invoices",
    tag="invoices",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    responses={200: "InvoicePublic"},
    budget=Budget(1, "one GetItem; ownership from the invoice's seller"),
)
def shop_invoice(call: Call, shop_id: str, invoice_id: str) -> dict:
    c = container()
    return invoice_public(terms.shop_invoice(c.catalog, c.trade, call.actor, shop_id, invoice_id), c.clock())


@route(
    bp,
    "POST",
    "/v1/shops/{shop_id}/invoices/{invoice_id}/mark-paid",
    "markInvoicePaid",
    "Record the bank transfer that pays an invoice: the order is paid and the buyer's credit comes back",
    tag="invoices",
    auth=roles(Role.SELLER),
    scope=Scope.SHOP,
    body="InvoicePaidIn",
    responses={200: "InvoicePublic"},
    errors=(409, 412),
    budget=Budget(
        4,
        "GetItem invoice + GetItem order (named by the invoice) + the ledger posting receivable -> credit "
        "(BatchGetItem + one TransactWriteItems with the invoice, the order and, if it was overdue, the "
        "business's overdue count)",
    ),
)
def mark_invoice_paid(call: Call, shop_id: str, invoice_id: str) -> dict:
    c = container()
    now = c.clock()
    paid = terms.mark_invoice_paid(
        c.catalog, c.trade, c.buying, c.ledger, call.actor, shop_id, invoice_id, call.body.reference, now=now
    )
    return invoice_public(paid, now)
