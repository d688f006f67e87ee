"""Buyer trust (issue 13): quality-assurance disputes, the points programme, reviews and ratings. Pure Python.

Disputes: a buyer opens one on delivered lines within DISPUTE_WINDOW_DAYS of delivery (`not_received` from
shipment); the seller answers within SELLER_ANSWER_DAYS; without an answer, or without an agreement within
AGREEMENT_DAYS of opening, the dispute escalates by the clock; operators decide escalated ones.

    awaiting_seller --respond--> awaiting_buyer --accept--> resolved (refund) | closed (buyer accepts a reject)
          |                            |
          +------ clock / escalate ----+--> escalated --decide--> decided

Points: `points:<user_id>` in the ledger (PTS). Earned at completion by the market's rule, a bonus when the
partner bank's card paid, redeemed at checkout (1 point = 0.01 of the currency, i.e. one minor unit of the
two-decimal currencies the markets use; at most REDEEM_SHARE_BP of the goods, never shipping or duty),
reversed on returns and refunded disputes, expired FIFO POINTS_LIFETIME_MONTHS after earning (see `fifo_left`).

Reviews: one per delivered order line, by its buyer, within REVIEW_WINDOW_DAYS of delivery; a rating 1..5.
`RatingSummary` is kept incrementally (count, sum, per-star counts): a review adds to it, hiding takes it out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import Conflict, Forbidden, ValidationFailed

# --- time ---------------------------------------------------------------------------------------------------


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plus_days(at: str, days: int) -> str:
    return iso(parse_time(at) + dt.timedelta(days=days))


def plus_months(at: str, months: int) -> str:
    moment = parse_time(at)
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                           31, 31, 30, 31, 30, 31][month - 1])  # fmt: skip
    return iso(moment.replace(year=year, month=month, day=day))


# --- disputes -----------------------------------------------------------------------------------------------

DISPUTE_WINDOW_DAYS = 15
SELLER_ANSWER_DAYS = 3
AGREEMENT_DAYS = 7
DISPUTE_REASONS = ("not_as_described", "damaged", "counterfeit", "not_received")
SELLER_ACTIONS = ("refund", "partial_refund", "return_and_refund", "reject")
DISPUTE_STATUSES = ("awaiting_seller", "awaiting_buyer", "escalated", "resolved", "closed", "decided")
OPEN_DISPUTE_STATUSES = ("awaiting_seller", "awaiting_buyer", "escalated")
# Disputes whose deadline the clock watches, spread over shards so the sweep's index has no hot partition.
DUE_SHARDS = 8
FUNDERS = ("seller", "platform")
MAX_EVIDENCE = 6


@dataclass(frozen=True)
class DisputeStep:
    at: str
    actor: str  # buyer | seller | operator | system
    action: str  # opened | responded | accepted | escalated | decided | refunded | refund_delayed | refund_issued
    note: str = ""
    amount: int | None = None


@dataclass(frozen=True)
class Dispute:
    dispute_id: str
    order_id: str
    shop_id: str
    seller_id: str
    buyer_id: str
    storefront: str
    currency: str
    payment_method: str
    lines: tuple[dict[str, Any], ...]  # {"line_id", "product_id", "title", "quantity", "amount"}
    reason: str
    description: str
    evidence: tuple[str, ...]  # media ids of the buyer's pictures
    status: str
    created_at: str
    updated_at: str
    due_at: str | None  # when the clock escalates it (None once nobody waits)
    response: dict[str, Any] | None = None  # {"action", "amount", "message", "evidence", "at"}
    decision: dict[str, Any] | None = None  # {"refund_amount", "funded_by", "note", "at"}
    refund: dict[str, Any] | None = None  # {"amount", "funded_by", "method", "at"}
    steps: tuple[DisputeStep, ...] = ()
    seller_evidence: tuple[str, ...] = ()
    evidence_keys: dict[str, str] = field(default_factory=dict)  # media id -> stored picture key
    version: int = 1

    @property
    def claimed(self) -> int:
        """The value of the disputed goods: the most a refund can be."""
        return sum(int(line["amount"]) for line in self.lines)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES

    @property
    def due_shard(self) -> int:
        return int(hashlib.sha256(self.dispute_id.encode()).hexdigest()[:8], 16) % DUE_SHARDS

    def _step(self, actor: str, action: str, now: str, status: str, note: str = "", **changes: Any) -> Dispute:
        amount = changes.pop("step_amount", None)
        step = DisputeStep(now, actor, action, note, amount)
        return replace(self, status=status, updated_at=now, steps=(*self.steps, step), **changes)

    def respond(self, action: str, amount: int | None, message: str, evidence: tuple[str, ...], now: str) -> Dispute:
        if self.status != "awaiting_seller":
            raise Conflict(f"a dispute {self.status.replace('_', ' ')} cannot be answered", code="illegal_dispute_step")
        if action not in SELLER_ACTIONS:
            raise ValidationFailed(f"action is one of {', '.join(SELLER_ACTIONS)}", code="validation_error")
        if action == "partial_refund":
            if amount is None or not 0 < amount < self.claimed:
                raise ValidationFailed(
                    f"a partial refund is more than 0 and less than {self.claimed} (minor units)",
                    code="invalid_refund_amount",
                    details=[{"field": "amount", "message": f"between 1 and {self.claimed - 1}"}],
                )
        elif amount is not None:
            raise ValidationFailed("only a partial refund names an amount", code="invalid_refund_amount")
        refund = {"refund": self.claimed, "return_and_refund": self.claimed, "reject": 0}.get(action, amount)
        response = {"action": action, "amount": refund, "message": message, "evidence": list(evidence), "at": now}
        due = plus_days(self.created_at, AGREEMENT_DAYS)
        return self._step(
            "seller", "responded", now, "awaiting_buyer", action, step_amount=refund, response=response, due_at=due,
            seller_evidence=evidence,
        )  # fmt: skip

    def accept(self, now: str) -> Dispute:
        """The buyer agrees with the seller's answer: a refund offered is made (`resolved`), a rejection ends
        the dispute (`closed`)."""
        if self.status != "awaiting_buyer" or self.response is None:
            raise Conflict("there is no answer of the seller to accept", code="illegal_dispute_step")
        amount = int(self.response["amount"])
        status = "resolved" if amount > 0 else "closed"
        return self._step("buyer", "accepted", now, status, self.response["action"], step_amount=amount, due_at=None)

    def escalate(self, actor: str, now: str, note: str = "") -> Dispute:
        if self.status not in ("awaiting_seller", "awaiting_buyer"):
            raise Conflict(
                f"a dispute {self.status.replace('_', ' ')} cannot be escalated", code="illegal_dispute_step"
            )
        return self._step(actor, "escalated", now, "escalated", note, due_at=None)

    def escalate_if_due(self, now: str) -> Dispute | None:
        """The clock's escalation: no seller answer within 3 days, no agreement within 7."""
        if self.status not in ("awaiting_seller", "awaiting_buyer") or self.due_at is None or self.due_at > now:
            return None
        why = "no answer from the seller in 3 days" if self.status == "awaiting_seller" else "no agreement in 7 days"
        return self.escalate("system", now, why)

    def decide(self, refund_amount: int, funded_by: str, note: str, now: str) -> Dispute:
        if self.status != "escalated":
            raise Conflict("only escalated disputes are decided", code="illegal_dispute_step")
        if funded_by not in FUNDERS:
            raise ValidationFailed("funded_by is seller or platform")
        if not 0 <= refund_amount <= self.claimed:
            raise ValidationFailed(
                f"the refund is between 0 and the disputed goods' value, {self.claimed}",
                code="invalid_refund_amount",
                details=[{"field": "refund_amount", "message": f"between 0 and {self.claimed}"}],
            )
        decision = {"refund_amount": refund_amount, "funded_by": funded_by, "note": note, "at": now}
        return self._step("operator", "decided", now, "decided", note, step_amount=refund_amount, decision=decision)

    def refunded(self, amount: int, funded_by: str, method: str, now: str, *, status: str = "recorded") -> Dispute:
        """The refund is booked. `status`: `recorded` (cash, bank transfer: the money is settled outside) or
        `pending` (card: the payment provider is asked to refund it, retried until it confirms)."""
        refund = {"amount": amount, "funded_by": funded_by, "method": method, "status": status, "at": now}
        note = f"{method}; funded by the {funded_by}"
        if status == "pending":
            note += "; sent to the payment provider"
        return self._step("system", "refunded", now, self.status, note, step_amount=amount, refund=refund)

    def refund_issued(self, refund_id: str, now: str) -> Dispute:
        """The payment provider confirmed the card refund (its refund id)."""
        refund = {**(self.refund or {}), "status": "issued", "refund_id": refund_id, "issued_at": now}
        amount = int(refund.get("amount") or 0)
        return self._step(
            "system", "refund_issued", now, self.status, f"provider refund {refund_id}", step_amount=amount,
            refund=refund,
        )  # fmt: skip

    def refund_delayed(self, now: str) -> Dispute:
        """The provider could not take the card refund: it is retried (a step the first time only)."""
        refund = {**(self.refund or {}), "status": "retrying"}
        return self._step(
            "system", "refund_delayed", now, self.status, "the payment provider is unavailable; retried", refund=refund
        )

    @property
    def refund_pending(self) -> bool:
        return bool(self.refund) and (self.refund or {}).get("status") == "pending"

    @property
    def refund_due(self) -> tuple[int, str] | None:
        """(amount, funded_by) of the refund this dispute's outcome owes the buyer (None: none)."""
        if self.status == "resolved" and self.response:
            return int(self.response["amount"]), "seller"
        if self.status == "decided" and self.decision and self.decision["refund_amount"] > 0:
            return int(self.decision["refund_amount"]), str(self.decision["funded_by"])
        return None


def dispute_lines(order: Any, wanted: list[dict[str, Any]], reason: str, now: str) -> tuple[dict[str, Any], ...]:
    """Checks a dispute's request against the order (`domain.orders.Order`): the lines exist, quantities fit,
    and the order is delivered within the window (`not_received`: shipped). Returns the disputed lines."""
    if reason == "not_received":
        if order.status not in ("shipped", "delivered", "completed") or not order.shipment:
            raise Conflict("only a shipped order can be reported not received", code="not_shipped")
        since = order.shipment["shipped_at"]
    else:
        if order.status not in ("delivered", "completed") or not order.delivered_at:
            raise Conflict("only delivered orders can be disputed", code="not_delivered")
        since = order.delivered_at
    closes = plus_days(since, DISPUTE_WINDOW_DAYS)
    if now > closes:
        raise Conflict(f"disputes on this order closed at {closes}", code="dispute_window_closed")
    by_id = {line.line_id: line for line in order.lines}
    quantities: dict[str, int] = {}
    for item in wanted:
        quantities[item["line_id"]] = quantities.get(item["line_id"], 0) + int(item["quantity"])
    out = []
    for line_id, quantity in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            raise Conflict(f"line {line_id} is not on this order", code="unknown_line")
        if quantity > line.quantity:
            raise Conflict(f"line {line_id} has {line.quantity} units", code="dispute_exceeds_purchase")
        out.append(
            {
                "line_id": line_id,
                "product_id": line.product_id,
                "title": line.title,
                "quantity": quantity,
                "amount": line.unit_amount * quantity,
            }
        )
    return tuple(out)


def dispute_to_dict(d: Dispute) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(d)


def dispute_from_dict(data: dict[str, Any]) -> Dispute:
    data = dict(data)
    data["lines"] = tuple(data["lines"])
    data["evidence"] = tuple(data.get("evidence", ()))
    data["seller_evidence"] = tuple(data.get("seller_evidence", ()))
    data["steps"] = tuple(DisputeStep(**s) for s in data.get("steps", ()))
    return Dispute(**data)


# --- points -------------------------------------------------------------------------------------------------

REDEEM_SHARE_BP = 2_500  # at most 25 % of the goods
POINTS_LIFETIME_MONTHS = 12
EXPIRING_SOON_DAYS = 30
MAX_POINTS = 10**9
# 1 point per 1 CNY (100 fen) / per 10 RUB (1,000 kopecks) of goods the buyer kept, unless operators change it.
DEFAULT_EARN_RULES: dict[str, dict[str, int]] = {
    "CNY": {"points": 1, "per_amount": 100},
    "RUB": {"points": 1, "per_amount": 1_000},
}
_BIN = re.compile(r"^\d{6,8}$")


@dataclass(frozen=True)
class PointsRules:
    """Earning rules per market currency: `points` for every `per_amount` minor units of goods."""

    earn: dict[str, dict[str, int]] = field(default_factory=lambda: dict(DEFAULT_EARN_RULES))
    updated_at: str | None = None

    def earned(self, goods: int, currency: str) -> int:
        rule = self.earn.get(currency)
        if not rule or goods <= 0:
            return 0
        return goods * rule["points"] // rule["per_amount"]


def check_earn_rules(rules: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for rule in rules:
        if rule["currency"] in out:
            raise ValidationFailed(
                f"{rule['currency']} has two rules", details=[{"field": "markets", "message": "one rule per currency"}]
            )
        out[rule["currency"]] = {"points": int(rule["points"]), "per_amount": int(rule["per_amount"])}
    return out


@dataclass(frozen=True)
class PartnerBank:
    """The bank whose cards earn a bonus: BIN ranges (inclusive, same-length prefixes) and a multiplier (a
    decimal string: "2" doubles the points of an order paid with its card)."""

    name: str
    bin_ranges: tuple[tuple[str, str], ...]
    multiplier: str
    updated_at: str | None = None

    def issued(self, card_bin: str | None) -> bool:
        if not card_bin:
            return False
        for low, high in self.bin_ranges:
            prefix = card_bin[: len(low)]
            if len(prefix) == len(low) and low <= prefix <= high:
                return True
        return False

    def bonus(self, earned: int) -> int:
        """The extra points of an order paid with the bank's card (earned x (multiplier - 1), rounded down)."""
        return int((Decimal(earned) * (Decimal(self.multiplier) - 1)).to_integral_value(rounding="ROUND_FLOOR"))


def check_partner_bank(name: str, ranges: list[dict[str, str]], multiplier: str, now: str) -> PartnerBank:
    problems = []
    out = []
    for i, r in enumerate(ranges):
        low, high = r["from"], r.get("to") or r["from"]
        if not (_BIN.match(low) and _BIN.match(high)) or len(low) != len(high) or low > high:
            problems.append({"field": f"bin_ranges.{i}", "message": "from <= to, 6-8 digits of the same length"})
        out.append((low, high))
    try:
        m = Decimal(multiplier)
        if not (Decimal(1) <= m <= Decimal(10)) or m.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append({"field": "multiplier", "message": 'a decimal string from 1 to 10, e.g. "2" or "1.5"'})
    if problems:
        raise ValidationFailed("the partner bank's settings are not valid", details=problems)
    return PartnerBank(name, tuple(out), multiplier, now)


def redeemable(goods: int) -> int:
    """The most points one order's goods accept: 25 % of the goods, in points of one minor unit each."""
    return goods * REDEEM_SHARE_BP // 10_000


def allocate_redemption(points: int, goods_per_order: list[int]) -> list[int]:
    """Spreads `points` over a checkout's orders, first orders first, each within its 25 %. Raises when the
    checkout cannot take that many."""
    if points < 0:
        raise ValidationFailed(
            "points_to_redeem is not negative", details=[{"field": "points_to_redeem", "message": "0 or more"}]
        )
    caps = [redeemable(g) for g in goods_per_order]
    if points > sum(caps):
        raise Conflict(
            f"at most {sum(caps)} points can be used on this checkout (25 % of the goods)",
            code="points_over_limit",
            details=[{"field": "points_to_redeem", "message": f"at most {sum(caps)}"}],
        )
    out, left = [], points
    for cap in caps:
        take = min(cap, left)
        out.append(take)
        left -= take
    return out


@dataclass(frozen=True)
class PointsLot:
    """Points credited by one posting, and when they expire. `credited_through`: the user's credits in total
    up to and including this lot (the FIFO position)."""

    user_id: str
    lot_id: str  # the posting id
    amount: int
    earned_at: str
    expires_at: str
    credited_through: int
    expired: int | None = None  # points taken when it expired (None: not yet)


def fifo_left(lot: PointsLot, credited_total: int, balance: int) -> int:
    """How much of `lot` is still unspent, spending oldest points first.

    Everything ever taken out (redeemed, reversed, expired) is `credited_total - balance`; spent oldest first,
    it used up the credits in order, so `lot` keeps what lies beyond that line, at most its own amount."""
    consumed = credited_total - balance
    return max(0, min(lot.amount, lot.credited_through - consumed))


# --- reviews ------------------------------------------------------------------------------------------------

REVIEW_WINDOW_DAYS = 90
MAX_REVIEW_PHOTOS = 6
REVIEW_SORTS = ("newest", "rating")
REVIEW_STATUSES = ("visible", "hidden")


@dataclass(frozen=True)
class Review:
    review_id: str
    order_id: str
    line_id: str
    product_id: str
    shop_id: str
    seller_id: str
    buyer_id: str
    storefront: str
    rating: int
    text: str
    photos: tuple[str, ...]
    created_at: str
    status: str = "visible"
    reply: dict[str, Any] | None = None  # {"text", "at"}
    hidden: dict[str, Any] | None = None  # {"reason", "at"}
    hide_request: dict[str, Any] | None = None  # {"reason", "at"}: the seller asked the operators
    author: str = ""  # the name shown ("Aynur T.")
    photo_keys: dict[str, str] = field(default_factory=dict)  # media id -> stored picture key
    version: int = 1


def review_id_for(line_id: str) -> str:
    return f"rev-{line_id}"


def check_reviewable(order: Any, line_id: str, actor_id: str, now: str) -> Any:
    """The order line a buyer may review now (Order, line id, the buyer's id): delivered, theirs, within 90 days."""
    if order.buyer_id != actor_id:
        raise Forbidden("only the buyer of this order can review it", code="not_your_order")
    if order.seller_id == actor_id:
        raise Forbidden("sellers cannot review their own products", code="own_product")
    line = next((x for x in order.lines if x.line_id == line_id), None)
    if line is None:
        raise Conflict(f"line {line_id} is not on this order", code="unknown_line")
    if order.status not in ("delivered", "completed") or not order.delivered_at:
        raise Conflict("only delivered goods can be reviewed", code="not_delivered")
    closes = plus_days(order.delivered_at, REVIEW_WINDOW_DAYS)
    if now > closes:
        raise Conflict(f"reviews of this order closed at {closes}", code="review_window_closed")
    return line


@dataclass(frozen=True)
class RatingSummary:
    count: int = 0
    total: int = 0  # sum of the ratings
    stars: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # reviews with 1..5 stars

    @property
    def average(self) -> str | None:
        """One decimal, as a string ("4.3"); None without reviews."""
        if not self.count:
            return None
        return str((Decimal(self.total) / Decimal(self.count)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))

    def with_rating(self, rating: int, sign: int = 1) -> RatingSummary:
        stars = list(self.stars)
        stars[rating - 1] += sign
        return RatingSummary(
            self.count + sign, self.total + sign * rating, (stars[0], stars[1], stars[2], stars[3], stars[4])
        )

    def to_public(self) -> dict[str, Any]:
        return {"average": self.average, "count": self.count, "stars": list(self.stars)}


def author_name(email_or_name: str) -> str:
    """What a review shows of its author: the first part of the e-mail, shortened ("aynur.t…")."""
    base = email_or_name.split("@", 1)[0]
    return base if len(base) <= 3 else base[:3] + "…"


def review_to_dict(r: Review) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(r)


def review_from_dict(data: dict[str, Any]) -> Review:
    data = dict(data)
    data["photos"] = tuple(data.get("photos", ()))
    return Review(**data)


# --- the shop's dispute rate (last 90 days) ------------------------------------------------------------------

RATE_DAYS = 90


def day_of(at: str) -> str:
    return at[:10]


def window_days(now: str, days: int = RATE_DAYS) -> list[str]:
    today = parse_time(now).date()
    return [(today - dt.timedelta(days=i)).isoformat() for i in range(days)]


def dispute_rate(orders_by_day: dict[str, int], disputes_by_day: dict[str, int], now: str) -> dict[str, Any]:
    """The shop's disputes per delivered order over the last 90 days (counters kept per day)."""
    days = window_days(now)
    orders = sum(orders_by_day.get(d, 0) for d in days)
    disputes = sum(disputes_by_day.get(d, 0) for d in days)
    rate = None if not orders else str((Decimal(disputes) * 100 / Decimal(orders)).quantize(Decimal("0.1")))
    return {"days": RATE_DAYS, "orders": orders, "disputes": disputes, "percent": rate}
