"""Net terms and invoices (issue 14).

- Placing orders on net terms: the orders' writes ride in one ledger posting that moves their total from the
  business's available credit to its reserved credit, refused below zero, with a check that the business is
  still verified, its credit line unchanged and no invoice overdue. So concurrent checkouts cannot overdraw a
  credit line, and a business with an overdue invoice cannot buy on terms.
- Shipping an order on net terms issues its invoice in the same transaction: the order, the invoice, the
  seller's invoice counter (compare-and-set: numbers per seller are sequential without gaps) and the posting
  reserved -> receivable.
- Paying an invoice (the seller records a bank transfer, or the payment provider reports it) pays the order
  and posts receivable -> credit: the credit is available again.
- Cancelling an order on terms before it ships gives its credit back (reserved -> credit).
- The daily job marks open invoices past their due date overdue, which blocks new net-terms orders of that
  business until they are paid.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import InsufficientFunds
from ..domain.orders import Order
from ..domain.trade import (
    Business,
    Invoice,
    business_id_of,
    days_back,
    invoice_issued_posting,
    invoice_lines,
    invoice_paid_posting,
    plus,
    terms_order_posting,
    terms_release_posting,
)
from .ports import (
    BuyingRepository,
    CatalogRepository,
    Ledger,
    Page,
    Position,
    TradeRepository,
    Write,
)
from .shops import owned_shop

log = logging.getLogger(__name__)
_JITTER = random.SystemRandom()

# A seller shipping many orders at the same moment: each lost race for a number takes the next one, after a
# short jittered pause (20 shipments at once all get through in tests/concurrency/test_trade_race.py).
INVOICE_NUMBER_ATTEMPTS = 32
OVERDUE_LOOKBACK_DAYS = 31  # the daily job reads this many days of due dates back (a month of missed runs)


def refusal(business: Business | None, currency: str) -> str | None:
    if business is None:
        return "net terms are for verified businesses: apply as a business first"
    reason = business.net_terms_refusal()
    if reason is None and business.terms is not None and business.terms.currency != currency:
        reason = f"the credit line is in {business.terms.currency}"
    return reason


def require_net_terms(business: Business | None, orders: Sequence[Order]) -> Business:
    """The business may buy these orders on terms (credit availability is checked by the posting)."""
    if any(o.storefront != "b2b" for o in orders):
        raise Conflict("net terms are for bulk trade (b2b) orders only", code="net_terms_unavailable")
    reason = refusal(business, orders[0].currency)
    if reason is not None:
        raise Conflict(reason, code="net_terms_unavailable")
    assert business is not None
    return business


def place_on_terms(
    ledger: Ledger,
    trade: TradeRepository,
    business: Business,
    placement_id: str,
    orders: Sequence[Order],
    writes: list[Write],
    explain: Callable[[list[int]], DomainError],
    *,
    now: str,
) -> None:
    """Commits the orders' `writes` with the credit they take, in one transaction (ledger.post)."""
    total = sum(o.total for o in orders)
    refs = {f"order_{i + 1}": o.order_id for i, o in enumerate(orders[:8])}
    posting = terms_order_posting(business.business_id, placement_id, total, orders[0].currency, now, **refs)
    check = trade.net_terms_check(business)
    alongside = [*writes, check]

    def why(refused: list[int]) -> DomainError:
        own = [i for i in refused if i < len(writes)]
        if own:
            return explain(own)
        assert check.refused is not None
        return check.refused

    try:
        ledger.post(posting, alongside=alongside, explain=why)
    except InsufficientFunds as exc:
        raise Conflict(
            f"the order total of {_major(total)} {exc.currency} is more than the available credit of "
            f"{_major(exc.balance)} {exc.currency}",
            code="credit_limit_exceeded",
            details=[
                {"field": "payment_method", "message": f"{_major(exc.balance)} {exc.currency} of credit available"}
            ],
        ) from exc


def _major(amount: int) -> str:
    """Minor units as a decimal string (2 decimals: CNY)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def cancel_on_terms(buying: BuyingRepository, ledger: Ledger, order: Order, cancelled: Order, *, now: str) -> Order:
    """`cancelled` (order.cancel(...)) saved with its stock back, its credit released and its event, in one
    transaction."""
    restock: Counter[str] = Counter()
    for line in order.lines:
        restock[line.product_id] += line.quantity
    business_id = (order.business or {}).get("business_id") or business_id_of(order.buyer_id)
    posting = terms_release_posting(business_id, order.order_id, order.total, order.currency, now)
    writes = buying.order_writes(cancelled, order.version, event="order.cancelled", restock=dict(restock))
    posted = ledger.post(posting, alongside=writes)
    if posted.replayed:
        raise Conflict("the order is already cancelled", code="illegal_order_transition")
    return cancelled.as_saved(order.version)


# --- invoices -----------------------------------------------------------------------------------------------


def ship_with_invoice(
    buying: BuyingRepository,
    trade: TradeRepository,
    ledger: Ledger,
    order: Order,
    shipped: Order,
    *,
    invoice_id: str,
    now: str,
    pause: Callable[[float], None] = time.sleep,
) -> Order:
    """Ships an order on net terms and issues its invoice, all in one transaction; retried with the next number
    when another invoice of the seller took this one meanwhile."""
    for attempt in range(INVOICE_NUMBER_ATTEMPTS):
        if attempt:
            pause(_JITTER.uniform(0, min(0.1, 0.005 * 2**attempt)))
        supplier, products = trade.invoicing_reads(order.shop_id, [line.product_id for line in order.lines])
        invoice = new_invoice(
            order, invoice_id, supplier.invoice_seq + 1, {p: v.category for p, v in products.items()}, now
        )
        invoiced = replace(shipped, invoice_id=invoice_id)
        writes = buying.order_writes(invoiced, order.version, event="order.shipped") + trade.invoice_writes(
            invoice, supplier.invoice_seq
        )
        try:
            ledger.post(invoice_issued_posting(invoice), alongside=writes)
        except Conflict as exc:
            if exc.code == "invoice_number_taken" and attempt + 1 < INVOICE_NUMBER_ATTEMPTS:
                continue
            raise
        return invoiced.as_saved(order.version)
    raise AssertionError("unreachable")


def new_invoice(order: Order, invoice_id: str, seq: int, categories: dict[str, str], now: str) -> Invoice:
    business = order.business or {}
    details = order.invoice_details or {}
    lines = invoice_lines(
        [
            {
                "title": line.title,
                "quantity": line.quantity,
                "unit_amount": line.unit_amount,
                "product_id": line.product_id,
                "attributes": line.attributes,
            }
            for line in order.lines
        ],
        {pid: c for pid, c in categories.items()},
    )
    terms_days = int(details.get("terms_days") or 30)
    return Invoice(
        invoice_id=invoice_id,
        seq=seq,
        shop_id=order.shop_id,
        seller_id=order.seller_id,
        seller={"shop_id": order.shop_id, "name": order.shop_name},
        order_id=order.order_id,
        business_id=business.get("business_id") or business_id_of(order.buyer_id),
        buyer_id=order.buyer_id,
        bill_to={
            "company_name": details.get("company_title") or business.get("company_name") or "",
            "tax_id": details.get("tax_id") or "",
            "address": details.get("address") or "",
        },
        lines=lines,
        currency=order.currency,
        total=order.total,
        vat_amount=sum(line["vat_amount"] for line in lines),
        terms_days=terms_days,
        issued_at=now,
        due_at=plus(now, days=terms_days),
        status="open",
    )


def _shop_invoice(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, invoice_id: str
) -> Invoice:
    """One read when the invoice names the caller as its seller; otherwise the shop too (the usual 403/404)."""
    require_role(actor, Role.SELLER)
    invoice = trade.get_invoice(invoice_id)
    if invoice is not None and invoice.shop_id == shop_id and invoice.seller_id == actor.user_id:
        return invoice
    owned_shop(catalog, actor, shop_id)
    if invoice is None or invoice.shop_id != shop_id:
        raise NotFound("invoice not found", code="invoice_not_found")
    return invoice


def shop_invoice(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, invoice_id: str
) -> Invoice:
    return _shop_invoice(catalog, trade, actor, shop_id, invoice_id)


def shop_invoices(
    catalog: CatalogRepository, trade: TradeRepository, actor: Actor, shop_id: str, limit: int, start: Position | None
) -> Page[Invoice]:
    require_role(actor, Role.SELLER)
    page = trade.shop_invoices(shop_id, limit, start)
    if not page.items or not all(i.seller_id == actor.user_id for i in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def my_invoice(trade: TradeRepository, actor: Actor, invoice_id: str) -> Invoice:
    require_role(actor, Role.BUYER)
    invoice = trade.get_invoice(invoice_id)
    if invoice is None or invoice.buyer_id != actor.user_id:
        raise NotFound("invoice not found", code="invoice_not_found")
    return invoice


def my_invoices(
    trade: TradeRepository, actor: Actor, status: str | None, limit: int, start: Position | None
) -> Page[Invoice]:
    require_role(actor, Role.BUYER)
    return trade.business_invoices(business_id_of(actor.user_id), status, limit, start)


def _pay(
    trade: TradeRepository,
    buying: BuyingRepository,
    ledger: Ledger,
    invoice: Invoice,
    order: Order,
    *,
    actor: str,
    method: str,
    reference: str | None,
    now: str,
    claim_key: str | None = None,
) -> Invoice:
    paid = invoice.pay(method, reference, now)
    # the buyer's money reaches the shop's pending balance in the same posting (issue 17's payment, on terms)
    paid_order = replace(order.settle_on_terms(actor, now), pending_credited=True)
    writes = [
        trade.invoice_write(paid, invoice.version),
        *buying.order_writes(paid_order, order.version, event="order.paid", claim_key=claim_key),
    ]
    if invoice.status == "overdue":  # one overdue invoice fewer: net terms come back when none is left
        writes.append(trade.overdue_change(invoice.business_id, -1))
    posted = ledger.post(invoice_paid_posting(paid, now), alongside=writes)
    if posted.replayed:
        raise Conflict("this invoice is already paid", code="invoice_already_paid")
    return paid


def mark_invoice_paid(
    catalog: CatalogRepository,
    trade: TradeRepository,
    buying: BuyingRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str,
    invoice_id: str,
    reference: str | None,
    *,
    now: str,
) -> Invoice:
    """The seller received the bank transfer that pays this invoice."""
    invoice = _shop_invoice(catalog, trade, actor, shop_id, invoice_id)
    if invoice.status == "paid":
        raise Conflict("this invoice is already paid", code="invoice_already_paid")
    order = buying.get_order(invoice.order_id)
    if order is None:
        raise NotFound("the invoice's order is gone", code="order_not_found")
    return _pay(
        trade,
        buying,
        ledger,
        invoice,
        order,
        actor="seller",
        method="bank_transfer",
        reference=reference,
        now=now,
    )


def paid_by_provider(
    trade: TradeRepository,
    buying: BuyingRepository,
    ledger: Ledger,
    order: Order,
    event_id: str,
    *,
    now: str,
) -> str:
    """The payment provider reports the payment of an order on net terms: its invoice is paid."""
    if not order.invoice_id:
        raise Conflict("this order on net terms has no invoice yet (it is invoiced when it ships)", code="not_invoiced")
    invoice = trade.get_invoice(order.invoice_id)
    if invoice is None:
        raise NotFound("invoice not found", code="invoice_not_found")
    if invoice.status == "paid":
        return "duplicate"
    try:
        _pay(
            trade,
            buying,
            ledger,
            invoice,
            order,
            actor="payments",
            method="provider",
            reference=event_id,
            now=now,
            claim_key=f"payment-event#{event_id}",
        )
    except Conflict as exc:
        if exc.code in ("duplicate_event", "invoice_already_paid", "already_paid"):
            return "duplicate"
        raise
    return "applied"


# --- the daily job ------------------------------------------------------------------------------------------


def mark_overdue(
    trade: TradeRepository, buying: BuyingRepository, *, now: str, lookback_days: int = OVERDUE_LOOKBACK_DAYS
) -> int:
    """Marks every open invoice past its due date overdue (one transaction each: the invoice and its
    business's overdue count), found through the due index's day partitions; tells buyer and seller."""
    marked = 0
    for day in days_back(now, lookback_days):
        start: Position | None = None
        while True:
            page = trade.due("invoice", day, now, 100, start)
            for invoice in page.items:
                try:
                    overdue = invoice.mark_overdue(now)
                    trade.commit(
                        [trade.invoice_write(overdue, invoice.version), trade.overdue_change(invoice.business_id, 1)]
                    )
                except DomainError:
                    continue  # paid or changed meanwhile
                marked += 1
                _notify_overdue(buying, overdue, now)
            start = page.last_key
            if not start:
                break
    return marked


def _notify_overdue(buying: BuyingRepository, invoice: Invoice, now: str) -> None:
    for user_id, text in (
        (
            invoice.buyer_id,
            f"Invoice {invoice.number} of {invoice.seller['name']} is overdue: pay it to buy on terms again",
        ),
        (invoice.seller_id, f"Invoice {invoice.number} (order {invoice.order_id}) is overdue"),
    ):
        body = {
            "notification_id": f"{invoice.invoice_id}:overdue",
            "type": "invoice.overdue",
            "order_id": invoice.order_id,
            "shop_id": invoice.shop_id,
            "invoice_id": invoice.invoice_id,
            "message": text,
            "at": now,
        }
        try:
            buying.add_notification(user_id, f"{now}#{invoice.invoice_id}:overdue", body)
        except DomainError:
            log.warning("overdue notification not written", extra={"invoice_id": invoice.invoice_id})
