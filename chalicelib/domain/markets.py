"""Markets (issue 12): where the platform sells, in which currency and languages, and the money rules of
selling across a border: exchange rates as decimal strings, conversion to whole minor units, translations.

Money stays integer minor units with an ISO currency everywhere. A rate is a decimal string (`"12.8345"`,
never a float), parsed with `decimal.Decimal`. **The rounding rule** (the one place it is written): an amount
is converted by multiplying its minor units by the rate exactly (Decimal, 50 digits of precision, so the
product is exact) and rounding that product once to a whole minor unit, half away from zero
(ROUND_HALF_UP). CNY and RUB both have two decimals (fen, kopecks), so minor units convert directly; a price in
roubles is therefore always within half a kopeck of the exact product of the CNY price and the rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from .errors import ValidationFailed

# ISO 4217 currencies the platform knows, with their minor-unit exponent. Any other currency is a 400.
CURRENCIES: dict[str, int] = {"CNY": 2, "RUB": 2, "EUR": 2}
LANGUAGES = ("zh", "en", "ug", "ru")
HOME_CURRENCY = "CNY"  # every price is set in CNY; other markets see it converted
CUSTOMS_PAIR = "CNY-EUR"  # customs allowances are in euros


@dataclass(frozen=True)
class Market:
    market: str
    currency: str
    languages: tuple[str, ...]

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def public(self) -> dict[str, Any]:
        return {"market": self.market, "currency": self.currency, "languages": list(self.languages)}


MARKETS: dict[str, Market] = {
    "cn": Market("cn", "CNY", ("zh", "en", "ug")),
    "ru": Market("ru", "RUB", ("ru",)),
}
HOME_MARKET = "cn"
EXPORT_MARKETS = tuple(k for k in MARKETS if k != HOME_MARKET)
# The exchange rates operators may record: the home currency against each market's currency, and EUR (customs
# thresholds are in euros).
FX_PAIRS = ("CNY-RUB", "CNY-EUR")

_RATE = re.compile(r"^\d{1,6}(\.\d{1,8})?$")
_EXACT = Context(prec=50)
_HS_CODE = re.compile(r"^\d{6,10}$")


def get_market(key: str) -> Market:
    market = MARKETS.get(key)
    if market is None:
        raise ValidationFailed(
            "unknown market", code="unknown_market", details=[{"field": "market", "message": f"one of {list(MARKETS)}"}]
        )
    return market


def check_currency(code: str, field: str = "currency") -> str:
    if code not in CURRENCIES:
        raise ValidationFailed(
            f"unknown currency {code!r}",
            code="unknown_currency",
            details=[{"field": field, "message": f"one of {', '.join(CURRENCIES)}"}],
        )
    return code


def check_pair(pair: str) -> tuple[str, str]:
    """`CNY-RUB` -> ("CNY", "RUB"); an unknown currency is 400 `unknown_currency`, a pair not quoted 400."""
    parts = pair.split("-")
    if len(parts) != 2:
        raise ValidationFailed("a currency pair is BASE-QUOTE, e.g. CNY-RUB", code="bad_pair")
    base, quote = (check_currency(p, "pair") for p in parts)
    if pair not in FX_PAIRS:
        raise ValidationFailed(
            f"rates are kept for {', '.join(FX_PAIRS)}",
            code="unsupported_pair",
            details=[{"field": "pair", "message": f"one of {', '.join(FX_PAIRS)}"}],
        )
    return base, quote


def parse_rate(text: str) -> Decimal:
    """A rate: a positive decimal string with at most 6 integer and 8 fraction digits."""
    if not isinstance(text, str) or not _RATE.match(text):
        raise ValidationFailed(
            'a rate is a decimal string such as "12.8345"',
            code="bad_rate",
            details=[{"field": "rate", "message": "digits, an optional point and up to 8 decimals"}],
        )
    try:
        rate = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValidationFailed("not a decimal", code="bad_rate") from None
    if rate <= 0:
        raise ValidationFailed(
            "a rate must be above zero", code="bad_rate", details=[{"field": "rate", "message": "> 0"}]
        )
    return rate


def convert(amount: int, rate: Decimal | str, from_currency: str, to_currency: str) -> int:
    """`amount` minor units of `from_currency` in minor units of `to_currency`, by the module's rounding rule."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amounts are integer minor units")
    r = parse_rate(rate) if isinstance(rate, str) else rate
    shift = CURRENCIES[check_currency(to_currency)] - CURRENCIES[check_currency(from_currency)]
    exact = _EXACT.multiply(Decimal(amount), r).scaleb(shift, _EXACT)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT))


@dataclass(frozen=True)
class FxRate:
    """One recorded rate: `1 base = rate quote`. Every rate is kept; the newest `as_of` is the current one."""

    rate_id: str
    pair: str
    rate: str  # the decimal string as the operator gave it
    as_of: str
    recorded_at: str
    recorded_by: str

    @property
    def base(self) -> str:
        return self.pair.split("-")[0]

    @property
    def quote(self) -> str:
        return self.pair.split("-")[1]

    @property
    def value(self) -> Decimal:
        return parse_rate(self.rate)

    def convert(self, amount: int) -> int:
        return convert(amount, self.value, self.base, self.quote)

    def tag(self) -> dict[str, str]:
        """What a converted price shows about its rate."""
        return {"rate_id": self.rate_id, "rate": self.rate, "as_of": self.as_of}

    def to_dict(self) -> dict[str, str]:
        return {
            "rate_id": self.rate_id,
            "pair": self.pair,
            "rate": self.rate,
            "as_of": self.as_of,
            "recorded_at": self.recorded_at,
            "recorded_by": self.recorded_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FxRate:
        return cls(**{k: str(data[k]) for k in ("rate_id", "pair", "rate", "as_of", "recorded_at", "recorded_by")})


def market_pair(market: Market) -> str:
    return f"{HOME_CURRENCY}-{market.currency}"


# --- products sold abroad -------------------------------------------------------------------------------


def validate_shipping(value: Any) -> dict[str, Any]:
    """A product's shipping data, needed to export it: `{"weight_g": 1..31000, "hs_code": 6-10 digits}`."""
    problems = []
    if not isinstance(value, dict):
        raise ValidationFailed("shipping is an object", details=[{"field": "shipping", "message": "weight_g, hs_code"}])
    unknown = set(value) - {"weight_g", "hs_code"}
    if unknown:
        problems.append({"field": "shipping", "message": f"unknown fields: {', '.join(sorted(unknown))}"})
    weight = value.get("weight_g")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 31_000:
        problems.append({"field": "shipping.weight_g", "message": "grams, a whole number from 1 to 31000"})
    hs = value.get("hs_code")
    if not isinstance(hs, str) or not _HS_CODE.match(hs):
        problems.append({"field": "shipping.hs_code", "message": "the HS code: 6 to 10 digits"})
    if problems:
        raise ValidationFailed("shipping is not valid", code="bad_shipping", details=problems)
    return {"weight_g": weight, "hs_code": hs}


def validate_translations(value: Any) -> dict[str, dict[str, str]]:
    """`{"ru"|"zh"|"ug"|"en": {"title": 1-120 chars, "description"?: up to 5000}}`."""
    if not isinstance(value, dict):
        raise ValidationFailed("translations is an object keyed by language", code="bad_translations")
    problems = []
    out: dict[str, dict[str, str]] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.append({"field": f"translations.{lang}", "message": f"languages: {', '.join(LANGUAGES)}"})
            continue
        if not isinstance(text, dict) or set(text) - {"title", "description"}:
            problems.append({"field": f"translations.{lang}", "message": "title and an optional description"})
            continue
        title, description = text.get("title"), text.get("description", "")
        if not isinstance(title, str) or not title.strip() or len(title) > 120:
            problems.append({"field": f"translations.{lang}.title", "message": "1 to 120 characters"})
            continue
        if not isinstance(description, str) or len(description) > 5000:
            problems.append({"field": f"translations.{lang}.description", "message": "up to 5000 characters"})
            continue
        out[lang] = {"title": title.strip(), "description": description.strip()}
    if problems:
        raise ValidationFailed("translations are not valid", code="bad_translations", details=problems)
    return out


def sold_in(market: str, export_markets: list[str] | tuple[str, ...], shipping: dict[str, Any] | None) -> bool:
    """A product is sold in an export market when its shop exports there and it has its shipping data."""
    return market in export_markets and bool(shipping)


def pick_language(lang: str | None, accept_language: str | None, market: Market | None) -> str | None:
    """The language to show: `?lang=` first, then the best of `Accept-Language` we have, then the market's
    default (ru -> Russian); None means the original texts."""
    if lang:
        if lang not in LANGUAGES:
            raise ValidationFailed(
                "unknown language", code="unknown_language", details=[{"field": "lang", "message": f"{LANGUAGES}"}]
            )
        return lang
    for tag, _q in _accept_language(accept_language or ""):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return market.default_language if market is not None and market.market != HOME_MARKET else None


def _accept_language(header: str) -> list[tuple[str, float]]:
    out = []
    for part in header.split(",")[:20]:
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])  # a header weight, not money
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0:
            out.append((tag, q))
    return sorted(out, key=lambda t: -t[1])


def translated(title: str, description: str, translations: dict[str, Any] | None, lang: str | None) -> tuple[str, str]:
    """The title and description in `lang` when the seller gave them, else the original."""
    text = (translations or {}).get(lang or "")
    if not text:
        return title, description
    return text["title"], text.get("description") or description


def charge_line(unit_amount: int, quantity: int, rate: FxRate) -> tuple[int, int]:
    """A line charged in a foreign currency: (unit price, line total). The unit price is converted by the
    rounding rule, and the line total is that unit price times the quantity, so the buyer's sum adds up
    line by line and the cart, checkout and the order agree."""
    unit = rate.convert(unit_amount)
    return unit, unit * quantity


def order_charge(lines: list[tuple[str, int, int]], rate: FxRate, market: Market) -> dict[str, Any]:
    """What an order of a foreign market charges, from its lines (line_id, unit amount in CNY, quantity)."""
    charged: dict[str, dict[str, int]] = {}
    for line_id, unit_amount, quantity in lines:
        unit, total = charge_line(unit_amount, quantity, rate)
        charged[line_id] = {"unit_amount": unit, "total": total}
    return {
        "market": market.market,
        "currency": market.currency,
        "rate_id": rate.rate_id,
        "rate": rate.rate,
        "as_of": rate.as_of,
        "total": sum(c["total"] for c in charged.values()),
        "base_total": sum(u * q for _, u, q in lines),
        "lines": charged,
    }


# Issue 12: how a buyer in a foreign market may pay (the home market's card provider charges CNY)
MARKET_PAYMENT_METHODS: dict[str, tuple[str, ...]] = {"ru": ("mir_card", "sbp", "cash_on_delivery")}


# --- customs (issue 12) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomsRule:
    """A market's duty-free allowance per parcel and the duty beyond it. Russia: EUR 200 and 31 kg per parcel;
    beyond, 15 % of the value over EUR 200, and at least EUR 2 per kg over 31 kg (the Russian rule for
    parcels to individuals)."""

    threshold_eur: int  # euro cents
    max_weight_g: int
    duty_bp: int  # basis points of the value over the threshold
    per_kg_eur: int  # euro cents per started kg over the weight allowance


CUSTOMS: dict[str, CustomsRule] = {
    "ru": CustomsRule(threshold_eur=20_000, max_weight_g=31_000, duty_bp=1500, per_kg_eur=200)
}


def cross_convert(amount: int, from_rate: FxRate, to_rate: FxRate) -> int:
    """`amount` in from_rate's quote currency converted to to_rate's quote currency through the home currency
    they share (EUR -> RUB via CNY-EUR and CNY-RUB), by the same rounding rule (once, half up)."""
    if from_rate.base != to_rate.base:
        raise ValueError("cross rates need the same base currency")
    exact = _EXACT.divide(_EXACT.multiply(Decimal(amount), to_rate.value), from_rate.value)
    shift = CURRENCIES[to_rate.quote] - CURRENCIES[from_rate.quote]
    return int(exact.scaleb(shift, _EXACT).quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT))


def parcel_customs(market: str, lines: list[dict[str, Any]], eur_rate: FxRate, charge_rate: FxRate) -> dict[str, Any]:
    """One parcel's (one shop's order) customs: the declaration lines (line_id, hs_code, description, quantity,
    value in CNY, weight in grams), the totals, whether it is over the allowance, and the estimated duty in
    EUR and in the market's currency. `lines`: {"line_id", "hs_code", "description", "quantity",
    "unit_amount" (CNY minor units), "weight_g" (per unit)}."""
    rule = CUSTOMS[market]
    declared = [
        {
            "line_id": ln["line_id"],
            "hs_code": ln["hs_code"],
            "description": ln["description"],
            "quantity": ln["quantity"],
            "value": ln["unit_amount"] * ln["quantity"],
            "weight_g": ln["weight_g"] * ln["quantity"],
        }
        for ln in lines
    ]
    value = sum(d["value"] for d in declared)
    weight = sum(d["weight_g"] for d in declared)
    value_eur = eur_rate.convert(value)
    excess_eur = max(0, value_eur - rule.threshold_eur)
    over_g = max(0, weight - rule.max_weight_g)
    by_value = int((Decimal(excess_eur) * rule.duty_bp / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    by_weight = -(-over_g // 1000) * rule.per_kg_eur
    duty_eur = max(by_value, by_weight)
    return {
        "lines": declared,
        "value": value,
        "currency": HOME_CURRENCY,
        "value_eur": value_eur,
        "weight_g": weight,
        "threshold_eur": rule.threshold_eur,
        "max_weight_g": rule.max_weight_g,
        "over_allowance": excess_eur > 0 or over_g > 0,
        "duty_eur": duty_eur,
        "duty": cross_convert(duty_eur, eur_rate, charge_rate),
        "duty_currency": charge_rate.quote,
        "eur_rate_id": eur_rate.rate_id,
        "eur_rate": eur_rate.rate,
    }


# --- refunds of a foreign-currency charge (issue 12) ---------------------------------------------------------


def charge_refunded(charged: int, paid: int, refunded: int) -> int:
    """The part of a charge of `charged` (minor units of the buyer's currency, for goods the buyer paid `paid`
    for in the order's currency) that refunds of `refunded` in all (the order's currency) give back: the same
    proportion, rounded once, half up, in integers (2ab + c) // 2c, never beyond the charge. Each refund of an
    order gives back the difference this makes (`charge_refund`), so however a refund is split up, the parts
    add up to exactly what it would give back in one piece, and everything refunded gives back the charge."""
    if charged <= 0 or refunded <= 0:
        return 0
    if paid <= 0 or refunded >= paid:
        return charged
    return (2 * refunded * charged + paid) // (2 * paid)


def charge_refund(charged: int, paid: int, refunded_before: int, charge_refunded_before: int, amount: int) -> int:
    """What a refund of `amount` (the order's currency) gives back of the charge, after refunds of
    `refunded_before` that gave back `charge_refunded_before` of it: the cumulative rule's difference (never
    negative, and never taking the charge's refunds beyond the charge)."""
    due = charge_refunded(charged, paid, refunded_before + max(amount, 0))
    return max(0, min(due, charged) - charge_refunded_before)
