"""Money that follows an order (issue 17): each posting in the same transaction as the order change it records.

The postings themselves are decided by domain/seller_money.py; here they are committed with the order's own
writes (`BuyingRepository.order_writes`), so an order is never paid, refunded or completed without its money
moving, nor the other way round, and a retried change posts once (its posting id is derived from the order).

This module is also the one place where other features debit a seller (docs/ledger.md, "Seller debits"):
`debit_for_dispute` (issue 13), `debit_partner_commission` and `debit_producer_commission` (issue 11),
`debit_compensation` (issue 12). Each is one posting, with its reason and order on the seller's statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..domain import platform_funding
from ..domain.errors import Conflict, PreconditionFailed
from ..domain.ledger import Account, Posted
from ..domain.orders import Order, Return
from ..domain.seller_money import (
    BUYERS,
    CommissionTerms,
    ProducerShare,
    completion,
    payment_posting,
    refund,
    seller_debit,
)
from .ports import BuyingRepository, Ledger, Write


def record_payment(
    repo: BuyingRepository, ledger: Ledger, order: Order, paid: Order, *, now: str, claim_key: str | None = None
) -> Order:
    """`paid` (order.mark_paid(...)) saved with the buyer's money posted into the shop's pending account.

    A payment already recorded (the same order paid twice at the same moment) -> 409 already_paid."""
    paid = replace(paid, pending_credited=True)
    posted = ledger.post(
        payment_posting(paid, now),
        alongside=repo.order_writes(paid, order.version, event="order.paid", claim_key=claim_key),
    )
    if posted.replayed:
        raise Conflict("the order is already paid", code="already_paid")
    return paid.as_saved(order.version)


def complete(
    repo: BuyingRepository,
    ledger: Ledger,
    order: Order,
    terms: CommissionTerms,
    *,
    now: str,
    producer: ProducerShare | None = None,
) -> Order | None:
    """Completes `order` and credits its seller net of commission, in one transaction. None: the order changed
    meanwhile (another sweep completed it, or a return was asked for); nothing was written or posted twice, and
    the next sweep looks at it again. `producer`: a producer's shop's sale (issue 11), credited to the producer
    net of the platform's and the partner's commissions, the partner's to the village (the same posting)."""
    completed = order.complete(now)
    posting, record = completion(completed, terms, now, producer)
    completed = replace(completed, commission=record)
    writes = repo.order_writes(completed, order.version, event="order.completed")
    try:
        if posting is None:  # everything was refunded: nothing to credit
            repo.commit(writes)
        elif ledger.post(posting, alongside=writes).replayed:
            return None
    except PreconditionFailed as exc:
        if exc.code != "stale_order":
            raise
        return None
    return completed.as_saved(order.version)


def record_refund(
    repo: BuyingRepository,
    ledger: Ledger,
    order: Order,
    refunded: Order,
    amount: int,
    refund_id: str,
    *,
    now: str,
    event: str,
    restock: dict[str, int] | None = None,
    ret: Return | None = None,
    expected_return_version: int | None = None,
    alongside: Sequence[Write] = (),
    funded_back: Mapping[str, int] | None = None,
    event_facts: Mapping[str, Any] | None = None,
) -> Order:
    """`refunded` (the order with its refund recorded) saved with the money going back to the buyer: from the
    shop's pending account before completion, from its available balance (commission on it given back) after.
    `event` announces the change (an outbox item in the same transaction); `alongside`: the caller's own writes
    in the same transaction (a dispute's refund, issue 13). `funded_back` (returned goods of an order with a
    coupon or points, domain/platform_funding.py): the platform's share of them, funder kind -> amount, which
    leaves the seller's money with the refund, in the same posting, back to the account that funded it.
    `event_facts`: what the change adds to its event (a received return's points to give back)."""
    back = dict(funded_back or {})
    posting, refunded = refund(refunded, amount + sum(back.values()), refund_id, now)
    if posting is not None and back:
        posting = platform_funding.redirect_to_funders(posting, amount, back, order.currency)
    writes = repo.order_writes(
        refunded,
        order.version,
        event=event,
        restock=restock,
        ret=ret,
        expected_return_version=expected_return_version,
        event_facts=event_facts,
    ) + list(alongside)
    if posting is None:
        repo.commit(writes)
    elif ledger.post(posting, alongside=writes).replayed:
        raise Conflict("this refund was already recorded", code="already_refunded")
    return refunded.as_saved(order.version)


# --- seller debits (for issues 11, 12, 13) ----------------------------------------------------------------


def _debit(
    ledger: Ledger,
    reason: str,
    posting_id: str,
    order: Order,
    amount: int,
    destination: Account,
    *,
    now: str,
    refs: dict[str, str] | None = None,
    memo: str = "",
    alongside: Sequence[Write] = (),
) -> Posted:
    posting = seller_debit(
        reason,
        posting_id,
        shop_id=order.shop_id,
        seller_id=order.seller_id,
        order_id=order.order_id,
        amount=amount,
        currency=order.currency,
        destination=destination,
        at=now,
        refs=refs,
        memo=memo,
    )
    return ledger.post(posting, alongside=alongside)


def debit_for_dispute(
    ledger: Ledger,
    order: Order,
    dispute_id: str,
    amount: int,
    *,
    now: str,
    destination: Account = BUYERS,
    alongside: Sequence[Write] = (),
) -> Posted:
    """A dispute decided against the seller: `amount` from their available balance to the buyer (or to
    `platform:guarantee` when the platform refunded the buyer first). Once per dispute."""
    return _debit(
        ledger,
        "dispute",
        f"dispute-debit:{dispute_id}",
        order,
        amount,
        destination,
        now=now,
        refs={"dispute_id": dispute_id},
        memo=f"Dispute {dispute_id} on order {order.order_id}",
        alongside=alongside,
    )


def debit_partner_commission(
    ledger: Ledger, order: Order, village_id: str, amount: int, *, now: str, alongside: Sequence[Write] = ()
) -> Posted:
    """The village partner's commission on a sale, funded by the seller: to `village:<id>:fees`."""
    return _debit(
        ledger,
        "partner_commission",
        f"partner-commission:{order.order_id}:{village_id}",
        order,
        amount,
        Account.village(village_id, "fees"),
        now=now,
        refs={"village_id": village_id},
        memo=f"Partner commission on order {order.order_id}",
        alongside=alongside,
    )


def debit_producer_commission(
    ledger: Ledger, order: Order, producer_id: str, amount: int, *, now: str, alongside: Sequence[Write] = ()
) -> Posted:
    """A producer's share of a sale, funded by the seller: to `producer:<id>:payable`."""
    return _debit(
        ledger,
        "producer_commission",
        f"producer-commission:{order.order_id}:{producer_id}",
        order,
        amount,
        Account.producer(producer_id),
        now=now,
        refs={"producer_id": producer_id},
        memo=f"Producer commission on order {order.order_id}",
        alongside=alongside,
    )


def debit_compensation(
    ledger: Ledger,
    order: Order,
    compensation_id: str,
    amount: int,
    *,
    now: str,
    destination: Account = BUYERS,
    alongside: Sequence[Write] = (),
) -> Posted:
    """A delivery promise the seller broke, compensated to the buyer (or to `platform:compensation` when the
    platform paid the buyer first)."""
    return _debit(
        ledger,
        "compensation",
        f"compensation:{compensation_id}",
        order,
        amount,
        destination,
        now=now,
        refs={"compensation_id": compensation_id, **order.charge_refs("compensation")},
        memo=f"Compensation {compensation_id} on order {order.order_id}",
        alongside=alongside,
    )
