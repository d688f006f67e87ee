"""Issue 12: the money rules of selling abroad (domain/markets.py), property-tested."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import markets
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.markets import FxRate

amounts = st.integers(min_value=0, max_value=10**12)
rates = st.builds(
    lambda whole, frac, digits: f"{whole}.{str(frac).zfill(digits)[:digits]}" if digits else str(whole),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=10**8 - 1),
    st.integers(min_value=0, max_value=8),
).filter(lambda r: Decimal(r) > 0)


def rate_of(text: str) -> FxRate:
    return FxRate("fx_1", "CNY-RUB", text, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", "op")


def half_up(exact: Fraction) -> int:
    floor = exact.numerator // exact.denominator
    return floor + 1 if exact - floor >= Fraction(1, 2) else floor


@given(amounts, rates)
def test_conversion_is_the_exact_product_rounded_half_up_once(amount, rate):
    converted = markets.convert(amount, rate, "CNY", "RUB")
    exact = Fraction(amount) * Fraction(Decimal(rate))
    assert converted == half_up(exact)
    assert abs(Fraction(converted) - exact) <= Fraction(1, 2)


@given(st.lists(st.tuples(st.integers(1, 10**9), st.integers(1, 1000)), min_size=1, max_size=40), rates)
def test_the_rouble_charge_and_the_cny_settlement_agree_with_the_recorded_rate(lines, rate_text):
    rate = rate_of(rate_text)
    charge = markets.order_charge(
        [(f"l{i}", unit, qty) for i, (unit, qty) in enumerate(lines)], rate, markets.MARKETS["ru"]
    )
    assert charge["rate"] == rate_text and charge["rate_id"] == rate.rate_id
    assert charge["base_total"] == sum(u * q for u, q in lines)  # what the seller is settled on, in CNY
    assert charge["total"] == sum(c["total"] for c in charge["lines"].values())
    for i, (unit, qty) in enumerate(lines):
        line = charge["lines"][f"l{i}"]
        assert line["unit_amount"] == half_up(Fraction(unit) * Fraction(Decimal(rate_text)))
        assert line["total"] == line["unit_amount"] * qty
    # the charge differs from the settlement at the rate by at most half a kopeck per unit sold
    exact = Fraction(charge["base_total"]) * Fraction(Decimal(rate_text))
    assert abs(Fraction(charge["total"]) - exact) <= Fraction(sum(q for _, q in lines), 2)


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        markets.convert(100.0, "12.5", "CNY", "RUB")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        markets.parse_rate(12.5)  # type: ignore[arg-type]
    for bad in ("1e3", "-1", "0", "0.0", "12,5", "", "NaN", "Infinity", "1.123456789"):
        with pytest.raises(ValidationFailed):
            markets.parse_rate(bad)


def test_rounding_examples():
    assert markets.convert(15999, "12.8345", "CNY", "RUB") == 205339  # 205339.1655
    assert markets.convert(15999, "12.5", "CNY", "RUB") == 199988  # 199987.5 rounds half up
    assert markets.convert(1, "0.4999", "CNY", "RUB") == 0
    assert markets.convert(1, "0.5", "CNY", "RUB") == 1


def test_an_unknown_currency_is_refused():
    with pytest.raises(ValidationFailed) as err:
        markets.convert(100, "1.0", "CNY", "USD")
    assert err.value.code == "unknown_currency"
    with pytest.raises(ValidationFailed):
        markets.check_pair("CNY-USD")


def test_the_language_is_lang_then_accept_language_then_the_markets():
    ru = markets.MARKETS["ru"]
    assert markets.pick_language("zh", "ru", ru) == "zh"
    assert markets.pick_language(None, "de-DE, en;q=0.8, ug;q=0.9", None) == "ug"
    assert markets.pick_language(None, "de", ru) == "ru"
    assert markets.pick_language(None, None, markets.MARKETS["cn"]) is None
    assert markets.pick_language(None, "zh;q=0", None) is None


def test_translations_and_shipping_are_checked():
    assert markets.validate_translations({"ru": {"title": " Платок "}}) == {
        "ru": {"title": "Платок", "description": ""}
    }
    for bad in ({"fr": {"title": "x"}}, {"ru": {"title": ""}}, {"ru": {"name": "x"}}, []):
        with pytest.raises(ValidationFailed):
            markets.validate_translations(bad)
    assert markets.validate_shipping({"weight_g": 10, "hs_code": "621410"})["hs_code"] == "621410"
    for bad in ({"weight_g": 10, "hs_code": "62141"}, {"weight_g": True, "hs_code": "621410"}, {"hs_code": "621410"}):
        with pytest.raises(ValidationFailed):
            markets.validate_shipping(bad)


def test_a_product_is_sold_abroad_when_its_shop_exports_and_it_has_shipping_data():
    assert markets.sold_in("ru", ("ru",), {"weight_g": 1, "hs_code": "621410"})
    assert not markets.sold_in("ru", (), {"weight_g": 1, "hs_code": "621410"})
    assert not markets.sold_in("ru", ("ru",), None)


def test_a_heavy_parcel_pays_at_least_two_euros_per_started_kilo_over_31():
    eur = FxRate("fx_e", "CNY-EUR", "0.125", "t", "t", "op")
    rub = FxRate("fx_r", "CNY-RUB", "12.5", "t", "t", "op")
    parcel = markets.parcel_customs(
        "ru",
        [
            {
                "line_id": "l1",
                "hs_code": "0802310000",
                "description": "walnuts",
                "quantity": 32,
                "unit_amount": 1000,
                "weight_g": 1000,
            }
        ],
        eur,
        rub,
    )
    assert parcel["value_eur"] == 4000 and parcel["weight_g"] == 32_000  # 40 EUR, 32 kg: 1 kg over
    assert parcel["over_allowance"] is True and parcel["duty_eur"] == 200
    assert parcel["duty"] == 20_000  # 2.00 EUR = 16 CNY = 200.00 RUB


def test_cross_conversion_goes_through_the_shared_base_exactly():
    eur = FxRate("fx_e", "CNY-EUR", "0.1281", "t", "t", "op")
    rub = FxRate("fx_r", "CNY-RUB", "12.8345", "t", "t", "op")
    exact = Fraction(689) * Fraction(Decimal("12.8345")) / Fraction(Decimal("0.1281"))
    assert markets.cross_convert(689, eur, rub) == half_up(exact)
