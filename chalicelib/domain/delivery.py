"""Issue 12: the delivery promise of a foreign market: zones, the promise date, when it is kept or missed,
and the compensation owed when it is missed (pure rules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .errors import ValidationFailed

TRACKING_EVENTS = (
    "handed_to_carrier",
    "export_customs",
    "import_customs",
    "arrived_in_city",
    "delivery_attempt",
    "delivered",
)
KEEPS_PROMISE = ("delivery_attempt", "delivered")  # on or before promised_by: the promise is kept
COMPENSATION_TYPES = ("points", "coupon", "percent_refund")
BUILT_COMPENSATIONS = ("points", "coupon", "percent_refund")
MAX_COUPON_VALUE = 1_000_000  # minor units of the market's currency (10,000.00 RUB)
DEFAULT_HANDLING_DAYS = 2  # a seller hands an in-stock parcel to the carrier within this many days
MAX_TRACKING_EVENTS = 50
# promise states: open (running), kept, compensated, void (cancelled order, or the buyer changed the address)
OPEN, KEPT, COMPENSATED, VOID = "open", "kept", "compensated", "void"


@dataclass(frozen=True)
class Zone:
    zone: str
    cities: tuple[str, ...]
    promise_days: int

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {"zone": self.zone, "promise_days": self.promise_days}
        if self.cities:
            out["cities"] = list(self.cities)
        return out


def city_key(city: str) -> str:
    """How cities are compared: case, hyphens, spacing and ё/е do not matter."""
    return " ".join(city.replace("-", " ").casefold().replace("ё", "е").split())


def validate_zones(zones: list[dict[str, Any]]) -> tuple[Zone, ...]:
    """Zones with their cities, and exactly one zone without cities: every other city (the rest)."""
    out: list[Zone] = []
    seen_cities: set[str] = set()
    problems = []
    for i, z in enumerate(zones):
        cities = tuple(c.strip() for c in z.get("cities") or ())
        for c in cities:
            key = city_key(c)
            if key in seen_cities:
                problems.append({"field": f"{i}.cities", "message": f"{c} is in two zones"})
            seen_cities.add(key)
        out.append(Zone(z["zone"], cities, int(z["promise_days"])))
    if len({z.zone for z in out}) != len(out):
        problems.append({"field": "zone", "message": "zone names must differ"})
    if sum(1 for z in out if not z.cities) != 1:
        problems.append({"field": "cities", "message": "exactly one zone has no cities: it covers every other city"})
    if problems:
        raise ValidationFailed("the zones are not valid", code="bad_zones", details=problems)
    return tuple(out)


def zone_for(zones: tuple[Zone, ...], city: str) -> Zone:
    key = city_key(city)
    for z in zones:
        if any(city_key(c) == key for c in z.cities):
            return z
    return next(z for z in zones if not z.cities)


def validate_compensation(comp: dict[str, Any]) -> dict[str, Any]:
    kind, value = comp["type"], comp["value"]
    if kind not in BUILT_COMPENSATIONS:
        raise ValidationFailed(
            f"compensation by {kind} is not available yet",
            code="compensation_unavailable",
            details=[{"field": "type", "message": f"one of {', '.join(BUILT_COMPENSATIONS)}"}],
        )
    if kind == "percent_refund" and not 1 <= value <= 100:
        raise ValidationFailed("a refund is 1 to 100 percent", details=[{"field": "value", "message": "1-100"}])
    if kind == "coupon" and not 1 <= value <= MAX_COUPON_VALUE:
        raise ValidationFailed(
            "a coupon is worth 1 to 1,000,000 minor units of the market's currency",
            details=[{"field": "value", "message": f"1-{MAX_COUPON_VALUE} (kopecks in ru)"}],
        )
    return {"type": kind, "value": value, "funded_by": comp.get("funded_by") or "platform"}


def processing_days(attributes: list[dict[str, Any]]) -> int:
    """How long the seller needs before the parcel leaves: the longest made-to-order processing time or b2b
    lead time of the order's lines (issue 15's and issue 14's line data), else DEFAULT_HANDLING_DAYS."""
    days = [DEFAULT_HANDLING_DAYS]
    for attrs in attributes:
        for name in ("processing_days", "lead_time_days"):
            if isinstance(attrs.get(name), int):
                days.append(int(attrs[name]))
    return max(days)


def promised_by(start: str, processing: int, zone_days: int) -> str:
    """The day the parcel is promised by: the start (payment date; the order date for cash on delivery) plus the
    processing time plus the zone's days. A promise holds until the end of that day (UTC)."""
    day = dt.date.fromisoformat(start[:10])
    return (day + dt.timedelta(days=processing + zone_days)).isoformat()


def passes_at(promised: str) -> str:
    """When a promise for `promised` (a day) has passed: the next midnight, UTC."""
    return f"{(dt.date.fromisoformat(promised) + dt.timedelta(days=1)).isoformat()}T00:00:00.000Z"


def kept_by(event_at: str, promised: str) -> bool:
    return event_at < passes_at(promised)
