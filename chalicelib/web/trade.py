"""Bulk trade in the browser (issue 14), for business buyers: apply as a business, post a request for quotation,
compare its quotes side by side, write to a seller, accept a quote; invoices and a printable invoice; a sample
from a product page. Over the same services as the JSON API (chalicelib/api/trade.py)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from chalice import Blueprint, Response

from ..api import trade as api_trade
from ..api.presenters import (
    business_public,
    buyer_order_public,
    invoice_public,
    message_public,
    quote_public,
    rfq_public,
)
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable, ValidationFailed
from ..domain.orders import MAX_LINE_QUANTITY
from ..domain.storefronts import get_storefront
from ..domain.trade import INVOICE_STATUSES, plus
from ..services import business, cart, rfq, terms
from . import i18n, render
from .catalog import product_view
from .routing import Form, Pager, api_scope, buyer, looks_like_id, page, positive_int
from .session import WebContext

bp = Blueprint(__name__)

PAGE_SIZE = 10
B2B_CATEGORIES = get_storefront("b2b").categories
ACCEPT_PAYMENT_METHODS = ("bank_transfer", "cash_on_delivery", "net_terms")
_BUSINESS_FIELDS = (
    "company_name",
    "tax_id",
    "province",
    "prefecture",
    "county",
    "line",
    "postal_code",
    "contact_name",
    "phone",
    "email",
)
_RFQ_FIELDS = (
    "category",
    "title",
    "specification",
    "quantity",
    "unit",
    "target",
    "deliver_province",
    "deliver_prefecture",
    "deadline_days",
)
_ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")


def _known(exc: DomainError) -> str | None:
    return f"error.{exc.code}" if i18n.has(f"error.{exc.code}") else None


def _field_errors(ctx: WebContext, exc, rename: dict[str, str] | None = None) -> dict[str, str]:
    """A ValidationFailed's or pydantic's errors, by the form's field names."""
    errors: dict[str, str] = {}
    if hasattr(exc, "errors"):
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
    else:
        details = exc.details or []
    for detail in details:
        name = (rename or {}).get(detail["field"], detail["field"].split(".")[-1])
        if isinstance(exc, ValidationFailed) and exc.code in ("tax_id_check_character", "invalid_tax_id"):
            errors.setdefault(name, ctx.t(f"error.{exc.code}"))
        else:
            errors.setdefault(name, ctx.t("form.invalid"))
    return errors or {"form": ctx.t("form.invalid")}


# --- the business ------------------------------------------------------------------------------------------


def _business_page(ctx: WebContext, actor, status: int = 200, values=None, errors=None) -> Response:
    c = container()
    found, credit = None, None
    try:
        record, balances = business.my_business(c.trade, c.ledger, actor)
        found, credit = business_public(record, credit=balances), balances
    except NotFound:
        pass
    notice = ctx.t("business.applied") if ctx.query.get("applied") else None
    return render.page(
        ctx,
        "business.html",
        status=status,
        title=ctx.t("business.title"),
        business=found,
        has_credit=credit is not None,
        values=values or {},
        errors=errors or {},
        notice=notice,
    )


@page(bp, "GET", "/business", budget=Budget(2, "the API's GET /v1/me/business: GetItem + the credit balances"))
def business_page(ctx: WebContext) -> Response:
    return _business_page(ctx, buyer(ctx))


@page(bp, "POST", "/business", budget=Budget(2, "the API's application: BatchGetItem + one transaction"))
def apply_as_business(ctx: WebContext, form: Form) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import BusinessIn

    actor = buyer(ctx)
    values = {name: form.get(name).strip()[:200] for name in _BUSINESS_FIELDS}
    data = {
        "company_name": values["company_name"],
        "tax_id": values["tax_id"].upper(),
        "address": {
            "province": values["province"],
            "prefecture": values["prefecture"],
            "county": values["county"] or None,
            "line": values["line"],
            "postal_code": values["postal_code"],
        },
        "contact": {"name": values["contact_name"], "phone": values["phone"], "email": values["email"] or None},
        "documents": [],
    }
    rename = {
        "address.province": "province",
        "address.prefecture": "prefecture",
        "address.county": "county",
        "address.line": "line",
        "address.postal_code": "postal_code",
        "contact.name": "contact_name",
        "contact.phone": "phone",
        "contact.email": "email",
    }
    try:
        body = BusinessIn.model_validate(data).model_dump()
    except ValidationError as exc:
        return _business_page(ctx, actor, 400, values, _field_errors(ctx, exc, rename))
    c = container()
    try:
        business.apply(c.trade, c.media, actor, body, now=c.clock())
    except ValidationFailed as exc:
        return _business_page(ctx, actor, 400, values, _field_errors(ctx, exc, rename))
    except Conflict as exc:
        return _business_page(ctx, actor, 409, values, {"form": ctx.t(_known(exc) or "error.body.generic")})
    return render.redirect(ctx, "/business", {"applied": "1"})


# --- requests for quotation ---------------------------------------------------------------------------------


@page(bp, "GET", "/rfqs", budget=Budget(1, "the API's list of my RFQs: one Query"))
def rfqs_page(ctx: WebContext) -> Response:
    actor = buyer(ctx)
    scope = api_scope(api_trade.my_rfqs, path={}, params={}, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    result = rfq.my_rfqs(container().trade, actor, PAGE_SIZE, pager.start)
    return render.page(
        ctx,
        "rfqs.html",
        title=ctx.t("rfqs.title"),
        rfqs=[rfq_public(r, viewer="buyer") for r in result.items],
        pager=pager.links(ctx, "/rfqs", {}, result),
    )


def _new_rfq_page(ctx: WebContext, status: int = 200, values=None, errors=None) -> Response:
    defaults = {"category": "dried-fruit", "deadline_days": "7", "unit": "carton"}
    return render.page(
        ctx,
        "rfq_new.html",
        status=status,
        title=ctx.t("rfq.new_title"),
        categories=B2B_CATEGORIES,
        values={**defaults, **(values or {})},
        errors=errors or {},
    )


@page(bp, "GET", "/rfqs/new", budget=Budget(0, "a form"))
def new_rfq_page(ctx: WebContext) -> Response:
    buyer(ctx)
    return _new_rfq_page(ctx)


@page(bp, "POST", "/rfqs", budget=Budget(2, "the API's POST /v1/rfqs: BatchGetItem + one transaction"))
def post_rfq(ctx: WebContext, form: Form) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import RfqIn

    actor = buyer(ctx)
    values = {name: form.get(name).strip()[:5000] for name in _RFQ_FIELDS}
    errors: dict[str, str] = {}
    quantity = positive_int(values["quantity"], 1, 100_000_000)
    target = positive_int(values["target"], 1, 10**9) if values["target"] else None
    days = positive_int(values["deadline_days"], 1, 90)
    if quantity is None:
        errors["quantity"] = ctx.t("err.quantity", min=1, max=100_000_000)
    if values["target"] and target is None:
        errors["target"] = ctx.t("form.invalid")
    if days is None:
        errors["deadline_days"] = ctx.t("err.quantity", min=1, max=90)
    c = container()
    now = c.clock()
    data = {
        "category": values["category"],
        "title": values["title"],
        "specification": values["specification"],
        "quantity": quantity or 1,
        "unit": values["unit"],
        "target_unit_amount": target * 100 if target else None,  # the form asks for yuan
        "currency": "CNY",
        "deliver_to": {"province": values["deliver_province"], "prefecture": values["deliver_prefecture"]},
        "quote_deadline": plus(now, days=days or 7),
    }
    try:
        body = RfqIn.model_validate(data).model_dump()
    except ValidationError as exc:
        errors = {
            **_field_errors(
                ctx, exc, {"deliver_to.province": "deliver_province", "deliver_to.prefecture": "deliver_prefecture"}
            ),
            **errors,
        }
    if errors:
        return _new_rfq_page(ctx, 400, values, errors)
    try:
        posted = rfq.post_rfq(c.trade, c.media, actor, body, rfq_id=c.new_id("rfq"), now=now)
    except Forbidden as exc:
        return _new_rfq_page(ctx, 403, values, {"form": ctx.t(_known(exc) or "error.body.generic")})
    return render.redirect(ctx, f"/rfqs/{posted.rfq_id}", {"posted": "1"})


def _accept_key() -> str:
    return "web-" + secrets.token_urlsafe(18)


def _rfq_page(ctx: WebContext, actor, rfq_id: str, status: int = 200, values=None, errors=None, key=None) -> Response:
    if not looks_like_id(rfq_id):
        raise NotFound("request for quotation not found", code="rfq_not_found")
    c = container()
    sort = "lead_time" if ctx.query.get("sort") == "lead_time" else "unit_amount"
    found = rfq.buyer_rfq(c.trade, actor, rfq_id)
    quotes = rfq.compare_quotes(c.trade, actor, rfq_id, sort, 100, None).items
    now = c.clock()
    shown = [{**quote_public(q), "usable": q.usable(now), "total": q.unit_amount * found.quantity} for q in quotes]
    notice = None
    if ctx.query.get("posted"):
        notice = ctx.t("rfq.posted")
    elif ctx.query.get("cancelled"):
        notice = ctx.t("rfq.cancelled_note")
    defaults = {"quantity": str(found.quantity), "payment_method": "bank_transfer", "country": "CN"}
    return render.page(
        ctx,
        "rfq.html",
        status=status,
        title=found.title,
        rfq=rfq_public(found, viewer="buyer"),
        quotes=shown,
        sort=sort,
        open=found.status == "open",
        payment_methods=ACCEPT_PAYMENT_METHODS,
        values={**defaults, **(values or {})},
        errors=errors or {},
        key=key or _accept_key(),
        notice=notice,
    )


@page(
    bp,
    "GET",
    "/rfqs/{rfq_id}",
    budget=Budget(2, "GetItem RFQ + the API's quote comparison (one Query): the request and its quotes side by side"),
)
def rfq_page(ctx: WebContext, rfq_id: str) -> Response:
    return _rfq_page(ctx, buyer(ctx), rfq_id)


@page(bp, "POST", "/rfqs/{rfq_id}/cancel", budget=Budget(2, "the API's cancel: GetItem + one transaction"))
def cancel_rfq(ctx: WebContext, form: Form, rfq_id: str) -> Response:
    actor = buyer(ctx)
    if not looks_like_id(rfq_id):
        raise NotFound("request for quotation not found", code="rfq_not_found")
    c = container()
    try:
        rfq.cancel_rfq(c.trade, c.events, actor, rfq_id, now=c.clock())
    except Conflict as exc:
        return _rfq_page(ctx, actor, rfq_id, 409, errors={"form": ctx.t(_known(exc) or "error.body.generic")})
    return render.redirect(ctx, f"/rfqs/{rfq_id}", {"cancelled": "1"})


@page(
    bp,
    "POST",
    "/rfqs/{rfq_id}/accept",
    budget=Budget(3, "the API's acceptance: BatchGetItem + one transaction (+ the ledger's read on net terms)"),
)
def accept_quote(ctx: WebContext, form: Form, rfq_id: str) -> Response:
    from pydantic import ValidationError

    from ..api.schemas import AcceptIn

    actor = buyer(ctx)
    quote_id = form.get("quote_id")
    if not looks_like_id(rfq_id):
        raise NotFound("request for quotation not found", code="rfq_not_found")
    values = {name: form.get(name).strip()[:120] for name in (*_ADDRESS_FIELDS, "quantity", "payment_method")}
    key = form.get("idempotency_key")
    if not key.startswith("web-") or len(key) > 100 or not key.isprintable():
        key = _accept_key()
    errors: dict[str, str] = {}
    if not looks_like_id(quote_id):
        errors["quote_id"] = ctx.t("rfq.choose_quote")
    quantity = positive_int(values["quantity"], 1, MAX_LINE_QUANTITY)
    if quantity is None:
        errors["quantity"] = ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY)
    if values["payment_method"] not in ACCEPT_PAYMENT_METHODS:
        errors["payment_method"] = ctx.t("form.invalid")
    body = {
        "quantity": quantity or 1,
        "delivery": {
            "name": values["name"],
            "phone": values["phone"],
            "lines": [line for line in (values["line1"], values["line2"]) if line] or [""],
            "city": values["city"],
            "region": values["region"],
            "postal_code": values["postal_code"],
            "country": values["country"],
        },
        "payment_method": values["payment_method"],
    }
    try:
        AcceptIn.model_validate(body)
    except ValidationError as exc:
        errors = {**_field_errors(ctx, exc, {"delivery.lines.0": "line1"}), **errors}
    if errors:
        return _rfq_page(ctx, actor, rfq_id, 400, values, errors, key)
    c = container()
    try:
        result, _ = rfq.accept(
            c.trade,
            c.buying,
            c.ledger,
            c.events,
            actor,
            rfq_id,
            quote_id,
            key,
            body,
            now=c.clock(),
            new_id=c.new_id,
            present_order=buyer_order_public,
        )
    except (Conflict, ValidationFailed, Unprocessable) as exc:
        message = ctx.t(_known(exc) or "error.body.generic")
        return _rfq_page(ctx, actor, rfq_id, 409 if isinstance(exc, Conflict) else 400, values, {"form": message}, key)
    return render.redirect(ctx, f"/orders/{result['order']['order_id']}")


def _quote_page(ctx: WebContext, actor, rfq_id: str, quote_id: str, status: int = 200, error=None) -> Response:
    if not (looks_like_id(rfq_id) and looks_like_id(quote_id)):
        raise NotFound("quote not found", code="quote_not_found")
    c = container()
    quote, talk = rfq.quote_conversation(c.trade, actor, rfq_id, quote_id)
    return render.page(
        ctx,
        "quote.html",
        status=status,
        title=ctx.t("quote.title", shop=quote.shop_name),
        quote=quote_public(quote),
        rfq_id=rfq_id,
        messages=[message_public(m) for m in talk],
        error=error,
    )


@page(
    bp,
    "GET",
    "/rfqs/{rfq_id}/quotes/{quote_id}",
    budget=Budget(2, "GetItem quote + the API's conversation (one Query of the RFQ's partition)"),
)
def quote_page(ctx: WebContext, rfq_id: str, quote_id: str) -> Response:
    return _quote_page(ctx, buyer(ctx), rfq_id, quote_id)


@page(
    bp,
    "POST",
    "/rfqs/{rfq_id}/quotes/{quote_id}/messages",
    budget=Budget(3, "the API's message: GetItem quote + one transaction + the seller's notification"),
)
def send_message(ctx: WebContext, form: Form, rfq_id: str, quote_id: str) -> Response:
    actor = buyer(ctx)
    if not (looks_like_id(rfq_id) and looks_like_id(quote_id)):
        raise NotFound("quote not found", code="quote_not_found")
    text = form.get("text").strip()
    if not text or len(text) > 2000:
        return _quote_page(ctx, actor, rfq_id, quote_id, 400, ctx.t("quote.message_rules"))
    c = container()
    rfq.post_message(
        c.catalog,
        c.trade,
        c.buying,
        actor,
        rfq_id,
        quote_id,
        text,
        shop_id=None,
        message_id=c.new_id("msg"),
        now=c.clock(),
    )
    return render.redirect(ctx, f"/rfqs/{rfq_id}/quotes/{quote_id}")


# --- invoices -----------------------------------------------------------------------------------------------


@page(bp, "GET", "/invoices", budget=Budget(1, "the API's invoice list: one Query"))
def invoices_page(ctx: WebContext) -> Response:
    actor = buyer(ctx)
    status = ctx.query.get("status") if ctx.query.get("status") in INVOICE_STATUSES else None
    scope = api_scope(api_trade.my_invoices, path={}, params={"status": status or ""}, caller=actor.user_id)
    try:
        pager = Pager.open(ctx.query, scope, PAGE_SIZE)
    except ValidationFailed:
        return render.error_page(ctx, 400, "err.bad_cursor")
    c = container()
    result = terms.my_invoices(c.trade, actor, status, PAGE_SIZE, pager.start)
    now = c.clock()
    return render.page(
        ctx,
        "invoices.html",
        title=ctx.t("invoices.title"),
        invoices=[invoice_public(i, now) for i in result.items],
        selected=status,
        statuses=INVOICE_STATUSES,
        pager=pager.links(ctx, "/invoices", {"status": status} if status else {}, result),
    )


@page(bp, "GET", "/invoices/{invoice_id}", budget=Budget(1, "one GetItem"))
def invoice_page(ctx: WebContext, invoice_id: str) -> Response:
    actor = buyer(ctx)
    if not looks_like_id(invoice_id):
        raise NotFound("invoice not found", code="invoice_not_found")
    c = container()
    invoice = invoice_public(terms.my_invoice(c.trade, actor, invoice_id), c.clock())
    for line in invoice["lines"]:  # "0.09" -> "9%" (decimal arithmetic: rates are never floats)
        line["vat_percent"] = f"{(Decimal(line['vat_rate']) * 100).normalize():f}%"
    return render.page(ctx, "invoice.html", title=ctx.t("invoice.title", number=invoice["number"]), invoice=invoice)


# --- samples ------------------------------------------------------------------------------------------------


@page(
    bp,
    "POST",
    "/cart/sample",
    budget=Budget(3, "the API's cart write: GetItem cart, BatchGetItem products, conditional put"),
)
def add_sample(ctx: WebContext, form: Form) -> Response:
    product_id = form.get("product_id")
    if not looks_like_id(product_id):
        raise NotFound("product not found", code="product_not_found")
    actor = buyer(ctx)
    quantity = positive_int(form.get("quantity"), 1, MAX_LINE_QUANTITY)
    if quantity is None:
        return product_view(ctx, "b2b", product_id, 400, ctx.t("err.quantity", min=1, max=MAX_LINE_QUANTITY))
    c = container()
    try:
        cart.set_line(c.buying, actor, product_id, quantity, now=c.clock(), with_products=False, sample=True)
    except Conflict as exc:
        return product_view(ctx, "b2b", product_id, 409, ctx.t(_known(exc) or "error.body.generic"))
    return render.redirect(ctx, "/cart", {"added": "1"})
