"""Storefront search facets.

A listed product is written once per facet it can be found under, so every storefront page, whatever
its filters, is one Query on one partition. Facets: every combination of category, prefecture and one
title word (2 x 2 x (1 + words)). `q` matches whole title words, case-insensitively (Unicode casefold,
so it also matches accented and non-Latin words); only the first MAX_INDEXED_WORDS distinct words of
a title are indexed. A multi-word `q` uses its longest word's facet and filters the page by the others.
"""

from __future__ import annotations

import re
from itertools import product as cartesian

MAX_INDEXED_WORDS = 10
MAX_QUERY_WORDS = 5
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.casefold()):
        seen.setdefault(word.replace("_", ""), None)
    return [w for w in seen if w]


def title_words(title: str) -> list[str]:
    return words(title)[:MAX_INDEXED_WORDS]


def normalise_value(value: str) -> str:
    return " ".join(value.casefold().replace("|", " ").split())


def facet_key(storefront: str, category: str | None, prefecture: str | None, word: str | None) -> str:
    parts = [storefront]
    if category:
        parts.append(f"c={category}")
    if prefecture:
        parts.append(f"p={normalise_value(prefecture)}")
    if word:
        parts.append(f"w={word}")
    return "|".join(parts)


def product_facets(storefront: str, category: str, prefecture: str, title: str) -> list[str]:
    return [
        facet_key(storefront, c, p, w)
        for c, p, w in cartesian((None, category), (None, prefecture), [None, *title_words(title)])
    ]


def query_facet(storefront: str, category: str | None, prefecture: str | None, q: str | None) -> tuple[str, list[str]]:
    """The facet to Query for these filters, and the extra words each result must also contain."""
    query_words = words(q or "")[:MAX_QUERY_WORDS]
    if not query_words:
        return facet_key(storefront, category, prefecture, None), []
    key_word = max(query_words, key=len)
    return facet_key(storefront, category, prefecture, key_word), [w for w in query_words if w != key_word]
