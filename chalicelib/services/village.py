"""A village service centre's work (issue 10), for its partner only: receive the county's manifests, hand
parcels over against the buyer's pickup code, open returns and send them back to the county on a manifest.

What a partner reads carries the partner it was written for (orders, returns and manifests of the village),
so a read proves the partner without reading the village (services/network.village_access). The pickup code
is never read back here: a handover only compares it (domain/network.code_matches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domain.assisted import fee_reversed, handover_posting
from ..domain.errors import Conflict, NotFound, TooManyAttempts, Unprocessable
from ..domain.identity import Actor
from ..domain.network import TO_COUNTY, TO_VILLAGE, Manifest, ManifestLine, Village, code_matches, village_return
from ..domain.orders import WRONG_CODES_BEFORE_LOCK, Order, Return
from . import manifests
from .network import village_access
from .ports import BuyingRepository, JobQueue, Ledger, NetworkRepository, Page, Position, TrustRepository, Write
from .returns import open_return


def _ports(buying: BuyingRepository, network: NetworkRepository, jobs: JobQueue) -> manifests.Ports:
    return manifests.Ports(buying=buying, network=network, jobs=jobs)


def _village_manifest(network: NetworkRepository, actor: Actor, village_id: str, manifest: Manifest | None) -> Manifest:
    """The manifest if it is this village's (the caller proven its partner), else 403/404."""
    if manifest is not None and manifest.village_id == village_id:
        village_access(network, actor, village_id, [manifest.partner_id])
        return manifest
    village_access(network, actor, village_id)
    raise NotFound("this village service centre has no such manifest", code="manifest_not_found")


def village_manifests(
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    direction: str,
    status: str,
    limit: int,
    start: Position | None,
    *,
    known: Village | None = None,
) -> Page[Manifest]:
    """One Query; the manifests prove the partner (an empty page also reads the village)."""
    page = network.manifests("village", village_id, direction, status, limit, start)
    village_access(network, actor, village_id, [m.partner_id for m in page.items], known=known)
    return page


def manifest_view(
    network: NetworkRepository, actor: Actor, village_id: str, manifest_id: str, limit: int, start: Position | None
) -> tuple[Manifest | None, Page[ManifestLine]]:
    """The header and the first page of its parcels (one Query); a later page (`start`, from a cursor signed
    for this caller and this manifest) has the parcels only."""
    header, lines = network.manifest_page(manifest_id, limit, start)
    if start is None:
        return _village_manifest(network, actor, village_id, header), lines
    village_access(network, actor, village_id, [actor.user_id])  # the role; the cursor proved the rest
    return None, lines


def receive_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    village_id: str,
    manifest_id: str,
    codes: list[str],
    *,
    now: str,
) -> Manifest:
    """The county's manifest arrives: the scanned parcels are ready for pickup (their buyers get a code), the
    others missing (back on the county's list). 422 for a scanned parcel not on the manifest."""
    header, lines = network.whole_manifest(manifest_id)
    manifest = _village_manifest(network, actor, village_id, header)
    if manifest.direction != TO_VILLAGE:
        raise Conflict("the county centre receives return manifests", code="wrong_direction")
    return manifests.receive(_ports(buying, network, jobs), manifest, lines, codes, actor.user_id, now=now)


def parcels(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    status: str,
    limit: int,
    start: Position | None,
    *,
    known: Village | None = None,
) -> Page[Order]:
    """The village's parcels in one status (ready for pickup, on their way, handed over), latest first."""
    page = buying.village_parcels(village_id, status, limit, start)
    proofs = [(o.pickup or {}).get("partner_id", "") for o in page.items]
    village_access(network, actor, village_id, proofs, known=known)
    return page


def _village_order(
    buying: BuyingRepository, network: NetworkRepository, actor: Actor, village_id: str, order_id: str
) -> Order:
    order = buying.get_order(order_id)
    if order is not None and order.pickup is not None and order.pickup["village_id"] == village_id:
        village_access(network, actor, village_id, [order.pickup["partner_id"]])
        return order
    village_access(network, actor, village_id)
    raise NotFound("this village service centre has no such parcel", code="parcel_not_found")


def hand_over(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    order_id: str,
    pickup_code: str | None,
    *,
    now: str,
    secret: str,
    villager_present: bool = False,
    villager_id: str | None = None,
    ledger: Ledger | None = None,
    trust: TrustRepository | None = None,
) -> Order:
    """The buyer shows their pickup code: delivered (the return window starts). A wrong code is 422 and
    counted; the fifth in a row locks the handover for 15 minutes (429 + Retry-After). With `trust` (issue 13)
    the delivery is counted on the shop's day (its dispute rate), in the same transaction. Issue 11: an order
    the partner placed for a villager is handed over to that villager in person without a code."""
    order = _village_order(buying, network, actor, village_id, order_id)
    order.check_handover(now)
    if villager_present:
        assisted = order.assisted or {}
        if not assisted or assisted.get("villager_id") != villager_id:
            raise Unprocessable(
                "only an order placed here for this villager is handed over without a code",
                code="not_this_villagers_order",
                details=[{"field": "villager_id", "message": "not the villager this order was placed for"}],
            )
        in_person = order.hand_over(actor.user_id, now, note="villager present")
        return _delivered(buying, ledger, order, in_person, _counted(trust, order, now))
    if not pickup_code:
        raise Unprocessable(
            "the buyer's pickup code is needed",
            code="pickup_code_required",
            details=[{"field": "pickup_code", "message": "the 6 digits the buyer shows"}],
        )
    ready_at = str((order.pickup or {}).get("ready_at") or "")
    if not code_matches(secret, order.order_id, ready_at, pickup_code):
        counted = buying.save_order(order.wrong_code(now), order.version, event="order.wrong_pickup_code")
        locked = counted.handover_locked_until(now)
        if locked:
            counted.check_handover(now)  # raises TooManyAttempts (429)
            raise TooManyAttempts("too many wrong pickup codes", code="handover_locked", retry_after=900)
        left = WRONG_CODES_BEFORE_LOCK - counted.wrong_codes
        raise Unprocessable(
            "the pickup code is not right",
            code="wrong_pickup_code",
            details=[{"field": "pickup_code", "message": f"wrong code; {left} tries left before a 15-minute lock"}],
        )
    return _delivered(
        buying, ledger, order, order.hand_over(actor.user_id, now, note="pickup code"), _counted(trust, order, now)
    )


def _counted(trust: TrustRepository | None, order: Order, now: str) -> list[Write]:
    return [trust.delivered_write(order.shop_id, now)] if trust is not None else []


def _delivered(
    buying: BuyingRepository, ledger: Ledger | None, order: Order, delivered: Order, extra: list[Write]
) -> Order:
    """Saves the handed-over order (with `extra`: issue 13's delivery count); an assisted order's cash (the fee
    earned, the goods' cash when paid at the pickup, then recorded as paid) is posted in the same transaction."""
    if delivered.assisted and delivered.assisted.get("payment") == "cash_on_pickup" and not delivered.paid_at:
        delivered = delivered.mark_paid("partner", delivered.updated_at, actor_id=delivered.timeline[-1].actor_id)
    posting = handover_posting(delivered, delivered.updated_at)
    if posting is None:
        return buying.save_order(delivered, order.version, event="order.delivered", extra=extra)
    if ledger is None:
        raise RuntimeError("an assisted order's handover needs the ledger")
    writes = buying.order_writes(delivered, order.version, event="order.delivered", extra=extra)
    if ledger.post(posting, alongside=writes).replayed:
        # handed over at the same moment by another request: nothing was written twice; answer what is stored
        stored = buying.get_order(order.order_id)
        assert stored is not None
        return stored
    return delivered.as_saved(order.version)


def open_village_return(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    order_id: str,
    lines: list[dict[str, Any]],
    reason: str | None,
    *,
    now: str,
    return_id: str,
    ledger: Ledger | None = None,
) -> Return:
    """The buyer brings goods back to the village centre: their return, with the same rules and window as
    their own, and the parcel starts its way village -> county -> seller."""
    return open_return(
        buying, lambda: _village_order(buying, network, actor, village_id, order_id), lines, reason, now=now,
        return_id=return_id, actor="partner", actor_id=actor.user_id,
        network=lambda order: village_return(order, actor.user_id, now), ledger=ledger,
        fee_back=lambda order, returned: fee_reversed(order, returned, return_id, now),
    )  # fmt: skip


def returns_waiting(
    buying: BuyingRepository,
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    limit: int,
    start: Position | None,
    *,
    known: Village | None = None,
) -> Page[Return]:
    """Returns opened here and still at the village centre (on a manifest or not), latest first."""
    page = buying.network_returns(village_id, "at_village", limit, start)
    proofs = [(r.network or {}).get("partner_id", "") for r in page.items]
    village_access(network, actor, village_id, proofs, known=known)
    return page


def build_return_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    village_id: str,
    *,
    now: str,
    new_id: Callable[[str], str],
) -> tuple[Manifest, bool]:
    """Every return waiting at the village on one manifest to the county (joining the open one)."""
    village = village_access(network, actor, village_id)
    assert village is not None  # no proof given: the village was read
    return manifests.build(_ports(buying, network, jobs), village, TO_COUNTY, actor.user_id, now=now, new_id=new_id)


def dispatch_return_manifest(
    buying: BuyingRepository,
    network: NetworkRepository,
    jobs: JobQueue,
    actor: Actor,
    village_id: str,
    manifest_id: str,
    *,
    now: str,
) -> Manifest:
    header, first = network.manifest_page(manifest_id, manifests.CHUNK, None)
    manifest = _village_manifest(network, actor, village_id, header)
    if manifest.direction != TO_COUNTY:
        raise Conflict("the county centre dispatches inbound manifests", code="wrong_direction")
    return manifests.dispatch(_ports(buying, network, jobs), manifest, first, actor.user_id, now=now)
