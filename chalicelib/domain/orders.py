"""Buying: cart line rules, prices, orders and their lifecycle, returns. Pure Python."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

from . import delivery, markets, seasons
from .catalog import Product
from .errors import Conflict, TooManyAttempts
from .ledger import basis_points
from .storefronts import get_storefront

MAX_CART_LINES = 40
MAX_LINE_QUANTITY = 1_000_000
# One checkout is one DynamoDB transaction (at most 100 actions): per line one conditional stock update, per
# shop a check that it is active and one order, plus the idempotency record, the cart, the buyer's unpaid holds
# and the orders' events: 4 + lines + 2 x shops. 40 lines across up to 28 shops = 100 actions.
MAX_CHECKOUT_LINES = MAX_CART_LINES
MAX_CHECKOUT_SHOPS = (100 - 4 - MAX_CHECKOUT_LINES) // 2

PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer", "card", "net_terms", "mir_card", "sbp")  # 14, 12
# Paid through a provider that confirms the payment itself (and refunds through its API): the card provider, and
# the Russian acquirer's Mir card and SBP (issue 12)
PROVIDER_PAID = ("card", "mir_card", "sbp")
ORDER_STATUSES: tuple[str, ...] = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
OPEN_STATUSES = ("pending_payment", "paid")
# Orders collected at a village service centre (issue 10) travel seller -> county centre -> village centre:
# shipped -> at_county -> to_village -> ready_for_pickup -> delivered (handed over), or missing on the way.
PICKUP_STATUSES = ("at_county", "to_village", "ready_for_pickup", "missing")
ORDER_STATUSES += PICKUP_STATUSES
IN_TRANSIT_STATUSES = ("shipped", *PICKUP_STATUSES)
WRONG_CODES_BEFORE_LOCK = 5
HANDOVER_LOCK = dt.timedelta(minutes=15)
# An order item keeps the newest entries of its timeline; older ones move to their own items (OrderHistory),
# in the same transaction, so an order item stays bounded however many returns and refunds it sees.
TIMELINE_ON_ORDER = 20
# Likewise the refunds shown on the order (the total refunded is kept exactly; every refund is on the timeline).
REFUNDS_ON_ORDER = 20
# The scheduled jobs that act on orders, and how their due orders are spread over index partitions.
SCHEDULE_SHARDS = 16
EXPIRE, COMPLETE, REFUND = "expire", "complete", "refund"
PROMISE = "promise"  # issue 12: a delivery promise that passes (compensation job)
# Provider refunds that failed are tried again after these pauses (then every last one), never given up.
REFUND_RETRY_MINUTES = (1, 5, 15, 60, 240)


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
    actor: str  # the role: "buyer", "seller", "operator", "payments", "system", "county_staff", "partner"
    action: str
    status: str
    note: str | None = None
    actor_id: str | None = None  # the user who did it (None for the payment provider and scheduled jobs)
    seq: int = 0  # position in the order's whole history (1 = placed); 0 on entries stored before issue 9


@dataclass(frozen=True)
class Refund:
    """Money given back. `return_id` names what it is for: a return's id, "cancellation", or
    "late-payment:<payment id>". Card money goes back through the payment provider: such a refund is `pending`
    until the provider confirms it (`refund_id`), retried by a job until then; other payment methods are settled
    by the seller and the refund is `recorded` at once."""

    return_id: str
    amount: int
    at: str
    status: str = "recorded"  # recorded | pending | issued
    refund_id: str | None = None  # the provider's id, once issued
    payment_ref: str | None = None  # the provider's payment it refunds
    attempts: int = 0
    next_attempt_at: str | None = None
    # issue 12: on an order of a foreign market, what this refund gives back in the currency the buyer was
    # charged (kopecks), fixed when it is recorded (domain/markets.charge_refund): what the acquirer is sent
    charge_amount: int | None = None
    charge_currency: str | None = None

    @property
    def idempotency_key(self) -> str:
        """Sent to the provider with every attempt of this refund: one refund however often it is retried."""
        return f"refund:{self.payment_ref}:{self.return_id}"


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
    expires_at: str | None = None  # unpaid card / bank-transfer orders are cancelled then (stock goes back)
    timeline_total: int = 0  # entries ever written (those on the order are the newest of them)
    refunded_total: int = 0  # every refund ever recorded (the order shows the newest REFUNDS_ON_ORDER)
    payment_ref: str | None = None  # the card provider's payment id
    # This order's quantities count against the buyer's unpaid-hold cap while it waits for payment (orders
    # placed before issue 9 hold nothing). `hold_released` is set by the transition that ends the wait and is
    # never stored: it tells the repository to give the quantities back in that transition's transaction.
    holds: bool = False
    hold_released: bool = False
    # issue 15: a pre-sale with a deposit is paid twice: `deposit_amount` first (the order is then "paid" and
    # may ship), the balance when it ships (`paid_at` is set when everything is paid)
    deposit_amount: int = 0
    deposit_paid_at: str | None = None
    # Issue 17 (seller money, docs/ledger.md): the buyer's payment was posted into the shop's pending account
    # (False on orders paid before the ledger: their completion books the money straight from the buyer), and
    # what the platform kept when the order completed: {"amount", "base", "percent_bp", "min_amount"}.
    pending_credited: bool = False
    commission: dict[str, Any] | None = None  # + partner_amount, partner_bp, village_id, producer_id (issue 11)
    # issue 14: the buyer's business badge (business_id, company_name, verified), the invoice details the seller
    # needs (company_title, tax_id), the RFQ and quote an order comes from, and the invoice issued on net terms
    business: dict[str, Any] | None = None
    invoice_details: dict[str, Any] | None = None
    rfq: dict[str, Any] | None = None
    invoice_id: str | None = None
    # issue 19: the group buy an order comes from ({"group_id"}): sellers see it as an ordinary order, marked
    group: dict[str, Any] | None = None
    # issue 12: an order of a foreign market: {"market", "currency", "rate_id", "rate", "as_of", "total",
    # "lines": {line_id: {"unit_amount", "total"}}}: what the buyer is charged, fixed at order time at the
    # recorded rate. Everything else on the order (and the seller's settlement) stays in CNY.
    market: dict[str, Any] | None = None
    # issue 12: the parcel's customs declaration and duty estimate (domain/markets.parcel_customs) + duty_accepted
    customs: dict[str, Any] | None = None
    # issue 12: the delivery promise {zone, city, promise_days, processing_days, compensation, promised_by?,
    # status: open|kept|compensated|void, compensated?} and the tracking events (newest last, bounded)
    delivery_promise: dict[str, Any] | None = None
    tracking: tuple[dict[str, Any], ...] = ()

    # Issue 11: placed by a village partner for a villager (domain/assisted.py): {"placed_by", "village_id",
    # "villager_id", "payment": cash_on_pickup | paid_by_partner, "service_fee": amount (minor units) | 0,
    # "fee_rule": the county's rule as applied | None}
    assisted: dict[str, Any] | None = None
    # Issue 13 (buyer trust): points used at checkout on this order and the money they stand for (1 point =
    # one minor unit; the platform funds it: `platform:points`), and the BIN of the card that paid it (the
    # partner bank's bonus).
    points_redeemed: int = 0
    points_discount: int = 0
    card_bin: str | None = None
    # Issue 12: a coupon spent on this order (domain/coupons.py): {"code", "amount", "currency" (what it took
    # off the charge), "base_amount" (its value in the order's currency, funded by `platform:promotions`)}
    coupon: dict[str, Any] | None = None
    # Issue 12: the carrier the seller handed the parcel to ({"carrier_id", "name", "tracking_number"}): it may
    # post the parcel's tracking events itself (domain/carriers.py)
    carrier: dict[str, Any] | None = None
    # Returned goods give the platform back its funded discounts (domain/platform_funding.py): the value of the
    # goods received back so far ("goods") and what went back to each funder so far ("coupon", "points")
    funded_returned: dict[str, int] = field(default_factory=dict)

    @property
    def coupon_discount(self) -> int:
        return int(self.coupon["base_amount"]) if self.coupon else 0

    @property
    def funded_share_returned(self) -> int:
        """The platform-funded discounts (coupon, points) given back to the platform by returns so far."""
        return sum(amount for kind, amount in self.funded_returned.items() if kind != "goods")

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def balance_amount(self) -> int:
        return self.total - self.deposit_amount

    @property
    def paid_in_money(self) -> int:
        """The order's price less what the platform funded (points: issue 13, a coupon: issue 12): what the buyer
        pays in money."""
        return self.total - self.points_discount - self.coupon_discount

    @property
    def amount_paid(self) -> int:
        if self.paid_at:
            return self.paid_in_money
        return self.deposit_amount if self.deposit_paid_at else 0

    @property
    def amount_due(self) -> int:
        """What the next payment must be: the deposit, then the balance; 0 once everything is paid."""
        if self.paid_at:
            return 0
        if self.deposit_amount and not self.deposit_paid_at:
            return self.deposit_amount
        return self.paid_in_money - self.amount_paid

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
        """Every refund ever recorded (the order keeps the newest ones; `refunded_total` counts them all)."""
        return max(self.refunded_total, sum(r.amount for r in self.refunds))

    @property
    def received(self) -> int:
        """What the buyer has paid for this order (a payment after cancellation is refunded on its own)."""
        return self.amount_paid

    @property
    def pending_refunds(self) -> tuple[Refund, ...]:
        return tuple(r for r in self.refunds if r.status == "pending")

    def quantities(self) -> dict[str, int]:
        """product_id -> units on this order."""
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.product_id] = out.get(line.product_id, 0) + line.quantity
        return out

    def noted(
        self,
        action: str,
        actor: str,
        now: str,
        *,
        note: str | None = None,
        actor_id: str | None = None,
        status: str | None = None,
        **changes: Any,
    ) -> Order:
        """This order with one more timeline entry (and `changes`); leaving `pending_payment` releases the
        buyer's unpaid hold. Every change of an order goes through here."""
        new_status = status or self.status
        entry = TimelineEntry(
            at=now,
            actor=actor,
            action=action,
            status=new_status,
            note=note,
            actor_id=actor_id,
            seq=self.timeline_total + 1,
        )
        release = self.holds and self.status == "pending_payment" and new_status != "pending_payment"
        return replace(
            self,
            status=new_status,
            updated_at=now,
            timeline=(*self.timeline, entry),
            timeline_total=self.timeline_total + 1,
            holds=self.holds and not release,
            hold_released=release,
            **changes,
        )

    def _moved(self, action: str, status: str, actor: str, now: str, note: str | None = None, **changes: Any) -> Order:
        return self.noted(action, actor, now, note=note, status=status, **changes)

    def bounded(self) -> tuple[Order, tuple[TimelineEntry, ...]]:
        """The order as stored: the newest TIMELINE_ON_ORDER entries and REFUNDS_ON_ORDER settled refunds
        (pending refunds always stay); and the entries moved off it, which go to their own items."""
        moved = self.timeline[:-TIMELINE_ON_ORDER]
        settled = [r for r in self.refunds if r.status != "pending"]
        dropped = {id(r) for r in settled[:-REFUNDS_ON_ORDER]} if len(settled) > REFUNDS_ON_ORDER else set()
        refunds = tuple(r for r in self.refunds if id(r) not in dropped)
        if not moved and len(refunds) == len(self.refunds):
            return self, ()
        return replace(self, timeline=self.timeline[-TIMELINE_ON_ORDER:], refunds=refunds), moved

    def as_saved(self, expected_version: int) -> Order:
        """This order as a save conditioned on `expected_version` stores it: the next version, bounded."""
        return replace(self, version=expected_version + 1, hold_released=False).bounded()[0]

    def _illegal(self, action: str) -> Conflict:
        return Conflict(f"a {self.status} order cannot be {action}", code="illegal_order_transition")

    def mark_paid(self, actor: str, now: str, *, actor_id: str | None = None, payment_ref: str | None = None) -> Order:
        if self.deposit_amount and not self.deposit_paid_at and not self.paid_at:
            # the first of a pre-sale's two payments: the order is confirmed and may ship
            if self.status != "pending_payment":
                raise self._illegal("marked paid")
            first: dict[str, Any] = {"deposit_paid_at": now, "expires_at": None}
            if payment_ref:
                first["payment_ref"] = payment_ref
            return self._moved("deposit_paid", "paid", actor, now, actor_id=actor_id, **first)
        if self.paid_at:
            raise Conflict("the order is already paid", code="already_paid")
        if self.payment_method == "net_terms":
            raise Conflict("an order on net terms is paid through its invoice", code="pay_the_invoice")
        changes: dict[str, Any] = {"paid_at": now}
        if payment_ref:
            changes["payment_ref"] = payment_ref
        if self.deposit_amount:
            # the balance: when the seller ships (or before, if the buyer pays early), the status stays
            if self.status in ("paid", *IN_TRANSIT_STATUSES, "delivered"):
                return self._moved("balance_paid", self.status, actor, now, actor_id=actor_id, paid_at=now)
            raise self._illegal("marked paid")
        if self.status == "pending_payment":
            paid = self._moved("paid", "paid", actor, now, actor_id=actor_id, expires_at=None, **changes)
            return paid.with_promise_started(now)  # issue 12: the promise runs from the payment
        if self.status in (*IN_TRANSIT_STATUSES, "delivered") and self.payment_method == "cash_on_delivery":
            # Cash is collected on delivery: the payment is recorded without moving the order back.
            return self._moved("paid", self.status, actor, now, actor_id=actor_id, **changes)
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
            "shipped",
            "shipped",
            "seller",
            now,
            note=f"{carrier} {tracking_number}",
            actor_id=actor_id,
            shipment=shipment,
        )

    def deliver(self, now: str, *, actor_id: str | None = None) -> Order:
        if self.status != "shipped":
            raise self._illegal("delivered")
        if self.pickup is not None:
            raise Conflict(
                "this order is collected at a village service centre: its partner hands it over",
                code="collected_at_village",
            )
        delivered = self._moved("delivered", "delivered", "seller", now, actor_id=actor_id, delivered_at=now)
        return delivered.with_promise_kept(now)

    # --- issue 12: the delivery promise --------------------------------------------------------------

    @property
    def promise_open(self) -> bool:
        p = self.delivery_promise
        return bool(p and p.get("status") == delivery.OPEN and p.get("promised_by"))

    def with_promise_started(self, start: str) -> Order:
        p = self.delivery_promise
        if not p or p.get("promised_by") or p.get("status") != delivery.OPEN:
            return self
        day = delivery.promised_by(start, int(p["processing_days"]), int(p["promise_days"]))
        return replace(self, delivery_promise={**p, "promised_by": day})

    def with_promise_kept(self, at: str) -> Order:
        """A delivery (or a delivery attempt) at `at`: the promise is kept if that is on or before its day."""
        if not self.promise_open or parse_time(at) >= parse_time(self.promise_passes_at or at):
            return self
        return replace(self, delivery_promise={**(self.delivery_promise or {}), "status": delivery.KEPT, "kept_at": at})

    @property
    def promise_passes_at(self) -> str | None:
        p = self.delivery_promise
        return delivery.passes_at(p["promised_by"]) if p and p.get("promised_by") else None

    def track(
        self, event: str, at: str, location: str | None, now: str, *, actor_id: str | None = None, by: str = "seller"
    ) -> Order:
        """A tracking event from the seller (or their carrier, `by="carrier"`). `delivered` on a shipped order
        delivers it."""
        if self.status not in ("paid", "shipped", "delivered") and not (
            self.status == "pending_payment" and self.payment_method == "cash_on_delivery"
        ):
            raise self._illegal("tracked")
        entry = {"event": event, "at": at, **({"location": location} if location else {}), "recorded_at": now}
        tracked = replace(self, tracking=(*self.tracking, entry)[-delivery.MAX_TRACKING_EVENTS :])
        note = f"{event} {location}" if location else event
        if event == "delivered" and self.status == "shipped":
            moved = tracked._moved("delivered", "delivered", by, now, note=note, actor_id=actor_id, delivered_at=at)
        else:
            moved = tracked.noted("tracking", by, now, note=note, actor_id=actor_id)
        return moved.with_promise_kept(at) if event in delivery.KEEPS_PROMISE else moved

    def compensated(self, record: dict[str, Any], now: str) -> Order:
        if not self.promise_open:
            raise Conflict("no open delivery promise on this order", code="promise_not_open")
        p = {**(self.delivery_promise or {}), "status": delivery.COMPENSATED, "compensated": record}
        note = f"{record['type']} {record['value']}"
        return self.noted("promise_missed", "system", now, note=note, delivery_promise=p)

    def promise_voided(self, reason: str, now: str) -> Order:
        p = self.delivery_promise
        if not p or p.get("status") not in (delivery.OPEN,):
            return self
        return replace(self, delivery_promise={**p, "status": delivery.VOID, "void_reason": reason}, updated_at=now)

    def cancel(self, actor: str, now: str, *, actor_id: str | None = None) -> Order:
        """Stock goes back (the repository restocks in the same transaction); money paid goes back too: a
        card payment through the provider (a pending refund), a bank transfer recorded as refunded."""
        if self.status not in OPEN_STATUSES:
            raise self._illegal("cancelled")
        cancelled = self._moved(
            "cancelled", "cancelled", actor, now, actor_id=actor_id, stock_restored=True, expires_at=None
        )
        if self.amount_paid:  # the whole order, or a pre-sale's deposit (issue 15)
            cancelled = cancelled.with_refund("cancellation", self.amount_paid, now)
        return cancelled

    def expire(self, now: str) -> Order:
        """An unpaid card or bank-transfer order whose payment window closed: cancelled, stock back."""
        if self.status != "pending_payment" or not self.expires_at or parse_time(now) < parse_time(self.expires_at):
            raise self._illegal("expired")
        return self._moved("expired", "cancelled", "system", now, stock_restored=True, expires_at=None)

    def complete(self, now: str) -> Order:
        if self.status != "delivered" or not self.paid_at:
            raise self._illegal("completed")
        return self._moved("completed", "completed", "system", now)

    def with_refund(
        self, reason: str, amount: int, now: str, *, payment_ref: str | None = None, charge: int | None = None
    ) -> Order:
        """Records a refund of `amount`: pending at the provider for card money, settled otherwise.

        On an order of a foreign market (issue 12) the refund also gets its amount in the currency the buyer was
        charged: `charge` for a payment of its own (a late payment, refunded whole), else the cumulative rule
        (domain/markets.charge_refund), recorded on `market` ("refunded_base", "refunded"), so the charge's
        refunds add up exactly, whatever the steps. A refund that gives back no kopeck has nothing to send."""
        ref = payment_ref or (self.payment_ref if self.payment_method in PROVIDER_PAID else None)
        market, currency = self.market, None
        if self.market:
            currency = str(self.market["currency"])
            if charge is None:
                charge = markets.charge_refund(
                    int(self.market["total"]), self.paid_in_money, self.charge_refunded_base, self.charge_refunded,
                    amount,
                )  # fmt: skip
                market = {
                    **self.market,
                    "refunded_base": self.charge_refunded_base + amount,
                    "refunded": self.charge_refunded + charge,
                }
        else:
            charge = None
        if ref and charge != 0:
            refund = Refund(
                reason, amount, now, status="pending", payment_ref=ref, next_attempt_at=now,
                charge_amount=charge, charge_currency=currency,
            )  # fmt: skip
        else:
            refund = Refund(reason, amount, now, charge_amount=charge, charge_currency=currency)
        return replace(
            self, refunds=(*self.refunds, refund), refunded_total=self.refunded_total + amount, market=market
        )

    @property
    def charge_refunded_base(self) -> int:
        """Issue 12: the refunds so far against a foreign market's charge, in the order's currency (a late
        payment is a charge of its own). Orders refunded before it was recorded: their refunds on the order."""
        if not self.market:
            return 0
        if "refunded_base" in self.market:
            return int(self.market["refunded_base"])
        late = sum(r.amount for r in self.refunds if r.return_id.startswith("late-payment:"))
        return max(0, self.refunded - late)

    @property
    def charge_refunded(self) -> int:
        """Issue 12: what those refunds gave back of the charge, in the currency the buyer was charged."""
        if not self.market:
            return 0
        if "refunded" in self.market:
            return int(self.market["refunded"])
        return markets.charge_refunded(int(self.market["total"]), self.paid_in_money, self.charge_refunded_base)

    def charge_refs(self, reason: str) -> dict[str, str]:
        """Issue 12: the refund `reason` in the currency the buyer was charged, as references for its ledger
        posting (`charge_amount` in minor units, `charge_currency`): the ledger says what the acquirer is sent.
        Empty for an order of the home market."""
        for r in reversed(self.refunds):
            if r.return_id == reason and r.charge_amount is not None and r.charge_currency:
                return {"charge_amount": str(r.charge_amount), "charge_currency": r.charge_currency}
        return {}

    def late_payment(self, payment_ref: str, amount: int, now: str) -> Order:
        """A card payment arrived for an order that was cancelled (or expired) meanwhile: recorded, and all of
        it goes back through the provider. The order stays cancelled."""
        if self.status != "cancelled":
            raise self._illegal("paid late")
        reason = f"late-payment:{payment_ref}"
        if any(r.return_id == reason for r in self.refunds):
            raise Conflict("this payment was already received", code="already_paid")
        noted = self.noted(
            "payment_after_cancellation", "payments", now, note=f"{payment_ref}: refund of {amount} {self.currency}"
        )
        charge = int(self.market["total"]) if self.market else None  # issue 12: that payment, whole
        return noted.with_refund(reason, amount, now, payment_ref=payment_ref, charge=charge)

    def refund_issued(self, reason: str, refund_id: str, now: str) -> Order:
        refunds = tuple(
            replace(r, status="issued", refund_id=refund_id, next_attempt_at=None) if r.return_id == reason else r
            for r in self.refunds
        )
        return replace(self, refunds=refunds).noted(
            "refund_issued", "payments", now, note=f"{reason}: refund {refund_id}"
        )

    def refund_failed(self, reason: str, now: str) -> Order:
        """The provider could not refund now: try again later (REFUND_RETRY_MINUTES), never give up."""

        def later(r: Refund) -> Refund:
            if r.return_id != reason:
                return r
            pause = REFUND_RETRY_MINUTES[min(r.attempts, len(REFUND_RETRY_MINUTES) - 1)]
            at = parse_time(now) + dt.timedelta(minutes=pause)
            return replace(r, attempts=r.attempts + 1, next_attempt_at=format_time(at))

        return replace(self, refunds=tuple(later(r) for r in self.refunds))

    def schedule(self) -> tuple[str, str] | None:
        """(job, when) of the scheduled job due on this order, if any: one at a time by construction (an
        unpaid order can expire, a delivered paid one can complete, a cancelled one can only owe refunds)."""
        if self.status == "pending_payment" and self.expires_at:
            return EXPIRE, self.expires_at
        if self.pending_refunds:
            return REFUND, min(r.next_attempt_at or r.at for r in self.pending_refunds)
        cod_waiting = self.status == "pending_payment" and self.payment_method == "cash_on_delivery"
        if self.promise_open and (self.status in ("paid", "shipped", "delivered") or cod_waiting):
            return PROMISE, str(self.promise_passes_at)  # issue 12: compensated once it passes
        if self.status == "delivered" and self.paid_at:
            closes = self.return_window_closes()
            if closes:
                return COMPLETE, closes
        return None

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
    refunded: int | None = None  # what was refunded when the goods came back (None until they do)
    # What the refund will be, by the rule that pays it (domain/platform_funding.settle_return) on the order as it
    # was when the return was asked for; an estimate until the goods are back (other returns received first, or
    # money received meanwhile, can move it). None on returns stored before it was kept: the goods' value then.
    refund_estimate: int | None = None

    @property
    def amount(self) -> int:
        """The value of the returned lines at the prices paid."""
        return sum(line["amount"] for line in self.lines)

    @property
    def outcome(self) -> str:
        if self.status != "received":
            return "awaiting_goods"
        return "refunded" if self.refunded else "nothing_to_refund"

    @property
    def refund(self) -> int:
        """What the buyer gets back: the refund once the goods are back, the estimate until then."""
        if self.refunded is not None:
            return self.refunded
        return self.amount if self.refund_estimate is None else self.refund_estimate


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def payment_deadline(payment_method: str, now: str, *, card_minutes: int, bank_transfer_hours: int) -> str | None:
    """When an unpaid order of this payment method gives its stock back (cash on delivery: never)."""
    if payment_method in PROVIDER_PAID:
        return format_time(parse_time(now) + dt.timedelta(minutes=card_minutes))
    if payment_method == "bank_transfer":
        return format_time(parse_time(now) + dt.timedelta(hours=bank_transfer_hours))
    return None


def schedule_shard(order_id: str) -> str:
    """Which of the SCHEDULE_SHARDS index partitions an order's schedule entry goes to (stable per order)."""
    return f"{zlib.crc32(order_id.encode()) % SCHEDULE_SHARDS:02d}"
