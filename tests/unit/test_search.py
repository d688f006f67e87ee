"""Storefront search (domain/search.py): tokens for Chinese, Uyghur, Russian and English, facets, queries."""

from __future__ import annotations

import pytest

from chalicelib.domain import search
from chalicelib.domain.search import facet_key, index_tokens, product_facets, query_facet, tokens


def matches(title: str, q: str, translations: tuple[str, ...] = ()) -> bool:
    """What a storefront search decides: the query's facet token and every filter token are indexed."""
    indexed = set(index_tokens([title, *translations]))
    wanted = search.query_tokens(q)
    return bool(wanted) and set(wanted) <= indexed


# --- tokens -------------------------------------------------------------------------------------------------


def test_english_words_are_casefolded_stemmed_unique_and_in_order():
    assert tokens("Atlas Silk scarves, SILK lining") == ["atlas", "silk", "scarv", "line"]
    assert tokens("Walnuts") == tokens("walnut") == ["walnut"]


def test_words_split_on_punctuation_and_underscores():
    assert tokens("hand-carved comb (pear_wood)") == ["hand", "carv", "comb", "pear", "wood"]
    assert tokens("___ ---") == []
    assert tokens("") == []


def test_function_words_are_not_tokens():
    assert tokens("Scarf with tassels and a fringe") == ["scarf", "tassel", "fring"]
    assert tokens("Орехи и курага для плова") == ["орех", "кураг", "плов"]


def test_russian_is_stemmed_with_snowball():
    assert tokens("Грецкие орехи") == ["грецк", "орех"]
    assert tokens("орех") == tokens("Орехов") == tokens("ОРЕХИ") == ["орех"]
    assert tokens("Шёлковый шарф") == tokens("шелковый шарф")  # ё is е


def test_chinese_becomes_overlapping_bigrams():
    assert tokens("新疆和田红枣 2kg") == ["新疆", "疆和", "和田", "田红", "红枣", "2kg"]
    assert tokens("红枣") == ["红枣"]


def test_a_single_cjk_character_is_a_token_only_when_it_stands_alone():
    assert tokens("枣 500g") == ["枣", "500g"]
    assert "枣" not in tokens("红枣")


def test_uyghur_is_normalised_for_form_hamza_and_marks():
    assert tokens("ئالما") == ["الما"]  # the hamza carrier is dropped: with or without it, the same token
    assert tokens("الما") == ["الما"]
    assert tokens("\ufe8b\ufe8e\ufedf\ufee4\ufe8e") == ["الما"]  # presentation forms (NFKC) -> base letters
    assert tokens("قـــوغۇن") == tokens("قوغۇن")  # tatweel
    assert tokens("کىتاب") == tokens("كىتاب")  # Persian keheh -> Arabic kaf, as Uyghur writes it
    assert tokens("ئۈزۈم ٣ كىلو") == ["ۈزۈم", "3", "كىلو"]  # Arabic-Indic digits -> ASCII
    assert tokens("قۇرۇتۇلغان ئۈزۈم") == ["قۇرۇتۇلغان", "ۈزۈم"]  # Uyghur letters ۇ ۈ kept distinct


def test_full_width_latin_and_digits_fold_to_ascii():
    assert tokens("ＸＬ２０２６") == tokens("xl2026") == ["xl2026"]


def test_mixed_script_text_is_split_by_script():
    assert tokens("Hotan和田红枣2kg") == ["hotan", "和田", "田红", "红枣", "2kg"]
    assert tokens("Хотанские финики 和田骏枣 خوتەن") == ["хотанск", "финик", "和田", "田骏", "骏枣", "خوتەن"]


def test_indexing_takes_turns_between_texts_and_is_capped():
    assert index_tokens(["Green raisins", "Зелёный изюм"]) == ["green", "зелен", "raisin", "изюм"]
    long_title = " ".join(f"w{i}" for i in range(search.MAX_INDEXED_TOKENS + 5))
    assert index_tokens([long_title]) == [f"w{i}" for i in range(search.MAX_INDEXED_TOKENS)]


# --- what a query finds: real titles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "q"),
    [
        ("新疆和田红枣 2kg", "红枣"),
        ("新疆和田红枣 2kg", "和田红枣"),
        ("新疆和田红枣 2kg", "新疆"),
        ("Грецкие орехи", "орех"),
        ("Грецкие орехи", "грецкий орех"),
        ("Курага без косточки", "КУРАГА"),
        ("Hand-woven Atlas silk shawls", "silk shawl"),
        ("Dried apricots, Kashgar", "apricot"),
        ("ئالما قېقى", "الما"),  # dried apples, searched without the hamza
        ("خوتەن قىزىل چىلان", "چىلان"),  # Hotan red jujubes
        # a query in one script against a mixed-script title
        ("和田骏枣 Хотанские финики خوتەن چىلان", "финики"),
        ("和田骏枣 Хотанские финики خوتەن چىلان", "骏枣"),
        ("和田骏枣 Хотанские финики خوتەن چىلان", "چىلان"),
        ("Kashgar 手工 铜壶", "铜壶"),
    ],
)
def test_a_query_finds_the_title(title, q):
    assert matches(title, q), (title, q, index_tokens([title]), search.query_tokens(q))


@pytest.mark.parametrize(
    ("title", "q"),
    [
        ("新疆和田红枣 2kg", "枣"),  # one character: only a standalone 枣
        ("新疆和田红枣 2kg", "红枣新疆"),  # all bigrams must be there: 枣新 is not
        ("Грецкие орехи", "миндаль"),
        ("Copper teapot", "silk"),
        ("Copper teapot", "!!!"),
        ("Copper teapot", "and"),
    ],
)
def test_a_query_does_not_find_the_title(title, q):
    assert not matches(title, q)


def test_a_translated_title_makes_the_product_findable_in_that_language():
    assert not matches("新疆和田红枣", "финики")
    assert matches("新疆和田红枣", "финики", translations=("Хотанские финики",))


# --- facets -------------------------------------------------------------------------------------------------


def test_facet_key_shape_and_normalisation():
    assert facet_key("b2b", None, None, None) == "b2b"
    assert facet_key("b2b", "nuts", None, None) == "b2b|c=nuts"
    assert facet_key("b2b", None, "  Kashgar  Prefecture ", None) == "b2b|p=kashgar prefecture"
    assert facet_key("b2b", "nuts", "Hotan", "walnut") == "b2b|c=nuts|p=hotan|w=walnut"
    # a pipe in a value cannot forge another facet
    assert facet_key("b2b", None, "a|c=nuts", None) == "b2b|p=a c=nuts"


def test_product_facets_is_the_cartesian_product():
    facets = product_facets("specialties", "dried-fruit", "Hotan", ["Hotan jujubes"])
    assert sorted(facets) == sorted(
        [
            "specialties",
            "specialties|w=hotan",
            "specialties|w=jujub",
            "specialties|c=dried-fruit",
            "specialties|c=dried-fruit|w=hotan",
            "specialties|c=dried-fruit|w=jujub",
            "specialties|p=hotan",
            "specialties|p=hotan|w=hotan",
            "specialties|p=hotan|w=jujub",
            "specialties|c=dried-fruit|p=hotan",
            "specialties|c=dried-fruit|p=hotan|w=hotan",
            "specialties|c=dried-fruit|p=hotan|w=jujub",
        ]
    )


def test_query_facet_without_q():
    assert query_facet("b2b", None, None, None) == ("b2b", [])
    assert query_facet("b2b", "nuts", "Hotan", "") == ("b2b|c=nuts|p=hotan", [])
    assert query_facet("b2b", None, None, "  ,, ") == ("b2b", [])


def test_query_facet_uses_the_longest_word_and_filters_by_the_rest():
    assert query_facet("handicrafts", None, None, "Silk") == ("handicrafts|w=silk", [])
    facet, rest = query_facet("handicrafts", "textiles", "Kashgar", "atlas SILK scarves")
    assert facet == "handicrafts|c=textiles|p=kashgar|w=atlas"
    assert rest == ["silk", "scarv"]


def test_a_cjk_query_reads_an_inner_bigram_and_filters_by_the_edges():
    assert query_facet("specialties", None, None, "和田红枣") == ("specialties|w=田红", ["和田", "红枣"])
    assert query_facet("specialties", None, None, "红枣") == ("specialties|w=红枣", [])
    # a word of letters is more selective than a bigram
    assert query_facet("specialties", None, None, "Hotan 红枣") == ("specialties|w=hotan", ["红枣"])


def test_query_facet_caps_query_tokens():
    q = " ".join(f"word{i}" for i in range(search.MAX_QUERY_TOKENS + 3))
    facet, rest = query_facet("b2b", None, None, q)
    assert len(rest) == search.MAX_QUERY_TOKENS - 1


def test_every_query_for_a_listed_product_hits_one_of_its_facets():
    texts = ["Atlas silk scarf 和田丝绸围巾"]
    facets = set(product_facets("handicrafts", "textiles", "Kashgar", texts))
    for category in (None, "textiles"):
        for prefecture in (None, "kashgar", "KASHGAR"):
            for q in (None, "silk", "SCARF", "atlas silk", "丝绸", "和田丝绸"):
                facet, rest = query_facet("handicrafts", category, prefecture, q)
                assert facet in facets, (category, prefecture, q)
                assert set(rest) <= set(index_tokens(texts))
