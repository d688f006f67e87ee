"""Storefront search: how titles become search tokens, and which facet partition a storefront page reads.

A listed product is written once per facet it can be found under, so every storefront page, whatever its
filters, is one Query on one partition. Facets: every combination of category, prefecture and one search
token (2 x 2 x (1 + tokens)).

Tokens, for the scripts this marketplace lists and searches in (Chinese, Uyghur, Russian, English):
- the text is NFKC-normalised (full-width Latin and digits, Arabic presentation forms and compatibility
  ideographs become their base letters) and case-folded;
- it is cut at everything that is not a letter, digit or combining mark, and each piece again wherever the
  script changes (`新疆和田红枣2kg` -> `新疆和田红枣` + `2kg`; digits stay with the Latin, Cyrillic or Arabic
  letters they touch);
- CJK (Han, kana, Hangul) runs become overlapping character bigrams, as Lucene's CJK analyzer does
  (`和田红枣` -> `和田 田红 红枣`); a run of ONE character is kept as that character. So a one-character
  query matches only titles where that character stands alone (`枣 500g`), not words containing it (`红枣`):
  type two characters to find a word;
- Cyrillic words are stemmed with Snowball's Russian stemmer (`орехи`, `орехов` -> `орех`; `ё` = `е`), Latin
  words with Snowball's English stemmer (`walnuts` -> `walnut`); a few function words (`and`, `with`, `и`,
  `для`, ...) are not indexed;
- Arabic-script (Uyghur) words lose vowel marks and the tatweel, and the hamza (`ئ`, which Uyghur writes
  before every word-initial vowel but people often leave out) is dropped, so `ئالما` and `الما` match;
  Persian-keyboard look-alikes `ک` and `ی` become the Uyghur `ك` and `ى`; Arabic-Indic digits become ASCII.

Only the first MAX_INDEXED_TOKENS distinct tokens of a product's texts are indexed (the texts take turns:
the title, then each translated title). A query uses at most MAX_QUERY_TOKENS tokens and matches products
holding ALL of them: it reads the facet of its most selective token and filters the page by the others.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import product as cartesian
from typing import Any

MAX_INDEXED_TOKENS = 10
MAX_QUERY_TOKENS = 6

CJK, CYRILLIC, ARABIC, LATIN, DIGIT = "cjk", "cyrillic", "arabic", "latin", "digit"

_STOP_WORDS = frozenset(
    {
        # English
        *("a", "an", "and", "the", "of", "with", "for", "in", "on", "to", "by", "or", "from"),
        # Russian
        *("и", "в", "во", "с", "со", "для", "на", "из", "по", "от", "или", "к"),
    }
)
_ARABIC_FOLDS = {
    "\u06a9": "\u0643",  # keheh (Persian keyboards) -> kaf, as Uyghur writes it
    "\u06cc": "\u0649",  # Farsi yeh -> alef maksura (Uyghur i)
    "\u0640": "",  # tatweel (a stretching stroke)
    "\u0621": "",  # hamza
    "\u0626": "",  # yeh with hamza: Uyghur's vowel carrier
    "\u0654": "",  # hamza above
    "\u0655": "",  # hamza below
    "\u0674": "",  # high hamza
}


def _script(ch: str) -> str | None:
    """The script class of one (normalised) character, or None for a separator."""
    code = ord(ch)
    if (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3FFFF
        or 0xF900 <= code <= 0xFAFF
        or 0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0x1100 <= code <= 0x11FF
        or 0x3130 <= code <= 0x318F
        or code == 0x3007  # 〇
    ):
        return CJK
    if 0x0400 <= code <= 0x052F:
        return CYRILLIC
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF:
        return ARABIC if unicodedata.category(ch)[0] in "LM" else (DIGIT if ch.isdigit() else None)
    if ch.isdigit():
        return DIGIT
    if ch.isalpha():
        return LATIN  # Latin, and any other alphabet (stemmed as English only when it is ASCII-like)
    if unicodedata.category(ch) in ("Mn", "Mc"):
        return "mark"
    return None


def _runs(text: str) -> list[tuple[str, str]]:
    """(script, piece) for each run of one script; digits join the Latin/Cyrillic/Arabic letters they touch."""
    runs: list[list[str]] = []
    for ch in unicodedata.normalize("NFKC", text).casefold():
        script = _script(ch)
        if script == DIGIT:
            ch = str(unicodedata.decimal(ch, ch))  # Arabic-Indic and other decimal digits -> ASCII
        if script is None:
            runs.append([])
            continue
        current = runs[-1] if runs and runs[-1] else None
        if current is None:
            if script != "mark":  # a mark with nothing to attach to is dropped
                runs.append([script, ch])
            continue
        kind = current[0]
        if script in ("mark", kind) or (script == DIGIT and kind in (LATIN, CYRILLIC, ARABIC)):
            current.append(ch)
        elif kind == DIGIT and script in (LATIN, CYRILLIC, ARABIC):
            current[0] = script
            current.append(ch)
        else:
            runs.append([script, ch])
    return [(r[0], "".join(r[1:])) for r in runs if r]


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer(language)


def _arabic(word: str) -> str:
    out = []
    for ch in word:
        if ch in _ARABIC_FOLDS:
            out.append(_ARABIC_FOLDS[ch])
        elif unicodedata.category(ch) in ("Mn", "Mc"):
            continue  # harakat and other vowel marks
        else:
            out.append(ch)
    return "".join(out)


def _run_tokens(script: str, piece: str) -> list[str]:
    if script == CJK:
        if len(piece) == 1:
            return [piece]
        return [piece[i : i + 2] for i in range(len(piece) - 1)]
    if piece in _STOP_WORDS:
        return []
    if script == CYRILLIC:
        return [_stemmer("russian").stemWord(piece.replace("ё", "е"))]
    if script == LATIN:
        return [_stemmer("english").stemWord(piece) if piece.isascii() else piece]
    if script == ARABIC:
        folded = _arabic(piece)
        return [folded] if folded else []
    return [piece]  # digits


def tokens(text: str) -> list[str]:
    """The search tokens of one text, distinct, in order."""
    seen: dict[str, None] = {}
    for script, piece in _runs(text):
        for token in _run_tokens(script, piece):
            if token:
                seen.setdefault(token, None)
    return list(seen)


def index_tokens(texts: list[str]) -> list[str]:
    """The tokens a product is indexed under: its texts (title first, then translated titles) take turns,
    so each language is findable; distinct, at most MAX_INDEXED_TOKENS."""
    per_text = [tokens(t) for t in texts if t]
    seen: dict[str, None] = {}
    for i in range(max((len(ts) for ts in per_text), default=0)):
        for ts in per_text:
            if i < len(ts):
                seen.setdefault(ts[i], None)
    return list(seen)[:MAX_INDEXED_TOKENS]


def normalise_value(value: str) -> str:
    return " ".join(value.casefold().replace("|", " ").split())


def facet_key(
    storefront: str, category: str | None, prefecture: str | None, token: str | None, flags: tuple[str, ...] = ()
) -> str:
    parts = [storefront]
    if category:
        parts.append(f"c={category}")
    if prefecture:
        parts.append(f"p={normalise_value(prefecture)}")
    if token:
        parts.append(f"w={token}")
    if flags:
        parts.append(f"f={'+'.join(sorted(flags))}")
    return "|".join(parts)


def product_facets(
    storefront: str, category: str, prefecture: str, texts: list[str], flags: tuple[str, ...] = ()
) -> list[str]:
    facets = [
        facet_key(storefront, c, p, w)
        for c, p, w in cartesian((None, category), (None, prefecture), [None, *index_tokens(texts)])
    ]
    return facets + flag_facets(storefront, category, prefecture, flags)


def _selectivity(position: int, token: str, count: int) -> tuple[int, ...]:
    """Larger = expected to match fewer products. Words of letters beat CJK bigrams, longer beats shorter;
    among the bigrams of one CJK run, an inner one (spanning two words, e.g. `田红` of `和田红枣`) beats the
    edges, which are often whole common words (`和田`, `红枣`)."""
    is_cjk = _script(token[0]) == CJK
    inner = 0 < position < count - 1
    return (not is_cjk, len(token), inner)


def query_tokens(q: str | None) -> list[str]:
    return tokens(q or "")[:MAX_QUERY_TOKENS]


def query_facet(
    storefront: str, category: str | None, prefecture: str | None, q: str | None, flags: tuple[str, ...] = ()
) -> tuple[str, list[str]]:
    """The facet to Query for these filters, and the extra tokens each result must also hold."""
    wanted = query_tokens(q)
    if flags:
        # Flag facets (issue 15) are not crossed with search tokens: the flagged products of a category and
        # prefecture are read and filtered by every word of `q`.
        return facet_key(storefront, category, prefecture, None, flags), wanted
    if not wanted:
        return facet_key(storefront, category, prefecture, None), []
    key = max(enumerate(wanted), key=lambda it: _selectivity(it[0], it[1], len(wanted)))[1]
    return facet_key(storefront, category, prefecture, key), [t for t in wanted if t != key]


# --- issue 15: flags (verified geographic indication, in season) and makers ------------------------------
# A flag is a filter that selects few products (`gi=verified`, `in_season=true`): each combination of the
# flags a product has gets its own partition, with and without its category and prefecture (4 items per
# combination), so a flagged page is one Query too. Flags are not crossed with search tokens: a `q` on a
# flagged page reads that partition and filters by the words.
FLAG_GI = "gi"
FLAG_SEASON = "season"


def market_flag(market: str) -> str:
    """Issue 12: a product sold in a foreign market is listed under that market's flag (`f=ru`), with and
    without its category and prefecture: the market's storefront page is one Query, like a flagged page."""
    return market


def flag_combinations(flags: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every non-empty combination of `flags` (sorted), e.g. (gi,), (season,), (gi, season)."""
    ordered = sorted(set(flags))
    out: list[tuple[str, ...]] = []
    for mask in range(1, 2 ** len(ordered)):
        out.append(tuple(f for i, f in enumerate(ordered) if mask >> i & 1))
    return out


def flag_facets(storefront: str, category: str, prefecture: str, flags: tuple[str, ...]) -> list[str]:
    return [
        facet_key(storefront, c, p, None, combo)
        for combo in flag_combinations(flags)
        for c, p in cartesian((None, category), (None, prefecture))
    ]


def maker_facet(storefront: str, maker_id: str) -> str:
    """The partition of a maker's listed products (and, first, its public profile): the maker page's one Query."""
    return f"{storefront}|m={maker_id}"
