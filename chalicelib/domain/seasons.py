"""Harvest calendars and pre-sales: whether a product is in season on a day, and what a buyer may do then.

A product with a calendar (`season_months`, and a `harvest_window` when this year's harvest dates are known)
is **in season** on a day when:
- its harvest window covers that day, if the window is for that day's year (a window `2026-09-15`..`2026-10-31`
  decides every day of 2026: in season inside it, out of season before and after it);
- otherwise (no window, or a window of another year) when the day's month is one of `season_months`.

Out of season it cannot be bought, unless the seller opened a **pre-sale** (`presale`: `ships_from`, an optional
`deposit_percent`): until `ships_from` (inclusive) orders are accepted and ship from that date; with a deposit
the buyer pays that share now and the rest when the seller ships. A product without a calendar has no season.

Pure: the day comes from the caller (the services take it from the one clock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

IN_SEASON = "in_season"
PRESALE = "presale"
OUT_OF_SEASON = "out_of_season"
# How far ahead `next_change` looks: a calendar that changes nothing within two years never changes.
_HORIZON_DAYS = 2 * 366


@dataclass(frozen=True)
class Presale:
    ships_from: dt.date
    deposit_percent: int | None = None


@dataclass(frozen=True)
class Calendar:
    months: frozenset[int]
    window: tuple[dt.date, dt.date] | None = None
    presale: Presale | None = None

    def in_season(self, day: dt.date) -> bool:
        if self.window is not None and self.window[0].year <= day.year <= self.window[1].year:
            return self.window[0] <= day <= self.window[1]
        return day.month in self.months

    def state(self, day: dt.date) -> str:
        if self.in_season(day):
            return IN_SEASON
        if self.presale is not None and day <= self.presale.ships_from:
            return PRESALE
        return OUT_OF_SEASON

    def next_change(self, day: dt.date) -> dt.date | None:
        """The first day after `day` on which `in_season` differs from `day`'s (None: not within two years)."""
        today = self.in_season(day)
        for offset in range(1, _HORIZON_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.in_season(candidate) != today:
                return candidate
        return None


def parse_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def day_of(now: str) -> dt.date:
    """The UTC day of a clock reading (`2026-11-30T07:48:54.000Z` -> 2026-11-30)."""
    return dt.date.fromisoformat(now[:10])


def calendar(attributes: dict[str, Any]) -> Calendar | None:
    """The product's harvest calendar from its (validated) attributes; None when it has no season."""
    months = attributes.get("season_months")
    if not months:
        return None
    window = attributes.get("harvest_window")
    presale = attributes.get("presale")
    return Calendar(
        months=frozenset(months),
        window=(parse_day(window["from"]), parse_day(window["to"])) if window else None,
        presale=Presale(parse_day(presale["ships_from"]), presale.get("deposit_percent")) if presale else None,
    )


def state(attributes: dict[str, Any], day: dt.date) -> str | None:
    """IN_SEASON, PRESALE or OUT_OF_SEASON on `day`; None for a product without a calendar."""
    cal = calendar(attributes)
    return None if cal is None else cal.state(day)


def buyable(attributes: dict[str, Any], day: dt.date) -> bool:
    return state(attributes, day) != OUT_OF_SEASON


def presale_terms(attributes: dict[str, Any], day: dt.date) -> Presale | None:
    """The pre-sale a purchase on `day` is made under (None when the product is in season or has none)."""
    cal = calendar(attributes)
    if cal is None or cal.state(day) != PRESALE:
        return None
    return cal.presale


def describe(attributes: dict[str, Any], day: dt.date) -> dict[str, Any] | None:
    """What a card or a product page says about the season on `day`: the state, and the pre-sale's terms."""
    cal = calendar(attributes)
    if cal is None:
        return None
    out: dict[str, Any] = {"state": cal.state(day), "season_months": sorted(cal.months)}
    if cal.window is not None:
        out["harvest_window"] = {"from": cal.window[0].isoformat(), "to": cal.window[1].isoformat()}
    if out["state"] == PRESALE and cal.presale is not None:
        out["ships_from"] = cal.presale.ships_from.isoformat()
        if cal.presale.deposit_percent:
            out["deposit_percent"] = cal.presale.deposit_percent
    return out


def estimated_ship_date(attributes: dict[str, Any], day: dt.date) -> dt.date | None:
    """When an item bought on `day` ships at the latest: a pre-sale ships from its date; a made-to-order piece
    after its processing days (both, for a made-to-order pre-sale). None: it ships as soon as it is paid."""
    dates = []
    presale = presale_terms(attributes, day)
    if presale is not None:
        dates.append(presale.ships_from)
    if attributes.get("made_to_order") and attributes.get("processing_days"):
        start = max(dates) if dates else day
        dates.append(start + dt.timedelta(days=int(attributes["processing_days"])))
    return max(dates) if dates else None
