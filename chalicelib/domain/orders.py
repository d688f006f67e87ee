"""Buying: cart line rules, prices, orders and their lifecycle, returns. Pure Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from . import seasons
from .catalog import Product
from .errors import Conflict, TooManyAttempts
from .ledger import basis_points
from .storefronts import get_storefront

MAX_CART_LINES = 40
MAX_LINE_QUANTITY = 1_000_000
# One checkout is one DynamoDB transaction (at most 100 actions): per line one conditional stock update,
# per shop one order, plus the cart and the idempotency record. 40 lines across up to 40 shops = 82 actions.
MAX_CHECKOUT_LINES = MAX_CART_LINES

PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer", "card", "net_terms")  # net terms: issue 14
ORDER_STATUSES: tuple[str, ...] = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
OPEN_STATUSES = ("pending_payment", "paid")
# Orders collected at a village service centre (issue 10) travel seller -> county centre -> village centre:
# shipped -> at_county -> to_village -> ready_for_pickup -> delivered (handed over), or missing on the way.
PICKUP_STATUSES = ("at_county", "to_village", "ready_for_pickup", "missing")
ORDER_STATUSES += PICKUP_STATUSES
IN_TRANSIT_STATUSES = ("shipped", *PICKUP_STATUSES)
WRONG_CODES_BEFORE_LOCK = 5
HANDOVER_LOCK = dt.timedelta(minutes=15)


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
    actor: str  # "buyer", "seller", "operator", "payments", "system", "county_staff", "partner"
    action: str
    status: str
    note: str | None = None
    actor_id: str | None = None  # the user who did it (None for the system and the payment provider)


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
    # Collected at a village service centre (issue 10): the centre and its county as they were at checkout
    # (domain/network.pickup_snapshot), the inbound manifest carrying it, when it became ready, wrong codes.
    pickup: dict[str, Any] | None = None
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
    # Issue 11: placed by a village partner for a villager (domain/assisted.py): {"placed_by", "village_id",
    # "villager_id", "payment": cash_on_pickup | paid_by_partner, "service_fee": amount (minor units) | 0,
    # "fee_rule": the county's rule as applied | None}
    assisted: dict[str, Any] | None = None

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def balance_amount(self) -> int:
        return self.total - self.deposit_amount

    @property
    def amount_paid(self) -> int:
        if self.paid_at:
            return self.total
        return self.deposit_amount if self.deposit_paid_at else 0

    @property
    def amount_due(self) -> int:
        """What the next payment must be: the deposit, then the balance; 0 once everything is paid."""
        if self.paid_at:
            return 0
        if self.deposit_amount and not self.deposit_paid_at:
            return self.deposit_amount
        return self.total - self.amount_paid

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

    def _moved(
        self,
        action: str,
        status: str,
        actor: str,
        now: str,
        note: str | None = None,
        actor_id: str | None = None,
        **changes: Any,
    ) -> Order:
        entry = TimelineEntry(at=now, actor=actor, action=action, status=status, note=note, actor_id=actor_id)
        return replace(self, status=status, updated_at=now, timeline=(*self.timeline, entry), **changes)

    def _illegal(self, action: str) -> Conflict:
        return Conflict(f"a {self.status} order cannot be {action}", code="illegal_order_transition")

    def mark_paid(self, actor: str, now: str, *, actor_id: str | None = None) -> Order:
        if self.deposit_amount and not self.deposit_paid_at and not self.paid_at:
            # the first of a pre-sale's two payments: the order is confirmed and may ship
            if self.status != "pending_payment":
                raise self._illegal("marked paid")
            return self._moved("deposit_paid", "paid", actor, now, deposit_paid_at=now, actor_id=actor_id)
        if self.paid_at:
            raise Conflict("the order is already paid", code="already_paid")
        if self.payment_method == "net_terms":
            raise Conflict("an order on net terms is paid through its invoice", code="pay_the_invoice")
        if self.deposit_amount:
            # the balance: when the seller ships (or before, if the buyer pays early), the status stays
            if self.status in ("paid", *IN_TRANSIT_STATUSES, "delivered"):
                return self._moved("balance_paid", self.status, actor, now, paid_at=now, actor_id=actor_id)
            raise self._illegal("marked paid")
        if self.status == "pending_payment":
            return self._moved("paid", "paid", actor, now, paid_at=now, actor_id=actor_id)
        if self.status in (*IN_TRANSIT_STATUSES, "delivered") and self.payment_method == "cash_on_delivery":
            # Cash is collected on delivery: the payment is recorded without moving the order back.
            return self._moved("paid", self.status, actor, now, paid_at=now, actor_id=actor_id)
        raise self._illegal("marked paid")

    def settle_on_terms(self, actor: str, now: str) -> Order:
        """The invoice of an order on net terms is paid (issue 14): the order is paid where it stands."""
        if self.payment_method != "net_terms" or self.status == "cancelled":
            raise self._illegal("paid on terms")
        if self.paid_at:
            raise Conflict("the order is already paid", code="already_paid")
        return self._moved("paid", "paid" if self.status == "pending_payment" else self.status, actor, now, paid_at=now)

    def ship(self, carrier: str, tracking_number: str, now: str, *, actor_id: str | None = None) -> Order:
        """A pickup order is shipped like any other, to its county centre (`pickup["county_address"]`)."""
        shippable = self.status == "paid" or (
            self.status == "pending_payment" and self.payment_method in ("cash_on_delivery", "net_terms")
        )
        if self.deposit_amount and not self.deposit_paid_at:
            shippable = False  # a pre-sale ships once its deposit is paid, whatever the payment method
        if not shippable:
            raise self._illegal("shipped")
        shipment = {"carrier": carrier, "tracking_number": tracking_number, "shipped_at": now}
        return self._moved(
            "shipped", "shipped", "seller", now, note=f"{carrier} {tracking_number}", shipment=shipment,
            actor_id=actor_id,
        )  # fmt: skip

    def deliver(self, now: str, *, actor_id: str | None = None) -> Order:
        if self.status != "shipped":
            raise self._illegal("delivered")
        if self.pickup is not None:
            raise Conflict(
                "this order is collected at a village service centre: its partner hands it over",
                code="collected_at_village",
            )
        return self._moved("delivered", "delivered", "seller", now, delivered_at=now, actor_id=actor_id)

    def cancel(self, actor: str, now: str, *, actor_id: str | None = None) -> Order:
        if self.status not in OPEN_STATUSES:
            raise self._illegal("cancelled")
        return self._moved("cancelled", "cancelled", actor, now, stock_restored=True, actor_id=actor_id)

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

    # --- collected at a village service centre (issue 10) ---------------------------------------------

    @property
    def is_pickup(self) -> bool:
        return self.pickup is not None

    @property
    def manifest_id(self) -> str | None:
        return (self.pickup or {}).get("manifest_id")

    @property
    def county(self) -> str | None:
        """The county centre a pickup order goes through, as named at checkout: the dashboards' county dimension
        (services/notifications.dashboard_facts)."""
        return (self.pickup or {}).get("county_name")

    def _pickup_changed(self, **changes: Any) -> dict[str, Any]:
        return {**(self.pickup or {}), **changes}

    def _require_pickup(self, action: str) -> None:
        if self.pickup is None:
            raise Conflict(f"only orders collected at a village service centre can be {action}", code="not_pickup")

    def arrive_at_county(self, actor_id: str, now: str) -> Order:
        """Scanned in at the county centre: shipped by the seller, or found again after going missing."""
        self._require_pickup("scanned at a county centre")
        if self.status not in ("shipped", "missing"):
            raise self._illegal("scanned in at the county centre")
        action = "at_county" if self.status == "shipped" else "found_at_county"
        pickup = self._pickup_changed(manifest_id=None)
        return self._moved(action, "at_county", "county_staff", now, actor_id=actor_id, pickup=pickup)

    def put_on_manifest(self, manifest_id: str, now: str) -> Order:
        """Taken onto an inbound manifest (still at the county centre: no step of its own on the timeline)."""
        self._require_pickup("put on a manifest")
        if self.status != "at_county" or self.manifest_id not in (None, manifest_id):
            raise Conflict("the parcel is not waiting at the county centre", code="parcel_not_waiting")
        return replace(self, pickup=self._pickup_changed(manifest_id=manifest_id), updated_at=now)

    def dispatch_to_village(self, manifest_id: str, actor_id: str, now: str) -> Order:
        self._require_pickup("dispatched to a village")
        if self.status != "at_county" or self.manifest_id != manifest_id:
            raise self._illegal("dispatched on this manifest")
        return self._moved("to_village", "to_village", "county_staff", now, note=manifest_id, actor_id=actor_id)

    def ready_at_village(self, actor_id: str, now: str) -> Order:
        """Received by the partner: the buyer gets a pickup code (domain/network.pickup_code of `ready_at`)."""
        self._require_pickup("received at a village")
        if self.status != "to_village":
            raise self._illegal("received at the village")
        pickup = self._pickup_changed(ready_at=now, wrong_codes=0, locked_until=None)
        return self._moved("ready_for_pickup", "ready_for_pickup", "partner", now, actor_id=actor_id, pickup=pickup)

    def go_missing(self, actor_id: str, now: str) -> Order:
        """On the manifest but not scanned at the village: back on the county's list until found."""
        self._require_pickup("reported missing")
        if self.status != "to_village":
            raise self._illegal("reported missing")
        pickup = self._pickup_changed(manifest_id=None)
        return self._moved(
            "missing", "missing", "partner", now, note=self.manifest_id, actor_id=actor_id, pickup=pickup
        )

    def handover_locked_until(self, now: str) -> str | None:
        locked = (self.pickup or {}).get("locked_until")
        return locked if locked and parse_time(locked) > parse_time(now) else None

    def check_handover(self, now: str) -> None:
        """Raises unless the parcel can be handed over now (ready, and not locked by wrong codes)."""
        self._require_pickup("handed over")
        if self.status != "ready_for_pickup":
            raise self._illegal("handed over")
        locked = self.handover_locked_until(now)
        if locked:
            raise TooManyAttempts(
                f"too many wrong pickup codes: try again after {locked}",
                code="handover_locked",
                retry_after=max(1, int((parse_time(locked) - parse_time(now)).total_seconds()) + 1),
            )

    def wrong_code(self, now: str) -> Order:
        """One more wrong pickup code; the WRONG_CODES_BEFORE_LOCKth locks the handover for HANDOVER_LOCK."""
        self.check_handover(now)
        wrong = int((self.pickup or {}).get("wrong_codes") or 0) + 1
        if wrong >= WRONG_CODES_BEFORE_LOCK:
            until = (parse_time(now) + HANDOVER_LOCK).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            return replace(self, pickup=self._pickup_changed(wrong_codes=0, locked_until=until), updated_at=now)
        return replace(self, pickup=self._pickup_changed(wrong_codes=wrong), updated_at=now)

    @property
    def wrong_codes(self) -> int:
        return int((self.pickup or {}).get("wrong_codes") or 0)

    def hand_over(self, actor_id: str, now: str, *, note: str | None = None) -> Order:
        """The buyer showed the right code (or, issue 11, the villager it was ordered for is present: `note`
        says how): delivered (the return window starts now)."""
        self.check_handover(now)
        pickup = self._pickup_changed(wrong_codes=0, locked_until=None)
        return self._moved(
            "collected", "delivered", "partner", now, note=note, actor_id=actor_id, delivered_at=now, pickup=pickup
        )

    def status_since(self) -> str:
        """When the order entered its current status: the first timeline entry of the last run in it."""
        since = self.updated_at
        for entry in reversed(self.timeline):
            if entry.status != self.status:
                break
            since = entry.at
        return since


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
    # Opened at a village service centre (issue 10): the parcel travels village -> county -> seller. Holds
    # village_id, county_id, partner_id, leg (domain/network.RETURN_LEGS), manifest_id, forwarding, history.
    network: dict[str, Any] | None = None

    @property
    def amount(self) -> int:
        return sum(line["amount"] for line in self.lines)


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
