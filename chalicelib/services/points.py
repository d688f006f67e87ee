"""The points programme (issue 13): every movement a ledger posting on `points:<user_id>` (PTS), its id derived
from the business event, so a retried step posts once. Credits (earned, bonus, refunded redemption, granted)
also record a lot (when they expire, and their place in the user's FIFO line); debits (redeemed, reversed,
expired) are refused by the ledger when they would take the balance below zero, under concurrency too."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..domain.errors import Conflict, PreconditionFailed, ServiceUnavailable
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import POINTS, Account, InsufficientFunds, Posted, Posting, transfer
from ..domain.orders import Order
from ..domain.seller_money import PLATFORM_POINTS, pending
from ..domain.trust import (
    DUE_SHARDS,
    EXPIRING_SOON_DAYS,
    POINTS_LIFETIME_MONTHS,
    PartnerBank,
    PointsLot,
    PointsRules,
    check_earn_rules,
    check_partner_bank,
    fifo_left,
    plus_days,
    plus_months,
)
from .ports import BuyingRepository, Ledger, Page, Position, TrustRepository

OUTSIDE = Account.external("points")
CREDIT_ATTEMPTS = 8


def account(user_id: str) -> Account:
    return Account.points(user_id)


def credit(
    trust: TrustRepository,
    ledger: Ledger,
    user_id: str,
    amount: int,
    posting_id: str,
    kind: str,
    *,
    now: str,
    refs: dict[str, str] | None = None,
    memo: str = "",
) -> Posted | None:
    """`amount` points into the user's balance with its lot, in one transaction. The lot's FIFO position is the
    user's credits so far, read first and written back conditionally (two credits racing: one retries)."""
    if amount <= 0:
        return None
    for _ in range(CREDIT_ATTEMPTS):
        before = trust.points_credited(user_id)
        lot = PointsLot(user_id, posting_id, amount, now, plus_months(now, POINTS_LIFETIME_MONTHS), before + amount)
        posting = transfer(
            posting_id, kind, now, source=OUTSIDE, destination=account(user_id), amount=amount, currency=POINTS,
            refs=refs, memo=memo,
        )  # fmt: skip
        try:
            return ledger.post(posting, alongside=trust.lot_writes(lot, before))
        except PreconditionFailed as exc:
            if exc.code != "stale_points":
                raise
    raise ServiceUnavailable("points are busy, please retry", retry_after=1)


def debit(
    ledger: Ledger,
    user_id: str,
    wanted: int,
    posting_id: str,
    kind: str,
    *,
    now: str,
    refs: dict[str, str] | None = None,
    memo: str = "",
    clamp: bool = True,
) -> Posted | None:
    """Takes `wanted` points (or, with `clamp`, as many as the balance still holds: points already spent cannot
    be taken back twice). The ledger refuses an overdraft, so a race only makes this try again on a fresh read."""
    if wanted <= 0:
        return None
    amount = wanted
    for _ in range(CREDIT_ATTEMPTS):
        if clamp:
            amount = min(wanted, ledger.balance(account(user_id), POINTS).amount)
            if amount <= 0:
                return None
        posting = transfer(
            posting_id, kind, now, source=account(user_id), destination=OUTSIDE, amount=amount, currency=POINTS,
            refs=refs, memo=memo,
        )  # fmt: skip
        try:
            return ledger.post(posting)
        except InsufficientFunds:
            if not clamp:
                raise
    raise ServiceUnavailable("points are busy, please retry", retry_after=1)


# --- earning ----------------------------------------------------------------------------------------------


def earn_for_order(trust: TrustRepository, ledger: Ledger, order: Order, *, now: str) -> int:
    """At completion: the market's rule on the goods the buyer kept (less points spent on them), and the
    partner bank's bonus when its card paid. Returns the points credited (0 on a replay)."""
    rules, bank = trust.points_config()
    base = order.total - order.refunded - order.points_discount
    earned = rules.earned(base, order.currency)
    credited = 0
    refs = {"order_id": order.order_id, "base": str(base)}
    posted = _credit_once(
        trust, ledger, order.buyer_id, earned, f"points-earned:{order.order_id}", "points.earned", now=now,
        refs=refs, memo=f"Order {order.order_id} completed",
    )  # fmt: skip
    if posted is not None and not posted.replayed:
        credited += earned
    if bank is not None and bank.issued(order.card_bin):
        bonus = bank.bonus(earned)
        posted = _credit_once(
            trust, ledger, order.buyer_id, bonus, f"points-bonus:{order.order_id}", "points.bonus", now=now,
            refs={**refs, "bank": bank.name[:200]}, memo=f"{bank.name} card bonus x{bank.multiplier}",
        )  # fmt: skip
        if posted is not None and not posted.replayed:
            credited += bonus
    return credited


def _credit_once(
    trust: TrustRepository, ledger: Ledger, user_id: str, amount: int, posting_id: str, kind: str, **kwargs: Any
) -> Posted | None:
    """Earning is once per order: when the posting already exists with another amount (the order.completed event
    arrived after a refund had shrunk the base, and the refund already took its share back), it stands."""
    try:
        return credit(trust, ledger, user_id, amount, posting_id, kind, **kwargs)
    except Conflict as exc:
        if exc.code != "posting_id_reused":
            raise
        return None


def reverse_for_refund(ledger: Ledger, order: Order, refund_id: str, refunded: int, *, now: str) -> int:
    """A return or a refunded dispute after the order earned points: the points earned (and the bonus) on the
    refunded goods go back, in proportion, as far as the balance still holds them. Points are earned at
    completion only: before it there is nothing to take back (completion earns on what the buyer kept)."""
    if order.status != "completed":
        return 0
    taken = 0
    for prefix in ("points-earned", "points-bonus"):
        earned = ledger.get_posting(f"{prefix}:{order.order_id}")
        if earned is None:
            continue
        amount = next(e.amount for e in earned.posting.entries if e.account == str(account(order.buyer_id)))
        base = int(earned.posting.refs.get("base", "0") or 0)
        if base <= 0:
            continue
        share = min(amount, amount * refunded // base)
        posted = debit(
            ledger, order.buyer_id, share, f"{prefix}-reversed:{order.order_id}:{refund_id}", "points.reversed",
            now=now, refs={"order_id": order.order_id, "refund_id": refund_id},
            memo=f"Refund {refund_id} on order {order.order_id}",
        )  # fmt: skip
        if posted is not None and not posted.replayed:
            taken += posted.posting.entries[0].amount * -1
    return taken


def return_redemption(
    trust: TrustRepository, repo: BuyingRepository, ledger: Ledger, order: Order, *, now: str
) -> None:
    """A cancelled order gives back the points spent on it, and (if it was paid) the platform takes back from
    the shop's pending balance the money it put in for them."""
    if not order.points_redeemed:
        return
    credit(
        trust, ledger, order.buyer_id, order.points_redeemed, f"points-returned:{order.order_id}",
        "points.returned", now=now, refs={"order_id": order.order_id}, memo=f"Order {order.order_id} cancelled",
    )  # fmt: skip
    if order.pending_credited and order.points_discount:
        ledger.post(
            transfer(
                f"points-discount-returned:{order.order_id}",
                "points.discount_returned",
                now,
                source=pending(order.shop_id),
                destination=PLATFORM_POINTS,
                amount=order.points_discount,
                currency=order.currency,
                refs={"order_id": order.order_id, "seller_id": order.seller_id},
                memo=f"Points discount of cancelled order {order.order_id}",
            )  # fmt: skip
        )


def return_for_goods(
    trust: TrustRepository, ledger: Ledger, buyer_id: str, order_id: str, return_id: str, amount: int, *, now: str
) -> Posted | None:
    """Goods of an order paid partly with points came back (services/returns.receive_return, just after the
    return's transaction): the points spent on them go back to the buyer as a new lot, once per return. `amount` is
    `domain.platform_funding.points_back` of that return (the points share it gave back to `platform:points`)."""
    return credit(
        trust, ledger, buyer_id, amount, f"points-returned:{order_id}:{return_id}", "points.returned", now=now,
        refs={"order_id": order_id, "return_id": return_id},
        memo=f"Return {return_id} on order {order_id}: the points spent on the goods",
    )  # fmt: skip


def return_for_goods_of(trust: TrustRepository, ledger: Ledger, event: dict[str, Any], *, now: str) -> None:
    """The order-events consumer's safety net (order.refunded, order.returned of a received return, whose event
    carries `return_id` and `points_returned`): the points come back if the request that received the goods
    stopped before giving them (a replay otherwise)."""
    amount, return_id, buyer_id = event.get("points_returned"), event.get("return_id"), event.get("buyer_id")
    if isinstance(amount, int) and amount > 0 and isinstance(return_id, str) and return_id and buyer_id:
        return_for_goods(trust, ledger, str(buyer_id), event["order_id"], return_id, amount, now=now)


def return_redemption_of(
    trust: TrustRepository, repo: BuyingRepository, ledger: Ledger, order_id: str, *, now: str
) -> None:
    """The order-events consumer's safety net (order.cancelled, order.expired): the points of a cancelled order
    come back if the request or the job that cancelled it stopped before giving them (a replay otherwise)."""
    order = repo.get_order(order_id)
    if order is not None and order.status == "cancelled":
        return_redemption(trust, repo, ledger, order, now=now)


def earn_for_order_id(
    trust: TrustRepository, repo: BuyingRepository, ledger: Ledger, order_id: str, *, now: str
) -> int:
    """The order-events consumer's safety net (order.completed): the completion job earns the points just after
    the order's completion transaction; if it stopped in between, the event earns them (a replay otherwise)."""
    order = repo.get_order(order_id)
    if order is None or order.status != "completed":
        return 0
    return earn_for_order(trust, ledger, order, now=now)


def grant(
    trust: TrustRepository, ledger: Ledger, user_id: str, points: int, compensation_id: str, *, now: str, memo: str = ""
) -> Posted | None:
    """Points given as compensation for a broken delivery promise (issue 12 calls this), once per compensation."""
    return credit(
        trust, ledger, user_id, points, f"points-granted:{compensation_id}", "points.granted", now=now,
        refs={"compensation_id": compensation_id}, memo=memo or "Delivery promise compensation",
    )  # fmt: skip


# --- redemption at checkout ---------------------------------------------------------------------------


def redemption_posting(buyer_id: str, claim_key: str, points: int, now: str) -> Posting:
    """The points a checkout spends. Its id derives from the checkout's Idempotency-Key, so the replayed
    checkout (and a concurrent duplicate) redeems nothing twice."""
    digest = hashlib.sha256(claim_key.encode()).hexdigest()[:40]
    return transfer(
        f"points-redeemed:{digest}", "points.redeemed", now, source=account(buyer_id), destination=OUTSIDE,
        amount=points, currency=POINTS, refs={"buyer_id": buyer_id}, memo="Redeemed at checkout",
    )  # fmt: skip


# --- expiry -------------------------------------------------------------------------------------------


def expire_due(
    trust: TrustRepository, repo: BuyingRepository, ledger: Ledger, *, now: str, limit: int = 1000, page_size: int = 100
) -> dict[str, int]:
    """Expires the lots earned 12 months ago or more (the hourly schedule), shard by shard of the lots' expiry
    index, one Query per page: what is left of each lot after spending oldest points first goes, the lot is
    marked expired (it leaves the index). A lot that cannot be expired now (spent meanwhile) is counted as
    failed and passed over; the next run looks again. Returns points expired, lots done, failed, queries."""
    expired = done = failed = queries = 0
    for shard in range(DUE_SHARDS):
        start: Position | None = None
        while done + failed < limit:
            page = trust.due_lots(shard, now, min(page_size, limit - done - failed), start)
            queries += 1
            for lot in page.items:
                taken = _expire_lot(trust, repo, ledger, lot, now)
                if taken is None:
                    failed += 1
                    continue
                expired += taken
                done += 1
            start = page.last_key
            if not start:
                break
    return {"points": expired, "done": done, "failed": failed, "queries": queries}


def _expire_lot(trust: TrustRepository, repo: BuyingRepository, ledger: Ledger, lot: PointsLot, now: str) -> int | None:
    """The points this lot's expiry took (0 when nothing was left of it), None when it could not be done now."""
    credited = trust.points_credited(lot.user_id)
    balance = ledger.balance(account(lot.user_id), POINTS).amount
    left = min(fifo_left(lot, credited, balance), balance)
    done = trust.lot_expired_write(lot, left)
    try:
        if left > 0:
            ledger.post(
                transfer(
                    f"points-expired:{lot.lot_id}",
                    "points.expired",
                    now,
                    source=account(lot.user_id),
                    destination=OUTSIDE,
                    amount=left,
                    currency=POINTS,
                    refs={"lot": lot.lot_id[:200]},
                    memo=f"Earned {lot.earned_at[:10]}, expired after {POINTS_LIFETIME_MONTHS} months",
                ),  # fmt: skip
                alongside=[done],
            )
        else:
            repo.commit([done])
    except (InsufficientFunds, PreconditionFailed):
        return None  # spent meanwhile: the next run looks again
    except Conflict as exc:
        if exc.code != "lot_expired":  # a lot already expired by another run
            raise
        return 0
    return left


# --- reading, and the operators' settings ------------------------------------------------------------------


@dataclass(frozen=True)
class PointsView:
    balance: int
    expiring: list[dict[str, Any]]
    history: Page[Any]


def my_points(
    trust: TrustRepository, ledger: Ledger, actor: Actor, *, now: str, limit: int, start: Position | None
) -> PointsView:
    """Balance, the points that expire within 30 days (FIFO), and a page of the history."""
    user = actor.user_id
    balance = ledger.balance(account(user), POINTS).amount
    window_start = plus_months(now, -POINTS_LIFETIME_MONTHS)
    window_end = plus_months(plus_days(now, EXPIRING_SOON_DAYS), -POINTS_LIFETIME_MONTHS)
    expiring = []
    lots = trust.lots_earned_between(user, window_start, window_end, 50)
    if lots:
        credited = trust.points_credited(user)
        for lot in lots:
            left = fifo_left(lot, credited, balance)
            if left > 0 and lot.expired is None:
                expiring.append({"points": left, "expires_at": lot.expires_at})
    history = ledger.entries(account(user), POINTS, newest_first=True, limit=limit, start=start)
    return PointsView(balance, expiring, history)


def set_rules(trust: TrustRepository, actor: Actor, markets: list[dict[str, Any]], *, now: str) -> PointsRules:
    require_role(actor, Role.OPERATOR)
    rules = PointsRules(check_earn_rules(markets), now)
    trust.save_points_rules(rules)
    return rules


def set_partner_bank(
    trust: TrustRepository, actor: Actor, name: str, bin_ranges: list[dict[str, str]], multiplier: str, *, now: str
) -> PartnerBank:
    require_role(actor, Role.OPERATOR)
    bank = check_partner_bank(name, bin_ranges, multiplier, now)
    trust.save_partner_bank(bank)
    return bank
