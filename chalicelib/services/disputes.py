"""Quality-assurance disputes (issue 13): a buyer opens one on delivered lines, the seller answers, the buyer
accepts or escalates, the clock escalates what waits too long, operators decide. Every step is written with
the order's timeline entry and its event (an outbox item: `order_writes(..., event=...)`) in one transaction;
the order-events consumer turns the events into notifications.

Refunds: seller-funded refunds go back like a return's (`settlement.record_refund`: from the shop's pending
balance before completion, from its available balance after). A platform-funded refund (the quality-assurance
guarantee) pays the buyer from `platform:guarantee` and debits the seller towards it
(`settlement.debit_for_dispute(destination=platform:guarantee)`), so the buyer is refunded even when the
seller's balance cannot pay now. Either way the order records the refund (`Order.with_refund`, named by the
dispute's id): a card payment's refund is `pending` and is sent through the payment provider's port by
services/refunds.py (right away by the consumer of `order.dispute_refunded`, then by the retry job until the
provider confirms; the idempotency key is the payment's and the dispute's), and the dispute records the
provider's answer (`refund_issued`, or `refund_delayed` while it is retried). Cash and bank transfers are
settled by the seller: their refund is recorded (`method`: `recorded:<payment method>`). The points earned on
the refunded goods are reversed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    Unprocessable,
    ValidationFailed,
)
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, transfer
from ..domain.orders import Order
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
from .order_lifecycle import buyer_order
from .ports import BuyingRepository, CatalogRepository, Ledger, Page, Position, TrustRepository, Write
from .shops import owned_shop

GUARANTEE = Account.platform("guarantee")
DISPUTE_PREFIX = "dsp"
REFUND_ATTEMPTS = 3


def _timeline(order: Order, actor: str, action: str, note: str, now: str, actor_id: str | None = None) -> Order:
    return order.noted(action, actor, now, note=note, actor_id=actor_id)


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
        dispute_id=new_id(DISPUTE_PREFIX),
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
    noted = _timeline(order, "buyer", "dispute_opened", dispute.dispute_id, now, actor.user_id)
    repo.commit(
        repo.order_writes(noted, order.version, event="order.dispute_opened", extra=trust.dispute_open_writes(dispute))
    )
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
    dispute: Dispute,
    changed: Dispute,
    actor: str,
    now: str,
    actor_id: str | None = None,
) -> Dispute:
    order = repo.get_order(dispute.order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    step = changed.steps[-1]
    note = f"{dispute.dispute_id} {step.note}".strip()
    noted = _timeline(order, actor, f"dispute_{step.action}", note, now, actor_id)
    repo.commit(
        repo.order_writes(
            noted,
            order.version,
            event=f"order.dispute_{step.action}",
            extra=trust.dispute_writes(changed, dispute.version),
        )
    )
    return replace(changed, version=dispute.version + 1)


def respond(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    trust: TrustRepository,
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
    return _save_step(repo, trust, dispute, changed, "seller", now, actor.user_id)


def accept(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
    actor: Actor,
    order_id: str,
    dispute_id: str,
    *,
    now: str,
) -> Dispute:
    dispute = _buyer_dispute(trust, actor, order_id, dispute_id)
    changed = dispute.accept(now)
    saved = _save_step(repo, trust, dispute, changed, "buyer", now, actor.user_id)
    return _refund(repo, trust, ledger, saved, now=now)


def escalate(
    repo: BuyingRepository,
    trust: TrustRepository,
    actor: Actor,
    order_id: str,
    dispute_id: str,
    *,
    now: str,
) -> Dispute:
    dispute = _buyer_dispute(trust, actor, order_id, dispute_id)
    return _save_step(repo, trust, dispute, dispute.escalate("buyer", now), "buyer", now, actor.user_id)


def decide(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
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
    saved = _save_step(repo, trust, dispute, changed, "operator", now, actor.user_id)
    return _refund(repo, trust, ledger, saved, now=now)


def escalate_due(
    repo: BuyingRepository, trust: TrustRepository, *, now: str, limit: int = 1000, page_size: int = 100
) -> dict[str, int]:
    """The clock's escalations (the hourly schedule): shard by shard of the due index, one Query per page of
    disputes whose deadline passed. A dispute that changed meanwhile is counted as failed and passed over (it
    leaves the index when answered; otherwise the next run looks again). At most `limit` disputes a run."""
    done = failed = queries = 0
    for shard in range(DUE_SHARDS):
        start: Position | None = None
        while done + failed < limit:
            page = trust.due_disputes(shard, now, min(page_size, limit - done - failed), start)
            queries += 1
            for dispute in page.items:
                changed = dispute.escalate_if_due(now)
                if changed is None:
                    continue
                try:
                    _save_step(repo, trust, dispute, changed, "system", now)
                except (Conflict, NotFound, PreconditionFailed):
                    failed += 1  # acted on meanwhile: the next run looks again if it is still due
                    continue
                done += 1
            start = page.last_key
            if not start:
                break
    return {"done": done, "failed": failed, "queries": queries}


def _refund(
    repo: BuyingRepository,
    trust: TrustRepository,
    ledger: Ledger,
    dispute: Dispute,
    *,
    now: str,
) -> Dispute:
    """The refund a dispute's outcome owes, once: its postings are idempotent by the dispute's id, and the
    dispute records it in the same transaction as the order's refund (and the last of the postings). A card
    payment's refund is left pending on the order, for services/refunds.py to send through the provider."""
    for _ in range(REFUND_ATTEMPTS):
        try:
            return _refund_once(repo, trust, ledger, dispute, now=now)
        except PreconditionFailed as exc:  # the order changed meanwhile (a payment, a refund issued): again
            if exc.code != "stale_order":
                raise
    raise ServiceUnavailable("the order is busy; the refund is made when you retry", retry_after=2)


def _refund_once(
    repo: BuyingRepository, trust: TrustRepository, ledger: Ledger, dispute: Dispute, *, now: str
) -> Dispute:
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
    note = dispute.dispute_id if funded_by == "seller" else f"{dispute.dispute_id} guarantee"
    refunded = _timeline(order, "system", "refunded", note, now).with_refund(dispute.dispute_id, amount, now)
    sent = refunded.refunds[-1].status == "pending"  # card money: through the payment provider
    method = order.payment_method if sent else f"recorded:{order.payment_method}"
    refunded_dispute = dispute.refunded(amount, funded_by, method, now, status="pending" if sent else "recorded")
    dispute_writes = trust.dispute_writes(refunded_dispute, dispute.version)
    if funded_by == "seller":
        settlement.record_refund(
            repo,
            ledger,
            order,
            refunded,
            amount,
            dispute.dispute_id,
            now=now,
            event="order.dispute_refunded",
            alongside=dispute_writes,
        )
    else:
        # The platform refunds the buyer now and takes the amount from the seller's available balance
        # (which may go below zero until the next completions cover it).
        settlement.debit_for_dispute(ledger, order, dispute.dispute_id, amount, now=now, destination=GUARANTEE)
        posting = transfer(
            f"dispute-refund:{dispute.dispute_id}", "dispute.guarantee_refund", now, source=GUARANTEE,
            destination=BUYERS, amount=amount, currency=order.currency,
            refs={"order_id": order.order_id, "dispute_id": dispute.dispute_id,
                  **refunded.charge_refs(dispute.dispute_id)},
            memo=f"Quality-assurance refund of dispute {dispute.dispute_id}",
        )  # fmt: skip
        writes: list[Write] = [
            *repo.order_writes(refunded, order.version, event="order.dispute_refunded"),
            *dispute_writes,
        ]
        ledger.post(posting, alongside=writes)
    points.reverse_for_refund(ledger, order, dispute.dispute_id, amount, now=now)
    return replace(refunded_dispute, version=dispute.version + 1)


def record_provider_answer(
    trust: TrustRepository, order: Order, reason: str, refund_id: str | None, now: str
) -> list[Write]:
    """What a dispute writes beside the order when the provider answered its card refund (`reason` is the
    refund's name on the order: the dispute's id): the refund issued (`refund_id`), or delayed (None; a step
    only the first time, so retries do not fill the dispute's steps). Empty for any other refund."""
    dispute = trust.get_dispute(reason) if reason.startswith(f"{DISPUTE_PREFIX}_") else None
    if dispute is None or dispute.order_id != order.order_id or dispute.refund is None:
        return []
    if refund_id is not None:
        if dispute.refund.get("status") == "issued":
            return []
        return trust.dispute_writes(dispute.refund_issued(refund_id, now), dispute.version)
    if dispute.refund.get("status") != "pending":
        return []
    return trust.dispute_writes(dispute.refund_delayed(now), dispute.version)


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
