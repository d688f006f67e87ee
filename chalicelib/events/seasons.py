"""The season schedule (issue 15): products whose harvest season starts or ends are re-listed, so they join or
leave the storefronts' `in_season=true` pages (cards compute their in-season label when they are read)."""

from __future__ import annotations

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)


def run_season_sweep() -> dict:
    from ..services import catalog

    c = container()
    return {"relisted": catalog.refresh_seasons(c.catalog, now=c.clock())}


@bp.schedule(Rate(1, unit=Rate.HOURS), name="season_sweep")
def season_sweep(event):
    return run_season_sweep()
