"""Shops and products as pure domain objects: slugs, moderation transitions, listing facets and cards."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.catalog import MediaRef, Product, Shop, slugify, validate_slug
from chalicelib.domain.errors import ValidationFailed

REGION = {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}
NOW = "2026-01-01T00:00:00.000Z"


def shop(status: str = "pending", **kw) -> Shop:
    base = dict(
        shop_id="shp_1",
        owner_id="u1",
        name="Silk House",
        slug="silk-house",
        storefront="handicrafts",
        description="",
        region=REGION,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )
    base.update(kw)
    return Shop(**base)


def product(**kw) -> Product:
    base = dict(
        product_id="prd_1",
        shop_id="shp_1",
        storefront="handicrafts",
        title="Atlas silk scarf",
        description="",
        category="textiles",
        price_amount=15900,
        currency="CNY",
        stock=3,
        status="active",
        attributes={"maker": "Aygul", "made_to_order": True, "processing_days": 10},
        shop={
            "shop_id": "shp_1",
            "name": "Silk House",
            "slug": "silk-house",
            "storefront": "handicrafts",
            "region": REGION,
            "status": "active",
        },
        created_at=NOW,
        updated_at=NOW,
    )
    base.update(kw)
    return Product(**base)


# --- slugs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Kashgar Silk House", "kashgar-silk-house"),
        ("  Kashgar   Silk -- House!  ", "kashgar-silk-house"),
        ("Café Ürümqi", "cafe-urumqi"),
        ("Hotan Jujube Co. 2026", "hotan-jujube-co-2026"),
    ],
)
def test_slugify_ascii_and_latin(name, slug):
    assert slugify(name) == slug
    validate_slug(slug)


@pytest.mark.parametrize("name", ["喀什丝绸之家", "和田红枣", "Кашгарский шёлк", "Турфанский изюм", "a", "ab", "!!"])
def test_slugify_non_latin_names_get_a_stable_hashed_slug(name):
    slug = slugify(name)
    assert slug.startswith("shop-")
    assert len(slug) == len("shop-") + 10
    assert slugify(name) == slug  # stable
    assert slugify(f"  {name}  ") == slug  # surrounding blanks do not matter
    validate_slug(slug)


def test_hashed_slugs_differ_per_name_and_ignore_case():
    assert slugify("喀什丝绸之家") != slugify("和田红枣")
    assert slugify("Кашгарский шёлк") == slugify("КАШГАРСКИЙ ШЁЛК")


def test_slug_is_at_most_60_characters_and_has_no_trailing_hyphen():
    slug = slugify("word " * 40)
    assert len(slug) <= 60
    assert not slug.endswith("-") and not slug.startswith("-")
    validate_slug(slug)


@pytest.mark.parametrize("bad", ["", "-abc", "abc-", "ABC", "a b", "a_b", "x" * 61, "ä"])
def test_validate_slug_rejects(bad):
    with pytest.raises(ValidationFailed) as exc:
        validate_slug(bad)
    assert exc.value.details[0]["field"] == "slug"


@pytest.mark.parametrize("good", ["a", "a1", "silk-house", "x" * 60])
def test_validate_slug_accepts(good):
    assert validate_slug(good) == good


# --- shop transitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        ("pending", "approve", "active"),
        ("suspended", "approve", "active"),
        ("pending", "suspend", "suspended"),
        ("active", "suspend", "suspended"),
    ],
)
def test_legal_transitions(status, action, target):
    later = "2026-02-01T00:00:00.000Z"
    moved = shop(status).transition(action, later)
    assert moved.status == target
    assert moved.updated_at == later
    assert moved.version == 1  # the repository bumps the version on save
    assert shop(status).status == status  # immutable


@pytest.mark.parametrize(("status", "action"), [("active", "approve"), ("suspended", "suspend")])
def test_repeating_a_moderation_keeps_the_status(status, action):
    """Issue 9: a repeated approve/suspend is allowed (it re-runs the products' job, services/shops.moderate)."""
    later = "2026-02-01T00:00:00.000Z"
    again = shop(status).transition(action, later)
    assert again.status == status and again.updated_at == later


def test_unknown_action_is_rejected():
    with pytest.raises(KeyError):
        shop().transition("delete", NOW)


def test_shop_summary_is_public_fields_only():
    assert shop().summary() == {
        "shop_id": "shp_1",
        "name": "Silk House",
        "slug": "silk-house",
        "storefront": "handicrafts",
        "region": REGION,
    }


# --- products -----------------------------------------------------------------------------------------


def test_listed_only_when_product_and_shop_are_active():
    assert product().is_listed
    assert not product(status="draft").is_listed
    assert not product(status="archived").is_listed
    suspended = product(shop={**product().shop, "status": "suspended"})
    assert not suspended.is_listed
    for p in (product(status="draft"), product(status="archived"), suspended):
        assert p.facets() == []


def test_facets_cover_every_filter_combination():
    facets = product().facets()
    # (no category, category) x (no prefecture, prefecture) x (no word, 3 title words)
    assert len(facets) == 2 * 2 * 4 == len(set(facets))
    assert "handicrafts" in facets
    assert "handicrafts|c=textiles|p=kashgar|w=silk" in facets
    assert "handicrafts|w=scarf" in facets


def test_card_has_thumbnail_of_first_picture_and_storefront_details():
    assert product().card()["thumbnail_key"] is None
    refs = tuple(MediaRef(f"m{i}", f"k{i}", f"k{i}-thumb.jpg", "image/png", 10, 10) for i in range(2))
    card = product(media=refs).card()
    assert card["thumbnail_key"] == "k0-thumb.jpg"
    assert card["prefecture"] == "Kashgar"
    assert card["price"] == {"amount": 15900, "currency": "CNY"}
    assert card["shop"] == {"shop_id": "shp_1", "name": "Silk House", "slug": "silk-house"}
    assert card["handicrafts"] == {"maker": "Aygul", "made_to_order": True, "processing_days": 10}


def test_b2b_and_specialties_cards():
    b2b = product(
        storefront="b2b",
        category="dried-fruit",
        price_amount=12000,
        attributes={
            "moq": 10,
            "unit": "carton",
            "price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
        },
    )
    assert b2b.card()["b2b"]["from_amount"] == 10000
    spec = product(
        storefront="specialties",
        category="dried-fruit",
        attributes={
            "origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
            "season_months": [9],
        },
    )
    card = spec.card()
    assert card["prefecture"] == "Hotan"
    assert card["specialties"]["gi_certified"] is False
    assert "specialties|p=hotan" in spec.facets()


def test_replace_keeps_products_immutable():
    p = product()
    q = replace(p, title="Copper teapot")
    assert p.title == "Atlas silk scarf" and q.title == "Copper teapot"
    with pytest.raises(AttributeError):
        p.title = "x"  # type: ignore[misc]
