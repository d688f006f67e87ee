"""Bulk trade for businesses (issue 14): verified business buyers, requests for quotation and their quotes,
samples, net terms and invoices. Pure Python: the rules, the states and their transitions.

- A business buyer is a buyer account with a company behind it (`Business`, one per account: its id is
  `business_id_of(user_id)`). It applies with China's Unified Social Credit Code as its tax id
  (`validate_uscc`, GB 32100-2015); an operator verifies or rejects it, and may give a verified business a
  credit line (net terms).
- A verified business posts an `Rfq`; eligible b2b shops (those that quote in its category) send one live
  `Quote` each, revisable until the quoting deadline; the buyer compares them, exchanges `QuoteMessage`s and
  accepts one, which becomes an order at the quoted unit price.
- An order on net terms is invoiced when it ships (`Invoice`, numbered per seller without gaps); the invoice
  is due `terms_days` later, becomes overdue by the clock, and paying it restores the business's credit.

The money side of net terms is a ledger balance (docs/ledger.md): `business:<id>:credit` holds the credit
still available, `business:<id>:reserved` what orders on terms hold before they are invoiced,
`business:<id>:receivable` what invoices ask the business to pay. The postings are built here
(`credit_line_posting`, `terms_order_posting`, ...); `platform:credit-lines` is their counterpart when an
operator grants or changes a credit line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .errors import Conflict, ValidationFailed
from .ledger import Account, Entry, Posting, transfer
from .orders import parse_time

# --- Unified Social Credit Code (GB 32100-2015) ----------------------------------------------------------

# The 31 characters a code may use: digits and capitals without I, O, Z, S, V (easily misread).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of each of the first 17 positions: 3^(i) mod 31, as the standard tabulates them.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Position 1: the registration authority (1 organisation staffing, 2 foreign affairs, 3 justice, 4 culture,
# 5 civil affairs, 6 tourism, 7 religion, 8 trade unions, 9 market regulation (companies), A military staffing,
# N agriculture, Y others).
USCC_AUTHORITIES = frozenset("123456789ANY")
USCC_LENGTH = 18


def uscc_check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are `first17`: 31 - (sum of value x weight
    mod 31), with 31 written as 0."""
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str, field_name: str = "tax_id") -> str:
    """The code, upper-cased, or ValidationFailed saying exactly what is wrong with it."""

    def bad(message: str, code: str = "invalid_tax_id") -> ValidationFailed:
        return ValidationFailed(
            f"{field_name} is not a valid Unified Social Credit Code: {message}",
            code=code,
            details=[{"field": field_name, "message": message}],
        )

    if not isinstance(value, str):
        raise bad("it must be text")
    code = value.strip().upper()
    if len(code) != USCC_LENGTH:
        raise bad(f"it has {USCC_LENGTH} characters (this one has {len(code)})")
    strange = sorted({c for c in code if c not in USCC_ALPHABET})
    if strange:
        raise bad(
            f"it uses only digits and the capitals {USCC_ALPHABET[10:]} (not {', '.join(strange)})",
        )
    if code[0] not in USCC_AUTHORITIES:
        raise bad(f"its first character names the registration authority, one of {''.join(sorted(USCC_AUTHORITIES))}")
    if not code[2:8].isdigit():
        raise bad("characters 3 to 8 are the administrative division code: six digits")
    if uscc_check_character(code[:17]) != code[17]:
        raise bad(
            "its check character (the 18th) does not match the first 17 characters; the code is mistyped",
            code="tax_id_check_character",
        )
    return code


# --- business buyers ---------------------------------------------------------------------------------------

BUSINESS_STATUSES = ("pending", "verified", "rejected")
TERMS_DAYS = (30, 60)
MAX_DOCUMENTS = 10
MAX_CREDIT_LIMIT = 10**12  # minor units
TRADE_CURRENCY = "CNY"  # the b2b storefront sells in CNY; credit lines and quotes use it


def business_id_of(user_id: str) -> str:
    """One business per buyer account: its id follows from the account (one key read, no lookup)."""
    return f"biz_{user_id}"


@dataclass(frozen=True)
class Terms:
    terms_days: int
    credit_limit: int
    currency: str
    version: int  # the credit line's number: the posting of each change is `credit-line:<business>:<version>`
    set_at: str


@dataclass(frozen=True)
class Business:
    business_id: str
    owner_id: str
    company_name: str
    tax_id: str
    address: dict[str, Any]
    contact: dict[str, Any]
    documents: tuple[dict[str, Any], ...]  # {"media_id", "key", "content_type", "size", "name"}
    status: str
    created_at: str
    updated_at: str
    reason: str | None = None  # the operator's reason for a rejection
    verified_at: str | None = None
    terms: Terms | None = None
    overdue_invoices: int = 0  # > 0: new net-terms orders are refused until they are paid
    version: int = 1

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def badge(self) -> dict[str, Any]:
        """What orders and RFQs carry of their business (sellers see it)."""
        return {"business_id": self.business_id, "company_name": self.company_name, "verified": self.verified}

    def reapply(self, data: dict[str, Any], documents: tuple[dict[str, Any], ...], now: str) -> Business:
        if self.status == "verified":
            raise Conflict("this business is already verified", code="business_already_verified")
        return replace(
            self,
            company_name=data["company_name"],
            tax_id=data["tax_id"],
            address=data["address"],
            contact=data["contact"],
            documents=documents,
            status="pending",
            reason=None,
            updated_at=now,
        )

    def verify(self, now: str) -> Business:
        if self.status != "pending":
            raise Conflict(f"a {self.status} business cannot be verified", code="illegal_business_transition")
        return replace(self, status="verified", verified_at=now, reason=None, updated_at=now)

    def reject(self, reason: str, now: str) -> Business:
        """A pending application is turned down; a verified business loses its verification (and with it
        net terms: its credit line stays booked but no new order may use it)."""
        if self.status == "rejected":
            raise Conflict("this business is already rejected", code="illegal_business_transition")
        return replace(self, status="rejected", reason=reason, updated_at=now)

    def with_terms(self, terms_days: int, credit_limit: int, currency: str, now: str) -> Business:
        if not self.verified:
            raise Conflict("only a verified business gets net terms", code="business_not_verified")
        if terms_days not in TERMS_DAYS:
            raise ValidationFailed(
                "terms_days is not valid", details=[{"field": "terms_days", "message": "must be 30 or 60"}]
            )
        if currency != TRADE_CURRENCY:
            raise ValidationFailed(
                "credit_limit.currency is not valid",
                details=[{"field": "credit_limit.currency", "message": f"credit lines are in {TRADE_CURRENCY}"}],
            )
        if not 0 <= credit_limit <= MAX_CREDIT_LIMIT:
            raise ValidationFailed(
                "credit_limit.amount is not valid",
                details=[{"field": "credit_limit.amount", "message": f"0 to {MAX_CREDIT_LIMIT} minor units"}],
            )
        version = (self.terms.version if self.terms else 0) + 1
        return replace(self, terms=Terms(terms_days, credit_limit, currency, version, now), updated_at=now)

    def net_terms_refusal(self) -> str | None:
        """Why this business cannot buy on net terms now (None: it can, within its available credit)."""
        if not self.verified:
            return "net terms are for verified businesses"
        if self.terms is None or self.terms.credit_limit <= 0:
            return "this business has no credit line"
        if self.overdue_invoices > 0:
            return "an invoice is overdue: pay it before buying on net terms again"
        return None


def invoice_details_of(business: Business) -> dict[str, Any]:
    """What a seller invoices a verified business: its name as the invoice title, its tax id, its address."""
    address = business.address
    return {
        "company_title": business.company_name,
        "tax_id": business.tax_id,
        "address": ", ".join(str(address[k]) for k in ("line", "county", "prefecture", "province") if address.get(k)),
    }


# --- the ledger side of net terms ---------------------------------------------------------------------------


def credit_account(business_id: str) -> Account:
    return Account("business", business_id, "credit")


def reserved_account(business_id: str) -> Account:
    return Account("business", business_id, "reserved")


def receivable_account(business_id: str) -> Account:
    return Account("business", business_id, "receivable")


CREDIT_LINES = Account.platform("credit-lines")


def credit_line_posting(business: Business, previous_limit: int, now: str) -> Posting | None:
    """The change of a credit line: the difference between the new limit and the old one flows from (or back
    to) `platform:credit-lines` into the business's available credit. None when the limit is unchanged."""
    assert business.terms is not None
    delta = business.terms.credit_limit - previous_limit
    if delta == 0:
        return None
    credit = credit_account(business.business_id)
    source, destination = (CREDIT_LINES, credit) if delta > 0 else (credit, CREDIT_LINES)
    return transfer(
        f"credit-line:{business.business_id}:{business.terms.version}",
        "terms.credit_line",
        now,
        source=source,
        destination=destination,
        amount=abs(delta),
        currency=business.terms.currency,
        refs={"business_id": business.business_id},
        memo=f"credit line set to {business.terms.credit_limit} {business.terms.currency}",
    )


def terms_order_posting(
    business_id: str, placement_id: str, amount: int, currency: str, now: str, **refs: str
) -> Posting:
    """Orders placed on net terms hold `amount` of the available credit (refused below zero: atomic with the
    orders, so concurrent checkouts cannot overdraw the line). `placement_id`: the checkout or the accepted
    quote the orders come from."""
    credit = credit_account(business_id)
    return transfer(
        f"terms-order:{placement_id}",
        "terms.order_placed",
        now,
        source=credit,
        destination=reserved_account(business_id),
        amount=amount,
        currency=currency,
        refs={"business_id": business_id, **refs},
        no_overdraft=[credit],
    )


def terms_release_posting(business_id: str, order_id: str, amount: int, currency: str, now: str) -> Posting:
    """An order on net terms cancelled before it was invoiced gives its credit back."""
    return transfer(
        f"terms-released:{order_id}",
        "terms.order_cancelled",
        now,
        source=reserved_account(business_id),
        destination=credit_account(business_id),
        amount=amount,
        currency=currency,
        refs={"business_id": business_id, "order_id": order_id},
    )


def invoice_issued_posting(invoice: Invoice) -> Posting:
    """The shipped order's reservation becomes what the invoice asks the business to pay."""
    return transfer(
        f"invoice-issued:{invoice.invoice_id}",
        "terms.invoice_issued",
        invoice.issued_at,
        source=reserved_account(invoice.business_id),
        destination=receivable_account(invoice.business_id),
        amount=invoice.total,
        currency=invoice.currency,
        refs={"business_id": invoice.business_id, "invoice_id": invoice.invoice_id, "order_id": invoice.order_id},
    )


def invoice_paid_posting(invoice: Invoice, now: str) -> Posting:
    """The invoice is paid: what it asked for leaves the receivable and the credit is available again; the money
    itself arrives as any order's payment does (issue 17, domain/seller_money.payment_posting): from the buyers'
    payments into the shop's pending balance. One posting, so both happen with the invoice and the order."""
    refs = {"business_id": invoice.business_id, "invoice_id": invoice.invoice_id, "order_id": invoice.order_id}
    return Posting(
        f"invoice-paid:{invoice.invoice_id}",
        "terms.invoice_paid",
        now,
        (
            Entry(str(receivable_account(invoice.business_id)), -invoice.total, invoice.currency),
            Entry(str(credit_account(invoice.business_id)), invoice.total, invoice.currency),
            Entry(str(Account.external("buyer-payments")), -invoice.total, invoice.currency),
            Entry(str(Account.shop(invoice.shop_id, "pending")), invoice.total, invoice.currency),
        ),
        refs={**refs, "shop_id": invoice.shop_id},
        memo=f"Invoice {invoice.number} of order {invoice.order_id} paid",
    )


# --- suppliers: b2b shops that quote ------------------------------------------------------------------------

DEFAULT_MONTHLY_QUOTES = 20
MAX_MONTHLY_QUOTES = 10_000


@dataclass(frozen=True)
class Supplier:
    """A b2b shop's trade record: the categories it quotes in, its monthly quote quota (None: the default)
    and the quotes it has sent per month, and the last invoice number it issued."""

    shop_id: str
    categories: tuple[str, ...] = ()
    monthly_quota: int | None = None
    quotes_used: dict[str, int] = field(default_factory=dict)  # "YYYY-MM" -> new quotes sent that month
    invoice_seq: int = 0
    version: int = 0  # 0: not stored yet

    @property
    def quota(self) -> int:
        return DEFAULT_MONTHLY_QUOTES if self.monthly_quota is None else self.monthly_quota

    def used(self, month: str) -> int:
        return self.quotes_used.get(month, 0)


def quota_month(now: str) -> str:
    return now[:7]


# --- requests for quotation ---------------------------------------------------------------------------------

RFQ_STATUSES = ("open", "awarded", "expired", "cancelled")
MAX_QUOTE_DEADLINE_DAYS = 90
MIN_QUOTE_DEADLINE_MINUTES = 60
MAX_ATTACHMENTS = 5
MAX_QUOTE_VALIDITY_DAYS = 180


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(value: str, field_name: str) -> str:
    """An ISO-8601 time with a zone, as UTC milliseconds (text order = time order)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise ValidationFailed(
            f"{field_name} is not a time",
            details=[{"field": field_name, "message": "an ISO-8601 time such as 2026-03-01T12:00:00Z"}],
        ) from None
    if parsed.tzinfo is None:
        raise ValidationFailed(
            f"{field_name} needs a timezone",
            details=[{"field": field_name, "message": "give the timezone, e.g. a trailing Z for UTC"}],
        )
    return format_time(parsed)


def plus(now: str, *, days: int = 0, minutes: int = 0) -> str:
    return format_time(parse_time(now) + dt.timedelta(days=days, minutes=minutes))


def check_deadline(deadline: str, now: str) -> str:
    deadline = canonical(deadline, "quote_deadline")
    if deadline < plus(now, minutes=MIN_QUOTE_DEADLINE_MINUTES) or deadline > plus(now, days=MAX_QUOTE_DEADLINE_DAYS):
        raise ValidationFailed(
            "quote_deadline is out of range",
            details=[
                {
                    "field": "quote_deadline",
                    "message": f"from one hour to {MAX_QUOTE_DEADLINE_DAYS} days from now",
                }
            ],
        )
    return deadline


@dataclass(frozen=True)
class Rfq:
    rfq_id: str
    buyer_id: str
    business: dict[str, Any]  # the buyer's badge: business_id, company_name, verified
    category: str
    title: str
    specification: str
    quantity: int
    unit: str
    target_unit_amount: int | None
    currency: str
    deliver_to: dict[str, str]
    quote_deadline: str
    attachments: tuple[dict[str, Any], ...]
    status: str
    created_at: str
    updated_at: str
    quote_count: int = 0
    accepted_quote_id: str | None = None
    order_id: str | None = None
    closes_at: str | None = None  # open RFQs: when the expiry job looks at it next (the deadline, then quotes)
    version: int = 1

    @property
    def business_id(self) -> str:
        return str(self.business["business_id"])

    def quotable(self, now: str) -> bool:
        return self.status == "open" and now < self.quote_deadline

    def require_quotable(self, now: str) -> None:
        if self.status != "open":
            raise Conflict(f"this request for quotation is {self.status}", code="rfq_closed")
        if now >= self.quote_deadline:
            raise Conflict("the quoting deadline has passed", code="quote_deadline_passed")

    def award(self, quote_id: str, order_id: str, now: str) -> Rfq:
        if self.status != "open":
            raise Conflict(f"this request for quotation is {self.status}", code="rfq_closed")
        return replace(
            self,
            status="awarded",
            accepted_quote_id=quote_id,
            order_id=order_id,
            closes_at=None,
            updated_at=now,
            version=self.version + 1,
        )

    def cancel(self, now: str) -> Rfq:
        if self.status != "open":
            raise Conflict(f"this request for quotation is {self.status}", code="rfq_closed")
        return replace(self, status="cancelled", closes_at=None, updated_at=now, version=self.version + 1)

    def expire(self, now: str) -> Rfq:
        return replace(self, status="expired", closes_at=None, updated_at=now, version=self.version + 1)

    def look_again_at(self, when: str, now: str) -> Rfq:
        return replace(self, closes_at=when, updated_at=now, version=self.version + 1)


# --- quotes ---------------------------------------------------------------------------------------------------

QUOTE_STATUSES = ("live", "accepted", "not_selected", "expired", "withdrawn")
MAX_QUOTE_REVISIONS = 20


def quote_id_for(rfq_id: str, shop_id: str) -> str:
    """One quote per shop per RFQ: its id follows from both, so the second POST finds the first by key."""
    return "qte_" + hashlib.sha256(f"{rfq_id}|{shop_id}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Quote:
    quote_id: str
    rfq_id: str
    buyer_id: str  # the RFQ's buyer: reads prove the buyer's ownership from the quote itself
    shop_id: str
    shop_name: str
    seller_id: str
    unit_amount: int
    currency: str
    moq: int
    lead_time_days: int
    valid_until: str
    note: str
    status: str
    created_at: str
    updated_at: str
    sample: dict[str, int] | None = None  # {"amount", "quantity"}: the seller offers a sample first
    product_id: str | None = None  # the catalog product quoted for: its stock goes down on acceptance
    product_title: str | None = None
    revisions: tuple[dict[str, Any], ...] = ()  # earlier terms, oldest first
    version: int = 1

    def revise(self, terms: dict[str, Any], now: str) -> Quote:
        if self.status != "live":
            raise Conflict(f"this quote is {self.status}", code="quote_closed")
        if len(self.revisions) >= MAX_QUOTE_REVISIONS:
            raise Conflict(f"a quote may be revised at most {MAX_QUOTE_REVISIONS} times", code="too_many_revisions")
        earlier = {
            "unit_amount": self.unit_amount,
            "moq": self.moq,
            "lead_time_days": self.lead_time_days,
            "valid_until": self.valid_until,
            "sample": self.sample,
            "at": self.updated_at,
        }
        return replace(self, **terms, revisions=(*self.revisions, earlier), updated_at=now, version=self.version + 1)

    def usable(self, now: str) -> bool:
        return self.status == "live" and now <= self.valid_until

    def accept(self, now: str) -> Quote:
        if self.status != "live":
            raise Conflict(f"this quote is {self.status}", code="quote_closed")
        if now > self.valid_until:
            raise Conflict("this quote is no longer valid", code="quote_expired")
        return replace(self, status="accepted", updated_at=now, version=self.version + 1)

    def close(self, status: str, now: str) -> Quote:
        return replace(self, status=status, updated_at=now, version=self.version + 1)


def check_quote_terms(terms: dict[str, Any], rfq: Rfq, now: str) -> dict[str, Any]:
    """The quote's terms against its RFQ and the clock; returns them normalised."""
    problems = []
    valid_until = canonical(terms["valid_until"], "valid_until")
    if valid_until <= now:
        problems.append({"field": "valid_until", "message": "must be in the future"})
    elif valid_until > plus(now, days=MAX_QUOTE_VALIDITY_DAYS):
        problems.append({"field": "valid_until", "message": f"at most {MAX_QUOTE_VALIDITY_DAYS} days from now"})
    if terms["currency"] != rfq.currency:
        problems.append({"field": "unit_amount.currency", "message": f"the request is in {rfq.currency}"})
    sample = terms.get("sample")
    if sample is not None and sample["quantity"] >= terms["moq"]:
        problems.append({"field": "sample.quantity", "message": "a sample is fewer units than the MOQ"})
    if problems:
        raise ValidationFailed("the quote is not valid", details=problems)
    return {**terms, "valid_until": valid_until}


def acceptance_problems(quote: Quote, rfq: Rfq, quantity: int) -> list[dict[str, str]]:
    problems = []
    if quantity < quote.moq:
        problems.append({"field": "quantity", "message": f"the quote's minimum order is {quote.moq} {rfq.unit}"})
    return problems


@dataclass(frozen=True)
class QuoteMessage:
    message_id: str
    rfq_id: str
    quote_id: str
    author: str  # "buyer" | "seller"
    author_id: str
    text: str
    at: str


# --- invoices -------------------------------------------------------------------------------------------------

INVOICE_STATUSES = ("open", "overdue", "paid")
# VAT in China (since April 2019): 13% standard, 9% for agricultural products. Prices include it.
VAT_BASIS_POINTS = {"dried-fruit": 900, "nuts": 900, "grain": 900}
STANDARD_VAT_BASIS_POINTS = 1300


def vat_rate(category: str | None) -> int:
    return VAT_BASIS_POINTS.get(category or "", STANDARD_VAT_BASIS_POINTS)


def vat_included(amount: int, rate_bp: int) -> int:
    """The VAT inside a tax-inclusive `amount`: amount x rate / (1 + rate), rounded half up."""
    denominator = 10_000 + rate_bp
    return (2 * amount * rate_bp + denominator) // (2 * denominator)


def rate_text(rate_bp: int) -> str:
    """A rate as a decimal string (never a float): 900 -> "0.09"."""
    whole, frac = divmod(rate_bp, 10_000)
    return f"{whole}.{frac:04d}".rstrip("0").rstrip(".") if frac else str(whole)


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    seq: int  # the seller's invoice sequence: 1, 2, 3 ... without gaps
    shop_id: str
    seller_id: str
    seller: dict[str, Any]  # the issuing shop: name, region
    order_id: str
    business_id: str
    buyer_id: str
    bill_to: dict[str, Any]  # company_name, tax_id, address
    lines: tuple[dict[str, Any], ...]  # title, quantity, unit, unit_amount, amount, vat_rate_bp, vat_amount
    currency: str
    total: int
    vat_amount: int
    terms_days: int
    issued_at: str
    due_at: str
    status: str
    paid_at: str | None = None
    payment: dict[str, Any] | None = None  # {"method", "reference"}
    version: int = 1

    @property
    def number(self) -> str:
        return f"{self.seq:08d}"

    @property
    def net_amount(self) -> int:
        return self.total - self.vat_amount

    def display_status(self, now: str) -> str:
        """What the buyer and seller see: an open invoice past its due date is overdue even before the daily
        job has marked it."""
        if self.status == "open" and now > self.due_at:
            return "overdue"
        return self.status

    def mark_overdue(self, now: str) -> Invoice:
        if self.status != "open":
            raise Conflict(f"a {self.status} invoice cannot become overdue", code="illegal_invoice_transition")
        if now <= self.due_at:
            raise Conflict("this invoice is not due yet", code="invoice_not_due")
        return replace(self, status="overdue", version=self.version + 1)

    def pay(self, method: str, reference: str | None, now: str) -> Invoice:
        if self.status == "paid":
            raise Conflict("this invoice is already paid", code="invoice_already_paid")
        return replace(
            self,
            status="paid",
            paid_at=now,
            payment={"method": method, "reference": reference},
            version=self.version + 1,
        )


def invoice_lines(order_lines: list[dict[str, Any]], categories: dict[str, str | None]) -> tuple[dict[str, Any], ...]:
    """Invoice lines from an order's lines (`categories`: product id -> its category, for the VAT rate)."""
    out = []
    for line in order_lines:
        amount = line["unit_amount"] * line["quantity"]
        category = line["attributes"].get("category") or categories.get(line["product_id"])
        rate = vat_rate(category)
        out.append(
            {
                "title": line["title"],
                "quantity": line["quantity"],
                "unit": line["attributes"].get("unit") or "",
                "unit_amount": line["unit_amount"],
                "amount": amount,
                "vat_rate_bp": rate,
                "vat_amount": vat_included(amount, rate),
            }
        )
    return tuple(out)


# --- due dates: the scheduled jobs find what expires through day buckets ------------------------------------


def due_day(when: str) -> str:
    """The partition of the due index a time falls in: its UTC day. One partition per day spreads the writes
    (no hot key), and a job reads the days up to today."""
    return when[:10]


def days_back(now: str, days: int) -> list[str]:
    """The due-index partitions a job reads: today and the `days` before it, oldest first."""
    today = parse_time(now).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(days, -1, -1)]


# --- serialisation ------------------------------------------------------------------------------------------


def business_to_dict(business: Business) -> dict[str, Any]:
    return asdict(business)


def business_from_dict(data: dict[str, Any]) -> Business:
    data = dict(data)
    data["documents"] = tuple(data.get("documents") or ())
    data["terms"] = Terms(**data["terms"]) if data.get("terms") else None
    return Business(**data)


def rfq_to_dict(rfq: Rfq) -> dict[str, Any]:
    return asdict(rfq)


def rfq_from_dict(data: dict[str, Any]) -> Rfq:
    data = dict(data)
    data["attachments"] = tuple(data.get("attachments") or ())
    return Rfq(**data)


def quote_to_dict(quote: Quote) -> dict[str, Any]:
    return asdict(quote)


def quote_from_dict(data: dict[str, Any]) -> Quote:
    data = dict(data)
    data["revisions"] = tuple(data.get("revisions") or ())
    return Quote(**data)


def invoice_to_dict(invoice: Invoice) -> dict[str, Any]:
    return asdict(invoice)


def invoice_from_dict(data: dict[str, Any]) -> Invoice:
    data = dict(data)
    data["lines"] = tuple(data.get("lines") or ())
    return Invoice(**data)


_TEXT = re.compile(r"\S")


def clean_text(value: str, field_name: str, max_length: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not _TEXT.search(text):
        raise ValidationFailed(f"{field_name} is required", details=[{"field": field_name, "message": "is required"}])
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field_name} is too long", details=[{"field": field_name, "message": f"at most {max_length} characters"}]
        )
    return text
