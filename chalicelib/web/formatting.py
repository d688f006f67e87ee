"""Money and dates for people, per UI language. Integer arithmetic only: money stays in minor units."""

from __future__ import annotations

import datetime as dt

# ISO 4217 code -> (symbol, minor-unit digits). Unknown codes are shown as the code itself.
CURRENCIES: dict[str, tuple[str, int]] = {
    "CNY": ("¥", 2),
    "JPY": ("¥", 0),
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "RUB": ("₽", 2),
}

NBSP = "\u00a0"
# language -> (decimal separator, group separator, pattern with {sign}{symbol}{number})
_NUMBER_STYLE: dict[str, tuple[str, str, str]] = {
    "en": (".", ",", "{sign}{symbol}{number}"),
    "zh": (".", ",", "{sign}{symbol}{number}"),
    "ru": (",", NBSP, "{sign}{number}" + NBSP + "{symbol}"),
    "ug": (".", ",", "{sign}{symbol}{number}"),  # as in Xinjiang: ¥1,820.00
}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
           "ноябрь", "декабрь"),
    "zh": tuple(f"{m}月" for m in range(1, 13)),
    "ug": ("يانۋار", "فېۋرال", "مارت", "ئاپرېل", "ماي", "ئىيۇن", "ئىيۇل", "ئاۋغۇست", "سېنتەبىر", "ئۆكتەبىر",
           "نويابىر", "دېكابىر"),
}  # fmt: skip
_MONTHS_GENITIVE_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
    "декабря",
)  # fmt: skip


def format_number(value: int, lang: str) -> str:
    _, group, _ = _NUMBER_STYLE.get(lang, _NUMBER_STYLE["en"])
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", group)


def format_money(amount: int, currency: str, lang: str) -> str:
    """159_00 CNY -> "¥159.00" (en, zh) or "159,00 ¥" (ru); thousands grouped per language."""
    symbol, digits = CURRENCIES.get(currency, (currency, 2))
    decimal, group, pattern = _NUMBER_STYLE.get(lang, _NUMBER_STYLE["en"])
    units, minor = divmod(abs(int(amount)), 10**digits)
    number = f"{units:,}".replace(",", group)
    if digits:
        number += decimal + str(minor).rjust(digits, "0")
    if symbol == currency:  # an ISO code reads better with a space: "CHF 12.00"
        symbol = symbol + NBSP if pattern.startswith("{sign}{symbol}") else symbol
    return pattern.format(sign="-" if amount < 0 else "", symbol=symbol, number=number)


def format_money_short(amount: int, currency: str, lang: str) -> str:
    """Whole units only, for chart axes: 2_000_000 CNY -> "¥20,000" / "20 000 ¥"."""
    symbol, digits = CURRENCIES.get(currency, (currency, 2))
    _, group, pattern = _NUMBER_STYLE.get(lang, _NUMBER_STYLE["en"])
    units = abs(int(amount)) // 10**digits
    number = f"{units:,}".replace(",", group)
    if symbol == currency:
        symbol = symbol + NBSP if pattern.startswith("{sign}{symbol}") else symbol
    return pattern.format(sign="-" if amount < 0 else "", symbol=symbol, number=number)


def month_name(month: int, lang: str) -> str:
    return _MONTHS.get(lang, _MONTHS["en"])[month - 1]


def _parse(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_date(value: str | None, lang: str) -> str:
    parsed = _parse(value or "")
    if parsed is None:
        return value or ""
    d, m, y = parsed.day, parsed.month, parsed.year
    if lang == "zh":
        return f"{y}年{m}月{d}日"
    if lang == "ru":
        return f"{d} {_MONTHS_GENITIVE_RU[m - 1]} {y} г."
    if lang == "ug":
        return f"{y}-يىل {d}-{_MONTHS['ug'][m - 1]}"
    return f"{d} {_MONTHS['en'][m - 1]} {y}"


def format_datetime(value: str | None, lang: str) -> str:
    """An ISO-8601 instant as a date and a UTC time: "1 May 2024, 14:03 UTC" / "2024年5月1日 14:03 UTC"."""
    parsed = _parse(value or "")
    if parsed is None:
        return value or ""
    if lang == "ug":  # right to left: the Latin "14:03 UTC" stays one left-to-right run
        return f"{format_date(value, lang)}، \u2066{parsed:%H:%M} UTC\u2069"
    separator = " " if lang == "zh" else ", "
    return f"{format_date(value, lang)}{separator}{parsed:%H:%M} UTC"


def isolate(value: object) -> str:
    """`value` as a bidirectional isolate (FSI ... PDI): an address or opening hours in Latin letters keep their
    own order inside a right-to-left (Uyghur) sentence, and the sentence keeps its own around them."""
    return f"\u2068{value}\u2069"
