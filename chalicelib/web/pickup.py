"""Collecting at a village service centre, on the buyer's pages (issue 10): the checkout's choice of a centre
(a county, then its centres with their hours), the centre remembered for the cart page, the pickup code."""

from __future__ import annotations

from typing import Any

from ..api.presenters import county_public, village_public
from ..bootstrap import container
from ..domain.errors import NotFound
from ..services import network
from .routing import looks_like_id
from .session import WebContext, cookie

PICKUP_COOKIE = "pickup"  # the village centre the buyer last collected at
PICKUP_MAX_AGE = 365 * 24 * 3600
CHOICES = 100  # counties and centres offered on the checkout page (the directory pages by 100)


def remembered(ctx: WebContext) -> str | None:
    value = ctx.cookies.get(PICKUP_COOKIE)
    return value if value and looks_like_id(value) else None


def remember(ctx: WebContext, village_id: str) -> None:
    ctx.set_cookies.append(
        cookie(PICKUP_COOKIE, village_id, path=ctx.cookie_path, secure=ctx.secure, max_age=PICKUP_MAX_AGE)
    )


def centre(ctx: WebContext) -> dict[str, Any] | None:
    """The remembered centre, for the cart page (one GetItem), or None."""
    village_id = remembered(ctx)
    if village_id is None:
        return None
    village = container().network.get_village(village_id)
    return village_public(village) if village is not None else None


def choices(ctx: WebContext, chosen: str | None) -> dict[str, Any]:
    """The checkout page's centres: every county (one Query), and the centres of the county asked for, or of
    the chosen or remembered centre's county (one Query, and one GetItem to find that county)."""
    c = container()
    counties = [county_public(x) for x in network.counties(c.network, CHOICES, None).items]
    county_id = ctx.query.get("county") or ""
    chosen = chosen or ctx.query.get("pickup_point") or remembered(ctx)
    if not looks_like_id(county_id):
        county_id = ""
        if chosen and looks_like_id(chosen):
            village = c.network.get_village(chosen)
            county_id = village.county_id if village else ""
    villages: list[dict[str, Any]] = []
    if county_id:
        try:
            villages = [village_public(v) for v in network.villages(c.network, county_id, CHOICES, None).items]
        except NotFound:
            county_id = ""
    return {"counties": counties, "county_id": county_id, "villages": villages, "chosen": chosen or ""}
