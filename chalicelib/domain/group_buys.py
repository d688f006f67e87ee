"""Buy together (issue 19): group buys on b2b products. Pure rules, no I/O.

A group collects commitments below the product's MOQ until their total reaches the target (then it closes at
once) or its deadline passes (then it closes when the total reached the MOQ, and fails otherwise). Closing gives
every participant an order at the unit price of the tier the TOTAL reached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .buying import Offer
from .errors import Conflict, ValidationFailed
from .ids import _ALPHABET
from .orders import MAX_LINE_QUANTITY, parse_time, unit_amount

MAX_DEADLINE_DAYS = 14
MIN_DEADLINE_MINUTES = 10
# A group's participants are bounded so that a closing job's plan fits one item (400 KB) with room to spare.
MAX_PARTICIPANTS = 500
# Closing in ONE transaction: an order per participant + the group + the product's stock + the shop's status
# check + the outbox item carrying the orders' and the group's events = participants + 4 <= DynamoDB's 100.
ONE_TRANSACTION_PARTICIPANTS = 96
# A closing job creates the orders in batches this size (each one TransactWriteItems of conditional puts and
# the batch's outbox item).
ORDER_BATCH = 90
GROUP_PAYMENT_METHODS = ("cash_on_delivery", "bank_transfer", "card")
GROUP_STATUSES = ("open", "closing", "closed", "failed")
# shop_unavailable: the shop was suspended (issue 9) when the group came to close: it fails, nobody is charged
FAILURE_REASONS = ("below_moq", "out_of_stock", "product_unavailable", "shop_unavailable")
# The due index spreads groups over this many partitions by id (no hot key); the clock's job reads each.
GROUP_SHARDS = 16
# A participant was not there when the group closed (it may close by the clock at night): an unpaid card order
# from a group waits this long before it expires (checkout's 30 minutes assume the buyer is at the till).
# Bank transfers keep the stage's window. Cash on delivery never expires.
GROUP_CARD_PAYMENT_HOURS = 24


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class GroupBuy:
    group_id: str
    offer: Offer  # the product as the group was started: its title, tiers, MOQ, multiple and price fingerprint
    target: int
    deadline: str
    started_by: str
    created_at: str
    status: str = "open"  # open -> closing -> closed | open -> failed
    committed: int = 0  # kept on the group item, ADDed by each commitment: the group page is one read
    participants: int = 0
    version: int = 1
    closed_at: str | None = None
    failure: str | None = None  # one of FAILURE_REASONS
    unit_amount: int | None = None  # what each order was charged per unit, once closed
    picture_key: str | None = None  # the product's first picture (its mid-size rendition) for share cards

    @property
    def product_id(self) -> str:
        return self.offer.product_id

    @property
    def moq(self) -> int:
        return int(self.offer.attributes["moq"])

    @property
    def multiple(self) -> int:
        return int(self.offer.attributes.get("order_multiple") or 1)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def reached_target(self) -> bool:
        return self.committed >= self.target

    def tiers(self) -> list[dict[str, int]]:
        return list(self.offer.attributes.get("price_tiers") or [])

    def tier_reached(self) -> dict[str, int] | None:
        """The highest tier the committed total reaches (None below the MOQ)."""
        reached = [t for t in self.tiers() if self.committed >= t["min_quantity"]]
        return reached[-1] if reached else None

    def next_tier(self) -> dict[str, int] | None:
        return next((t for t in self.tiers() if self.committed < t["min_quantity"]), None)

    def price_per_unit(self) -> int:
        """The unit price at the tier the total reaches (the first tier's price while below the MOQ)."""
        if self.unit_amount is not None:
            return self.unit_amount
        return unit_amount(self.offer, max(self.committed, 1))

    def seconds_left(self, now: str) -> int:
        return max(0, int((parse_time(self.deadline) - parse_time(now)).total_seconds()))

    def is_due(self, now: str) -> bool:
        return self.is_open and parse_time(now) >= parse_time(self.deadline)

    def deadline_outcome(self) -> str:
        """At the deadline: "close" when the total reached the MOQ, else "fail"."""
        return "close" if self.committed >= self.moq else "fail"

    def closing(self) -> GroupBuy:
        if not self.is_open:
            raise Conflict(f"a {self.status} group cannot close", code="group_not_open")
        return replace(self, status="closing", unit_amount=unit_amount(self.offer, self.committed))

    def closed(self, now: str) -> GroupBuy:
        return replace(self, status="closed", closed_at=now)

    def failed(self, reason: str, now: str) -> GroupBuy:
        if reason not in FAILURE_REASONS:
            raise ValueError(reason)
        return replace(self, status="failed", failure=reason, closed_at=now)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroupBuy:
        data = dict(data)
        offer = Offer.from_dict(data.pop("offer"))
        if offer is None:
            raise ValueError("a group's offer has an unknown shape")
        return cls(offer=offer, **data)


@dataclass(frozen=True)
class Commitment:
    group_id: str
    user_id: str
    quantity: int
    delivery: dict[str, Any]
    payment_method: str
    committed_at: str
    order_id: str = ""  # the order it becomes when the group closes (derived: order_id_for)
    # A partner committing for a villager (issues 10-11): {"villager_id", "village_id", "county_id", "pickup"
    # (the village's pickup snapshot)}; `user_id` is then the partner, and `payment_method` one of
    # VILLAGER_PAYMENTS (domain/assisted.ASSISTED_PAYMENTS).
    for_villager: dict[str, Any] | None = field(default=None)

    @property
    def participant(self) -> str:
        """Who the commitment is for: the buyer, or (partner, villager). A buyer holds one commitment per group, a
        partner one per villager; it keys the commitment and derives its order's id."""
        return participant_key(self.user_id, (self.for_villager or {}).get("villager_id"))

    @property
    def villager_id(self) -> str | None:
        return (self.for_villager or {}).get("villager_id")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Commitment:
        return cls(**data)


def validate_new_group(offer: Offer, target: int | None, deadline: str, now: str) -> tuple[int, str]:
    """The target (the MOQ by default, or the min_quantity of a higher tier) and the deadline (10 minutes to 14
    days away), normalised; ValidationFailed otherwise."""
    if offer.storefront != "b2b" or "moq" not in offer.attributes:
        raise ValidationFailed(
            "groups are for b2b products",
            code="not_a_b2b_product",
            details=[{"field": "product_id", "message": "must be a b2b product with a minimum order"}],
        )
    tiers = [int(t["min_quantity"]) for t in offer.attributes.get("price_tiers") or []]
    moq = int(offer.attributes["moq"])
    chosen = moq if target is None else target
    if chosen != moq and chosen not in tiers:
        raise ValidationFailed(
            "the target must be the minimum order or a tier's min_quantity",
            code="invalid_target",
            details=[{"field": "target_quantity", "message": f"one of {sorted({moq, *tiers})}"}],
        )
    try:
        when = parse_time(deadline)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationFailed(
            "the deadline must be an ISO-8601 time with a zone",
            code="invalid_deadline",
            details=[{"field": "deadline", "message": "e.g. 2026-12-01T12:00:00Z"}],
        )
    start = parse_time(now)
    if not start + dt.timedelta(minutes=MIN_DEADLINE_MINUTES) <= when <= start + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationFailed(
            f"the deadline must be between {MIN_DEADLINE_MINUTES} minutes and {MAX_DEADLINE_DAYS} days away",
            code="invalid_deadline",
            details=[{"field": "deadline", "message": f"at most {MAX_DEADLINE_DAYS} days away"}],
        )
    return chosen, iso(when)


def commitment_problems(group: GroupBuy, quantity: int) -> list[dict[str, str]]:
    """Why this quantity cannot be committed (empty when it can). Below the MOQ on purpose; multiples apply."""
    problems = []
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        problems.append({"field": "quantity", "message": f"must be 1 to {MAX_LINE_QUANTITY}"})
    elif quantity % group.multiple:
        problems.append({"field": "quantity", "message": f"order in multiples of {group.multiple}"})
    return problems


def participant_key(user_id: str, villager_id: str | None = None) -> str:
    """A buyer's own commitment: their user id; a partner's for a villager: "<partner_id>#v#<villager_id>"."""
    return f"{user_id}#v#{villager_id}" if villager_id else user_id


def order_id_for(group_id: str, user_id: str) -> str:
    """The order a participant gets when the group closes: derived, so a resumed closing job finds it."""
    digest = int.from_bytes(hashlib.sha256(f"{group_id}|{user_id}".encode()).digest()[:15], "big")
    chars = []
    for _ in range(22):
        digest, rem = divmod(digest, 32)
        chars.append(_ALPHABET[rem])
    return "ord_g" + "".join(chars)


def group_shard(group_id: str) -> str:
    """Which of the GROUP_SHARDS due-index partitions a group goes to (stable per group)."""
    return f"{zlib.crc32(group_id.encode()) % GROUP_SHARDS:02d}"


def group_event(group: GroupBuy, kind: str, participants: list[Commitment], at: str) -> dict[str, Any]:
    """`group.closed` / `group.failed`, written to the outbox in the transaction that closes or fails the group:
    the queue consumer tells each participant (idempotently: one notification per participant and outcome)."""
    return {
        "event_id": f"{group.group_id}:{kind}",
        "type": kind,
        "group_id": group.group_id,
        "product_id": group.product_id,
        "shop_id": group.offer.shop_id,
        "title": group.offer.title,
        "status": group.status,
        "failure": group.failure,
        "unit_price": (
            {"amount": group.unit_amount, "currency": group.offer.currency} if group.unit_amount is not None else None
        ),
        "participants": [
            {"user_id": c.user_id, "order_id": c.order_id, **({"villager_id": c.villager_id} if c.villager_id else {})}
            for c in participants
        ],
        "at": at,
    }


def fits_one_transaction(participants: int) -> bool:
    return participants <= ONE_TRANSACTION_PARTICIPANTS
