"""The three storefronts and their rules. Every storefront-specific rule lives in this module."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import personalisation
from .errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class Storefront:
    key: str
    name: str
    description: str
    currency: str
    categories: tuple[str, ...]
    return_window_days: int = 7


STOREFRONTS: dict[str, Storefront] = {
    sf.key: sf
    for sf in (
        Storefront(
            key="b2b",
            name="Bulk trade",
            description=(
                "Wholesale lots from regional producers: minimum order quantities, order multiples, "
                "tiered unit prices and quotes for big orders."
            ),
            currency="CNY",
            categories=("cotton-textiles", "dried-fruit", "nuts", "grain", "wool-leather", "other"),
        ),
        Storefront(
            key="handicrafts",
            name="Handicrafts & farm produce",
            description=(
                "Made by hand and grown by families: makers, made-to-order pieces with their processing "
                "times, personalisation, and fresh produce by harvest."
            ),
            currency="CNY",
            categories=("textiles", "metalwork", "woodwork", "ceramics", "jewellery", "fresh-produce", "other"),
        ),
        Storefront(
            key="specialties",
            name="Prefecture specialties",
            description=(
                "Specialties of their place of origin, with province, prefecture and county, "
                "geographic-indication proof and the months they are in season."
            ),
            currency="CNY",
            categories=("dried-fruit", "fresh-fruit", "nuts", "tea", "spices", "other"),
        ),
    )
}


def get_storefront(key: str) -> Storefront:
    try:
        return STOREFRONTS[key]
    except KeyError:
        raise NotFound(f"unknown storefront {key!r}", code="storefront_not_found") from None


# --- attribute validation -------------------------------------------------------------------------


class _Problems:
    """Collects field problems so a client sees every mistake at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed("attributes are not valid for this storefront", details=self.items)


def _int(p: _Problems, attrs: dict[str, Any], name: str, lo: int, hi: int, *, required: bool = True) -> int | None:
    value = attrs.get(name)
    if value is None:
        if required:
            p.add(f"attributes.{name}", "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        p.add(f"attributes.{name}", f"must be an integer from {lo} to {hi}")
        return None
    return value


def _text(p: _Problems, attrs: dict[str, Any], name: str, max_len: int, *, required: bool = True) -> str | None:
    value = attrs.get(name)
    if value is None:
        if required:
            p.add(f"attributes.{name}", "is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        p.add(f"attributes.{name}", f"must be a non-empty string of at most {max_len} characters")
        return None
    return value.strip()


def _reject_unknown(p: _Problems, attrs: dict[str, Any], allowed: set[str]) -> None:
    for name in sorted(set(attrs) - allowed):
        p.add(f"attributes.{name}", "is not a known attribute for this storefront")


def _region(p: _Problems, value: Any, field: str) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        p.add(field, "must be an object with province, prefecture and county")
        return None
    _reject_unknown_region = set(value) - {"province", "prefecture", "county"}
    for name in sorted(_reject_unknown_region):
        p.add(f"{field}.{name}", "is not a known field")
    out = {}
    for name in ("province", "prefecture", "county"):
        part = value.get(name)
        if not isinstance(part, str) or not part.strip() or len(part) > 60:
            p.add(f"{field}.{name}", "must be a non-empty string of at most 60 characters")
        else:
            out[name] = part.strip()
    return out if len(out) == 3 else None


def _b2b(attrs: dict[str, Any], price_amount: int) -> dict[str, Any]:
    p = _Problems()
    _reject_unknown(p, attrs, {"moq", "unit", "price_tiers", "order_multiple", "lead_time_days", "sample"})
    moq = _int(p, attrs, "moq", 1, 1_000_000)
    unit = _text(p, attrs, "unit", 20)
    multiple = _int(p, attrs, "order_multiple", 1, 1_000_000, required=False)
    lead = _int(p, attrs, "lead_time_days", 0, 365, required=False)
    tiers_in = attrs.get("price_tiers")
    tiers: list[dict[str, Any]] = []
    if not isinstance(tiers_in, list) or not 1 <= len(tiers_in) <= 10:
        p.add("attributes.price_tiers", "must be a list of 1 to 10 tiers")
    else:
        for i, tier in enumerate(tiers_in):
            field = f"attributes.price_tiers[{i}]"
            if not isinstance(tier, dict) or set(tier) != {"min_quantity", "amount"}:
                p.add(field, "must be an object with exactly min_quantity and amount")
                continue
            qty, amount = tier["min_quantity"], tier["amount"]
            if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 100_000_000:
                p.add(f"{field}.min_quantity", "must be a positive integer")
                continue
            if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 10**12:
                p.add(f"{field}.amount", "must be a positive integer amount in minor units")
                continue
            tiers.append({"min_quantity": qty, "amount": amount})
        if len(tiers) == len(tiers_in):
            for prev, cur in zip(tiers, tiers[1:], strict=False):
                if cur["min_quantity"] <= prev["min_quantity"]:
                    p.add("attributes.price_tiers", "min_quantity must be strictly ascending")
                    break
                if cur["amount"] > prev["amount"]:
                    p.add("attributes.price_tiers", "a larger quantity may not have a higher unit price")
                    break
            if moq is not None and tiers and tiers[0]["min_quantity"] != moq:
                p.add("attributes.price_tiers", "the first tier's min_quantity must equal moq")
            if tiers and tiers[0]["amount"] != price_amount:
                p.add("price.amount", "must equal the first tier's amount (the unit price at the moq)")
            if multiple and any(t["min_quantity"] % multiple for t in tiers):
                p.add("attributes.price_tiers", "every tier's min_quantity must be a multiple of order_multiple")
    if moq is not None and multiple and moq % multiple:
        p.add("attributes.moq", "must be a multiple of order_multiple")
    sample = _sample(p, attrs.get("sample"), moq) if "sample" in attrs else None
    p.raise_if_any()
    out: dict[str, Any] = {"moq": moq, "unit": unit, "price_tiers": tiers}
    if sample is not None:
        out["sample"] = sample
    if multiple is not None:
        out["order_multiple"] = multiple
    if lead is not None:
        out["lead_time_days"] = lead
    return out


def _sample(p: _Problems, value: Any, moq: int | None) -> dict[str, int] | None:
    """A b2b product's sample offer (issue 14): `{"amount", "max_quantity"}`, fewer units than the MOQ."""
    if not isinstance(value, dict) or set(value) != {"amount", "max_quantity"}:
        p.add("attributes.sample", "must be an object with exactly amount and max_quantity")
        return None
    amount, most = value["amount"], value["max_quantity"]
    ok = True
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 10**12:
        p.add("attributes.sample.amount", "must be a positive integer amount in minor units")
        ok = False
    if isinstance(most, bool) or not isinstance(most, int) or most < 1:
        p.add("attributes.sample.max_quantity", "must be a positive integer")
        ok = False
    elif moq is not None and most >= moq:
        p.add("attributes.sample.max_quantity", "a sample is fewer units than the moq")
        ok = False
    return {"amount": amount, "max_quantity": most} if ok else None


def _handicrafts(attrs: dict[str, Any], price_amount: int) -> dict[str, Any]:
    p = _Problems()
    _reject_unknown(
        p,
        attrs,
        {
            "maker",
            "made_to_order",
            "processing_days",
            "materials",
            "harvest_date",
            *HANDICRAFT_MAKER_ATTRIBUTES,
            *SEASON_ATTRIBUTES,
        },
    )
    maker_id = _maker_id(p, attrs)
    maker = _text(p, attrs, "maker", 100, required=maker_id is None)
    made_to_order = attrs.get("made_to_order")
    if not isinstance(made_to_order, bool):
        p.add("attributes.made_to_order", "is required and must be true or false")
    days = _int(p, attrs, "processing_days", 1, 180, required=made_to_order is True)
    if made_to_order is False and days is not None:
        p.add("attributes.processing_days", "only applies to made-to-order items")
    out: dict[str, Any] = {"maker": maker, "made_to_order": made_to_order}
    if maker is None:
        out.pop("maker")
    if maker_id is not None:
        out["maker_id"] = maker_id
    if days is not None:
        out["processing_days"] = days
    materials = attrs.get("materials")
    if materials is not None:
        if (
            not isinstance(materials, list)
            or len(materials) > 10
            or not all(isinstance(m, str) and m.strip() and len(m) <= 40 for m in materials)
        ):
            p.add("attributes.materials", "must be a list of at most 10 strings of at most 40 characters")
        else:
            out["materials"] = [m.strip() for m in materials]
    harvest = attrs.get("harvest_date")
    if harvest is not None:
        try:
            out["harvest_date"] = dt.date.fromisoformat(harvest).isoformat() if isinstance(harvest, str) else None
        except ValueError:
            out["harvest_date"] = None
        if out["harvest_date"] is None or len(harvest) != 10:
            p.add("attributes.harvest_date", "must be a date as YYYY-MM-DD")
    if "personalisation" in attrs:
        problems, fields = personalisation.definition_problems(attrs["personalisation"])
        p.items += problems
        out["personalisation"] = fields
    out.update(_season(p, attrs, required=False))
    p.raise_if_any()
    return out


def _specialties(attrs: dict[str, Any], price_amount: int) -> dict[str, Any]:
    p = _Problems()
    _reject_unknown(p, attrs, {"origin", "gi_certificate", *SEASON_ATTRIBUTES})
    origin = _region(p, attrs.get("origin"), "attributes.origin") if "origin" in attrs else None
    if "origin" not in attrs:
        p.add("attributes.origin", "is required")
    season = _season(p, attrs, required=True)
    gi = _text(p, attrs, "gi_certificate", 64, required=False)
    p.raise_if_any()
    out: dict[str, Any] = {"origin": origin, **season}
    if gi is not None:
        out["gi_certificate"] = gi
    return out


# --- issue 15: makers, personalisation, harvest calendars and pre-sales -----------------------------

HANDICRAFT_MAKER_ATTRIBUTES = ("maker_id", "personalisation")
SEASON_ATTRIBUTES = ("season_months", "harvest_window", "presale")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
MAX_DEPOSIT_PERCENT = 90


def _maker_id(p: _Problems, attrs: dict[str, Any]) -> str | None:
    value = attrs.get("maker_id")
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        p.add("attributes.maker_id", "must be the id of one of the shop's makers")
        return None
    return value


def _date(p: _Problems, value: Any, field: str) -> str | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    p.add(field, "must be a date as YYYY-MM-DD")
    return None


def _season(p: _Problems, attrs: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """`season_months` (required for specialties; for handicrafts, fresh produce sold by harvest), this year's
    `harvest_window` when it is known, and a `presale` for when the product is out of season."""
    out: dict[str, Any] = {}
    months = attrs.get("season_months")
    if months is None and not required and not ({"harvest_window", "presale"} & set(attrs)):
        return out
    if (
        not isinstance(months, list)
        or not months
        or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months)
        or len(set(months)) != len(months)
    ):
        p.add("attributes.season_months", "must be a non-empty list of distinct months 1-12")
    else:
        out["season_months"] = sorted(months)
    window = attrs.get("harvest_window")
    if window is not None:
        if not isinstance(window, dict) or set(window) != {"from", "to"}:
            p.add("attributes.harvest_window", "must be an object with from and to (YYYY-MM-DD)")
        else:
            start = _date(p, window["from"], "attributes.harvest_window.from")
            end = _date(p, window["to"], "attributes.harvest_window.to")
            if start and end:
                days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
                if not 0 <= days <= 366:
                    p.add("attributes.harvest_window", "to must be from or later, within a year")
                else:
                    out["harvest_window"] = {"from": start, "to": end}
    presale = attrs.get("presale")
    if presale is not None:
        if (
            not isinstance(presale, dict)
            or "ships_from" not in presale
            or set(presale)
            - {
                "ships_from",
                "deposit_percent",
            }
        ):
            p.add("attributes.presale", "must be an object with ships_from and an optional deposit_percent")
        else:
            ships_from = _date(p, presale["ships_from"], "attributes.presale.ships_from")
            deposit = presale.get("deposit_percent")
            if deposit is not None and (
                isinstance(deposit, bool) or not isinstance(deposit, int) or not 1 <= deposit <= MAX_DEPOSIT_PERCENT
            ):
                p.add("attributes.presale.deposit_percent", f"must be an integer from 1 to {MAX_DEPOSIT_PERCENT}")
                deposit = None
            if ships_from:
                out["presale"] = {"ships_from": ships_from}
                if deposit is not None:
                    out["presale"]["deposit_percent"] = deposit
    return out


_ATTRIBUTE_RULES: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    "b2b": _b2b,
    "handicrafts": _handicrafts,
    "specialties": _specialties,
}


def validate_attributes(storefront: str, attributes: Any, price_amount: int) -> dict[str, Any]:
    """Returns the normalised attributes of a product in `storefront`, or raises ValidationFailed."""
    if not isinstance(attributes, dict):
        raise ValidationFailed(
            "attributes must be an object",
            details=[{"field": "attributes", "message": "must be an object"}],
        )
    return _ATTRIBUTE_RULES[storefront](attributes, price_amount)


def validate_region(value: Any, field: str = "region") -> dict[str, Any]:
    p = _Problems()
    region = _region(p, value, field)
    if p.items:
        raise ValidationFailed(f"{field} is not valid", details=p.items)
    return region  # type: ignore[return-value]


def product_prefecture(storefront: str, attributes: dict[str, Any], shop_region: dict[str, Any]) -> str:
    """The prefecture a product is filtered by: its origin for specialties, else its shop's region."""
    if storefront == "specialties":
        return str(attributes["origin"]["prefecture"])
    return str(shop_region["prefecture"])


# --- unpaid holds (issue 9) ------------------------------------------------------------------------------
# An order waiting for payment holds its units. So that one account cannot lock a listing, a buyer's open
# unpaid quantity of one product (over all their orders awaiting payment) may be at most UNPAID_HOLD_PERCENT
# of the units in stock when they check out, or the storefront's floor, whichever is larger: b2b's floor is
# the product's MOQ (a buyer can always order one minimum lot); retail storefronts let anyone hold a few units.
UNPAID_HOLD_PERCENT = 20
RETAIL_UNPAID_HOLD_FLOOR = 5


def unpaid_hold_floor(storefront: str, attributes: dict[str, Any]) -> int:
    if storefront == "b2b":
        return int(attributes.get("moq") or 1)
    return RETAIL_UNPAID_HOLD_FLOOR


def unpaid_hold_cap(storefront: str, attributes: dict[str, Any], stock: int) -> int:
    """The most units of a product one buyer may hold unpaid when `stock` units are in stock."""
    share = -(-max(stock, 0) * UNPAID_HOLD_PERCENT // 100)  # rounded up
    return max(share, unpaid_hold_floor(storefront, attributes))


def stock_needed_for_hold(storefront: str, attributes: dict[str, Any], held: int) -> int | None:
    """The least stock (before the sale) at which a buyer may hold `held` units unpaid, as the checkout
    transaction's condition; None when the floor allows it whatever the stock. `unpaid_hold_cap(stock) >= held`
    holds exactly when stock >= this (ceil(stock * p / 100) >= held  <=>  stock * p > (held - 1) * 100)."""
    if held <= unpaid_hold_floor(storefront, attributes):
        return None
    return (held - 1) * 100 // UNPAID_HOLD_PERCENT + 1
