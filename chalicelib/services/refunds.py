"""Card money going back through the payment provider.

A refund of card money is first recorded on the order as `pending` (in the transaction of whatever caused it:
a cancellation, a received return, a payment that arrived for a cancelled order), which also puts the order in
the "refund" schedule. Then `issue_due` asks the provider (services/ports.PaymentProvider) to refund it, with
an idempotency key of its own (`Refund.idempotency_key`), so asking again can never refund twice:
- right away, when the order-events consumer sees the change (chalicelib/events/order_events.py);
- and on a schedule (`retry_due`, every few minutes), for any refund still pending: the provider was down, the
  consumer failed, or the answer was lost.
A refund the provider confirms gets its refund id on the order's timeline (event order.refund_issued, which
notifies the buyer). One it cannot take now is tried again later (domain.orders.REFUND_RETRY_MINUTES), never
dropped; one it refuses outright stays pending and shows up in the job's `failed` count for a person to see.
"""

from __future__ import annotations

import logging

from ..domain import markets
from ..domain.errors import DomainError, PreconditionFailed, ServiceUnavailable
from ..domain.orders import REFUND, Order, Refund, parse_time
from .order_lifecycle import run_scheduled
from .ports import BuyingRepository, PaymentProvider, TrustRepository, Write

log = logging.getLogger(__name__)


def issue_due(
    repo: BuyingRepository,
    provider: PaymentProvider,
    order: Order,
    *,
    now: str,
    trust: TrustRepository | None = None,
) -> int:
    """Asks the provider for each of the order's pending refunds that is due; returns how many it issued.
    Raises DomainError for a refund the provider refused (after recording nothing). With `trust` (issue 13) a
    dispute's refund also records the answer on the dispute, in the same transaction as on the order."""
    issued = 0
    for refund in order.pending_refunds:
        if refund.next_attempt_at and parse_time(refund.next_attempt_at) > parse_time(now):
            continue
        try:
            amount, currency = refund_in_charge_currency(order, refund)
            refund_id = provider.refund(refund.payment_ref or "", amount, currency, refund.idempotency_key)
        except ServiceUnavailable:
            log.warning("refund not issued; retried later", extra={"order_id": order.order_id})
            order = _record(repo, order, refund.return_id, None, now, trust)
            continue
        order = _record(repo, order, refund.return_id, refund_id, now, trust)
        issued += 1
    return issued


def refund_in_charge_currency(order: Order, refund: Refund) -> tuple[int, str]:
    """What `refund` gives back in the currency the buyer paid. An order of a foreign market (issue 12) was
    charged in its currency at the rate fixed on it: each refund's share of that charge was fixed when it was
    recorded, by the cumulative rule (Order.with_refund, domain/markets.charge_refund), so an order's refunds
    add up to exactly the charge. A refund recorded before that rule (no `charge_amount`) is the same share of
    the charge as of what was paid, half up."""
    if refund.charge_amount is not None and refund.charge_currency:
        return refund.charge_amount, refund.charge_currency
    if not order.market or not order.total:
        return refund.amount, order.currency
    charged = int(order.market["total"])
    return markets.charge_refunded(charged, order.paid_in_money, refund.amount), str(order.market["currency"])


def _record(
    repo: BuyingRepository,
    order: Order,
    reason: str,
    refund_id: str | None,
    now: str,
    trust: TrustRepository | None = None,
) -> Order:
    """Records the provider's answer for the refund `reason` (issued as `refund_id`, or None: try later),
    re-reading the order if it changed meanwhile. A refund no longer pending (recorded by a concurrent attempt,
    with the same refund id: the provider deduplicates by key) is left as it is."""
    for _ in range(3):
        if not any(r.return_id == reason for r in order.pending_refunds):
            return order
        if refund_id is None:
            changed, event = order.refund_failed(reason, now), "order.refund_delayed"
        else:
            changed, event = order.refund_issued(reason, refund_id, now), "order.refund_issued"
        extra: list[Write] = []
        if trust is not None:
            from .disputes import record_provider_answer

            extra = record_provider_answer(trust, order, reason, refund_id, now)
        try:
            return repo.save_order(changed, order.version, event=event, extra=extra)
        except PreconditionFailed:
            fresh = repo.get_order(order.order_id)
            if fresh is None:
                raise
            order = fresh
    raise ServiceUnavailable("the order is too busy to record its refund; retried later", retry_after=5)


def issue_for(
    repo: BuyingRepository,
    provider: PaymentProvider,
    order_id: str,
    *,
    now: str,
    trust: TrustRepository | None = None,
) -> int:
    """The consumer's prompt attempt for one order (an event said it may owe a refund)."""
    order = repo.get_order(order_id)
    if order is None or not order.pending_refunds:
        return 0
    try:
        return issue_due(repo, provider, order, now=now, trust=trust)
    except DomainError:
        log.warning("refund refused by the provider; it stays pending", extra={"order_id": order_id}, exc_info=True)
        return 0


def retry_due(
    repo: BuyingRepository,
    provider: PaymentProvider,
    *,
    now: str,
    limit: int = 500,
    page_size: int = 100,
    trust: TrustRepository | None = None,
) -> dict[str, int]:
    """The schedule: every order with a refund due for an attempt (schedule-index, "refund" job)."""
    return run_scheduled(
        repo,
        REFUND,
        lambda order: issue_due(repo, provider, order, now=now, trust=trust) > 0,
        now=now,
        limit=limit,
        page_size=page_size,
    )
