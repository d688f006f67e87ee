"""Villagers a village partner serves (issue 11): add one with their consent, list and search them, correct a
profile, erase it at the villager's request. Only the village's partner, and never another village's.

A villager is written with its village's partner id, so reads prove the partner without reading the village
(services/network.village_access); an empty page, or a villager of another village, reads the village to
tell 403 (another partner's village) from 404.
"""

from __future__ import annotations

from typing import Any

from ..domain.errors import NotFound
from ..domain.identity import Actor
from ..domain.network import Village
from ..domain.villagers import Villager, changed, erased, new_villager, search_prefix
from .network import village_access
from .ports import NetworkRepository, Page, Position


def add_villager(
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    fields: dict[str, Any],
    *,
    now: str,
    villager_id: str,
) -> Villager:
    """A proxy profile, with the villager's consent (method, when, and the witness of a verbal one)."""
    village = village_access(network, actor, village_id)
    assert village is not None  # no proof given: the village was read
    villager = new_villager(villager_id, village_id, village.partner_id, fields, now=now)
    network.create_villager(villager)
    return villager


def villagers(
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    query: str | None,
    limit: int,
    start: Position | None,
    *,
    known: Village | None = None,
) -> Page[Villager]:
    """Newest first; with `query`, those with a word of their name starting with its first word. One Query."""
    prefix = search_prefix(query or "")
    if prefix:
        page = network.search_villagers(village_id, prefix, limit, start)
    else:
        page = network.villagers(village_id, limit, start)
    village_access(network, actor, village_id, [v.partner_id for v in page.items], known=known)
    return page


def villager(
    network: NetworkRepository, actor: Actor, village_id: str, villager_id: str, *, consistent: bool = False
) -> Villager:
    found = network.get_villager(villager_id, consistent=consistent)
    if found is not None and found.village_id == village_id:
        village_access(network, actor, village_id, [found.partner_id])
        return found
    village_access(network, actor, village_id)
    raise NotFound("this village service centre serves no such villager", code="villager_not_found")


def update_villager(
    network: NetworkRepository, actor: Actor, village_id: str, villager_id: str, fields: dict[str, Any], *, now: str
) -> Villager:
    """Name, phone (None clears it) or a new consent record; an erased villager cannot be changed (409)."""
    before = villager(network, actor, village_id, villager_id, consistent=True)
    after = changed(before, fields, now=now)
    if after is before:
        return before
    return network.save_villager(before, after)


def erase_villager(
    network: NetworkRepository, actor: Actor, village_id: str, villager_id: str, *, now: str
) -> Villager:
    """The villager asked to be forgotten: name, phone and witness go; orders and money records stay."""
    before = villager(network, actor, village_id, villager_id, consistent=True)
    return network.save_villager(before, erased(before, now=now))


def recipients(network: NetworkRepository, village: Village, orders: list[Any]) -> dict[str, Villager]:
    """The villagers the assisted orders among `orders` were placed for (one BatchGetItem; none when there is
    no assisted order), for a page of the village's partner (`village` already checked): orders name them by
    id only, so an erased villager's name is gone from them too."""
    ids = sorted({o.assisted["villager_id"] for o in orders if o.assisted and o.assisted.get("villager_id")})
    if not ids:
        return {}
    found = network.villagers_by_id(ids)
    return {vid: v for vid, v in found.items() if v.village_id == village.village_id}
