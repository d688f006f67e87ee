"""The origin taxonomy of a storefront (issue 15): provinces -> prefectures -> counties with live product counts.

The counts are kept by the product writes themselves (adapters/dynamodb.save_product: a product that is
listed, delisted, moved or whose shop is suspended or approved changes them in its own transaction), so this
is one read of the storefront's county counts and no scan.
"""

from __future__ import annotations

from typing import Any

from ..domain import search
from ..domain.errors import NotFound
from ..domain.provenance import ORIGIN_STOREFRONTS, origin_tree
from ..domain.storefronts import get_storefront
from .ports import CatalogRepository, Page, Position, ProvenanceRepository
from .storefront import browse


def origins(provenance: ProvenanceRepository, storefront: str) -> list[dict[str, Any]]:
    sf = get_storefront(storefront)
    if sf.key not in ORIGIN_STOREFRONTS:
        raise NotFound(f"the {sf.key} storefront has no origin taxonomy", code="no_origins")
    return origin_tree(provenance.origin_counts(sf.key))


def prefecture(
    catalog: CatalogRepository,
    provenance: ProvenanceRepository,
    storefront: str,
    name: str,
    *,
    limit: int,
    start: Position | None,
    in_season: bool = False,
) -> tuple[dict[str, Any], Page[dict[str, Any]]]:
    """A prefecture's landing page: the prefecture with its counties and their counts (the origin read), and a
    page of its products (one Query of its facet). 404 for a prefecture with nothing listed."""
    wanted = search.normalise_value(name)
    found = None
    for province in origins(provenance, storefront):
        for pref in province["prefectures"]:
            if search.normalise_value(pref["prefecture"]) == wanted:
                found = {**pref, "province": province["province"]}
    if found is None:
        raise NotFound("no products from this prefecture", code="prefecture_not_found")
    page = browse(
        catalog,
        storefront,
        category=None,
        prefecture=found["prefecture"],
        q=None,
        sort="newest",
        limit=limit,
        start=start,
        in_season="true" if in_season else None,
    )
    return found, page
