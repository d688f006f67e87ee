"""The rural service network (issue 10): county operations centres, village service centres (pickup points),
the manifests that carry parcels between them, pickup codes, and who may do what. Pure Python.

Parcels are orders collected at a village centre (Order.pickup): the seller ships them to the county centre,
county staff scan them in, put every parcel for one village on an inbound manifest and dispatch it; the
village's partner receives the manifest (scanned parcels are ready for pickup, the others go missing) and hands
each parcel over against the buyer's pickup code. Returns opened at a village travel back on an outbound
manifest (village -> county), and the county forwards each to its seller.

Tenancy: a county's staff are named by the Cognito group "county:<county_id>" in their token (Actor.counties),
with their membership item as the source of truth when a token predates it; a village has exactly one partner
(Village.partner_id), and everything written for a village carries that partner's id, so reads of village
data prove the partner without another read (as orders carry their seller).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from typing import Any

from .errors import Conflict, Forbidden, NotFound
from .identity import Actor, Role, require_role
from .orders import Order, Return

TO_VILLAGE = "to_village"  # inbound: county centre -> village centre, parcels are orders
TO_COUNTY = "to_county"  # outbound: village centre -> county centre, parcels are returns
DIRECTIONS = (TO_VILLAGE, TO_COUNTY)

# building: parcels are being put on it; ready: complete, waiting to leave; dispatching / dispatched: on its
# way; receiving / received: checked in at its destination (scanned parcels arrived, the others are missing).
MANIFEST_STATUSES = ("building", "ready", "dispatching", "dispatched", "receiving", "received")

# Where a return opened at a village is: at the village, on its way to the county, at the county, missing,
# forwarded to the seller (who then receives it as any return: refund and restock).
RETURN_LEGS = ("at_village", "to_county", "at_county", "missing", "to_seller")

# County parcel lists (GET /v1/county/{county_id}/parcels?status=...), village parcel lists.
COUNTY_PARCEL_STATUSES = ("at_county", "to_village", "missing")
VILLAGE_PARCEL_STATUSES = ("to_village", "ready_for_pickup", "delivered")
COUNTY_RETURN_LEGS = ("to_county", "at_county", "missing", "to_seller")
VILLAGE_RETURN_LEGS = ("at_village", "to_county")

PICKUP_CODE_DIGITS = 6


@dataclass(frozen=True)
class County:
    county_id: str
    name: str  # the operations centre's name
    province: str
    prefecture: str
    county: str
    address: str
    created_at: str
    version: int = 1


@dataclass(frozen=True)
class Village:
    """A village service centre, run by one partner; it is also a pickup point."""

    village_id: str
    county_id: str
    name: str  # the centre's name
    village: str
    address: str
    hours: str
    partner_id: str
    partner_email: str  # operators only: never in the public directory
    county_name: str  # the county centre, as it was when the village was added (orders snapshot it)
    county_address: str
    created_at: str
    # The manifest being built for this village, per direction: a second build joins it instead of racing it.
    open_manifests: dict[str, str] | None = None
    version: int = 1

    def open_manifest(self, direction: str) -> str | None:
        return (self.open_manifests or {}).get(direction)


@dataclass(frozen=True)
class Manifest:
    """A consolidation manifest: every parcel for one village (to_village) or from it (to_county)."""

    manifest_id: str
    direction: str
    county_id: str
    village_id: str
    partner_id: str  # the village's partner (snapshot: proves the partner on village reads)
    village_name: str
    county_name: str
    status: str
    parcel_count: int
    created_at: str
    updated_at: str
    created_by: str
    dispatched_at: str | None = None
    dispatched_by: str | None = None
    received_at: str | None = None
    received_by: str | None = None
    scanned: tuple[str, ...] = ()  # the item ids scanned on receipt
    received_count: int = 0
    missing_count: int = 0
    progress: str | None = None  # the last line the running step finished (dispatching, receiving)
    version: int = 1

    @property
    def origin(self) -> str:
        """Who builds and dispatches it: "county" (to_village) or "village" (to_county)."""
        return "county" if self.direction == TO_VILLAGE else "village"

    @property
    def destination(self) -> str:
        return "village" if self.direction == TO_VILLAGE else "county"

    @property
    def busy(self) -> bool:
        """A step is still running in the background (a job): building, dispatching or receiving."""
        return self.status in ("building", "dispatching", "receiving")


@dataclass(frozen=True)
class ManifestLine:
    """One parcel on a manifest, as it was when it was put on it (what a printed manifest shows)."""

    manifest_id: str
    item_id: str  # the order id (to_village) or the return id (to_county)
    order_id: str
    tracking_number: str | None
    recipient: str
    phone_last4: str
    shop_name: str
    state: str  # listed, received, missing
    added_at: str
    return_id: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """What a scanner may read off the parcel: its ids and its tracking number."""
        found = [self.item_id, self.order_id]
        if self.return_id:
            found.append(self.return_id)
        if self.tracking_number:
            found.append(self.tracking_number.upper())
        return tuple(dict.fromkeys(found))


# --- who may do what ----------------------------------------------------------------------------------------


def staff_claims_county(actor: Actor, county_id: str) -> bool:
    """The token names this county (the staff's group). Without it the caller's membership decides."""
    return actor.has(Role.COUNTY_STAFF) and county_id in actor.counties


def require_county_staff(actor: Actor, county_id: str, member_of: str | None) -> None:
    """`member_of`: the county the caller's membership item names (None: none), read only when the token
    does not name `county_id`."""
    require_role(actor, Role.COUNTY_STAFF)
    if county_id in actor.counties or member_of == county_id:
        return
    raise Forbidden("you work at another county centre", code="not_county_staff")


def require_partner(actor: Actor, village: Village | None) -> Village:
    """The village's partner, and only them; an unknown village is 404."""
    require_role(actor, Role.PARTNER)
    if village is None:
        raise NotFound("village service centre not found", code="village_not_found")
    if village.partner_id != actor.user_id:
        raise Forbidden("you run another village service centre", code="not_village_partner")
    return village


# --- pickup --------------------------------------------------------------------------------------------------


def pickup_snapshot(village: Village) -> dict[str, Any]:
    """What an order keeps of its pickup point at checkout (Order.pickup)."""
    return {
        "village_id": village.village_id,
        "village_name": village.name,
        "village": village.village,
        "village_address": village.address,
        "hours": village.hours,
        "county_id": village.county_id,
        "county_name": village.county_name,
        "county_address": village.county_address,
        "partner_id": village.partner_id,
        "manifest_id": None,
        "ready_at": None,
        "wrong_codes": 0,
        "locked_until": None,
    }


def pickup_code(secret: str, order_id: str, ready_at: str) -> str:
    """The buyer's 6-digit pickup code. Derived (HMAC of the order and when it became ready), never stored:
    only the buyer's views and notification compute it, and a parcel made ready again gets a new one."""
    digest = hmac.new(secret.encode(), f"pickup/v1/{order_id}/{ready_at}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**PICKUP_CODE_DIGITS).zfill(PICKUP_CODE_DIGITS)


def code_matches(secret: str, order_id: str, ready_at: str, offered: str) -> bool:
    return hmac.compare_digest(pickup_code(secret, order_id, ready_at).encode(), offered.strip().encode())


def phone_last4(phone: str) -> str:
    digits = [ch for ch in phone if ch.isdigit()]
    return "".join(digits[-4:])


def normalise_code(code: str) -> str:
    """A scanned barcode: order and return ids as they are, tracking numbers upper-case."""
    code = code.strip()
    if code.startswith(("ord_", "ret_")):
        return code
    return code.upper()


# --- manifests ----------------------------------------------------------------------------------------------


def new_manifest(
    manifest_id: str, direction: str, village: Village, actor_id: str, now: str, *, parcels: int, complete: bool
) -> Manifest:
    return Manifest(
        manifest_id=manifest_id,
        direction=direction,
        county_id=village.county_id,
        village_id=village.village_id,
        partner_id=village.partner_id,
        village_name=village.name,
        county_name=village.county_name,
        status="ready" if complete else "building",
        parcel_count=parcels,
        created_at=now,
        updated_at=now,
        created_by=actor_id,
    )


def start_dispatch(manifest: Manifest, actor_id: str, now: str) -> Manifest:
    if manifest.status == "building":
        raise Conflict("the manifest is still being built; dispatch it when it is ready", code="manifest_building")
    if manifest.status != "ready":
        raise Conflict(f"a {manifest.status} manifest cannot be dispatched", code="illegal_manifest_transition")
    return replace(manifest, status="dispatching", dispatched_by=actor_id, updated_at=now, progress=None)


def start_receipt(manifest: Manifest, scanned: tuple[str, ...], actor_id: str, now: str) -> Manifest:
    if manifest.status in ("dispatching", "building", "ready"):
        raise Conflict("the manifest has not been dispatched yet", code="manifest_not_dispatched")
    if manifest.status != "dispatched":
        raise Conflict(f"a {manifest.status} manifest cannot be received", code="illegal_manifest_transition")
    return replace(manifest, status="receiving", scanned=scanned, received_by=actor_id, updated_at=now, progress=None)


def resolve_codes(lines: list[ManifestLine], codes: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The item ids of the lines the scanned `codes` name, and the codes that name no line of the manifest."""
    by_code: dict[str, str] = {}
    for line in lines:
        for code in line.codes:
            by_code.setdefault(code, line.item_id)
    found: dict[str, None] = {}
    unknown: list[str] = []
    for raw in codes:
        code = normalise_code(raw)
        if not code:
            continue
        item = by_code.get(code)
        if item is None:
            if code not in unknown:
                unknown.append(code)
        else:
            found[item] = None
    return tuple(sorted(found)), unknown


def return_leg(ret_network: dict[str, Any] | None) -> str | None:
    return (ret_network or {}).get("leg")


# --- returns opened at a village ------------------------------------------------------------------------------


def village_return(order: Order, actor_id: str, now: str) -> dict[str, Any]:
    """Return.network of a return of `order` opened at its village centre: the parcel is at the village."""
    pickup = order.pickup or {}
    return {
        "village_id": pickup.get("village_id", ""),
        "village_name": pickup.get("village_name", ""),
        "county_id": pickup.get("county_id", ""),
        "county_name": pickup.get("county_name", ""),
        "partner_id": pickup.get("partner_id", ""),
        "shop_name": order.shop_name,
        "recipient": str(order.delivery.get("name", "")),
        "phone_last4": phone_last4(str(order.delivery.get("phone", ""))),
        "leg": "at_village",
        "manifest_id": None,
        "forwarding": None,
        "history": [{"at": now, "leg": "at_village", "actor_id": actor_id}],
    }


def _moved_return(ret: Return, leg: str, actor_id: str, now: str, **changes: Any) -> Return:
    network = dict(ret.network or {})
    network.update(changes, leg=leg)
    network["history"] = [*network.get("history", []), {"at": now, "leg": leg, "actor_id": actor_id}]
    return replace(ret, network=network, updated_at=now)


def _illegal_leg(ret: Return, action: str) -> Conflict:
    return Conflict(
        f"a return {return_leg(ret.network) or 'not opened at a village'} cannot be {action}",
        code="illegal_return_transition",
    )


def put_return_on_manifest(ret: Return, manifest_id: str, now: str) -> Return:
    if return_leg(ret.network) != "at_village" or (ret.network or {}).get("manifest_id") not in (None, manifest_id):
        raise Conflict("the return is not waiting at the village centre", code="parcel_not_waiting")
    network = {**(ret.network or {}), "manifest_id": manifest_id}
    return replace(ret, network=network, updated_at=now)


def dispatch_return(ret: Return, manifest_id: str, actor_id: str, now: str) -> Return:
    if return_leg(ret.network) != "at_village" or (ret.network or {}).get("manifest_id") != manifest_id:
        raise _illegal_leg(ret, "dispatched on this manifest")
    return _moved_return(ret, "to_county", actor_id, now)


def return_at_county(ret: Return, actor_id: str, now: str) -> Return:
    """Received at the county on its manifest, or found again after going missing."""
    if return_leg(ret.network) not in ("to_county", "missing"):
        raise _illegal_leg(ret, "received at the county centre")
    return _moved_return(ret, "at_county", actor_id, now, manifest_id=None)


def return_missing(ret: Return, actor_id: str, now: str) -> Return:
    if return_leg(ret.network) != "to_county":
        raise _illegal_leg(ret, "reported missing")
    return _moved_return(ret, "missing", actor_id, now, manifest_id=None)


def forward_return(ret: Return, carrier: str, tracking_number: str, actor_id: str, now: str) -> Return:
    """The county centre sends the parcel on to the seller, who receives it as any return (refund)."""
    if ret.status != "requested" or return_leg(ret.network) != "at_county":
        raise _illegal_leg(ret, "forwarded to the seller")
    forwarding = {"carrier": carrier, "tracking_number": tracking_number, "forwarded_at": now}
    return _moved_return(ret, "to_seller", actor_id, now, forwarding=forwarding)


def check_seller_can_receive(ret: Return) -> None:
    """A return opened at a village reaches its seller only once the county forwarded it."""
    if ret.network is not None and return_leg(ret.network) != "to_seller":
        raise Conflict("this return is still on its way from the village service centre", code="return_in_transit")
