"""Buy together (issue 19): start a group on a b2b product, commit to it (idempotently), withdraw, view it, and
close it (on reaching its target, or at its deadline by the clock) into one ordinary order per participant at
the tier the total reached; below the MOQ at the deadline, or when the stock cannot cover it, the group fails.

Closing is all-or-none. A group whose orders fit one transaction (ONE_TRANSACTION_PARTICIPANTS) closes in one:
the group, the product's stock taken for the whole total, and every order. A larger group first reserves the
whole total in one conditional update (with the group moved to `closing`), then creates the orders in batches
under ids derived from (group, participant), so a crash half way is resumed by the clock's job, which creates
only the missing orders and then marks the group closed: the stock is taken once, never oversold, and every
participant ends with an order.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain.assisted import FeeRule
from ..domain.buying import CheckoutClaim, Offer
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable, ValidationFailed
from ..domain.events import order_event
from ..domain.group_buys import (
    GROUP_CARD_PAYMENT_HOURS,
    GROUP_SHARDS,
    MAX_PARTICIPANTS,
    ORDER_BATCH,
    Commitment,
    GroupBuy,
    commitment_problems,
    fits_one_transaction,
    group_event,
    order_id_for,
    participant_key,
    validate_new_group,
)
from ..domain.identity import Actor, Role, require_role
from ..domain.network import pickup_snapshot, require_partner
from ..domain.orders import Order, OrderLine, TimelineEntry, parse_time, payment_deadline
from ..domain.villagers import recipient_label
from .assisted import PAYMENT_METHOD, _fee
from .ports import BuyingRepository, GroupBuyRepository, Page, Position, Write

log = logging.getLogger(__name__)


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _closed_error(group: GroupBuy) -> Conflict:
    return Conflict(f"the group is {group.status}; it takes no more changes", code="group_not_open")


def start(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    actor: Actor,
    product_id: str,
    target: int | None,
    deadline: str,
    *,
    now: str,
    new_id: Callable[[str], str],
) -> GroupBuy:
    """A signed-in buyer starts a group on a listed b2b product. Two calls: the product (BatchGetItem) and the
    group's put."""
    require_role(actor, Role.BUYER)
    product = buying.get_products([product_id]).get(product_id)
    if product is None or not product.is_listed:
        raise NotFound("product not found", code="product_not_found")
    offer = Offer.of(product)
    chosen, when = validate_new_group(offer, target, deadline, now)
    first = product.media[0] if product.media else None
    group = GroupBuy(
        group_id=new_id("grp"),
        offer=offer,
        target=chosen,
        deadline=when,
        started_by=actor.user_id,
        created_at=now,
        picture_key=(first.medium_key or first.key) if first is not None else None,
    )
    groups.commit([groups.new_group_write(group)])
    return group


def view(groups: GroupBuyRepository, caller: Actor | None, group_id: str) -> tuple[GroupBuy, Commitment | None]:
    """The group and (to a participant) their own commitment only: one read."""
    group, mine = groups.group_and_commitment(group_id, caller.user_id if caller else None)
    if group is None:
        raise NotFound("group not found", code="group_not_found")
    return group, mine


def commitments_in_group(
    groups: GroupBuyRepository, actor: Actor, group_id: str, limit: int, start_at: Position | None
) -> Page[Commitment]:
    """The caller's own commitments in the group (a buyer's one; a partner's, one per villager): one Query of the
    group's partition by the caller's key prefix. Nobody sees anyone else's."""
    require_role(actor, Role.BUYER, Role.PARTNER)
    return groups.own_commitments(group_id, actor.user_id, limit, start_at)


def product_groups(
    groups: GroupBuyRepository, product_id: str, limit: int, start_at: Position | None
) -> Page[GroupBuy]:
    return groups.product_groups(product_id, limit, start_at)


def my_commitments(groups: GroupBuyRepository, actor: Actor, limit: int, start_at: Position | None) -> Page[Commitment]:
    """The caller's commitments in groups (open or closed), newest first: one Query."""
    require_role(actor, Role.BUYER, Role.PARTNER)
    return groups.user_commitments(actor.user_id, limit, start_at)


def _replay(claim: CheckoutClaim, digest: str) -> dict[str, Any]:
    if claim.digest != digest:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request", code="idempotency_key_reused"
        )
    return claim.result


def join(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    actor: Actor,
    group_id: str,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    present_commitment: Callable[[Commitment], dict[str, Any]],
    bank_transfer_hours: int = 72,
) -> tuple[dict[str, Any], bool]:
    """A buyer commits a quantity (below the MOQ on purpose; multiples apply) to an open group before its deadline.
    Returns (result, replayed): the result is stored with the Idempotency-Key's claim; the same key and body
    answer it again, another body 422.

    One BatchGetItem (group, own commitment, claim), one GetItem (the product's stock) and one TransactWriteItems:
    the claim, the commitment, the group's counters ADDed on condition that it is open, before its deadline and
    that the new total stays within the stock seen, and ConditionChecks that the shop is active (not suspended:
    409 shop_unavailable) and that the product still has that stock (and is listed at the group's terms). So
    concurrent joins never commit more than the stock. When the total reaches the target, the group closes in
    the same request (close)."""
    if body.get("villager_id") is not None:
        return _join_for_villager(
            groups, buying, actor, group_id, idempotency_key, body, now=now,
            present_commitment=present_commitment, bank_transfer_hours=bank_transfer_hours,
        )  # fmt: skip
    require_role(actor, Role.BUYER)
    claim_key = f"group-commit#{actor.user_id}#{idempotency_key}"
    digest = _digest({"group_id": group_id, **body})
    group, mine, claim = groups.join_reads(group_id, actor.user_id, claim_key)
    if claim is not None:
        return _replay(claim, digest), True
    group = _joinable(group, now)
    if mine is not None:
        raise Conflict(
            "you have committed to this group already; withdraw first to change it", code="already_committed"
        )
    quantity = body["quantity"]
    _check_quantity(group, quantity)
    stock = _covered(group, groups.product_stock(group.product_id), quantity)
    commitment = Commitment(
        group_id=group_id,
        user_id=actor.user_id,
        quantity=quantity,
        delivery=body["delivery"],
        payment_method=body["payment_method"],
        committed_at=now,
        order_id=order_id_for(group_id, actor.user_id),
    )
    result = {"group_id": group_id, "commitment": present_commitment(commitment)}
    return _commit_join(
        groups, buying, group, commitment, stock, claim_key, digest, result, now=now,
        bank_transfer_hours=bank_transfer_hours,
    )  # fmt: skip


def _joinable(group: GroupBuy | None, now: str) -> GroupBuy:
    if group is None:
        raise NotFound("group not found", code="group_not_found")
    if not group.is_open:
        raise _closed_error(group)
    if parse_time(now) >= parse_time(group.deadline):
        raise Conflict("the group's deadline has passed", code="group_not_open")
    return group


def _check_quantity(group: GroupBuy, quantity: int) -> None:
    problems = commitment_problems(group, quantity)
    if problems:
        raise ValidationFailed("the quantity cannot be committed", code="invalid_quantity", details=problems)
    if group.participants >= MAX_PARTICIPANTS:
        raise Conflict(f"a group takes at most {MAX_PARTICIPANTS} participants", code="group_full")


def _covered(group: GroupBuy, stock: int | None, quantity: int) -> int:
    if stock is None or group.committed + quantity > stock:
        raise Conflict(
            f"the stock cannot cover this commitment: {max(0, (stock or 0) - group.committed)} units are left",
            code="insufficient_stock",
        )
    return stock


def _commit_join(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    group: GroupBuy,
    commitment: Commitment,
    stock: int,
    claim_key: str,
    digest: str,
    result: dict[str, Any],
    *,
    now: str,
    bank_transfer_hours: int,
) -> tuple[dict[str, Any], bool]:
    """The commitment's one TransactWriteItems (claim, commitment, counters, shop and stock checks), and the
    group's closing when it reaches the target."""
    group_id, quantity = group.group_id, commitment.quantity
    refused = Conflict("the group changed meanwhile", code="group_refused")
    writes = [
        buying.claim_write(claim_key, commitment.user_id, CheckoutClaim(digest, result), now),
        groups.commitment_put(commitment),
        groups.counters_change(
            group_id,
            quantity,
            1,
            now=now,
            room=stock,
            refused=refused,
            due_now=group.committed + quantity >= group.target,
        ),
        groups.shop_active(group.offer.shop_id),  # a suspended shop takes no commitments (issue 9)
        groups.stock_at_least(group.product_id, stock, group.offer.price_fp),
    ]
    try:
        groups.commit(writes)
    except Conflict as exc:
        if exc.code == "idempotency_race":
            earlier = buying.get_claim(claim_key)
            if earlier is None:
                raise
            return _replay(earlier, digest), True
        if exc.code == "group_refused":
            raise _why_refused(groups, group_id, quantity, now) from exc
        if exc.code == "insufficient_stock":
            raise Conflict("the stock cannot cover this commitment any more", code="insufficient_stock") from exc
        if exc.code == "shop_unavailable":
            raise Conflict(
                "the shop is suspended and not selling now; the group takes no commitments until it is back",
                code="shop_unavailable",
            ) from exc
        raise
    if group.committed + quantity >= group.target:
        try:
            close(groups, buying, group, now=now, inline=True, bank_transfer_hours=bank_transfer_hours)
        except DomainError:
            # the commitment stands; the clock's job closes the group at the latest at its deadline
            log.warning("closing a group on its target failed; the clock's job will", extra={"group_id": group_id})
    return result, False


def _join_for_villager(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    actor: Actor,
    group_id: str,
    idempotency_key: str,
    body: dict[str, Any],
    *,
    now: str,
    present_commitment: Callable[[Commitment], dict[str, Any]],
    bank_transfer_hours: int,
) -> tuple[dict[str, Any], bool]:
    """A village partner commits for one of their villagers (issues 10-11): the village is the one the partner
    runs (their membership, never the body), the villager must be that village's, and the order the group gives
    is collected at the village's pickup point, placed by the partner for the villager (an assisted order).
    A partner holds one commitment per villager in a group.

    Three calls, as a buyer's: one BatchGetItem (group, this villager's commitment, claim, the partner's
    membership, the villager), one BatchGetItem (the village, the product's stock), one TransactWriteItems."""
    if not actor.has(Role.PARTNER):
        raise Forbidden("only a village partner commits for a villager", code="partner_only")
    villager_id = body["villager_id"]
    claim_key = f"group-commit#{actor.user_id}#{idempotency_key}"
    digest = _digest({"group_id": group_id, **body})
    group, mine, claim, village_id, villager = groups.villager_join_reads(
        group_id, actor.user_id, villager_id, claim_key
    )
    if claim is not None:
        return _replay(claim, digest), True
    if village_id is None:
        raise NotFound("this account runs no village service centre", code="village_not_found")
    if villager is None or villager.village_id != village_id:
        raise NotFound("this village service centre serves no such villager", code="villager_not_found")
    if villager.erased:
        raise Conflict("this villager's data was erased", code="villager_erased")
    group = _joinable(group, now)
    if mine is not None:
        raise Conflict(
            "you have committed for this villager already; withdraw first to change it", code="already_committed"
        )
    quantity = body["quantity"]
    _check_quantity(group, quantity)
    village, stock = groups.village_and_stock(village_id, group.product_id)
    known = require_partner(actor, village)
    stock = _covered(group, stock, quantity)
    commitment = Commitment(
        group_id=group_id,
        user_id=actor.user_id,
        quantity=quantity,
        # the villager's id, never their name or phone (as an assisted order): erasing the villager leaves nothing
        # personal on the commitment or on the order the group gives; the console reads the name from the profile
        delivery={"pickup_point": village_id, "name": recipient_label(villager_id), "phone": ""},
        payment_method=body["payment_method"],
        committed_at=now,
        order_id=order_id_for(group_id, participant_key(actor.user_id, villager_id)),
        for_villager={
            "villager_id": villager_id,
            "village_id": village_id,
            "county_id": known.county_id,
            "pickup": pickup_snapshot(known),
        },
    )
    result = {"group_id": group_id, "commitment": present_commitment(commitment)}
    return _commit_join(
        groups, buying, group, commitment, stock, claim_key, digest, result, now=now,
        bank_transfer_hours=bank_transfer_hours,
    )  # fmt: skip


def _why_refused(groups: GroupBuyRepository, group_id: str, quantity: int, now: str) -> DomainError:
    group = groups.get_group(group_id)
    if group is None:
        return NotFound("group not found", code="group_not_found")
    if not group.is_open:
        return _closed_error(group)
    if parse_time(now) >= parse_time(group.deadline):
        return Conflict("the group's deadline has passed", code="group_not_open")
    return Conflict("the stock cannot cover this commitment any more", code="insufficient_stock")


def withdraw(
    groups: GroupBuyRepository, actor: Actor, group_id: str, *, now: str, villager_id: str | None = None
) -> None:
    """A participant withdraws their own commitment before the group closes (a partner: the one for
    `villager_id`): one BatchGetItem and one TransactWriteItems (the commitment deleted, the group's counters
    taken down, on condition it is open). Another partner's villager is simply not among the caller's
    commitments: 404, nothing changed."""
    if villager_id is not None:
        if not actor.has(Role.PARTNER):
            raise Forbidden("only a village partner withdraws for a villager", code="partner_only")
    else:
        require_role(actor, Role.BUYER)
    participant = participant_key(actor.user_id, villager_id)
    group, mine = groups.group_and_commitment(group_id, participant)
    if group is None:
        raise NotFound("group not found", code="group_not_found")
    if mine is None:
        raise NotFound("you have no commitment in this group", code="commitment_not_found")
    if not group.is_open:
        raise _closed_error(group)
    refused = Conflict("the group closed meanwhile", code="group_not_open")
    groups.commit(
        [
            groups.commitment_delete(group_id, participant),
            groups.counters_change(group_id, -mine.quantity, -1, now=now, room=None, refused=refused),
        ]
    )


# --- closing ---------------------------------------------------------------------------------------------------


def _order_for(
    group: GroupBuy,
    commitment: Commitment,
    now: str,
    bank_transfer_hours: int,
    fee_rules: dict[str, FeeRule] | None = None,
) -> Order:
    """A participant's order: an ordinary order (same model, repository write and events as checkout's) at the
    group's unit price, marked with its group. Unpaid card and bank-transfer orders expire like checkout's
    (their units go back to the stock; the group stays closed and the others keep their price), a card one
    after GROUP_CARD_PAYMENT_HOURS since the participant was not at the till when the group closed. It holds
    nothing against the buyer's unpaid-hold cap: the commitment was bounded by the group's stock check."""
    offer = group.offer
    unit = group.unit_amount if group.unit_amount is not None else group.price_per_unit()
    status = "pending_payment"
    order_id = commitment.order_id or order_id_for(group.group_id, commitment.user_id)
    order = Order(
        order_id=order_id,
        checkout_id=f"chk_{group.group_id}",
        buyer_id=commitment.user_id,
        seller_id=offer.seller_id,
        shop_id=offer.shop_id,
        shop_name=offer.shop_name,
        storefront=offer.storefront,
        status=status,
        lines=(
            OrderLine(
                line_id=f"{order_id}-1",
                product_id=offer.product_id,
                title=offer.title,
                quantity=commitment.quantity,
                unit_amount=unit,
                currency=offer.currency,
                attributes=offer.attributes,
            ),
        ),
        currency=offer.currency,
        delivery=commitment.delivery,
        payment_method=commitment.payment_method,
        created_at=now,
        updated_at=now,
        timeline=(
            TimelineEntry(
                at=now, actor="system", action="placed", status=status, note=f"group {group.group_id}", seq=1
            ),
        ),
        timeline_total=1,
        expires_at=payment_deadline(
            commitment.payment_method,
            now,
            card_minutes=GROUP_CARD_PAYMENT_HOURS * 60,
            bank_transfer_hours=bank_transfer_hours,
        ),
        group={"group_id": group.group_id},
    )
    if commitment.for_villager:
        return _villagers_order(order, group, commitment, fee_rules or {}, bank_transfer_hours)
    return order


def _villagers_order(
    order: Order, group: GroupBuy, commitment: Commitment, fee_rules: dict[str, FeeRule], bank_transfer_hours: int
) -> Order:
    """A partner's commitment for a villager becomes an assisted order (issue 11): collected at the village's
    pickup point, placed by the partner for the villager, paid as the partner chose (cash at the pickup, or
    by the partner by bank transfer), with the county's service fee on its goods at the group's price (the rule
    in force when the group closes, i.e. when the order is placed)."""
    villager = commitment.for_villager or {}
    payment = commitment.payment_method
    method = PAYMENT_METHOD[payment]
    rule = fee_rules.get(villager["county_id"])
    fee = _fee(rule, order.total, order.currency)
    entry = replace(
        order.timeline[0],
        actor="partner",
        actor_id=commitment.user_id,
        note=f"group {group.group_id} for villager {villager['villager_id']}",
    )
    return replace(
        order,
        payment_method=method,
        timeline=(entry,),
        expires_at=payment_deadline(
            method,
            order.created_at,
            card_minutes=GROUP_CARD_PAYMENT_HOURS * 60,
            bank_transfer_hours=bank_transfer_hours,
        ),
        pickup=dict(villager["pickup"]),
        assisted={
            "placed_by": commitment.user_id,
            "village_id": villager["village_id"],
            "villager_id": villager["villager_id"],
            "payment": payment,
            "service_fee": fee,
            "fee_rule": rule.as_dict() if rule and fee else None,
        },
    )


def _fee_rules(groups: GroupBuyRepository, commitments: list[Commitment]) -> dict[str, FeeRule]:
    """The service fee rules of the counties of the villagers in the group (one BatchGetItem, only when a
    partner committed for a villager)."""
    counties = [c.for_villager["county_id"] for c in commitments if c.for_villager]
    return groups.fee_rules(counties) if counties else {}


def _order_events(orders: list[Order]) -> list[dict[str, Any]]:
    return [{**order_event(o, "order.created"), "group_id": (o.group or {}).get("group_id")} for o in orders]


def close(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    group: GroupBuy,
    *,
    now: str,
    inline: bool = False,
    bank_transfer_hours: int = 72,
) -> GroupBuy:
    """Closes an open group (or resumes a closing one). `inline` (a request that reached the target): a group
    too large for one transaction is only reserved here (`closing`), and the clock's job creates its orders.

    Like checkout, the closing transaction checks that the shop is still active (not suspended): a suspended
    shop's group fails (`shop_unavailable`) and nobody is charged. Joins are refused while the shop is
    suspended, so a group meets a suspension at closing only when the shop was suspended after its last
    commitment: at its deadline it cannot wait any longer, and after a target reached early its participants are
    better told at once than held. Every outcome's events (the orders' `order.created`, `group.closed` /
    `group.failed`) go to the outbox in the transaction that decides it."""
    if group.is_open:
        commitments = groups.commitments(group.group_id)
        total = sum(c.quantity for c in commitments)
        # The total is the commitments' (a consistent Query); the group's write below is conditioned on its counter
        # being that total, so a commitment that came or went meanwhile makes it refused (group_changed).
        group = replace(group, committed=total, participants=len(commitments))
        if not group.reached_target() and not (group.is_due(now) and group.deadline_outcome() == "close"):
            return group
        closing = replace(group.closing(), version=group.version + 1)
        decide: list[Write] = [
            groups.group_write(closing, expected_status="open", expected_committed=total, now=now),
            groups.shop_active(group.offer.shop_id),
            groups.stock_take(group.product_id, total),
        ]
        if fits_one_transaction(len(commitments)):
            closed = closing.closed(now)
            rules = _fee_rules(groups, commitments)
            orders = [_order_for(closed, c, now, bank_transfer_hours, rules) for c in commitments]
            decide[0] = groups.group_write(closed, expected_status="open", expected_committed=total, now=now)
            events = [*_order_events(orders), group_event(closed, "group.closed", commitments, now)]
            writes = [
                *decide,
                *[groups.order_put(o) for o in orders],
                groups.events_write(f"group-closed:{group.group_id}", events, now),
            ]
            try:
                groups.commit(writes)
            except Conflict as exc:
                if exc.code in ("insufficient_stock", "shop_unavailable"):
                    reason = _why_not_sold(buying, group, exc.code)
                    return fail(groups, buying, group, reason, now=now, commitments=commitments)
                raise
            return closed
        try:
            groups.commit(decide)
        except Conflict as exc:
            if exc.code in ("insufficient_stock", "shop_unavailable"):
                reason = _why_not_sold(buying, group, exc.code)
                return fail(groups, buying, group, reason, now=now, commitments=commitments)
            raise
        if inline:
            return closing
        group = closing
    if group.status != "closing":
        return group
    return _finish(groups, buying, group, now=now, bank_transfer_hours=bank_transfer_hours)


def _why_not_sold(buying: BuyingRepository, group: GroupBuy, code: str) -> str:
    """The closing was refused: the shop is suspended, the product is no longer for sale, or its stock cannot
    cover the group."""
    if code == "shop_unavailable":
        return "shop_unavailable"
    product = buying.get_products([group.product_id]).get(group.product_id)
    return "out_of_stock" if product is not None and product.is_listed else "product_unavailable"


def _finish(
    groups: GroupBuyRepository, buying: BuyingRepository, group: GroupBuy, *, now: str, bank_transfer_hours: int = 72
) -> GroupBuy:
    """The stock is reserved for the whole group: create the orders not created yet (each batch with its
    orders' events in one outbox item), then mark it closed with its `group.closed` event."""
    commitments = groups.commitments(group.group_id)
    rules = _fee_rules(groups, commitments)
    orders = [_order_for(group, c, now, bank_transfer_hours, rules) for c in commitments]
    existing = groups.existing_orders([o.order_id for o in orders])
    missing = [o for o in orders if o.order_id not in existing]
    for i in range(0, len(missing), ORDER_BATCH):
        batch = missing[i : i + ORDER_BATCH]
        try:
            groups.commit(_order_batch(groups, group, batch, now))
        except Conflict as exc:
            if exc.code != "order_exists":
                raise
            # another run of the job created some of them meanwhile: create the rest one by one
            done = groups.existing_orders([o.order_id for o in batch])
            for order in batch:
                if order.order_id not in done:
                    groups.commit(_order_batch(groups, group, [order], now))
    closed = replace(group.closed(now), version=group.version + 1)
    groups.commit(
        [
            groups.group_write(closed, expected_status="closing", expected_committed=group.committed, now=now),
            groups.events_write(
                f"group-closed:{group.group_id}", [group_event(closed, "group.closed", commitments, now)], now
            ),
        ]
    )
    return closed


def _order_batch(groups: GroupBuyRepository, group: GroupBuy, orders: list[Order], now: str) -> list[Write]:
    """The orders' puts and their events: the outbox id is the batch's first order (an order not created yet,
    so no earlier batch used it)."""
    outbox_id = f"group-orders:{group.group_id}:{orders[0].order_id}"
    return [*[groups.order_put(o) for o in orders], groups.events_write(outbox_id, _order_events(orders), now)]


def fail(
    groups: GroupBuyRepository,
    buying: BuyingRepository,
    group: GroupBuy,
    reason: str,
    *,
    now: str,
    commitments: list[Commitment] | None = None,
) -> GroupBuy:
    """Nobody is charged (no order exists); everyone is told why (`group.failed` in the same transaction)."""
    failed = replace(group.failed(reason, now), version=group.version + 1)
    if commitments is None:
        commitments = groups.commitments(group.group_id)
    groups.commit(
        [
            groups.group_write(failed, expected_status="open", expected_committed=group.committed, now=now),
            groups.events_write(
                f"group-failed:{group.group_id}", [group_event(failed, "group.failed", commitments, now)], now
            ),
        ]
    )
    return failed


def run_due(
    groups: GroupBuyRepository, buying: BuyingRepository, *, now: str, bank_transfer_hours: int = 72
) -> dict[str, int]:
    """The clock's job: groups past their deadline close (total at or above the MOQ) or fail (below it); groups
    at their target whose closing failed in the request are closed; groups left `closing` by an interrupted
    close are finished. Reads each of the due index's GROUP_SHARDS partitions (one Query per page of due
    groups: no hot key, no scan). A group that cannot be settled now is passed over and tried again next run."""
    counts = {"closed": 0, "failed": 0, "resumed": 0, "skipped": 0, "queries": 0}
    for shard in range(GROUP_SHARDS):
        start_at: Position | None = None
        while True:
            page = groups.due_groups(f"{shard:02d}", now, 100, start_at)
            counts["queries"] += 1
            for group in page.items:
                try:
                    counts_key = _settle(groups, buying, group, now, bank_transfer_hours)
                except DomainError:
                    log.warning("a due group could not be settled now", extra={"group_id": group.group_id})
                    counts["skipped"] += 1
                    continue
                if counts_key:
                    counts[counts_key] += 1
            start_at = page.last_key
            if not start_at:
                break
    return counts


def _settle(
    groups: GroupBuyRepository, buying: BuyingRepository, group: GroupBuy, now: str, bank_transfer_hours: int
) -> str | None:
    if group.status == "closing":
        _finish(groups, buying, group, now=now, bank_transfer_hours=bank_transfer_hours)
        return "resumed"
    if not group.is_open:
        return None
    if group.reached_target() or (group.is_due(now) and group.deadline_outcome() == "close"):
        outcome = close(groups, buying, group, now=now, bank_transfer_hours=bank_transfer_hours)
        return "closed" if outcome.status in ("closed", "closing") else "failed"
    if group.is_due(now):
        fail(groups, buying, group, "below_moq", now=now)
        return "failed"
    return None
