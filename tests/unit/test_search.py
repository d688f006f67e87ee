"""Storefront search facets (domain/search.py)."""

from __future__ import annotations

from chalicelib.domain import search
from chalicelib.domain.search import facet_key, product_facets, query_facet, title_words, words


def test_words_are_casefolded_unique_and_in_order():
    assert words("Atlas Silk scarf, SILK lining") == ["atlas", "silk", "scarf", "lining"]


def test_words_split_on_punctuation_and_drop_underscores():
    assert words("hand-carved comb (pear_wood)") == ["hand", "carved", "comb", "pearwood"]
    assert words("___ ---") == []
    assert words("") == []


def test_words_handle_non_latin_and_accents():
    assert words("Кашгарский ШЁЛК") == ["кашгарский", "шёлк"]
    assert words("Straße") == ["strasse"]
    assert words("Ürümqi café") == ["ürümqi", "café"]
    assert words("和田 红枣") == ["和田", "红枣"]


def test_title_words_are_capped():
    title = " ".join(f"w{i}" for i in range(search.MAX_INDEXED_WORDS + 5))
    assert title_words(title) == [f"w{i}" for i in range(search.MAX_INDEXED_WORDS)]


def test_facet_key_shape_and_normalisation():
    assert facet_key("b2b", None, None, None) == "b2b"
    assert facet_key("b2b", "nuts", None, None) == "b2b|c=nuts"
    assert facet_key("b2b", None, "  Kashgar  Prefecture ", None) == "b2b|p=kashgar prefecture"
    assert facet_key("b2b", "nuts", "Hotan", "walnut") == "b2b|c=nuts|p=hotan|w=walnut"
    # a pipe in a value cannot forge another facet
    assert facet_key("b2b", None, "a|c=nuts", None) == "b2b|p=a c=nuts"


def test_product_facets_is_the_cartesian_product():
    facets = product_facets("specialties", "dried-fruit", "Hotan", "Hotan jujubes")
    assert sorted(facets) == sorted(
        [
            "specialties",
            "specialties|w=hotan",
            "specialties|w=jujubes",
            "specialties|c=dried-fruit",
            "specialties|c=dried-fruit|w=hotan",
            "specialties|c=dried-fruit|w=jujubes",
            "specialties|p=hotan",
            "specialties|p=hotan|w=hotan",
            "specialties|p=hotan|w=jujubes",
            "specialties|c=dried-fruit|p=hotan",
            "specialties|c=dried-fruit|p=hotan|w=hotan",
            "specialties|c=dried-fruit|p=hotan|w=jujubes",
        ]
    )


def test_query_facet_without_q():
    assert query_facet("b2b", None, None, None) == ("b2b", [])
    assert query_facet("b2b", "nuts", "Hotan", "") == ("b2b|c=nuts|p=hotan", [])
    assert query_facet("b2b", None, None, "  ,, ") == ("b2b", [])


def test_query_facet_uses_longest_word_and_filters_by_the_rest():
    assert query_facet("handicrafts", None, None, "Silk") == ("handicrafts|w=silk", [])
    facet, rest = query_facet("handicrafts", "textiles", "Kashgar", "atlas SILK scarves")
    assert facet == "handicrafts|c=textiles|p=kashgar|w=scarves"
    assert rest == ["atlas", "silk"]


def test_query_facet_caps_query_words():
    q = " ".join(f"word{i}" for i in range(search.MAX_QUERY_WORDS + 3))
    facet, rest = query_facet("b2b", None, None, q)
    assert len(rest) == search.MAX_QUERY_WORDS - 1


def test_every_query_for_a_listed_product_hits_one_of_its_facets():
    facets = set(product_facets("handicrafts", "textiles", "Kashgar", "Atlas silk scarf"))
    for category in (None, "textiles"):
        for prefecture in (None, "kashgar", "KASHGAR"):
            for q in (None, "silk", "SCARF", "atlas silk"):
                facet, rest = query_facet("handicrafts", category, prefecture, q)
                assert facet in facets, (category, prefecture, q)
                assert set(rest) <= set(title_words("Atlas silk scarf"))
