"""Villagers a village partner serves (issue 11): proxy profiles of people with no account or no phone, for
whom the partner orders, collects parcels and cash. Pure Python.

Personal data is minimal (a name, an optional phone) and kept only with the villager's consent, recorded as a
signed form or a witnessed verbal agreement (who witnessed it). A villager's erasure anonymises the profile in
place: the name, phone and witness go, the id, the village and the consent's method and date stay (orders and
money records name the villager by id only, and stay as they are).

A villager belongs to one village and is written with that village's partner id, so a read proves the partner
without reading the village (as manifests and parcels do, domain/network).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from .errors import Conflict, ValidationFailed

CONSENT_METHODS = ("signed_form", "witnessed_verbal")
MAX_NAME = 100
MAX_SEARCH_WORDS = 6  # words of a name a search finds it by
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Villager:
    villager_id: str
    village_id: str
    partner_id: str  # the village's partner, who wrote it (the proof a read needs)
    name: str  # "" once erased
    phone: str | None
    consent: dict[str, Any]  # {"method", "recorded_at", "witness"}
    created_at: str
    updated_at: str
    erased_at: str | None = None
    version: int = 1

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


def fold(text: str) -> str:
    """A name as searched: NFKC, case-folded, spaces collapsed (Uyghur, Chinese and Latin alike)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def search_words(name: str) -> tuple[str, ...]:
    """The words a search by name finds a villager by (each word is a prefix target), distinct, in order."""
    seen: dict[str, None] = {}
    for word in fold(name).split():
        seen.setdefault(word[:40], None)
    return tuple(seen)[:MAX_SEARCH_WORDS]


def search_prefix(query: str) -> str:
    """The first word of a search (names are found by the prefix of any of their words)."""
    words = fold(query).split()
    return words[0][:40] if words else ""


def _utc(value: str, field: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            "not a date and time", details=[{"field": field, "message": "ISO-8601 with a time zone"}]
        ) from None
    if moment.tzinfo is None:
        raise ValidationFailed("a time zone is needed", details=[{"field": field, "message": "add Z or +hh:mm"}])
    return moment.astimezone(dt.UTC)


def consent_record(consent: dict[str, Any], now: str) -> dict[str, Any]:
    """The consent as kept: its method, when it was given (UTC, not in the future) and, for a verbal one,
    its witness (required)."""
    method = consent["method"]
    if method not in CONSENT_METHODS:
        raise ValidationFailed("unknown consent method", details=[{"field": "consent.method", "message": method}])
    recorded = _utc(consent["recorded_at"], "consent.recorded_at")
    if recorded > _utc(now, "now") + CONSENT_CLOCK_SKEW:
        raise ValidationFailed(
            "consent cannot be recorded in the future",
            details=[{"field": "consent.recorded_at", "message": "later than now"}],
        )
    witness = (consent.get("witness") or "").strip() or None
    if method == "witnessed_verbal" and witness is None:
        raise ValidationFailed(
            "a verbal consent needs its witness",
            details=[{"field": "consent.witness", "message": "who witnessed the villager's agreement"}],
        )
    return {
        "method": method,
        "recorded_at": recorded.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "witness": witness,
    }


def new_villager(villager_id: str, village_id: str, partner_id: str, fields: dict[str, Any], *, now: str) -> Villager:
    name = fields["name"].strip()
    if not name:
        raise ValidationFailed("a name is needed", details=[{"field": "name", "message": "empty"}])
    return Villager(
        villager_id=villager_id,
        village_id=village_id,
        partner_id=partner_id,
        name=name[:MAX_NAME],
        phone=(fields.get("phone") or "").strip() or None,
        consent=consent_record(fields["consent"], now),
        created_at=now,
        updated_at=now,
    )


def _require_not_erased(villager: Villager) -> None:
    if villager.erased:
        raise Conflict("this villager's data was erased", code="villager_erased")


def changed(villager: Villager, fields: dict[str, Any], *, now: str) -> Villager:
    """A PATCH: `name`, `phone` (None clears it) and `consent` (a new record replaces the old) when given."""
    _require_not_erased(villager)
    changes: dict[str, Any] = {}
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise ValidationFailed("a name is needed", details=[{"field": "name", "message": "empty"}])
        changes["name"] = name[:MAX_NAME]
    if "phone" in fields:
        changes["phone"] = (fields["phone"] or "").strip() or None
    if "consent" in fields:
        changes["consent"] = consent_record(fields["consent"], now)
    if not changes:
        return villager
    return replace(villager, **changes, updated_at=now)


def erased(villager: Villager, *, now: str) -> Villager:
    """The villager's erasure: personal data gone, the id, village, consent method and date kept."""
    _require_not_erased(villager)
    consent = {"method": villager.consent.get("method"), "recorded_at": villager.consent.get("recorded_at")}
    return replace(villager, name="", phone=None, consent={**consent, "witness": None}, updated_at=now, erased_at=now)


def recipient_label(villager_id: str) -> str:
    """What an assisted order names as its recipient: the villager's id, never their name or phone, so an erased
    villager leaves nothing personal on the orders placed for them (their name is read from the profile when a
    partner's page shows the parcel: `domain.villagers.Villager.name`, "" once erased)."""
    return f"villager {villager_id}"
