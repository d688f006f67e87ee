"""Issue 15's pure rules: harvest calendars and pre-sales, personalisation, a pre-sale's two payments, ship-by
dates, flag facets, the origin tree and geographic-indication claims."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import personalisation, search, seasons
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.orders import Order, OrderLine
from chalicelib.domain.provenance import GiClaim, origin_tree
from chalicelib.domain.storefronts import validate_attributes

D = dt.date


# --- seasons ------------------------------------------------------------------------------------------------

AUTUMN = {"season_months": [9, 10, 11]}


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2026, 8, 31), False), (D(2026, 9, 1), True), (D(2026, 11, 30), True), (D(2026, 12, 1), False)],
)
def test_a_product_is_in_season_in_its_months(day, expected):
    assert seasons.calendar(AUTUMN).in_season(day) is expected


def test_this_years_harvest_window_decides_that_year_and_the_months_decide_the_others():
    attrs = {"season_months": [9, 10], "harvest_window": {"from": "2026-09-15", "to": "2026-11-05"}}
    cal = seasons.calendar(attrs)
    assert not cal.in_season(D(2026, 9, 14))  # September, but before this year's harvest
    assert cal.in_season(D(2026, 9, 15)) and cal.in_season(D(2026, 11, 5))
    assert not cal.in_season(D(2026, 11, 6))  # November is not a season month, and the window is over
    assert cal.in_season(D(2027, 9, 1))  # next year: the months again, until next year's window is known
    assert not cal.in_season(D(2025, 11, 1))


def test_a_product_without_a_calendar_has_no_season_and_can_always_be_bought():
    assert seasons.state({"maker": "x"}, D(2026, 1, 1)) is None
    assert seasons.buyable({"maker": "x"}, D(2026, 1, 1))


def test_out_of_season_it_cannot_be_bought_unless_a_presale_is_open_until_its_ship_date():
    attrs = {**AUTUMN, "presale": {"ships_from": "2026-09-10", "deposit_percent": 30}}
    assert seasons.state(AUTUMN, D(2026, 6, 1)) == seasons.OUT_OF_SEASON
    assert not seasons.buyable(AUTUMN, D(2026, 6, 1))
    assert seasons.state(attrs, D(2026, 6, 1)) == seasons.PRESALE and seasons.buyable(attrs, D(2026, 6, 1))
    assert seasons.state(attrs, D(2026, 9, 5)) == seasons.IN_SEASON  # the harvest came early: sold normally
    assert seasons.presale_terms(attrs, D(2026, 9, 5)) is None
    late = {"season_months": [11], "presale": {"ships_from": "2026-09-10"}}
    assert seasons.state(late, D(2026, 9, 10)) == seasons.PRESALE
    assert seasons.state(late, D(2026, 9, 11)) == seasons.OUT_OF_SEASON  # the pre-sale's date passed


def test_the_next_season_change_is_the_first_day_it_flips():
    cal = seasons.calendar(AUTUMN)
    assert cal.next_change(D(2026, 6, 15)) == D(2026, 9, 1)
    assert cal.next_change(D(2026, 10, 3)) == D(2026, 12, 1)
    assert seasons.calendar({"season_months": list(range(1, 13))}).next_change(D(2026, 1, 1)) is None


def test_the_estimated_ship_date_of_made_to_order_and_presale_items():
    mto = {"made_to_order": True, "processing_days": 14}
    assert seasons.estimated_ship_date(mto, D(2026, 3, 1)) == D(2026, 3, 15)
    assert seasons.estimated_ship_date({"made_to_order": False}, D(2026, 3, 1)) is None
    presale = {**AUTUMN, "presale": {"ships_from": "2026-09-10"}}
    assert seasons.estimated_ship_date(presale, D(2026, 3, 1)) == D(2026, 9, 10)
    assert seasons.estimated_ship_date({**presale, **mto}, D(2026, 3, 1)) == D(2026, 9, 24)


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ({"harvest_window": {"from": "2026-10-01", "to": "2026-09-01"}}, "attributes.harvest_window"),
        ({"harvest_window": {"from": "2026-13-01", "to": "2026-09-01"}}, "attributes.harvest_window.from"),
        ({"harvest_window": {"from": "2026-09-01"}}, "attributes.harvest_window"),
        ({"presale": {"ships_from": "soon"}}, "attributes.presale.ships_from"),
        ({"presale": {"ships_from": "2026-09-01", "deposit_percent": 95}}, "attributes.presale.deposit_percent"),
        ({"presale": {"ships_from": "2026-09-01", "deposit_percent": True}}, "attributes.presale.deposit_percent"),
        ({"presale": {"ships_from": "2026-09-01", "extra": 1}}, "attributes.presale"),
    ],
)
def test_bad_harvest_windows_and_presales_are_refused(attrs, field):
    base = {"origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"}, "season_months": [9]}
    with pytest.raises(ValidationFailed) as exc:
        validate_attributes("specialties", {**base, **attrs}, 100)
    assert field in {d["field"] for d in exc.value.details}


def test_a_handicraft_sold_by_harvest_needs_its_months_for_a_presale():
    crafts = {"maker": "Tursun family orchard", "made_to_order": False}
    with pytest.raises(ValidationFailed) as exc:
        validate_attributes("handicrafts", {**crafts, "presale": {"ships_from": "2026-10-01"}}, 100)
    assert "attributes.season_months" in {d["field"] for d in exc.value.details}
    ok = validate_attributes(
        "handicrafts", {**crafts, "season_months": [10], "presale": {"ships_from": "2026-10-01"}}, 1
    )
    assert ok["presale"] == {"ships_from": "2026-10-01"} and ok["season_months"] == [10]


def test_a_handicraft_names_a_maker_or_a_maker_id():
    with pytest.raises(ValidationFailed) as exc:
        validate_attributes("handicrafts", {"made_to_order": False}, 100)
    assert "attributes.maker" in {d["field"] for d in exc.value.details}
    assert validate_attributes("handicrafts", {"maker_id": "mkr_1", "made_to_order": False}, 1)["maker_id"] == "mkr_1"


# --- personalisation ----------------------------------------------------------------------------------------

FIELDS = [
    {"key": "initials", "label": "Initials", "type": "text", "required": True, "max_length": 3},
    {"key": "colour", "label": "Colour", "type": "choice", "required": False, "choices": ["crimson", "indigo"]},
]


def test_a_personalisation_definition_is_normalised():
    problems, fields = personalisation.definition_problems(FIELDS)
    assert problems == [] and fields[0]["max_length"] == 3 and fields[1]["choices"] == ["crimson", "indigo"]
    _, defaulted = personalisation.definition_problems(
        [{"key": "name", "label": "Name", "type": "text", "required": False}]
    )
    assert defaulted[0]["max_length"] == personalisation.DEFAULT_MAX_LENGTH


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ([], "attributes.personalisation"),
        ([FIELDS[0]] * 6, "attributes.personalisation"),
        ([FIELDS[0], FIELDS[0]], "attributes.personalisation[1].key"),
        ([{**FIELDS[0], "key": "Initials!"}], "attributes.personalisation[0].key"),
        ([{**FIELDS[0], "type": "number"}], "attributes.personalisation[0].type"),
        ([{**FIELDS[0], "required": "yes"}], "attributes.personalisation[0].required"),
        ([{**FIELDS[0], "max_length": 0}], "attributes.personalisation[0].max_length"),
        ([{**FIELDS[1], "choices": []}], "attributes.personalisation[0].choices"),
        ([{**FIELDS[1], "choices": ["a", "a"]}], "attributes.personalisation[0].choices"),
        ([{**FIELDS[1], "max_length": 4}], "attributes.personalisation[0].max_length"),
        ([{**FIELDS[0], "colour": "red"}], "attributes.personalisation[0].colour"),
    ],
)
def test_bad_personalisation_definitions_are_refused(definition, field):
    problems, _ = personalisation.definition_problems(definition)
    assert field in {p["field"] for p in problems}, problems


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "personalisation.initials"),  # required
        ({"initials": "   "}, "personalisation.initials"),  # blank is missing
        ({"initials": "ABCD"}, "personalisation.initials"),  # too long
        ({"initials": "AB", "colour": "green"}, "personalisation.colour"),  # not a choice
        ({"initials": "AB", "size": "L"}, "personalisation.size"),  # unknown
        ({"initials": "A\x00B"}, "personalisation.initials"),  # control characters
    ],
)
def test_a_buyers_values_must_fit_the_definition(values, field):
    with pytest.raises(ValidationFailed) as exc:
        personalisation.check(FIELDS, values)
    assert exc.value.code == "invalid_personalisation"
    assert field in {d["field"] for d in exc.value.details}


def test_valid_values_are_trimmed_and_two_personalisations_are_two_lines():
    assert personalisation.check(FIELDS, {"initials": " AB ", "colour": ""}) == {"initials": "AB"}
    ab = personalisation.line_key("prd_1", {"initials": "AB"})
    cd = personalisation.line_key("prd_1", {"initials": "CD"})
    assert len({ab, cd, "prd_1"}) == 3 and ab.startswith("prd_1~")
    assert personalisation.line_key("prd_1", {}) == "prd_1"  # a plain line keeps the product's id


# --- orders: a pre-sale's two payments; ship-by ---------------------------------------------------------------


def _order(lines: tuple[OrderLine, ...], method: str = "bank_transfer") -> Order:
    deposit = sum(line.deposit for line in lines)
    return Order(
        order_id="ord_1",
        checkout_id="chk_1",
        buyer_id="usr_b",
        seller_id="usr_s",
        shop_id="shp_1",
        shop_name="Shop",
        storefront="specialties",
        status="pending_payment",
        lines=lines,
        currency="CNY",
        delivery={},
        payment_method=method,
        created_at="2026-03-01T00:00:00.000Z",
        updated_at="2026-03-01T00:00:00.000Z",
        deposit_amount=deposit,
    )


def _line(total: int, presale: dict | None = None, ships: str | None = None) -> OrderLine:
    return OrderLine("ord_1-1", "prd_1", "Pears", 1, total, "CNY", {}, presale=presale, estimated_ship_date=ships)


def test_a_presale_with_a_deposit_is_paid_in_two_payments_and_ships_after_the_first():
    order = _order((_line(9_999, {"ships_from": "2026-09-10", "deposit_percent": 30}, "2026-09-10"),))
    assert (order.deposit_amount, order.amount_due) == (3_000, 3_000)  # 29.997 % rounds half away from zero
    with pytest.raises(Conflict):
        order.ship("SF", "SF1", "2026-03-02T00:00:00.000Z")
    deposit = order.mark_paid("seller", "2026-03-02T00:00:00.000Z")
    assert (deposit.status, deposit.amount_due, deposit.amount_paid, deposit.paid_at) == ("paid", 6_999, 3_000, None)
    shipped = deposit.ship("SF", "SF1", "2026-09-10T00:00:00.000Z")
    with pytest.raises(Conflict):
        shipped.deliver("2026-09-12T00:00:00.000Z").complete("2026-09-30T00:00:00.000Z")  # the balance is due
    paid = shipped.mark_paid("payments", "2026-09-11T00:00:00.000Z")
    assert (paid.status, paid.amount_due, paid.amount_paid) == ("shipped", 0, 9_999)
    assert [e.action for e in paid.timeline] == ["deposit_paid", "shipped", "balance_paid"]
    with pytest.raises(Conflict):
        paid.mark_paid("payments", "2026-09-11T00:00:00.000Z")


def test_an_order_is_not_late_before_its_estimated_ship_date():
    order = _order((_line(100, ships="2026-03-15"), _line(100, ships="2026-03-20")))
    assert order.ship_by == "2026-03-20"
    assert not order.is_late("2026-03-20T23:59:59.000Z")
    assert order.is_late("2026-03-21T00:00:00.000Z")
    assert not _order((_line(100),)).is_late("2030-01-01T00:00:00.000Z")  # no promise made here


# --- listing flags, origins, claims ---------------------------------------------------------------------------


def test_flag_facets_are_every_combination_with_and_without_category_and_prefecture():
    facets = search.flag_facets("specialties", "nuts", "Hotan", ("gi", "season"))
    assert len(facets) == 12 and "specialties|c=nuts|p=hotan|f=gi+season" in facets
    assert search.query_facet("specialties", None, "Hotan", "walnut kernels", ("season",)) == (
        "specialties|p=hotan|f=season",
        ["walnut", "kernel"],
    )


def test_the_origin_tree_sums_counties_up_and_leaves_zeros_out():
    rows = [
        {"key": "xinjiang|hotan|yutian", "province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian", "count": 2},
        {"key": "xinjiang|hotan|lop", "province": "Xinjiang", "prefecture": "Hotan", "county": "Lop", "count": 1},
        {"key": "xinjiang|turpan|gaochang", "province": "Xinjiang", "prefecture": "Turpan", "county": "G", "count": 0},
    ]
    assert origin_tree(rows) == [
        {
            "province": "Xinjiang",
            "count": 3,
            "prefectures": [
                {
                    "prefecture": "Hotan",
                    "count": 3,
                    "counties": [{"county": "Lop", "count": 1}, {"county": "Yutian", "count": 2}],
                }
            ],
        }
    ]


def test_only_a_verified_claim_has_a_badge_and_decisions_follow_the_claim_lifecycle():
    claim = GiClaim("gic_1", "shp_1", "usr_s", ("prd_1",), "CNIPA", "AGI1", "Hotan jujube", {}, "pending", "t", "t")
    assert claim.badge() is None and claim.holds_products
    verified = claim.decide("verify", "usr_op", "t2")
    assert verified.badge()["protected_name"] == "Hotan jujube" and verified.holds_products
    with pytest.raises(Conflict):
        verified.decide("reject", "usr_op", "t3")
    revoked = verified.decide("revoke", "usr_op", "t3", "cancelled")
    assert revoked.badge() is None and not revoked.holds_products and revoked.reason == "cancelled"
