"""Buying: cart line rules, prices, orders and their lifecycle, returns. Pure Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from . import seasons
from .catalog import Product
from .errors import Conflict
from .ledger import basis_points
from .storefronts import get_storefront

MAX_CART_LINES = 40
MAX_LINE_QUANTITY = 1_000_000
# One checkout is one DynamoDB transaction (at most 100 actions): per line one conditional stock update,
# per shop one order, plus the cart and the idempotency record. 40 lines across up to 40 shops = 82 actions.
MAX_CHECKOUT_LINES = MAX_CART_LINES

PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer", "card", "net_terms")  # net terms: issue 14
ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
OPEN_STATUSES = ("pending_payment", "paid")


def unit_amount(product: Any, quantity: int, sample: bool = False) -> int:
    """The unit price for `quantity` of a Product or a cart line's Offer: b2b uses the highest tier reached;
    a sample (issue 14) is sold at the sample price."""
    if sample and product.attributes.get("sample"):
        return int(product.attributes["sample"]["amount"])
    tiers = product.attributes.get("price_tiers") if product.storefront == "b2b" else None
    if not tiers:
        return int(product.price_amount)
    reached = [t for t in tiers if quantity >= t["min_quantity"]]
    return int((reached[-1] if reached else tiers[0])["amount"])


def line_problems(
    product: Product | None, quantity: int, sample: bool = False, *, day: dt.date | None = None
) -> list[str]:
    """Why this line cannot be bought as it is (empty when it can). With `day` (issue 15): also out of season
    then."""
    if product is None or not product.is_listed:
        return ["unavailable"]
    problems = terms_problems(product, quantity, sample)
    if day is not None and not seasons.buyable(product.attributes, day):
        problems.append("out_of_season")
    if quantity > product.stock:
        problems.append("out_of_stock")
    return problems


def terms_problems(product: Any, quantity: int, sample: bool = False) -> list[str]:
    """The storefront's quantity rules (b2b MOQ and multiples) for a Product or a cart line's Offer. A sample
    (issue 14) is below the MOQ by design: at most the product's `sample.max_quantity` units."""
    problems = []
    if sample:
        offered = product.attributes.get("sample")
        if not offered:
            problems.append("no_sample")
        elif quantity > offered["max_quantity"]:
            problems.append("sample_over_max")
        return problems
    if product.storefront == "b2b":
        attrs = product.attributes
        if quantity < attrs["moq"]:
            problems.append("below_moq")
        if attrs.get("order_multiple") and quantity % attrs["order_multiple"]:
            problems.append("not_a_multiple")
    return problems


def rule_text(problem: str, product: Any) -> str:
    """`product`: a Product or a cart line's Offer (or None)."""
    if problem == "below_moq" and product:
        return f"the minimum order is {product.attributes['moq']} {product.attributes['unit']}"
    if problem == "not_a_multiple" and product:
        return f"order in multiples of {product.attributes['order_multiple']}"
    if problem == "no_sample":
        return "this product offers no sample"
    if problem == "sample_over_max" and product:
        return f"a sample is at most {product.attributes['sample']['max_quantity']} {product.attributes['unit']}"
    if problem == "out_of_stock" and product:
        return f"only {product.stock} left" if product.stock else "out of stock"
    if problem == "out_of_season":
        return "out of season: it cannot be bought until its harvest (or a pre-sale) opens"
    return "this product is no longer available"


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    product_id: str
    title: str
    quantity: int
    unit_amount: int
    currency: str
    attributes: dict[str, Any]
    sample: bool = False  # issue 14: a sample, below the MOQ at the sample price
    # issue 15: the buyer's personalisation values (as checked against the offer), unchanged whatever the product
    # becomes; the day the seller should ship this line by (made to order, pre-sale), as data for promises
    personalisation: dict[str, str] = field(default_factory=dict)
    estimated_ship_date: str | None = None
    presale: dict[str, Any] | None = None  # {"ships_from", "deposit_percent"?}: bought on a pre-sale

    @property
    def total(self) -> int:
        return self.unit_amount * self.quantity

    @property
    def deposit(self) -> int:
        """What the buyer pays for this line before it ships: a pre-sale's deposit share (else nothing apart)."""
        percent = (self.presale or {}).get("deposit_percent")
        return basis_points(self.total, int(percent) * 100) if percent else 0


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    actor: str  # "buyer", "seller", "operator", "payments", "system"
    action: str
    status: str
    note: str | None = None


@dataclass(frozen=True)
class Refund:
    return_id: str
    amount: int
    at: str


@dataclass(frozen=True)
class Order:
    order_id: str
    checkout_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    shop_name: str
    storefront: str
    status: str
    lines: tuple[OrderLine, ...]
    currency: str
    delivery: dict[str, Any]
    payment_method: str
    created_at: str
    updated_at: str
    timeline: tuple[TimelineEntry, ...] = ()
    refunds: tuple[Refund, ...] = ()
    shipment: dict[str, Any] | None = None
    paid_at: str | None = None
    delivered_at: str | None = None
    version: int = 1
    stock_restored: bool = False
    returned: dict[str, int] = field(default_factory=dict)  # line_id -> quantity already returned
    # issue 15: a pre-sale with a deposit is paid twice: `deposit_amount` first (the order is then "paid" and
    # may ship), the balance when it ships (`paid_at` is set when everything is paid)
    deposit_amount: int = 0
    deposit_paid_at: str | None = None
    # Issue 17 (seller money, docs/ledger.md): the buyer's payment was posted into the shop's pending account
    # (False on orders paid before the ledger: their completion books the money straight from the buyer), and
    # what the platform kept when the order completed: {"amount", "base", "percent_bp", "min_amount"}.
    pending_credited: bool = False
    commission: dict[str, int] | None = None
    # issue 14: the buyer's business badge (business_id, company_name, verified), the invoice details the seller
    # needs (company_title, tax_id), the RFQ and quote an order comes from, and the invoice issued on net terms
    business: dict[str, Any] | None = None
    invoice_details: dict[str, Any] | None = None
    rfq: dict[str, Any] | None = None
    invoice_id: str | None = None
    # Issue 13 (buyer trust): points used at checkout on this order and the money they stand for (1 point =
    # one minor unit; the platform funds it: `platform:points`), and the BIN of the card that paid it (the
    # partner bank's bonus).
    points_redeemed: int = 0
    points_discount: int = 0
    card_bin: str | None = None

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def balance_amount(self) -> int:
        return self.total - self.deposit_amount

    @property
    def amount_paid(self) -> int:
        if self.paid_at:
            return self.total - self.points_discount  # points redeemed (issue 13) are not paid in money
        return self.deposit_amount if self.deposit_paid_at else 0

    @property
    def amount_due(self) -> int:
        """What the next payment must be: the deposit, then the balance; 0 once everything is paid."""
        if self.paid_at:
            return 0
        if self.deposit_amount and not self.deposit_paid_at:
            return self.deposit_amount
        return self.total - self.points_discount - self.amount_paid

    @property
    def ship_by(self) -> str | None:
        """The latest estimated ship date of its lines (made to order, pre-sale): the seller is not late before it."""
        dates = [line.estimated_ship_date for line in self.lines if line.estimated_ship_date]
        return max(dates) if dates else None

    def is_late(self, now: str) -> bool:
        """Not shipped after its ship-by day. An order without one has made no promise here (issue 12's rules
        apply to it); one with a ship-by day is never late before that day ends."""
        if self.ship_by is None or self.status not in OPEN_STATUSES:
            return False
        return parse_time(now).date().isoformat() > self.ship_by

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds)

    def _moved(self, action: str, status: str, actor: str, now: str, note: str | None = None, **changes: Any) -> Order:
        entry = TimelineEntry(at=now, actor=actor, action=action, status=status, note=note)
        return replace(self, status=status, updated_at=now, timeline=(*self.timeline, entry), **changes)

    def _illegal(self, action: str) -> Conflict:
        return Conflict(f"a {self.status} order cannot be {action}", code="illegal_order_transition")

    def mark_paid(self, actor: str, now: str) -> Order:
        if self.deposit_amount and not self.deposit_paid_at and not self.paid_at:
            # the first of a pre-sale's two payments: the order is confirmed and may ship
            if self.status != "pending_payment":
                raise self._illegal("marked paid")
            return self._moved("deposit_paid", "paid", actor, now, deposit_paid_at=now)
        if self.paid_at:
            raise Conflict("the order is already paid", code="already_paid")
        if self.payment_method == "net_terms":
            raise Conflict("an order on net terms is paid through its invoice", code="pay_the_invoice")
        if self.deposit_amount:
            # the balance: when the seller ships (or before, if the buyer pays early), the status stays
            if self.status in ("paid", "shipped", "delivered"):
                return self._moved("balance_paid", self.status, actor, now, paid_at=now)
            raise self._illegal("marked paid")
        if self.status == "pending_payment":
            return self._moved("paid", "paid", actor, now, paid_at=now)
        if self.status in ("shipped", "delivered") and self.payment_method == "cash_on_delivery":
            # Cash is collected on delivery: the payment is recorded without moving the order back.
            return self._moved("paid", self.status, actor, now, paid_at=now)
        raise self._illegal("marked paid")

    def settle_on_terms(self, actor: str, now: str) -> Order:
        """The invoice of an order on net terms is paid (issue 14): the order is paid where it stands."""
        if self.payment_method != "net_terms" or self.status == "cancelled":
            raise self._illegal("paid on terms")
        if self.paid_at:
            raise Conflict("the order is already paid", code="already_paid")
        return self._moved("paid", "paid" if self.status == "pending_payment" else self.status, actor, now, paid_at=now)

    def ship(self, carrier: str, tracking_number: str, now: str) -> Order:
        shippable = self.status == "paid" or (
            self.status == "pending_payment" and self.payment_method in ("cash_on_delivery", "net_terms")
        )
        if self.deposit_amount and not self.deposit_paid_at:
            shippable = False  # a pre-sale ships once its deposit is paid, whatever the payment method
        if not shippable:
            raise self._illegal("shipped")
        shipment = {"carrier": carrier, "tracking_number": tracking_number, "shipped_at": now}
        return self._moved("shipped", "shipped", "seller", now, note=f"{carrier} {tracking_number}", shipment=shipment)

    def deliver(self, now: str) -> Order:
        if self.status != "shipped":
            raise self._illegal("delivered")
        return self._moved("delivered", "delivered", "seller", now, delivered_at=now)

    def cancel(self, actor: str, now: str) -> Order:
        if self.status not in OPEN_STATUSES:
            raise self._illegal("cancelled")
        return self._moved("cancelled", "cancelled", actor, now, stock_restored=True)

    def complete(self, now: str) -> Order:
        if self.status != "delivered" or not self.paid_at:
            raise self._illegal("completed")
        return self._moved("completed", "completed", "system", now)

    def return_window_closes(self) -> str | None:
        if not self.delivered_at:
            return None
        days = get_storefront(self.storefront).return_window_days
        closes = parse_time(self.delivered_at) + dt.timedelta(days=days)
        return closes.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def check_return(self, lines: list[dict[str, Any]], now: str) -> list[dict[str, Any]]:
        """Validates a return request; returns the returned lines with their refund amounts."""
        if self.status not in ("delivered", "completed") or not self.delivered_at:
            raise Conflict("only delivered orders can be returned", code="not_delivered")
        if self.deposit_amount and not self.paid_at:
            # a pre-sale delivered before its balance was paid (issue 15): the shop holds only the deposit, so a
            # refund of the goods' value would pay back money never received
            raise Conflict("pay the order's balance before returning it", code="balance_unpaid")
        closes = self.return_window_closes()
        if closes is None or parse_time(now) > parse_time(closes):
            raise Conflict(f"the return window closed at {closes}", code="return_window_closed")
        by_id = {line.line_id: line for line in self.lines}
        wanted: dict[str, int] = {}
        for item in lines:
            wanted[item["line_id"]] = wanted.get(item["line_id"], 0) + item["quantity"]
        out = []
        for line_id, quantity in wanted.items():
            line = by_id.get(line_id)
            if line is None:
                raise Conflict(f"line {line_id} is not on this order", code="unknown_line")
            left = line.quantity - self.returned.get(line_id, 0)
            if quantity > left:
                raise Conflict(f"only {left} of line {line_id} can still be returned", code="return_exceeds_purchase")
            out.append(
                {
                    "line_id": line_id,
                    "product_id": line.product_id,
                    "quantity": quantity,
                    "amount": line.unit_amount * quantity,
                }
            )
        return out


@dataclass(frozen=True)
class Return:
    return_id: str
    order_id: str
    shop_id: str
    buyer_id: str
    lines: tuple[dict[str, Any], ...]
    reason: str | None
    status: str  # requested -> received
    currency: str
    created_at: str
    updated_at: str
    version: int = 1
    seller_id: str = ""  # the shop's owner, so seller reads prove ownership without reading the shop

    @property
    def amount(self) -> int:
        return sum(line["amount"] for line in self.lines)


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
