"""Sellers' money (issue 17): commissions, the postings of an order's life, payouts and payout details. Pure Python.

Every movement is a posting of the one ledger (domain/ledger.py, docs/ledger.md); this module only decides
which postings an order's life makes, and with which amounts:

    paid        external:buyer-payments -> shop:<id>:pending            the order's total, when the money arrives
    refunded    shop:<id>:pending -> external:buyer-payments            before completion (a return, a cancellation)
    completed   shop:<id>:pending -> shop:<id>:available + platform:commission   after the return window
    refunded    shop:<id>:available + platform:commission -> buyer      after completion (the commission on the
                                                                         refunded part goes back with it)
    payout      shop:<id>:available -> external:bank-payouts            a weekly payout (never overdraws)
    failed      the payout reversed                                      the money is back in `available`

So `pending` holds the money buyers paid for orders not completed yet, net of what was refunded on them, and
`available` what the platform owes the seller. Movements funded by the seller that other features make
(dispute debits, partner and producer commissions, promise compensations) debit `available`
(`seller_debit`), each an entry with its reason and order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import Conflict, Unprocessable, ValidationFailed
from .ledger import Account, Entry, Posting, basis_points, canonical_time, reversal, transfer
from .orders import Order


class PayoutRejected(Unprocessable):
    """The bank refused a transfer (a closed account, a bad number): the payout fails, its money goes back."""

    code = "payout_rejected"


# --- commissions -----------------------------------------------------------------------------------------

DEFAULT_PERCENT_BP = 500  # 5 %: what a storefront without a rule of its own charges
MAX_PERCENT_BP = 5_000  # no rule may take more than half of a sale
MAX_MIN_AMOUNT = 10**9
MAX_TERMS_KEPT = 100  # versions of one rule kept (orders use the terms in force when they were placed)
EPOCH = "1970-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class CommissionTerms:
    """A commission: `percent_bp` of the order's goods value (half away from zero), at least `min_amount` (in
    `currency`, minor units), never more than the goods value. In force from `effective_from`."""

    percent_bp: int
    min_amount: int
    currency: str
    effective_from: str = EPOCH

    def amount(self, base: int, currency: str) -> int:
        """The commission on `base` minor units of `currency`. The minimum applies only in its own currency (an
        order in another currency is charged the percentage; a market's rule has the market's currency)."""
        if base <= 0:
            return 0
        commission = basis_points(base, self.percent_bp)
        if currency == self.currency:
            commission = max(commission, self.min_amount)
        return min(commission, base)

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent_bp": self.percent_bp,
            "min_amount": self.min_amount,
            "currency": self.currency,
            "effective_from": self.effective_from,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommissionTerms:
        return cls(int(data["percent_bp"]), int(data["min_amount"]), data["currency"], data["effective_from"])


@dataclass(frozen=True)
class CommissionRule:
    """The commission of a storefront (or of a storefront's cross-border market, issue 12): its terms over time.

    A change applies to orders placed from then on: an order is charged the terms in force when it was placed,
    which is what its seller agreed to."""

    storefront: str
    market: str | None
    versions: tuple[CommissionTerms, ...]
    version: int = 0  # optimistic lock of the stored rule

    @property
    def key(self) -> str:
        return rule_key(self.storefront, self.market)

    @property
    def current(self) -> CommissionTerms:
        return self.versions[-1]

    def terms_at(self, at: str) -> CommissionTerms | None:
        chosen = None
        for terms in self.versions:
            if terms.effective_from <= at:
                chosen = terms
        return chosen

    def changed(self, terms: CommissionTerms) -> CommissionRule:
        if self.versions and terms.effective_from < self.current.effective_from:
            raise Conflict("a newer commission is already in force", code="stale_commission")
        kept = tuple(v for v in self.versions if v.effective_from < terms.effective_from)
        return replace(self, versions=(*kept, terms)[-MAX_TERMS_KEPT:])


def rule_key(storefront: str, market: str | None = None) -> str:
    return storefront if market is None else f"{storefront}#{market}"


def check_terms(percent_bp: int, min_amount: int, currency: str, at: str) -> CommissionTerms:
    if type(percent_bp) is not int or not 0 <= percent_bp <= MAX_PERCENT_BP:
        raise ValidationFailed(
            "percent_bp is not valid",
            details=[{"field": "percent_bp", "message": f"basis points from 0 to {MAX_PERCENT_BP} (50 %)"}],
        )
    if type(min_amount) is not int or not 0 <= min_amount <= MAX_MIN_AMOUNT:
        raise ValidationFailed(
            "min_amount is not valid",
            details=[{"field": "min_amount", "message": f"minor units from 0 to {MAX_MIN_AMOUNT}"}],
        )
    return CommissionTerms(percent_bp, min_amount, currency, canonical_time(at))


def default_terms(currency: str) -> CommissionTerms:
    return CommissionTerms(DEFAULT_PERCENT_BP, 0, currency, EPOCH)


def terms_for(
    rules: dict[str, CommissionRule], storefront: str, market: str | None, currency: str, placed_at: str
) -> CommissionTerms:
    """The terms an order pays: its market's rule, else its storefront's, as they stood when it was placed;
    the default (5 %, no minimum) where no rule was in force yet."""
    for key in ([rule_key(storefront, market)] if market else []) + [rule_key(storefront)]:
        rule = rules.get(key)
        if rule is not None:
            terms = rule.terms_at(canonical_time(placed_at))
            if terms is not None:
                return terms
    return default_terms(currency)


# --- the postings of an order's life ---------------------------------------------------------------------

BUYERS = Account.external("buyer-payments")
PLATFORM_COMMISSION = Account.platform("commission")
BANK_PAYOUTS = Account.external("bank-payouts")
PLATFORM_POINTS = Account.platform("points")  # the money value of points redeemed (issue 13)
PLATFORM_PROMOTIONS = Account.platform("promotions")  # the money value of coupons spent (issue 12)


def pending(shop_id: str) -> Account:
    return Account.shop(shop_id, "pending")


def available(shop_id: str) -> Account:
    return Account.shop(shop_id, "available")


def _order_refs(order: Order, **more: str) -> dict[str, str]:
    return {"order_id": order.order_id, "seller_id": order.seller_id, **more}


def payment_posting(order: Order, at: str) -> Posting:
    """The buyer's money arrived (a card payment, a transfer or cash the seller recorded): held as pending.

    `order` is the order as this payment leaves it. A pre-sale with a deposit (issue 15) is paid twice: the
    deposit first (`order-paid:<id>:deposit`), then the balance (`order-paid:<id>`); each posts what it brought.
    Points redeemed on the order (issue 13; never with a deposit) are paid in by the platform (`platform:points`),
    so the seller is credited the whole goods value."""
    if (order.points_discount or order.coupon_discount) and not order.deposit_amount:
        # issue 12: a coupon's discount is paid in by the platform's promotions, like points
        paid_by_buyer = order.paid_in_money
        entries = [Entry(str(BUYERS), -paid_by_buyer, order.currency)] if paid_by_buyer else []
        if order.points_discount:
            entries.append(Entry(str(PLATFORM_POINTS), -order.points_discount, order.currency))
        if order.coupon_discount:
            entries.append(Entry(str(PLATFORM_PROMOTIONS), -order.coupon_discount, order.currency))
        entries.append(Entry(str(pending(order.shop_id)), order.total, order.currency))
        used = [f"{order.points_redeemed} points redeemed"] if order.points_discount else []
        used += [f"coupon {order.coupon['code']}"] if order.coupon else []
        return Posting(
            f"order-paid:{order.order_id}",
            "order.paid",
            at,
            tuple(entries),
            refs=_order_refs(order),
            memo=f"Payment for order {order.order_id} ({', '.join(used)})",
        )
    posting_id, amount, memo = f"order-paid:{order.order_id}", order.total, f"Payment for order {order.order_id}"
    if order.deposit_amount and not order.paid_at:
        posting_id, amount = f"{posting_id}:deposit", order.deposit_amount
        memo = f"Deposit for order {order.order_id}"
    elif order.deposit_amount:
        amount, memo = order.balance_amount, f"Balance for order {order.order_id}"
    return transfer(
        posting_id,
        "order.paid",
        at,
        source=BUYERS,
        destination=pending(order.shop_id),
        amount=amount,
        currency=order.currency,
        refs=_order_refs(order),
        memo=memo,
    )


@dataclass(frozen=True)
class ProducerShare:
    """A producer's shop's sale (issue 11, domain/producers.py): the partner who sells for producer
    `producer_id` is paid `terms` of the goods value (no minimum) into `village:<village_id>:commissions`; the
    producer is credited the rest, net of the platform's commission too, in `producer:<id>:payable`."""

    producer_id: str
    village_id: str
    terms: CommissionTerms


def partner_commissions(village_id: str) -> Account:
    return Account.village(village_id, "commissions")


def completion(
    order: Order, terms: CommissionTerms, at: str, producer: ProducerShare | None = None
) -> tuple[Posting | None, dict[str, Any]]:
    """What completing `order` posts (None when everything was refunded) and the commission it records.

    The goods value still kept by the buyer (total - refunds) leaves `pending` (or, for an order paid before
    the ledger, the buyers' account): the commission to the platform, the rest to the seller's `available`. A
    producer's sale (`producer`) credits the producer's account instead, less the partner's commission too,
    which goes to the village (recorded as `partner_amount`, `partner_bp`, `village_id`, `producer_id`)."""
    base = order.total - order.refunded - order.funded_share_returned  # returned goods' discounts went back
    commission = terms.amount(base, order.currency)
    record: dict[str, Any] = {
        "amount": commission,
        "base": base,
        "percent_bp": terms.percent_bp,
        "min_amount": terms.min_amount if terms.currency == order.currency else 0,
    }
    partner = 0
    if producer is not None:
        partner = min(basis_points(base, producer.terms.percent_bp), base - commission) if base > 0 else 0
        record.update(
            partner_amount=partner,
            partner_bp=producer.terms.percent_bp,
            village_id=producer.village_id,
            producer_id=producer.producer_id,
        )
    if base <= 0:
        return None, record
    source = pending(order.shop_id) if order.pending_credited else BUYERS
    payee = Account.producer(producer.producer_id) if producer is not None else available(order.shop_id)
    entries = [Entry(str(source), -base, order.currency)]
    if base - commission - partner:
        entries.append(Entry(str(payee), base - commission - partner, order.currency))
    if commission:
        entries.append(Entry(str(PLATFORM_COMMISSION), commission, order.currency))
    if partner and producer is not None:
        entries.append(Entry(str(partner_commissions(producer.village_id)), partner, order.currency))
    memo = f"Order {order.order_id} completed: {base} sold, {commission} commission ({terms.percent_bp} bp)"
    if producer is not None:
        memo += f", {partner} to the village partner ({producer.terms.percent_bp} bp)"
    posting = Posting(
        f"order-completed:{order.order_id}",
        "order.completed",
        at,
        tuple(entries),
        refs=_order_refs(order, **({"producer_id": producer.producer_id} if producer is not None else {})),
        memo=memo,
    )
    return posting, record


def refund(order: Order, amount: int, refund_id: str, at: str) -> tuple[Posting | None, Order]:
    """The refund of `amount` on `order` (a received return, a cancellation): the posting (None when no money
    of this order is held: not paid, or paid before the ledger and not completed) and the order with its
    commission record updated.

    Before completion the money goes back from `pending`. After completion it comes out of the seller's
    `available`, except the commission charged on it, which the platform gives back: the commission is
    recomputed on what the buyer keeps, with the terms recorded at completion."""
    if amount <= 0:
        return None, order
    refs = {**_order_refs(order, refund_id=refund_id), **order.charge_refs(refund_id)}  # issue 12: in roubles too
    posting_id = f"order-refunded:{order.order_id}:{refund_id}"
    memo = f"Refund {refund_id} on order {order.order_id}"
    if order.commission is None:  # not completed
        if not order.pending_credited:
            return None, order
        posting = transfer(
            posting_id,
            "order.refunded",
            at,
            source=pending(order.shop_id),
            destination=BUYERS,
            amount=amount,
            currency=order.currency,
            refs=refs,
            memo=memo,
        )
        return posting, order
    record = order.commission
    terms = CommissionTerms(record["percent_bp"], record["min_amount"], order.currency)
    base = max(0, record["base"] - amount)
    new_commission = terms.amount(base, order.currency)
    given_back = record["amount"] - new_commission
    # a producer's sale (issue 11): the partner's commission on the refunded part goes back too, and the rest
    # comes out of the producer's account rather than a seller's balance
    producer_id, village_id = record.get("producer_id"), record.get("village_id")
    partner_back, partner_kept = 0, 0
    if producer_id and village_id:
        partner_kept = min(basis_points(base, int(record.get("partner_bp", 0))), base - new_commission)
        partner_back = int(record.get("partner_amount", 0)) - partner_kept
    payer = Account.producer(producer_id) if producer_id else available(order.shop_id)
    entries = [Entry(str(BUYERS), amount, order.currency)]
    if amount - given_back - partner_back:
        entries.append(Entry(str(payer), -(amount - given_back - partner_back), order.currency))
    if given_back:
        entries.append(Entry(str(PLATFORM_COMMISSION), -given_back, order.currency))
    if partner_back and village_id:
        entries.append(Entry(str(partner_commissions(village_id)), -partner_back, order.currency))
    posting = Posting(posting_id, "order.refunded_after_completion", at, tuple(entries), refs=refs, memo=memo)
    # `returned`: the commission this refund gave back (what the order's event reports to the dashboards)
    changes: dict[str, Any] = {"amount": new_commission, "base": base, "returned": given_back}
    if producer_id:
        changes["partner_amount"] = partner_kept
    updated = replace(order, commission={**record, **changes})
    return posting, updated


# --- movements funded by the seller (issues 11, 12, 13 post through services/settlement.py) ---------------

# reason -> (posting kind, where the money goes by default)
SELLER_DEBITS: dict[str, str] = {
    "dispute": "seller.dispute_debit",  # a dispute decided against the seller (issue 13)
    "partner_commission": "seller.partner_commission",  # a village partner's commission on a sale (issue 11)
    "producer_commission": "seller.producer_commission",  # a producer's share (issue 11)
    "compensation": "seller.compensation",  # a promise the seller broke, compensated (issue 12)
}


def seller_debit(
    reason: str,
    posting_id: str,
    *,
    shop_id: str,
    seller_id: str,
    order_id: str,
    amount: int,
    currency: str,
    destination: Account,
    at: str,
    refs: dict[str, str] | None = None,
    memo: str = "",
) -> Posting:
    """`amount` taken from the seller's `available` balance (which may go below zero: the next completions
    cover it, and payouts never overdraw it) for `reason`, to `destination`; one entry with its reason and
    order on the seller's statement."""
    kind = SELLER_DEBITS.get(reason)
    if kind is None:
        raise ValidationFailed(f"unknown seller debit {reason!r}", code="invalid_posting")
    if type(amount) is not int or amount <= 0:
        raise ValidationFailed("a debit moves a positive amount", code="invalid_posting")
    return transfer(
        posting_id,
        kind,
        at,
        source=available(shop_id),
        destination=destination,
        amount=amount,
        currency=currency,
        refs={"order_id": order_id, "seller_id": seller_id, **(refs or {})},
        memo=memo,
    )


# --- payouts -------------------------------------------------------------------------------------------

# A payout is sent when the available balance is at least this much (minor units); below it, it waits.
PAYOUT_THRESHOLDS = {"CNY": 10_000, "RUB": 100_000}
DEFAULT_PAYOUT_THRESHOLD = 10_000
PAYOUT_WEEKDAY = 0  # Monday
PAYOUT_HOUR = 2  # 02:00 UTC: the weekly run's schedule (events/payouts.py)
PAYOUT_STATUSES = ("pending", "sent", "paid", "failed")
OPEN_PAYOUT_STATUSES = ("pending", "sent")
_RUN_ID = re.compile(r"^(\d{4})-W(\d{2})$")
_PAYOUT_ID = re.compile(r"^po-(\d{4})W(\d{2})-([A-Za-z0-9_.]{1,100})$")


def payout_threshold(currency: str) -> int:
    return PAYOUT_THRESHOLDS.get(currency, DEFAULT_PAYOUT_THRESHOLD)


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(canonical_time(value).replace("Z", "+00:00"))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_id_at(now: str) -> str:
    """The weekly run a moment belongs to: its ISO week, `2026-W14`. A run re-run in the same week is the same
    run: it pays each seller at most once."""
    year, week, _ = parse_time(now).isocalendar()
    return f"{year}-W{week:02d}"


def run_starts_at(run_id: str) -> str:
    """When the weekly schedule starts run `run_id` (its Monday, 02:00 UTC)."""
    check_run_id(run_id)
    year, week = int(run_id[:4]), int(run_id[6:])
    monday = dt.date.fromisocalendar(year, week, 1)
    return iso(dt.datetime(monday.year, monday.month, monday.day, PAYOUT_HOUR, tzinfo=dt.UTC))


def check_run_id(run_id: str) -> str:
    match = _RUN_ID.match(run_id or "")
    try:
        if not match:
            raise ValueError(run_id)
        dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValidationFailed("a run id is an ISO week such as 2026-W14", code="invalid_run") from None
    return run_id


def next_payout_at(now: str) -> str:
    """The next weekly run after `now` (Mondays, 02:00 UTC)."""
    moment = parse_time(now)
    days = (PAYOUT_WEEKDAY - moment.weekday()) % 7
    candidate = (moment + dt.timedelta(days=days)).replace(hour=PAYOUT_HOUR, minute=0, second=0, microsecond=0)
    if candidate <= moment:
        candidate += dt.timedelta(days=7)
    return iso(candidate)


def payout_id(run_id: str, shop_id: str) -> str:
    """One payout per shop and run: the id is derived from both, so a re-run finds what it already did."""
    return f"po-{check_run_id(run_id).replace('-', '')}-{shop_id}"


def parse_payout_id(value: str) -> tuple[str, str] | None:
    """(run id, shop id) of a payout id, or None when it is not one."""
    match = _PAYOUT_ID.match(value or "")
    if not match:
        return None
    return f"{match.group(1)}-W{match.group(2)}", match.group(3)


@dataclass(frozen=True)
class PayoutAccount:
    """Where a seller's payouts go. Shown masked only (`masked()`); the full number goes to the bank alone."""

    shop_id: str
    owner_id: str
    holder_name: str
    bank_name: str
    account_number: str
    bank_code: str | None
    updated_at: str
    version: int = 0

    def masked(self) -> dict[str, Any]:
        return masked_destination(self.destination())

    def destination(self) -> dict[str, Any]:
        return {
            "holder_name": self.holder_name,
            "bank_name": self.bank_name,
            "account_number": self.account_number,
            "bank_code": self.bank_code,
        }


def masked_destination(destination: dict[str, Any]) -> dict[str, Any]:
    number = str(destination.get("account_number") or "")
    last4 = number[-4:]
    return {
        "holder_name": destination.get("holder_name"),
        "bank_name": destination.get("bank_name"),
        "bank_code": destination.get("bank_code"),
        "account_last4": last4,
        "account_number_masked": "*" * max(0, len(number) - 4) + last4,
    }


_ACCOUNT_NUMBER = re.compile(r"^[A-Z0-9]{8,34}$")
_BANK_CODE = re.compile(r"^[A-Z0-9]{4,20}$")


def check_payout_details(data: dict[str, Any]) -> dict[str, Any]:
    """Normalised payout details (spaces and dashes out of the account number, upper case), or 400."""
    holder = str(data.get("holder_name") or "").strip()
    bank = str(data.get("bank_name") or "").strip()
    number = re.sub(r"[\s-]", "", str(data.get("account_number") or "")).upper()
    code = data.get("bank_code")
    code = re.sub(r"\s", "", str(code)).upper() if code else None
    problems = []
    if not 1 <= len(holder) <= 100 or not holder.isprintable():
        problems.append({"field": "holder_name", "message": "1 to 100 printable characters"})
    if not 1 <= len(bank) <= 100 or not bank.isprintable():
        problems.append({"field": "bank_name", "message": "1 to 100 printable characters"})
    if not _ACCOUNT_NUMBER.match(number):
        problems.append({"field": "account_number", "message": "8 to 34 letters and digits (a card number or IBAN)"})
    if code is not None and not _BANK_CODE.match(code):
        problems.append({"field": "bank_code", "message": "4 to 20 letters and digits (SWIFT/BIC or CNAPS code)"})
    if problems:
        raise ValidationFailed("the payout details are not valid", code="invalid_payout_account", details=problems)
    return {"holder_name": holder, "bank_name": bank, "account_number": number, "bank_code": code}


@dataclass(frozen=True)
class Payout:
    """One transfer of a seller's available balance to their bank account.

    pending (the money left `available`, the bank not asked yet) -> sent (the bank accepted the transfer) ->
    paid | failed (the money went back to `available`). A bank may answer before `sent` is written: pending ->
    paid | failed directly."""

    payout_id: str
    run_id: str
    shop_id: str
    seller_id: str
    amount: int
    currency: str
    status: str
    destination: dict[str, Any]  # the account details it was sent to (shown masked)
    created_at: str
    updated_at: str
    transfer_id: str | None = None
    failure_reason: str | None = None
    sent_at: str | None = None
    paid_at: str | None = None
    failed_at: str | None = None
    version: int = 1
    timeline: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PAYOUT_STATUSES

    def _moved(self, status: str, now: str, **changes: Any) -> Payout:
        entry = {"at": now, "status": status}
        return replace(self, status=status, updated_at=now, timeline=(*self.timeline, entry), **changes)

    def sent(self, transfer_id: str, now: str) -> Payout:
        if self.status != "pending":
            raise Conflict(f"a {self.status} payout cannot be sent", code="illegal_payout_transition")
        return self._moved("sent", now, transfer_id=transfer_id, sent_at=now)

    def paid(self, transfer_id: str, now: str) -> Payout:
        if self.status not in OPEN_PAYOUT_STATUSES:
            raise Conflict(f"a {self.status} payout cannot be paid", code="illegal_payout_transition")
        return self._moved("paid", now, transfer_id=self.transfer_id or transfer_id, paid_at=now)

    def failed(self, reason: str, now: str, transfer_id: str | None = None) -> Payout:
        if self.status not in OPEN_PAYOUT_STATUSES:
            raise Conflict(f"a {self.status} payout cannot fail", code="illegal_payout_transition")
        return self._moved(
            "failed", now, transfer_id=self.transfer_id or transfer_id, failure_reason=reason[:200], failed_at=now
        )


def new_payout(
    run_id: str, shop_id: str, seller_id: str, amount: int, currency: str, destination: dict[str, Any], now: str
) -> Payout:
    return Payout(
        payout_id=payout_id(run_id, shop_id),
        run_id=run_id,
        shop_id=shop_id,
        seller_id=seller_id,
        amount=amount,
        currency=currency,
        status="pending",
        destination=dict(destination),
        created_at=now,
        updated_at=now,
        timeline=({"at": now, "status": "pending"},),
    )


def payout_posting(payout: Payout) -> Posting:
    return transfer(
        f"payout:{payout.payout_id}",
        "payout.sent",
        payout.created_at,
        source=available(payout.shop_id),
        destination=BANK_PAYOUTS,
        amount=payout.amount,
        currency=payout.currency,
        refs={"payout_id": payout.payout_id, "seller_id": payout.seller_id},
        memo=f"Payout {payout.payout_id} to the account ending {str(payout.destination.get('account_number'))[-4:]}",
        no_overdraft=[available(payout.shop_id)],
    )


def payout_failed_posting(payout: Payout, at: str) -> Posting:
    """The payout's money back in `available` (the exact reverse of its posting)."""
    return reversal(
        payout_posting(payout),
        f"payout-failed:{payout.payout_id}",
        at,
        kind="payout.failed",
        memo=f"Payout {payout.payout_id} failed: {payout.failure_reason or 'rejected by the bank'}",
    )


def payout_to_dict(payout: Payout) -> dict[str, Any]:
    return {
        "payout_id": payout.payout_id,
        "run_id": payout.run_id,
        "shop_id": payout.shop_id,
        "seller_id": payout.seller_id,
        "amount": payout.amount,
        "currency": payout.currency,
        "status": payout.status,
        "destination": dict(payout.destination),
        "created_at": payout.created_at,
        "updated_at": payout.updated_at,
        "transfer_id": payout.transfer_id,
        "failure_reason": payout.failure_reason,
        "sent_at": payout.sent_at,
        "paid_at": payout.paid_at,
        "failed_at": payout.failed_at,
        "version": payout.version,
        "timeline": [dict(e) for e in payout.timeline],
    }


def payout_from_dict(data: dict[str, Any]) -> Payout:
    data = dict(data)
    data["timeline"] = tuple(dict(e) for e in data.get("timeline") or ())
    data["amount"] = int(data["amount"])
    data["version"] = int(data.get("version", 1))
    return Payout(**data)


# --- statements --------------------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_period(month: str, now: str) -> tuple[str, str]:
    """`[first instant of the month, first instant of the next)` for `yyyy-mm`; a month after `now`'s is refused."""
    match = _MONTH.match(month or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValidationFailed(
            "a statement month is yyyy-mm", code="invalid_month", details=[{"field": "month", "message": "yyyy-mm"}]
        )
    year, number = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, number, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=dt.UTC)
    if start > parse_time(now):
        raise ValidationFailed(
            "that month has not started yet",
            code="invalid_month",
            details=[{"field": "month", "message": "this month or an earlier one"}],
        )
    return iso(start), iso(end)


# What a statement line says about an entry's kind (statements, the ledger page, CSV).
REASONS = {
    "order.paid": "Payment received (pending until the order completes)",
    "order.refunded": "Refund to the buyer before completion",
    "order.completed": "Order completed: goods value less commission",
    "order.refunded_after_completion": "Refund to the buyer after completion (commission on it given back)",
    "payout.sent": "Payout to your bank account",
    "payout.failed": "Payout failed: money returned to your balance",
    "seller.dispute_debit": "Dispute decided: debit",
    "seller.partner_commission": "Village partner commission",
    "seller.producer_commission": "Producer commission",
    "seller.compensation": "Compensation for a delivery promise",
}


def reason_text(kind: str) -> str:
    return REASONS.get(kind, kind)
