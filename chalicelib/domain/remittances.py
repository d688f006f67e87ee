"""A village partner's cash, remitted to the county centre (issue 11). Pure Python.

Cash collected at handovers is owed by the partner (`village:<id>:cash`, domain/assisted.handover_posting).
A remittance takes an amount out of it into `village:<id>:remittances` (on its way; never more than the cash
on hand: 409 insufficient_balance). The county confirms what it received: the amount leaves the village's
remittances, what arrived goes to `county:<id>:cash`, and any difference to `county:<id>:variance` (positive:
less arrived than was sent). The remittance keeps both figures and the variance, so both sides see it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import Conflict, ValidationFailed
from .ledger import Account, Entry, Posting, transfer

REMITTANCE_STATUSES = ("pending", "confirmed")
NETWORK_CURRENCY = "CNY"  # the rural network is domestic: cash is yuan (fen)


@dataclass(frozen=True)
class Remittance:
    remittance_id: str
    village_id: str
    county_id: str
    partner_id: str  # the village's partner, who sent it (the proof a partner's read needs)
    village_name: str
    amount: int
    currency: str
    status: str
    created_at: str
    amount_received: int | None = None
    variance: int | None = None  # amount - amount_received
    confirmed_at: str | None = None
    confirmed_by: str | None = None
    version: int = 1


def new_remittance(
    remittance_id: str, village_id: str, county_id: str, partner_id: str, village_name: str, amount: int, *,
    currency: str, now: str,
) -> Remittance:  # fmt: skip
    if amount <= 0:
        raise ValidationFailed("remit a positive amount", details=[{"field": "amount", "message": "at least 1"}])
    return Remittance(
        remittance_id, village_id, county_id, partner_id, village_name, amount, currency, "pending", created_at=now
    )


def sent_posting(r: Remittance) -> Posting:
    """The cash leaves the partner's drawer (never more than there is)."""
    cash = Account.village(r.village_id, "cash")
    return transfer(
        f"remittance-sent:{r.remittance_id}",
        "remittance.sent",
        r.created_at,
        source=cash,
        destination=Account.village(r.village_id, "remittances"),
        amount=r.amount,
        currency=r.currency,
        refs={"remittance_id": r.remittance_id, "county_id": r.county_id},
        memo=f"Cash remitted to the county centre ({r.remittance_id})",
        no_overdraft=[cash],
    )


def confirmed(r: Remittance, amount_received: int, actor_id: str, now: str) -> Remittance:
    if r.status != "pending":
        raise Conflict("this remittance was confirmed already", code="remittance_confirmed")
    if amount_received < 0:
        raise ValidationFailed(
            "a received amount is not negative", details=[{"field": "amount_received", "message": "0 or more"}]
        )
    return replace(
        r,
        status="confirmed",
        amount_received=amount_received,
        variance=r.amount - amount_received,
        confirmed_at=now,
        confirmed_by=actor_id,
    )


def confirmed_posting(r: Remittance) -> Posting:
    """The county counted `amount_received`: sent - received is a variance on the county's side."""
    assert r.amount_received is not None and r.confirmed_at is not None
    entries = [
        Entry(str(Account.village(r.village_id, "remittances")), -r.amount, r.currency),
        *(
            [Entry(str(Account.county(r.county_id, "cash")), r.amount_received, r.currency)]
            if r.amount_received
            else []
        ),
        *([Entry(str(Account.county(r.county_id, "variance")), r.variance, r.currency)] if r.variance else []),
    ]
    return Posting(
        f"remittance-confirmed:{r.remittance_id}",
        "remittance.confirmed",
        r.confirmed_at,
        tuple(entries),
        refs={"remittance_id": r.remittance_id, "village_id": r.village_id, "county_id": r.county_id},
        memo=f"Remittance {r.remittance_id} counted at the county centre",
    )
