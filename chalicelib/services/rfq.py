"""Requests for quotation (issue 14): a verified business asks, eligible b2b shops quote, the buyer compares,
talks to the sellers and accepts one quote, which becomes an order at the quoted unit price.

Confidentiality: a seller only ever reads its own quote (its id follows from the RFQ and the shop, and every
seller route is under `/v1/shops/{shop_id}`); the buyer's routes need the RFQ's buyer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from ..domain.buying import CheckoutClaim
from ..domain.catalog import Shop
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, ensure_shop_owner, require_role
from ..domain.orders import Order, OrderLine, TimelineEntry
from ..domain.storefronts import get_storefront
from ..domain.trade import (
    MAX_ATTACHMENTS,
    MAX_MONTHLY_QUOTES,
    TRADE_CURRENCY,
    Quote,
    QuoteMessage,
    Rfq,
    Supplier,
    acceptance_problems,
    business_id_of,
    check_deadline,
    check_quote_terms,
    clean_text,
    days_back,
    invoice_details_of,
    quota_month,
    quote_id_for,
)
from . import terms
from .business import verified_uploads
from .ports import (
    JSON,
    BuyingRepository,
    CatalogRepository,
    EventPublisher,
    Ledger,
    MediaStore,
    Page,
    Position,
    TradeRepository,
)
from .shops import load_shop

log = logging.getLogger(__name__)

EXPIRY_LOOKBACK_DAYS = 14  # the hourly job reads this many days of due dates back (two weeks of missed runs)
B2B_CATEGORIES = get_storefront("b2b").categories


# --- buyers: post and read RFQs -----------------------------------------------------------------------------


def post_rfq(
    trade: TradeRepository, store: MediaStore, actor: Actor, data: dict[str, Any], *, rfq_id: str, now: str
) -> Rfq:
    """A verified business asks for quotes. The RFQ carries its badge; its deadline is 1 hour to 90 days out."""
    require_role(actor, Role.BUYER)
    if data["category"] not in B2B_CATEGORIES:
        raise ValidationFailed(
            "category is not valid", details=[{"field": "category", "message": f"one of {', '.join(B2B_CATEGORIES)}"}]
        )
    if data["currency"] != TRADE_CURRENCY:
        raise ValidationFailed(
            "currency is not valid", details=[{"field": "currency", "message": f"bulk trade is in {TRADE_CURRENCY}"}]
        )
    deadline = check_deadline(data["quote_deadline"], now)
    attachments = list(data.get("attachments") or [])
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            "too many attachments", details=[{"field": "attachments", "message": f"at most {MAX_ATTACHMENTS}"}]
        )
    business, uploads = trade.business_and_uploads(business_id_of(actor.user_id), attachments)
    if business is None or not business.verified:
        raise Forbidden("only verified businesses post requests for quotation", code="business_not_verified")
    rfq = Rfq(
        rfq_id=rfq_id,
        buyer_id=actor.user_id,
        business=business.badge(),
        category=data["category"],
        title=clean_text(data["title"], "title", 120),
        specification=clean_text(data["specification"], "specification", 5000),
        quantity=data["quantity"],
        unit=clean_text(data["unit"], "unit", 20),
        target_unit_amount=data.get("target_unit_amount"),
        currency=data["currency"],
        deliver_to={k: v.strip() for k, v in data["deliver_to"].items()},
        quote_deadline=deadline,
        attachments=verified_uploads(store, uploads, attachments, "attachments"),
        status="open",
        created_at=now,
        updated_at=now,
        closes_at=deadline,
    )
    trade.create_rfq(rfq)
    return rfq


def my_rfqs(trade: TradeRepository, actor: Actor, limit: int, start: Position | None) -> Page[Rfq]:
    require_role(actor, Role.BUYER)
    return trade.buyer_rfqs(actor.user_id, limit, start)


def buyer_rfq(trade: TradeRepository, actor: Actor, rfq_id: str) -> Rfq:
    require_role(actor, Role.BUYER)
    rfq = trade.get_rfq(rfq_id)
    if rfq is None or rfq.buyer_id != actor.user_id:
        raise NotFound("request for quotation not found", code="rfq_not_found")
    return rfq


def cancel_rfq(trade: TradeRepository, publisher: EventPublisher, actor: Actor, rfq_id: str, *, now: str) -> Rfq:
    """The buyer withdraws an open RFQ; its sellers are told (the order-events consumer closes their quotes)."""
    rfq = buyer_rfq(trade, actor, rfq_id)
    cancelled = rfq.cancel(now)
    trade.commit([trade.rfq_write(cancelled, rfq.version)])
    _announce(publisher, [rfq_event(cancelled, "rfq.cancelled")])
    return cancelled


def compare_quotes(
    trade: TradeRepository, actor: Actor, rfq_id: str, sort: str, limit: int, start: Position | None
) -> Page[Quote]:
    """The RFQ's quotes, cheapest (or fastest) first: one Query; ownership from the quotes' buyer snapshot (an
    empty page reads the RFQ, for the usual 404)."""
    require_role(actor, Role.BUYER)
    page = trade.rfq_quotes(rfq_id, sort, limit, start)
    if not page.items or not all(q.buyer_id == actor.user_id for q in page.items):
        buyer_rfq(trade, actor, rfq_id)
    return page


def buyer_quote(trade: TradeRepository, actor: Actor, rfq_id: str, quote_id: str) -> Quote:
    require_role(actor, Role.BUYER)
    quote = trade.get_quote(rfq_id, quote_id)
    if quote is None or quote.buyer_id != actor.user_id:
        raise NotFound("quote not found", code="quote_not_found")
    return quote


# --- sellers: their trade profile, opportunities, quotes ----------------------------------------------------


def _trading_shop(shop: Shop | None, actor: Actor) -> Shop:
    """The caller's active b2b shop (404/403 as for any shop route; 409 when it cannot trade)."""
    require_role(actor, Role.SELLER)
    if shop is None:
        raise NotFound("shop not found", code="shop_not_found")
    ensure_shop_owner(actor, shop)
    return shop


def _require_trading(shop: Shop) -> None:
    if shop.storefront != "b2b":
        raise Conflict("requests for quotation are for bulk trade (b2b) shops", code="not_a_b2b_shop")
    if shop.status != "active":
        raise Conflict("the shop is not active", code="shop_not_active")


def rfq_profile(trade: TradeRepository, actor: Actor, shop_id: str) -> tuple[Shop, Supplier]:
    shop, supplier = trade.shop_and_supplier(shop_id)
    return _trading_shop(shop, actor), supplier


def set_rfq_categories(
    trade: TradeRepository, actor: Actor, shop_id: str, categories: list[str], *, now: str
) -> tuple[Shop, Supplier]:
    """The categories the shop quotes in: it sees the open RFQs of those categories."""
    shop, _ = trade.shop_and_supplier(shop_id)
    shop = _trading_shop(shop, actor)
    if shop.storefront != "b2b":
        raise Conflict("requests for quotation are for bulk trade (b2b) shops", code="not_a_b2b_shop")
    unknown = [c for c in categories if c not in B2B_CATEGORIES]
    if unknown:
        raise ValidationFailed(
            "unknown category", details=[{"field": "categories", "message": f"one of {', '.join(B2B_CATEGORIES)}"}]
        )
    return shop, trade.set_supplier_categories(shop_id, sorted(set(categories)), now)


def set_quote_quota(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, monthly: int | None, *, now: str
) -> Supplier:
    """An operator sets a shop's monthly quote quota (None: back to the default)."""
    require_role(actor, Role.OPERATOR)
    load_shop(catalog, shop_id)
    if monthly is not None and not 0 <= monthly <= MAX_MONTHLY_QUOTES:
        raise ValidationFailed(
            "monthly is out of range", details=[{"field": "monthly", "message": f"0 to {MAX_MONTHLY_QUOTES}"}]
        )
    return trade.set_supplier_quota(shop_id, monthly, now)


def opportunities(
    trade: TradeRepository, actor: Actor, shop_id: str, *, now: str, limit: int, start: Position | None
) -> Page[Rfq]:
    """Open RFQs in the shop's categories that can still be quoted, newest first: one Query (after the one
    BatchGetItem of the shop and its trade record)."""
    shop, supplier = trade.shop_and_supplier(shop_id)
    _require_trading(_trading_shop(shop, actor))
    if not supplier.categories:
        return Page([], None)
    return trade.open_rfqs(list(supplier.categories), now, limit, start)


def _visible_to_shop(rfq: Rfq | None, supplier: Supplier, own: Quote | None, now: str) -> Rfq:
    """A shop sees an RFQ it quoted on, or an open one in its categories; a competitor's existence or quote
    is never revealed."""
    if rfq is not None and (own is not None or (rfq.category in supplier.categories and rfq.quotable(now))):
        return rfq
    raise NotFound("request for quotation not found", code="rfq_not_found")


def seller_rfq(
    trade: TradeRepository, actor: Actor, shop_id: str, rfq_id: str, *, now: str
) -> tuple[Rfq, Quote | None]:
    """The RFQ as one of its sellers sees it, with that shop's own quote (if any): one BatchGetItem."""
    rfq, shop, supplier, own = trade.quote_context(rfq_id, shop_id, quote_id_for(rfq_id, shop_id))
    _trading_shop(shop, actor)
    return _visible_to_shop(rfq, supplier, own, now), own


def submit_quote(
    trade: TradeRepository,
    catalog: CatalogRepository,
    buying: BuyingRepository,
    actor: Actor,
    shop_id: str,
    rfq_id: str,
    data: dict[str, Any],
    *,
    now: str,
) -> tuple[Quote, bool]:
    """The shop's quote: created (counted against its monthly quota) or revised (until the deadline).
    Returns (quote, created). One BatchGetItem, one transaction, and a notification to the buyer."""
    quote_id = quote_id_for(rfq_id, shop_id)
    rfq, shop, supplier, existing = trade.quote_context(rfq_id, shop_id, quote_id)
    shop = _trading_shop(shop, actor)
    _require_trading(shop)
    rfq = _visible_to_shop(rfq, supplier, existing, now)
    rfq.require_quotable(now)
    terms_in = check_quote_terms(
        {
            "unit_amount": data["unit_amount"]["amount"],
            "currency": data["unit_amount"]["currency"],
            "moq": data["moq"],
            "lead_time_days": data["lead_time_days"],
            "valid_until": data["valid_until"],
            "sample": data.get("sample"),
        },
        rfq,
        now,
    )
    product_id = data.get("product_id")
    product_title = None
    if product_id:
        product = catalog.get_product(product_id)
        if product is None or product.shop_id != shop_id or product.status == "archived":
            raise ValidationFailed(
                "product_id is not valid", details=[{"field": "product_id", "message": "a live product of this shop"}]
            )
        product_title = product.title
    note = clean_text(data.get("note") or "", "note", 2000, required=False)
    fields = {k: v for k, v in terms_in.items() if k != "currency"}
    if existing is not None:
        revised = existing.revise(
            {**fields, "note": note, "product_id": product_id, "product_title": product_title}, now
        )
        trade.save_quote(revised, existing.version, supplier, rfq)
        _notify(
            buying,
            rfq.buyer_id,
            f"quote.revised:{quote_id}:{revised.version}",
            "quote.revised",
            rfq,
            quote_id,
            shop_id,
            f"{shop.name} revised its quote for “{rfq.title}”",
            now,
        )
        return revised, False
    if supplier.used(quota_month(now)) >= supplier.quota:
        raise Conflict(f"this shop has used its {supplier.quota} quotes for the month", code="quote_quota_exhausted")
    quote = Quote(
        quote_id=quote_id,
        rfq_id=rfq_id,
        buyer_id=rfq.buyer_id,
        shop_id=shop_id,
        shop_name=shop.name,
        seller_id=shop.owner_id,
        currency=rfq.currency,
        note=note,
        status="live",
        created_at=now,
        updated_at=now,
        product_id=product_id,
        product_title=product_title,
        **fields,
    )
    trade.save_quote(quote, None, supplier, rfq)
    _notify(
        buying,
        rfq.buyer_id,
        f"quote.received:{quote_id}",
        "quote.received",
        rfq,
        quote_id,
        shop_id,
        f"{shop.name} quoted on “{rfq.title}”",
        now,
    )
    return quote, True


def shop_quotes(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, limit: int, start: Position | None
) -> Page[Quote]:
    """The shop's quotes, newest first: one Query; ownership from the quotes' seller snapshot."""
    require_role(actor, Role.SELLER)
    page = trade.shop_quotes(shop_id, limit, start)
    if not page.items or not all(q.seller_id == actor.user_id for q in page.items):
        shop = load_shop(catalog, shop_id)
        ensure_shop_owner(actor, shop)
    return page


def _seller_quote(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, rfq_id: str, quote_id: str
) -> Quote:
    require_role(actor, Role.SELLER)
    quote = trade.get_quote(rfq_id, quote_id)
    if quote is not None and quote.shop_id == shop_id and quote.seller_id == actor.user_id:
        return quote
    ensure_shop_owner(actor, load_shop(catalog, shop_id))
    raise NotFound("quote not found", code="quote_not_found")


# --- messages per quote -------------------------------------------------------------------------------------


def messages(
    catalog: CatalogRepository,
    trade: TradeRepository,
    actor: Actor,
    rfq_id: str,
    quote_id: str,
    *,
    shop_id: str | None,
    limit: int,
    start: Position | None,
) -> Page[QuoteMessage]:
    """The conversation about one quote, oldest first: one Query; the messages name the quote's buyer and
    seller, so ownership needs no other read (an empty page reads the quote)."""
    page = trade.messages(rfq_id, quote_id, limit, start)
    if shop_id is None:
        mine = all(m["buyer_id"] == actor.user_id for m in page.items)
    else:
        mine = all(m["seller_id"] == actor.user_id and m["shop_id"] == shop_id for m in page.items)
    if not page.items or not mine:
        if shop_id is None:
            buyer_quote(trade, actor, rfq_id, quote_id)
        else:
            _seller_quote(catalog, trade, actor, shop_id, rfq_id, quote_id)
    return Page([m["message"] for m in page.items], page.last_key)


def quote_conversation(
    trade: TradeRepository, actor: Actor, rfq_id: str, quote_id: str, limit: int = 100
) -> tuple[Quote, list[QuoteMessage]]:
    """The buyer's quote and the conversation about it (the web's quote page): GetItem + one Query."""
    quote = buyer_quote(trade, actor, rfq_id, quote_id)
    return quote, [m["message"] for m in trade.messages(rfq_id, quote_id, limit, None).items]


def post_message(
    catalog: CatalogRepository,
    trade: TradeRepository,
    buying: BuyingRepository,
    actor: Actor,
    rfq_id: str,
    quote_id: str,
    text: str,
    *,
    shop_id: str | None,
    message_id: str,
    now: str,
) -> QuoteMessage:
    """A message from the buyer (shop_id None) or the quote's seller; the other side is notified."""
    if shop_id is None:
        quote = buyer_quote(trade, actor, rfq_id, quote_id)
        author, recipient = "buyer", quote.seller_id
    else:
        quote = _seller_quote(catalog, trade, actor, shop_id, rfq_id, quote_id)
        author, recipient = "seller", quote.buyer_id
    message = QuoteMessage(message_id, rfq_id, quote_id, author, actor.user_id, clean_text(text, "text", 2000), now)
    trade.add_message(message, quote)
    who = "The buyer" if author == "buyer" else quote.shop_name
    body = {
        "notification_id": message_id,
        "type": "quote.message",
        "shop_id": quote.shop_id,
        "rfq_id": rfq_id,
        "quote_id": quote_id,
        "message": f"{who} wrote about the quote on RFQ {rfq_id}",
        "at": now,
    }
    _write_notification(buying, recipient, f"{now}#{message_id}", body)
    return message


# --- accepting a quote ---------------------------------------------------------------------------------------


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def accept(
    trade: TradeRepository,
    buying: BuyingRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    actor: Actor,
    rfq_id: str,
    quote_id: str,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    new_id: Callable[[str], str],
    present_order: Callable[[Order], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """The buyer accepts one quote: an order at the quoted unit price, through the same order model and
    repository as checkout, in one transaction with the RFQ awarded, the quote accepted, the idempotency claim
    and (when the quote names a catalog product) its stock; on net terms the transaction rides in the credit
    posting. Replaying the Idempotency-Key answers the same (200); another body with it is 422.

    Two DynamoDB calls (one BatchGetItem: RFQ, quote, claim, business; one TransactWriteItems); net terms
    three. The other sellers are told by the order-events consumer (`rfq.awarded`)."""
    require_role(actor, Role.BUYER)
    claim_key = f"accept#{actor.user_id}#{idempotency_key}"
    digest = _digest({"rfq_id": rfq_id, "quote_id": quote_id, **body})
    rfq, quote, claim, business = trade.acceptance_reads(rfq_id, quote_id, claim_key, business_id_of(actor.user_id))
    if claim is not None:
        return _replay(claim, digest), True
    if rfq is None or rfq.buyer_id != actor.user_id:
        raise NotFound("request for quotation not found", code="rfq_not_found")
    if quote is None:
        raise NotFound("quote not found", code="quote_not_found")
    awarded_quote = quote.accept(now)
    quantity = body["quantity"]
    problems = acceptance_problems(quote, rfq, quantity)
    if problems:
        raise ValidationFailed("the quantity is below the quote's minimum order", code="below_moq", details=problems)
    order_id = new_id("ord")
    awarded = rfq.award(quote_id, order_id, now)
    payment_method = body["payment_method"]
    invoice_details: dict[str, Any] | None = None
    if business is not None and business.verified:
        invoice_details = invoice_details_of(business)
        if payment_method == "net_terms" and business.terms is not None:
            invoice_details["terms_days"] = business.terms.terms_days
    status = "pending_payment"
    order = Order(
        order_id=order_id,
        checkout_id=new_id("chk"),
        buyer_id=actor.user_id,
        seller_id=quote.seller_id,
        shop_id=quote.shop_id,
        shop_name=quote.shop_name,
        storefront="b2b",
        status=status,
        lines=(
            OrderLine(
                line_id=f"{order_id}-1",
                product_id=quote.product_id or "",
                title=quote.product_title or rfq.title,
                quantity=quantity,
                unit_amount=quote.unit_amount,
                currency=quote.currency,
                attributes={
                    "unit": rfq.unit,
                    "category": rfq.category,
                    "moq": quote.moq,
                    "lead_time_days": quote.lead_time_days,
                    "quoted": True,
                },
            ),
        ),
        currency=quote.currency,
        delivery=body["delivery"],
        payment_method=payment_method,
        created_at=now,
        updated_at=now,
        timeline=(TimelineEntry(at=now, actor="buyer", action="placed", status=status, note=f"quote {quote_id}"),),
        business=business.badge() if business is not None and business.verified else None,
        invoice_details=invoice_details,
        rfq={"rfq_id": rfq_id, "quote_id": quote_id},
    )
    result = {"rfq_id": rfq_id, "quote_id": quote_id, "order": present_order(order)}
    writes = [
        buying.claim_write(claim_key, actor.user_id, CheckoutClaim(digest, result), now),
        trade.rfq_write(awarded, rfq.version),
        trade.quote_write(awarded_quote, quote.version),
        buying.new_order_write(order),
    ]
    if quote.product_id:
        writes.append(buying.stock_take_write(quote.product_id, quantity))
    # the new order's event and the award (its consumer closes the other quotes) ride in the same transaction:
    # both are published if and only if the acceptance commits (the outbox, issue 9)
    writes.append(buying.order_created_write(order, also=[rfq_event(awarded, "rfq.awarded")]))
    try:
        if payment_method == "net_terms":
            on_terms = terms.require_net_terms(business, [order])
            terms.place_on_terms(
                ledger,
                trade,
                on_terms,
                f"rfq:{rfq_id}",
                [order],
                writes,
                lambda refused: _refusal(writes, refused),
                now=now,
            )
        else:
            trade.commit(writes)
    except Conflict as exc:
        if exc.code != "idempotency_race":
            raise
        earlier = buying.get_claim(claim_key)
        if earlier is None:
            raise
        return _replay(earlier, digest), True
    return {**result, "replayed": False}, False


def _refusal(writes: list[Any], refused: list[int]) -> DomainError:
    error = writes[refused[0]].refused
    return error if error is not None else Conflict("the acceptance was refused", code="acceptance_refused")


def _replay(claim: CheckoutClaim, digest: str) -> dict[str, Any]:
    """The first attempt's answer (its events were written with it, in the outbox: nothing to queue again)."""
    if claim.digest != digest:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    return {**claim.result, "replayed": True}


RFQ_EVENTS = ("rfq.awarded", "rfq.cancelled")


def rfq_event(rfq: Rfq, kind: str) -> dict[str, Any]:
    """An RFQ's award or cancellation, on the order-events queue (its consumer closes the other quotes)."""
    return {
        "event_id": f"{rfq.rfq_id}:{kind}",
        "type": kind,
        "rfq_id": rfq.rfq_id,
        "order_id": rfq.order_id,
        "quote_id": rfq.accepted_quote_id,
        "at": rfq.updated_at,
    }


def rfq_event_of(raw: str) -> dict[str, Any] | None:
    """The RFQ event in a queue message, or None when the message is something else (an order event)."""
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("type") not in RFQ_EVENTS:
        return None
    if not isinstance(event.get("rfq_id"), str) or not event["rfq_id"]:
        raise ValueError("rfq event without a valid rfq_id")
    return event


def _announce(publisher: EventPublisher, events: list[JSON]) -> None:
    try:
        publisher.publish(events)
    except DomainError:
        log.warning("rfq event not queued", extra={"events": [e["event_id"] for e in events]})


# --- what follows an award or a cancellation, and the clock -------------------------------------------------


def close_other_quotes(trade: TradeRepository, buying: BuyingRepository, rfq_id: str, *, now: str) -> int:
    """After an award or a cancellation: every other live quote is closed (`not_selected`) and its seller told.
    Idempotent (run by the order-events consumer, which may see an event twice)."""
    rfq = trade.get_rfq(rfq_id)
    if rfq is None or rfq.status == "open":
        return 0
    closed = 0
    for quote in trade.all_quotes(rfq_id):
        if quote.status != "live" or quote.quote_id == rfq.accepted_quote_id:
            continue
        try:
            trade.commit([trade.quote_write(quote.close("not_selected", now), quote.version)])
        except DomainError:
            continue
        closed += 1
        text = (
            f"The buyer chose another quote for “{rfq.title}”"
            if rfq.status == "awarded"
            else f"The buyer withdrew the request “{rfq.title}”"
        )
        _notify(
            buying,
            quote.seller_id,
            f"quote.closed:{quote.quote_id}",
            "quote.not_selected",
            rfq,
            quote.quote_id,
            quote.shop_id,
            text,
            now,
        )
    if rfq.status == "awarded" and rfq.accepted_quote_id:
        winner = trade.get_quote(rfq_id, rfq.accepted_quote_id)
        if winner is not None:  # keyed by the award's time: a redelivered event notifies once
            _notify(
                buying,
                winner.seller_id,
                f"quote.accepted:{winner.quote_id}",
                "quote.accepted",
                rfq,
                winner.quote_id,
                winner.shop_id,
                f"Your quote for “{rfq.title}” was accepted: order {rfq.order_id}",
                rfq.updated_at,
            )
    return closed


def expire_due(
    trade: TradeRepository, buying: BuyingRepository, *, now: str, lookback_days: int = EXPIRY_LOOKBACK_DAYS
) -> dict[str, int]:
    """The hourly job: quotes past their validity expire; RFQs past their deadline expire when no quote can
    still be accepted (otherwise they are looked at again when the last valid quote runs out). Found through
    the due index's day partitions, never a scan."""
    expired_quotes = expired_rfqs = 0
    for day in days_back(now, lookback_days):
        for quote in _all_due(trade, "quote", day, now):
            if quote.status != "live" or quote.valid_until > now:
                continue
            try:
                trade.commit([trade.quote_write(quote.close("expired", now), quote.version)])
            except DomainError:
                continue
            expired_quotes += 1
    for day in days_back(now, lookback_days):
        for rfq in _all_due(trade, "rfq", day, now):
            if rfq.status != "open" or (rfq.closes_at or "") > now:
                continue
            usable = [q for q in trade.all_quotes(rfq.rfq_id) if q.usable(now)]
            # a quote can still be accepted: look again when the last one runs out; otherwise it expires
            changed = rfq.look_again_at(max(q.valid_until for q in usable), now) if usable else rfq.expire(now)
            try:
                trade.commit([trade.rfq_write(changed, rfq.version)])
            except DomainError:
                continue
            if changed.status == "expired":
                expired_rfqs += 1
                _notify(
                    buying,
                    rfq.buyer_id,
                    f"rfq.expired:{rfq.rfq_id}",
                    "rfq.expired",
                    rfq,
                    None,
                    "",
                    f"Your request “{rfq.title}” closed without an accepted quote",
                    now,
                )
    return {"expired_quotes": expired_quotes, "expired_rfqs": expired_rfqs}


def _all_due(trade: TradeRepository, kind: str, day: str, now: str) -> list[Any]:
    out: list[Any] = []
    start: Position | None = None
    while True:
        page = trade.due(kind, day, now, 100, start)
        out += page.items
        start = page.last_key
        if not start:
            return out


def _notify(
    buying: BuyingRepository,
    user_id: str,
    event_id: str,
    kind: str,
    rfq: Rfq,
    quote_id: str | None,
    shop_id: str,
    text: str,
    now: str,
) -> None:
    body: dict[str, Any] = {
        "notification_id": event_id,
        "type": kind,
        "shop_id": shop_id,
        "rfq_id": rfq.rfq_id,
        "message": text,
        "at": now,
    }
    if quote_id:
        body["quote_id"] = quote_id
    _write_notification(buying, user_id, f"{now}#{event_id}", body)


def _write_notification(buying: BuyingRepository, user_id: str, key: str, body: dict[str, Any]) -> None:
    """Notifications about RFQs are written straight to the user's partition (conditional: written once); the
    change they describe is committed already, so a failure here is logged, not raised."""
    try:
        buying.add_notification(user_id, key, body)
    except DomainError:
        log.warning("rfq notification not written", extra={"user_id": user_id, "type": body["type"]})
