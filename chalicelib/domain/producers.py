"""Producers a village partner sells for (issue 11, "assisted selling"): people who make handicrafts or grow
specialties, have no account, and sell through a shop they own and their village's partner manages. Pure Python.

A producer's profile keeps minimal personal data (a name, an optional phone) with their consent (recorded as
for villagers: domain/villagers.consent_record), and how they are paid: to a bank account (the details kept for
the transfer, shown masked) or in cash through the partner. It is written with its village's partner id, so a
read proves the partner without reading the village (as villagers are).

The producer's shop is an ordinary shop (pending the operators' approval, then public) whose owner id is the
producer's id and which the partner manages (`Shop.managed_by`). Its sales complete into the producer's account
`producer:<id>:payable`: the goods value less the platform's commission and less the partner's commission (the
county's rule, `producer_rule_key`), which goes to `village:<id>:commissions` (domain/seller_money.completion).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import Conflict, ValidationFailed
from .seller_money import check_payout_details, masked_destination
from .villagers import MAX_NAME, consent_record

ID_PREFIX = "pdr"  # a producer's id, and so the owner id of their shop and the seller id of its orders
PAYOUT_METHODS = ("bank_account", "cash_via_partner")
# The partner's commission on producers' sales is a commission rule per county (services/commissions), kept with
# the storefronts' rules under this storefront name and the county as its "market".
PRODUCER_RULE = "producers"


def is_producer(owner_id: str | None) -> bool:
    return bool(owner_id) and str(owner_id).startswith(f"{ID_PREFIX}_")


def producer_rule_key(county_id: str) -> str:
    return f"{PRODUCER_RULE}#{county_id}"


@dataclass(frozen=True)
class Producer:
    producer_id: str
    village_id: str
    county_id: str
    partner_id: str  # the village's partner, who wrote it (the proof a read needs) and manages the shop
    name: str  # "" once erased
    phone: str | None
    consent: dict[str, Any]
    payout: dict[str, Any]  # {"method", "details": {holder_name, bank_name, account_number, bank_code} | None}
    created_at: str
    updated_at: str
    shop_id: str | None = None
    erased_at: str | None = None
    version: int = 1

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def public_payout(self) -> dict[str, Any]:
        details = self.payout.get("details")
        return {"method": self.payout["method"], "details": masked_destination(details) if details else None}


def payout_record(payout: dict[str, Any]) -> dict[str, Any]:
    method = payout.get("method")
    if method not in PAYOUT_METHODS:
        raise ValidationFailed(
            "unknown payout method",
            details=[{"field": "payout.method", "message": f"one of {', '.join(PAYOUT_METHODS)}"}],
        )
    details = payout.get("details")
    if method == "cash_via_partner":
        if details:
            raise ValidationFailed(
                "a cash payout has no bank details",
                details=[{"field": "payout.details", "message": "only for bank_account"}],
            )
        return {"method": method, "details": None}
    if not details:
        raise ValidationFailed(
            "a bank payout needs the account's details",
            details=[{"field": "payout.details", "message": "holder_name, bank_name, account_number"}],
        )
    return {"method": method, "details": check_payout_details(details)}


def new_producer(
    producer_id: str, village_id: str, county_id: str, partner_id: str, fields: dict[str, Any], *, now: str
) -> Producer:
    name = (fields.get("name") or "").strip()
    if not name:
        raise ValidationFailed("a name is needed", details=[{"field": "name", "message": "empty"}])
    return Producer(
        producer_id=producer_id,
        village_id=village_id,
        county_id=county_id,
        partner_id=partner_id,
        name=name[:MAX_NAME],
        phone=(fields.get("phone") or "").strip() or None,
        consent=consent_record(fields["consent"], now),
        payout=payout_record(fields["payout"]),
        created_at=now,
        updated_at=now,
    )


def with_shop(producer: Producer, shop_id: str, *, now: str) -> Producer:
    if producer.erased:
        raise Conflict("this producer's data was erased", code="producer_erased")
    if producer.shop_id:
        raise Conflict("this producer has a shop already", code="producer_has_shop")
    return replace(producer, shop_id=shop_id, updated_at=now)


def erased(producer: Producer, *, now: str) -> Producer:
    """The producer asked to be forgotten: name, phone, witness and bank details go; the id, the village, the
    shop (its sales and the producer's account) and the consent's method and date stay."""
    if producer.erased:
        raise Conflict("this producer's data was erased", code="producer_erased")
    consent = {"method": producer.consent.get("method"), "recorded_at": producer.consent.get("recorded_at")}
    return replace(
        producer,
        name="",
        phone=None,
        consent={**consent, "witness": None},
        payout={"method": producer.payout["method"], "details": None},
        updated_at=now,
        erased_at=now,
    )
