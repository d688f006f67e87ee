"""Per-storefront attribute rules (domain/storefronts.py): each accepts a valid example and rejects each
violation with a detail naming the offending field."""

from __future__ import annotations

import copy

import pytest

from chalicelib.domain.catalog import check_product_fields
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.storefronts import (
    STOREFRONTS,
    get_storefront,
    product_prefecture,
    validate_attributes,
    validate_region,
)

B2B = {
    "moq": 10,
    "unit": "carton",
    "price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
    "order_multiple": 5,
    "lead_time_days": 14,
}
B2B_PRICE = 12000
HANDICRAFTS = {"maker": "Aygul Tursun", "made_to_order": True, "processing_days": 10, "materials": ["silk"]}
SPECIALTIES = {
    "origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
    "season_months": [11, 9, 10],
    "gi_certificate": "GI-2016-0412",
}


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return {d["field"] for d in exc.value.details}


def rejects(storefront: str, attrs, price: int, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_attributes(storefront, attrs, price)
    assert exc.value.code == "validation_error"
    assert field in fields_of(exc), exc.value.details
    for detail in exc.value.details:
        assert detail["message"]


def with_(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is ...:
            out.pop(k, None)
        else:
            out[k] = v
    return out


# --- b2b ----------------------------------------------------------------------------------------------


def test_b2b_valid_example_is_normalised():
    assert validate_attributes("b2b", copy.deepcopy(B2B), B2B_PRICE) == B2B


def test_b2b_minimal_example():
    attrs = {"moq": 1, "unit": " kg ", "price_tiers": [{"min_quantity": 1, "amount": 500}]}
    assert validate_attributes("b2b", attrs, 500) == {
        "moq": 1,
        "unit": "kg",
        "price_tiers": [{"min_quantity": 1, "amount": 500}],
    }


@pytest.mark.parametrize(
    ("attrs", "price", "field"),
    [
        (with_(B2B, moq=...), B2B_PRICE, "attributes.moq"),
        (with_(B2B, moq=0), B2B_PRICE, "attributes.moq"),
        (with_(B2B, moq="10"), B2B_PRICE, "attributes.moq"),
        (with_(B2B, moq=True), B2B_PRICE, "attributes.moq"),
        (with_(B2B, moq=10.0), B2B_PRICE, "attributes.moq"),
        (with_(B2B, unit=...), B2B_PRICE, "attributes.unit"),
        (with_(B2B, unit="   "), B2B_PRICE, "attributes.unit"),
        (with_(B2B, unit="x" * 21), B2B_PRICE, "attributes.unit"),
        (with_(B2B, price_tiers=...), B2B_PRICE, "attributes.price_tiers"),
        (with_(B2B, price_tiers=[]), B2B_PRICE, "attributes.price_tiers"),
        (with_(B2B, price_tiers={"min_quantity": 10, "amount": 1}), B2B_PRICE, "attributes.price_tiers"),
        (
            with_(B2B, price_tiers=[{"min_quantity": 10 * (i + 1), "amount": 12000} for i in range(11)]),
            B2B_PRICE,
            "attributes.price_tiers",
        ),
        (with_(B2B, price_tiers=[{"min_quantity": 10}]), B2B_PRICE, "attributes.price_tiers[0]"),
        (
            with_(B2B, price_tiers=[{"min_quantity": 10, "amount": 12000, "x": 1}]),
            B2B_PRICE,
            "attributes.price_tiers[0]",
        ),
        (with_(B2B, price_tiers=["10 at 120"]), B2B_PRICE, "attributes.price_tiers[0]"),
        (
            with_(B2B, price_tiers=[{"min_quantity": 0, "amount": 12000}]),
            B2B_PRICE,
            "attributes.price_tiers[0].min_quantity",
        ),
        (
            with_(B2B, price_tiers=[{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 0}]),
            B2B_PRICE,
            "attributes.price_tiers[1].amount",
        ),
        (
            with_(B2B, price_tiers=[{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 1.5}]),
            B2B_PRICE,
            "attributes.price_tiers[1].amount",
        ),
        # not ascending
        (
            with_(B2B, price_tiers=[{"min_quantity": 10, "amount": 12000}, {"min_quantity": 10, "amount": 11000}]),
            B2B_PRICE,
            "attributes.price_tiers",
        ),
        (
            with_(
                B2B, price_tiers=[{"min_quantity": 50, "amount": 12000}, {"min_quantity": 10, "amount": 11000}], moq=50
            ),
            B2B_PRICE,
            "attributes.price_tiers",
        ),
        # a bigger quantity may not cost more per unit
        (
            with_(B2B, price_tiers=[{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 13000}]),
            B2B_PRICE,
            "attributes.price_tiers",
        ),
        # first tier must start at the moq
        (with_(B2B, moq=20), B2B_PRICE, "attributes.price_tiers"),
        # price must equal the first tier
        (copy.deepcopy(B2B), B2B_PRICE + 1, "price.amount"),
        # tiers and moq must respect the order multiple
        (
            with_(
                B2B,
                order_multiple=3,
                moq=9,
                price_tiers=[{"min_quantity": 9, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
            ),
            12000,
            "attributes.price_tiers",
        ),
        (with_(B2B, order_multiple=4), B2B_PRICE, "attributes.moq"),
        (with_(B2B, order_multiple=0), B2B_PRICE, "attributes.order_multiple"),
        (with_(B2B, lead_time_days=-1), B2B_PRICE, "attributes.lead_time_days"),
        (with_(B2B, lead_time_days=366), B2B_PRICE, "attributes.lead_time_days"),
        (with_(B2B, colour="red"), B2B_PRICE, "attributes.colour"),
        (with_(B2B, maker="someone"), B2B_PRICE, "attributes.maker"),
    ],
)
def test_b2b_violations(attrs, price, field):
    rejects("b2b", attrs, price, field)


def test_b2b_reports_every_problem_at_once():
    with pytest.raises(ValidationFailed) as exc:
        validate_attributes("b2b", {"moq": 0, "unit": "", "price_tiers": [], "extra": 1}, 1)
    assert {"attributes.moq", "attributes.unit", "attributes.price_tiers", "attributes.extra"} <= fields_of(exc)


# --- handicrafts --------------------------------------------------------------------------------------


def test_handicrafts_valid_examples():
    assert validate_attributes("handicrafts", copy.deepcopy(HANDICRAFTS), 15900) == HANDICRAFTS
    ready = {"maker": " Ahmad ", "made_to_order": False, "materials": [" copper "], "harvest_date": "2026-09-15"}
    assert validate_attributes("handicrafts", ready, 100) == {
        "maker": "Ahmad",
        "made_to_order": False,
        "materials": ["copper"],
        "harvest_date": "2026-09-15",
    }


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        (with_(HANDICRAFTS, maker=...), "attributes.maker"),
        (with_(HANDICRAFTS, maker=""), "attributes.maker"),
        (with_(HANDICRAFTS, maker="m" * 101), "attributes.maker"),
        (with_(HANDICRAFTS, maker=42), "attributes.maker"),
        (with_(HANDICRAFTS, made_to_order=...), "attributes.made_to_order"),
        (with_(HANDICRAFTS, made_to_order="yes"), "attributes.made_to_order"),
        (with_(HANDICRAFTS, made_to_order=1), "attributes.made_to_order"),
        (with_(HANDICRAFTS, processing_days=...), "attributes.processing_days"),
        (with_(HANDICRAFTS, processing_days=0), "attributes.processing_days"),
        (with_(HANDICRAFTS, processing_days=181), "attributes.processing_days"),
        (with_(HANDICRAFTS, made_to_order=False, processing_days=5), "attributes.processing_days"),
        (with_(HANDICRAFTS, materials="silk"), "attributes.materials"),
        (with_(HANDICRAFTS, materials=["silk", ""]), "attributes.materials"),
        (with_(HANDICRAFTS, materials=["m" * 41]), "attributes.materials"),
        (with_(HANDICRAFTS, materials=[f"m{i}" for i in range(11)]), "attributes.materials"),
        (with_(HANDICRAFTS, harvest_date="15/09/2026"), "attributes.harvest_date"),
        (with_(HANDICRAFTS, harvest_date="2026-02-30"), "attributes.harvest_date"),
        (with_(HANDICRAFTS, harvest_date="20260915"), "attributes.harvest_date"),
        (with_(HANDICRAFTS, harvest_date=20260915), "attributes.harvest_date"),
        (with_(HANDICRAFTS, moq=10), "attributes.moq"),
    ],
)
def test_handicrafts_violations(attrs, field):
    rejects("handicrafts", attrs, 15900, field)


# --- specialties --------------------------------------------------------------------------------------


def test_specialties_valid_example_sorts_months():
    out = validate_attributes("specialties", copy.deepcopy(SPECIALTIES), 100)
    assert out == {**SPECIALTIES, "season_months": [9, 10, 11]}
    minimal = {"origin": {"province": "Xinjiang", "prefecture": "Turpan", "county": "Shanshan"}, "season_months": [8]}
    assert validate_attributes("specialties", minimal, 100) == minimal


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        (with_(SPECIALTIES, origin=...), "attributes.origin"),
        (with_(SPECIALTIES, origin="Hotan"), "attributes.origin"),
        (with_(SPECIALTIES, origin={"province": "Xinjiang", "prefecture": "Hotan"}), "attributes.origin.county"),
        (
            with_(SPECIALTIES, origin={"province": "Xinjiang", "prefecture": " ", "county": "Yutian"}),
            "attributes.origin.prefecture",
        ),
        (
            with_(SPECIALTIES, origin={"province": "x" * 61, "prefecture": "Hotan", "county": "Yutian"}),
            "attributes.origin.province",
        ),
        (with_(SPECIALTIES, origin={**SPECIALTIES["origin"], "village": "x"}), "attributes.origin.village"),
        (with_(SPECIALTIES, season_months=...), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=[]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=[0]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=[13]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=[9, 9]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=["9"]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=[True]), "attributes.season_months"),
        (with_(SPECIALTIES, season_months=9), "attributes.season_months"),
        (with_(SPECIALTIES, gi_certificate=""), "attributes.gi_certificate"),
        (with_(SPECIALTIES, gi_certificate="g" * 65), "attributes.gi_certificate"),
        (with_(SPECIALTIES, maker="x"), "attributes.maker"),
    ],
)
def test_specialties_violations(attrs, field):
    rejects("specialties", attrs, 100, field)


@pytest.mark.parametrize("storefront", sorted(STOREFRONTS))
@pytest.mark.parametrize("attrs", [None, [], "moq=10", 5])
def test_attributes_must_be_an_object(storefront, attrs):
    rejects(storefront, attrs, 100, "attributes")


# --- storefront-level rules -----------------------------------------------------------------------------


def test_three_storefronts_with_names_and_descriptions():
    assert set(STOREFRONTS) == {"b2b", "handicrafts", "specialties"}
    for sf in STOREFRONTS.values():
        assert sf.name and sf.description and sf.categories and sf.currency == "CNY"


def test_unknown_storefront_is_not_found():
    with pytest.raises(NotFound) as exc:
        get_storefront("antiques")
    assert exc.value.code == "storefront_not_found"


def test_product_fields_check_category_and_currency():
    fields = {"category": "weapons", "currency": "USD", "attributes": copy.deepcopy(HANDICRAFTS), "price_amount": 1}
    with pytest.raises(ValidationFailed) as exc:
        check_product_fields("handicrafts", fields)
    assert fields_of(exc) == {"category", "price.currency"}
    fields.update(category="textiles", currency="CNY")
    assert check_product_fields("handicrafts", fields) == HANDICRAFTS


def test_region_validation():
    region = {"province": " Xinjiang ", "prefecture": "Kashgar", "county": "Shufu"}
    assert validate_region(region) == {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
    with pytest.raises(ValidationFailed) as exc:
        validate_region({"province": "Xinjiang"})
    assert fields_of(exc) == {"region.prefecture", "region.county"}
    with pytest.raises(ValidationFailed) as exc:
        validate_region("Kashgar")
    assert fields_of(exc) == {"region"}


def test_prefecture_is_origin_for_specialties_else_shop_region():
    shop_region = {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
    assert product_prefecture("specialties", SPECIALTIES, shop_region) == "Hotan"
    assert product_prefecture("handicrafts", HANDICRAFTS, shop_region) == "Kashgar"
    assert product_prefecture("b2b", B2B, shop_region) == "Kashgar"
