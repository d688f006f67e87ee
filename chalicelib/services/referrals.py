"""Referral points (issue 19): who brought a new buyer, and the points their first completed order earns the
sharer. The points move through issue 13's points programme (services/points.py: a ledger posting on
`points:<user>` with its FIFO lot, expiring like every other point): once per new buyer (the posting id is the
new buyer's), taken back if that order is returned (as far as the balance still holds them, like every reversal
of earned points)."""

from __future__ import annotations

import logging
from typing import Any

from ..domain.buying import CheckoutClaim
from ..domain.errors import Conflict
from ..domain.referrals import (
    REFERRAL_POINTS,
    referral_claim_key,
    referral_posting_id,
    referral_reversal_id,
    referrer_of,
)
from . import points
from .ports import BuyingRepository, Ledger, TrustRepository

log = logging.getLogger(__name__)


def record_referral(buying: BuyingRepository, new_buyer_id: str, code: str, *, now: str) -> bool:
    """A new buyer registered through a share link: who referred them (one PutItem, written once). False when
    the code names nobody else (a buyer cannot refer themselves)."""
    referrer = referrer_of(code)
    if referrer is None or referrer == new_buyer_id:
        return False
    claim = CheckoutClaim(digest="referral", result={"referrer_id": referrer})
    try:
        buying.commit([buying.claim_write(referral_claim_key(new_buyer_id), referrer, claim, now)])
    except Conflict:
        return False  # recorded already
    return True


def referrer(buying: BuyingRepository, buyer_id: str) -> str | None:
    claim = buying.get_claim(referral_claim_key(buyer_id))
    if claim is None or claim.digest != "referral":
        return None
    found = claim.result.get("referrer_id")
    return found if isinstance(found, str) and found != buyer_id else None


def _completed(event: dict[str, Any]) -> bool:
    """The buyer has the goods and has paid: delivered and paid (in either order), or completed. Earning then, not
    only at completion (after the return window), is what lets a return of that order take the points back."""
    kind, paid, status = event["type"], bool(event.get("paid")), event.get("status")
    return (
        kind == "order.completed"
        or (kind == "order.delivered" and paid)
        or (kind == "order.paid" and status == "delivered")
    )


def on_order_event(
    buying: BuyingRepository, trust: TrustRepository, ledger: Ledger, event: dict[str, Any]
) -> str | None:
    """The order-events consumer's part: the first completed order (delivered and paid) of a referred buyer earns
    the referrer REFERRAL_POINTS through the points programme (once: the posting id is the buyer's); a refund of
    THAT order (a return) takes them back. Idempotent under redelivery (postings are keyed). Returns what it did
    ("earned", "reversed") or None."""
    buyer_id = event.get("buyer_id")
    if not isinstance(buyer_id, str):
        return None
    if _completed(event):
        if ledger.get_posting(referral_posting_id(buyer_id)) is not None:
            return None  # once per new buyer
        sharer = referrer(buying, buyer_id)
        if sharer is None:
            return None
        try:
            posted = points.credit(
                trust, ledger, sharer, REFERRAL_POINTS, referral_posting_id(buyer_id), "referral.earned",
                now=event["at"], refs={"buyer_id": buyer_id, "order_id": event["order_id"], "referrer_id": sharer},
                memo="a new buyer's first completed order",
            )  # fmt: skip
        except Conflict as exc:
            if exc.code == "posting_id_reused":  # another of their orders completed at the same moment earned it
                return None
            raise
        return None if posted is None or posted.replayed else "earned"
    if event["type"] != "order.refunded":
        return None
    earned = ledger.get_posting(referral_posting_id(buyer_id))
    if earned is None or earned.posting.refs.get("order_id") != event["order_id"]:
        return None
    if ledger.get_posting(referral_reversal_id(buyer_id)) is not None:
        return None  # taken back already (a redelivery would clamp to another amount)
    sharer = earned.posting.refs["referrer_id"]
    taken = points.debit(
        ledger, sharer, REFERRAL_POINTS, referral_reversal_id(buyer_id), "referral.reversed", now=event["at"],
        refs={"buyer_id": buyer_id, "order_id": event["order_id"]}, memo="the order was returned",
    )  # fmt: skip
    if taken is None:
        log.warning("referral points already spent: nothing left to take back", extra={"buyer_id": buyer_id})
        return None
    return None if taken.replayed else "reversed"
