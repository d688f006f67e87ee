"""Quality-assurance disputes (issue 13): a buyer opens one on delivered lines, the seller answers, the buyer
accepts or escalates, the clock escalates what waits too long, operators decide. Every step is written with
the order's timeline entry in one transaction and announced as an order event (notifications).

Refunds: seller-funded refunds go back like a return's (`settlement.record_refund`: from the shop's pending
balance before completion, from its available balance after). A platform-funded refund (the quality-assurance
guarantee) pays the buyer from `platform:guarantee` and debits the seller towards it
(`settlement.debit_for_dispute(destination=platform:guarantee)`), so the buyer is refunded even when the
seller's balance cannot pay now. Card payments would be refunded through the payment provider's port, which
does not exist on this branch yet (issue 9): every refund is recorded (`method`: `recorded:<payment method>`).
The points earned on the refunded goods are reversed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, Forbidden, NotFound, Unprocessable, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, transfer
from ..domain.orders import Order, Refund, TimelineEntry
from ..domain.seller_money import BUYERS
from ..domain.trust import (
    DUE_SHARDS,
    MAX_EVIDENCE,
    SELLER_ANSWER_DAYS,
    Dispute,
    DisputeStep,
    dispute_lines,
    dispute_rate,
    plus_days,
)
from . import points, settlement
from .notifications import announce
from .order_lifecycle import buyer_order
from .ports import BuyingRepository, CatalogRepository, EventPublisher, Ledger, Page, Position, TrustRepository, Write
from .shops import owned_shop

GUARANTEE = Account.platform("guarantee")


def _timeline(order: Order, actor: str, action: str, note: str, now: str) -> Order:
    entry = TimelineEntry(at=now, actor=actor, action=action, status=order.status, note=note)
    return replace(order, updated_at=now, timeline=(*order.timeline, entry))


def check_pictures(trust: TrustRepository, owner: str, media_ids: list[str]) -> tuple[str, ...]:
    if len(media_ids) > MAX_EVIDENCE:
        raise ValidationFailed(
            f"at most {MAX_EVIDENCE} pictures", details=[{"field": "evidence", "message": f"{MAX_EVIDENCE} at most"}]
        )
    found = trust.get_evidence(media_ids)
    missing = [
        m for m in media_ids if m not in found or found[m].get("owner") != owner or found[m].get("status") != "ready"
    ]
    if missing:
        raise Unprocessable(
            "evidence pictures must be uploaded and completed by you first",
            code="evidence_not_found",
            details=[{"field": "evidence", "message": m} for m in missing],
        )
    return tuple(dict.fromkeys(media_ids))


def picture_keys(trust: TrustRepository, media_ids: tuple[str, ...]) -> dict[str, str]:
    found = trust.get_evidence(list(media_ids)) if media_ids else {}
    return {m: str(found[m]["key"]) for m in media_ids if m in found}


def open_dispute(
    repo: BuyingRepository,
    trust: TrustRepository,
    publisher: EventPublisher,
    actor: Actor,
    order_id: str,
    body: dict[str, Any],
    *,
    now: str,
    new_id: Any,
) -> Dispute:
    order = buyer_order(repo, actor, order_id)
    lines = dispute_lines(order, body["lines"], body["reason"], now)
    evidence = check_pictures(trust, actor.user_id, list(body.get("evidence") or []))
    dispute = Dispute(
        dispute_id=new_id("dsp"),
        order_id=order.order_id,
        shop_id=order.shop_id,
        seller_id=order.seller_id,
        buyer_id=order.buyer_id,
        storefront=order.storefront,
        currency=order.currency,
        payment_method=order.payment_method,
        lines=lines,
        reason=body["reason"],
        description=body["description"],
        evidence=evidence,
        evidence_keys=picture_keys(trust, evidence),
        status="awaiting_seller",
        created_at=now,
        updated_at=now,
        due_at=plus_days(now, SELLER_ANSWER_DAYS),
        steps=(DisputeStep(now, "buyer", "opened", body["reason"]),),
    )
    noted = _timeline(order, "buyer", "dispute_opened", dispute.dispute_id, now)
    repo.commit([*repo.order_writes(noted, order.version), *trust.dispute_open_writes(dispute)])
    announce(publisher, replace(noted, version=order.version + 1), "order.dispute_opened")
    return dispute


# --- reading ------------------------------------------------------------------------------------------------


def order_disputes(
    repo: BuyingRepository, trust: TrustRepository, actor: Actor, order_id: str, limit: int, start: Position | None
) -> Page[Dispute]:
    """The buyer's disputes on their order: one Query; ownership from the disputes' buyer (an empty page costs
    one GetItem of the order, for the 404)."""
    require_role(actor, Role.BUYER)
    page = trust.order_disputes(order_id, limit, start)
    if page.items and all(d.buyer_id == actor.user_id for d in page.items):
        return page
    buyer_order(repo, actor, order_id)
    return page


def shop_disputes(
    catalog: CatalogRepository,
    trust: TrustRepository,
    actor: Actor,
    shop_id: str,
    status: str | None,
    limit: int,
    start: Position | None,
) -> Page[Dispute]:
    require_role(actor, Role.SELLER)
    page = trust.shop_disputes(shop_id, status, limit, start)
    if page.items and all(d.seller_id == actor.user_id for d in page.items):
        return page
    owned_shop(catalog, actor, shop_id)
    return page


def operator_disputes(
    trust: TrustRepository, actor: Actor, status: str, limit: int, start: Position | None
) -> Page[Dispute]:
    require_role(actor, Role.OPERATOR)
    return trust.disputes_by_status(status, limit, start)


def _shop_dispute(
    catalog: CatalogRepository, trust: TrustRepository, actor: Actor, shop_id: str, dispute_id: str
) -> Dispute:
    require_role(actor, Role.SELLER)
    dispute = trust.get_dispute(dispute_id)
    if dispute is not None and dispute.shop_id == shop_id and dispute.seller_id == actor.user_id:
        return dispute
    owned_shop(catalog, actor, shop_id)
    raise NotFound("dispute not found", code="dispute_not_found")


def _buyer_dispute(trust: TrustRepository, actor: Actor, order_id: str, dispute_id: str) -> Dispute:
    require_role(actor, Role.BUYER)
    dispute = trust.get_dispute(dispute_id)
    if dispute is None or dispute.order_id != order_id or dispute.buyer_id != actor.user_id:
        raise NotFound("dispute not found", code="dispute_not_found")
    return dispute


# --- steps --------------------------------------------------------------------------------------------------


def _save_step(
    repo: BuyingRepository,
    trust: TrustRepository,
    publisher: EventPublisher,
    dispute: Dispute,
    changed: Dispute,
    actor: str,
    now: str,
) -> Dispute:
    order = repo.get_order(dispute.order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    step = changed.steps[-1]
    noted = _timeline(order, actor, f"dispute_{step.action}", f"{dispute.dispute_id} {step.note}".strip(), now)
    repo.commit([*repo.order_writes(noted, order.version), *trust.dispute_writes(changed, dispute.version)])
    announce(publisher, replace(noted, version=order.version + 1), f"order.dispute_{step.action}")
    return replace(changed, version=dispute.version + 1)


def respond(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    trust: TrustRepository,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    dispute_id: str,
    body: dict[str, Any],
    *,
    now: str,
) -> Dispute:
    dispute = _shop_dispute(catalog, trust, actor, shop_id, dispute_id)
    evidence = check_pictures(trust, actor.user_id, list(body.get("evidence") or []))
    changed = dispute.respond(body["action"], body.get("amount"), body["message"], evidence, now)
    changed = replace(changed, evidence_keys={**dispute.evidence_keys, **picture_keys(trust, evidence)})
    return _save_step(repo, trust, publisher, dispute, changed, "seller", now)


def accept(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    actor: Actor,
    order_id: str,
    dispute_id: str,
    *,
    now: str,
) -> Dispute:
    dispute = _buyer_dispute(trust, actor, order_id, dispute_id)
    changed = dispute.accept(now)
    saved = _save_step(repo, trust, publisher, dispute, changed, "buyer", now)
    return _refund(repo, trust, ledger, publisher, saved, now=now)


def escalate(
    repo: BuyingRepository,
    trust: TrustRepository,
    publisher: EventPublisher,
    actor: Actor,
    order_id: str,
    dispute_id: str,
    *,
    now: str,
) -> Dispute:
    dispute = _buyer_dispute(trust, actor, order_id, dispute_id)
    return _save_step(repo, trust, publisher, dispute, dispute.escalate("buyer", now), "buyer", now)


def decide(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    actor: Actor,
    dispute_id: str,
    body: dict[str, Any],
    *,
    now: str,
) -> Dispute:
    require_role(actor, Role.OPERATOR)
    dispute = trust.get_dispute(dispute_id)
    if dispute is None:
        raise NotFound("dispute not found", code="dispute_not_found")
    changed = dispute.decide(int(body["refund_amount"]), body["funded_by"], body["note"], now)
    saved = _save_step(repo, trust, publisher, dispute, changed, "operator", now)
    return _refund(repo, trust, ledger, publisher, saved, now=now)


def escalate_due(
    repo: BuyingRepository, trust: TrustRepository, publisher: EventPublisher, *, now: str, limit: int = 100
) -> int:
    """The clock's escalations (the hourly schedule): each shard of the due index up to now."""
    done = 0
    for shard in range(DUE_SHARDS):
        for dispute in trust.due_disputes(shard, now, limit):
            changed = dispute.escalate_if_due(now)
            if changed is None:
                continue
            try:
                _save_step(repo, trust, publisher, dispute, changed, "system", now)
            except (Conflict, NotFound):
                continue  # answered meanwhile (stale): the next run looks again if still due
            except Exception as exc:  # a precondition failure: someone acted on it meanwhile
                if getattr(exc, "code", None) not in ("stale_dispute", "stale_order"):
                    raise
                continue
            done += 1
    return done


def _refund(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    dispute: Dispute,
    *,
    now: str,
) -> Dispute:
    """The refund a dispute's outcome owes, once: its postings are idempotent by the dispute's id, and the
    dispute records it in the same transaction as the last of them."""
    due = dispute.refund_due
    if due is None or dispute.refund is not None:
        return dispute
    amount, funded_by = due
    order = repo.get_order(dispute.order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    amount = min(amount, order.amount_paid - order.refunded)
    if amount <= 0:
        return dispute
    method = f"recorded:{order.payment_method}"
    refunded_dispute = dispute.refunded(amount, funded_by, method, now)
    dispute_writes = trust.dispute_writes(refunded_dispute, dispute.version)
    if funded_by == "seller":
        refunded = _timeline(order, "system", "refunded", dispute.dispute_id, now)
        refunded = replace(refunded, refunds=(*order.refunds, Refund(dispute.dispute_id, amount, now)))
        saved_order = settlement.record_refund(
            repo, ledger, order, refunded, amount, dispute.dispute_id, now=now, alongside=dispute_writes
        )
    else:
        # The platform refunds the buyer now and takes the amount from the seller's available balance
        # (which may go below zero until the next completions cover it).
        settlement.debit_for_dispute(ledger, order, dispute.dispute_id, amount, now=now, destination=GUARANTEE)
        noted = _timeline(order, "system", "refunded", f"{dispute.dispute_id} guarantee", now)
        noted = replace(noted, refunds=(*order.refunds, Refund(dispute.dispute_id, amount, now)))
        posting = transfer(
            f"dispute-refund:{dispute.dispute_id}", "dispute.guarantee_refund", now, source=GUARANTEE,
            destination=BUYERS, amount=amount, currency=order.currency,
            refs={"order_id": order.order_id, "dispute_id": dispute.dispute_id},
            memo=f"Quality-assurance refund of dispute {dispute.dispute_id}",
        )  # fmt: skip
        writes: list[Write] = [*repo.order_writes(noted, order.version), *dispute_writes]
        ledger.post(posting, alongside=writes)
        saved_order = replace(noted, version=order.version + 1)
    announce(publisher, saved_order, "order.refunded")
    points.reverse_for_refund(ledger, order, dispute.dispute_id, amount, now=now)
    return replace(refunded_dispute, version=dispute.version + 1)


# --- the shop's public figures ---------------------------------------------------------------------------


def shop_trust(catalog: CatalogRepository, trust: TrustRepository, shop_id: str, *, now: str) -> dict[str, Any]:
    rating, orders, disputes = trust.shop_trust(shop_id)
    days = {k[:4] + "-" + k[4:6] + "-" + k[6:]: v for k, v in orders.items()}
    opened = {k[:4] + "-" + k[4:6] + "-" + k[6:]: v for k, v in disputes.items()}
    return {"shop_id": shop_id, "rating": rating.to_public(), "disputes": dispute_rate(days, opened, now)}


def check_visible(dispute: Dispute, actor: Actor) -> None:
    if Role.OPERATOR in actor.roles:
        return
    if actor.user_id not in (dispute.buyer_id, dispute.seller_id):
        raise Forbidden("not a party to this dispute")
