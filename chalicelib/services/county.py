"""A county operations centre's work (issue 10): scan inbound parcels, list them, build and dispatch a manifest
per village, receive the villages' return manifests and forward each return to its seller.

Every action is for the staff of that county only (services/network.county_access: their token names the
county). Parcels of other counties are not found (404), whatever their id.
"""

from __future__ import annotations

from collections.abc import Callable

from ..domain.errors import Conflict, NotFound
from ..domain.identity import Actor
from ..domain.network import TO_COUNTY, TO_VILLAGE, Manifest, ManifestLine, forward_return, normalise_code
from ..domain.orders import Order, Return
from . import manifests
from .network import county_access
from .ports import BuyingRepository, JobQueue, NetworkRepository, Page, Position


def _of_county(order: Order | None, county_id: str) -> bool:
    return order is not None and order.pickup is not None and order.pickup["county_id"] == county_id


def scan(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    code: str,
    *,
    now: str,
) -> tuple[Order, bool]:
    """A parcel scanned in at the county centre (its order id or tracking number): at_county. Returns (order,
    already): a parcel scanned in before changes nothing. Two calls: the lookup (GetItem by order id, or one
    Query of the county's tracking numbers) and the version-checked write."""
    county_access(network, actor, county_id)
    code = normalise_code(code)
    if code.startswith("ord_"):
        found = buying.get_order(code)
        candidates = [found] if found is not None else []
    else:
        candidates = buying.orders_by_tracking(county_id, code)
    mine = [o for o in candidates if _of_county(o, county_id)]
    if not mine:
        raise NotFound("no parcel for this county centre has this code", code="parcel_not_found")
    if len(mine) > 1:
        raise Conflict(
            "several parcels have this tracking number: scan the order number instead", code="ambiguous_code"
        )
    order = mine[0]
    if order.status == "at_county":
        return order, True
    return buying.save_order(order.arrive_at_county(actor.user_id, now), order.version, event="order.at_county"), False


def parcels(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    status: str,
    village_id: str | None,
    limit: int,
    start: Position | None,
) -> Page[Order]:
    """The county's parcels in one status (the latest to arrive in it first), or one village's: one Query."""
    county_access(network, actor, county_id)
    if village_id:
        page = buying.village_parcels(village_id, status, limit, start)
        return Page([o for o in page.items if _of_county(o, county_id)], page.last_key)
    return buying.county_parcels(county_id, status, limit, start)


def _ports(buying: BuyingRepository, network: NetworkRepository, jobs: JobQueue) -> manifests.Ports:
    return manifests.Ports(buying=buying, network=network, jobs=jobs)


def build_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    county_id: str,
    village_id: str,
    *,
    now: str,
    new_id: Callable[[str], str],
) -> tuple[Manifest, bool]:
    """Every parcel at the county for `village_id` on one inbound manifest (joining the one being built, if
    any): (manifest, created). 409 when no parcel waits."""
    county_access(network, actor, county_id)
    village = network.get_village(village_id)
    if village is None or village.county_id != county_id:
        raise NotFound("this county centre has no such village service centre", code="village_not_found")
    return manifests.build(_ports(buying, network, jobs), village, TO_VILLAGE, actor.user_id, now=now, new_id=new_id)


def county_manifests(
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    direction: str,
    status: str,
    limit: int,
    start: Position | None,
) -> Page[Manifest]:
    county_access(network, actor, county_id)
    return network.manifests("county", county_id, direction, status, limit, start)


def _county_manifest(manifest: Manifest | None, county_id: str) -> Manifest:
    if manifest is None or manifest.county_id != county_id:
        raise NotFound("this county centre has no such manifest", code="manifest_not_found")
    return manifest


def manifest_view(
    network: NetworkRepository, actor: Actor, county_id: str, manifest_id: str, limit: int, start: Position | None
) -> tuple[Manifest | None, Page[ManifestLine]]:
    """The header and the first page of its parcels (one Query); a later page (`start`, from a cursor signed
    for this caller and this manifest, so the first page's check holds) has the parcels only."""
    county_access(network, actor, county_id)
    header, lines = network.manifest_page(manifest_id, limit, start)
    if start is None:
        return _county_manifest(header, county_id), lines
    return None, lines


def dispatch_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    county_id: str,
    manifest_id: str,
    *,
    now: str,
) -> Manifest:
    """An inbound manifest leaves for its village: its parcels are to_village (the first step now, the rest
    in a job)."""
    county_access(network, actor, county_id)
    header, first = network.manifest_page(manifest_id, manifests.CHUNK, None)
    manifest = _county_manifest(header, county_id)
    if manifest.direction != TO_VILLAGE:
        raise Conflict("a village dispatches its return manifests", code="wrong_direction")
    return manifests.dispatch(_ports(buying, network, jobs), manifest, first, actor.user_id, now=now)


def receive_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    county_id: str,
    manifest_id: str,
    codes: list[str],
    *,
    now: str,
) -> Manifest:
    """A village's return manifest arrives: scanned returns are at the county, the others missing."""
    county_access(network, actor, county_id)
    header, lines = network.whole_manifest(manifest_id)
    manifest = _county_manifest(header, county_id)
    if manifest.direction != TO_COUNTY:
        raise Conflict("its village receives an inbound manifest", code="wrong_direction")
    return manifests.receive(_ports(buying, network, jobs), manifest, lines, codes, actor.user_id, now=now)


def returns_at(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    leg: str,
    limit: int,
    start: Position | None,
) -> Page[Return]:
    county_access(network, actor, county_id)
    return buying.network_returns(county_id, leg, limit, start)


def forward(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    return_id: str,
    carrier: str,
    tracking_number: str,
    *,
    now: str,
) -> Return:
    """A return at the county centre is sent on to its seller, who receives it as any return (refund)."""
    county_access(network, actor, county_id)
    ret = buying.get_return(return_id)
    if ret is None or (ret.network or {}).get("county_id") != county_id:
        raise NotFound("this county centre has no such return", code="return_not_found")
    forwarded = forward_return(ret, carrier, tracking_number, actor.user_id, now)
    _, saved = buying.save_orders([], returns=[(forwarded, ret.version)])
    return saved[0]
