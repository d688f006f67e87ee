"""A village service centre (issue 10), for its partner: receive manifests, hand parcels over against the
buyer's pickup code, open returns and send them back to the county on a manifest."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.network import DIRECTIONS, MANIFEST_STATUSES, VILLAGE_PARCEL_STATUSES
from ..services import village
from .http import ok
from .presenters import manifest_line_public, manifest_public, network_return_public, parcel_public
from .routing import Budget, Call, Scope, choice, roles, route

bp = Blueprint(__name__)

PARTNER = roles(Role.PARTNER)
PROOF = "the items read name the partner they were written for (an empty page also GetItems the village)"


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/manifests",
    "listVillageManifests",
    "The village centre's manifests by direction and status, newest first",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    query=(
        choice("status", MANIFEST_STATUSES, "manifests in this status", default="dispatched", example="received"),
        choice(
            "direction",
            DIRECTIONS,
            "to_village: from the county; to_county: returns sent back",
            default="to_village",
            example="to_county",
        ),
    ),
    paged=True,
    responses={200: "ManifestsPage"},
    budget=Budget(1, f"one Query of the village's manifests partition; {PROOF}"),
)
def manifests(call: Call, village_id: str) -> dict:
    c = container()
    page = village.village_manifests(
        c.network, call.actor, village_id, call.params["direction"], call.params["status"],
        call.page.limit, call.page.start,
    )  # fmt: skip
    return call.page.respond(page, manifest_public)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/manifests/{manifest_id}",
    "getVillageManifest",
    "A manifest and its parcels",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    paged=True,
    responses={200: "ManifestPage"},
    budget=Budget(1, "one Query of the manifest's partition (the header names the partner)"),
)
def manifest(call: Call, village_id: str, manifest_id: str) -> dict:
    c = container()
    header, lines = village.manifest_view(
        c.network, call.actor, village_id, manifest_id, call.page.limit, call.page.start
    )
    return {
        "manifest": manifest_public(header) if header else None,
        **call.page.respond(lines, manifest_line_public),
    }


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/manifests/{manifest_id}/receive",
    "receiveManifest",
    "The manifest arrives: scanned parcels are ready for pickup, the others missing",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="ReceiveIn",
    responses={200: "ManifestPublic"},
    errors=(409, 412, 422),
    description=(
        "`codes`: the parcels scanned (order ids or tracking numbers). Each scanned parcel is ready_for_pickup "
        "and its buyer is notified with a pickup code; every other parcel on the manifest is missing and shows on "
        "the county's list. A code of no parcel on the manifest is 422 (nothing changes). Receiving again with "
        "the same scans answers the same; with others 409."
    ),
    budget=Budget(
        3,
        "one Query of the whole manifest (one per MB of lines: about 3,000 parcels) + one BatchGetItem of the "
        "first 25 orders + one TransactWriteItems (header, orders, lines); the rest in a job",
    ),
)
def receive(call: Call, village_id: str, manifest_id: str) -> dict:
    c = container()
    manifest = village.receive_manifest(
        c.buying, c.network, c.jobs, call.actor, village_id, manifest_id, list(call.body.codes),
        now=c.clock(),
    )  # fmt: skip
    return manifest_public(manifest)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/parcels",
    "listVillageParcels",
    "The village centre's parcels by status (ready for pickup, on their way, handed over)",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    query=(
        choice(
            "status", VILLAGE_PARCEL_STATUSES, "parcels in this status", default="ready_for_pickup", example="delivered"
        ),
    ),
    paged=True,
    responses={200: "ParcelsPage"},
    budget=Budget(1, f"one Query of village-status-index; {PROOF}"),
)
def parcels(call: Call, village_id: str) -> dict:
    c = container()
    page = village.parcels(
        c.buying, c.network, call.actor, village_id, call.params["status"], call.page.limit, call.page.start
    )
    return call.page.respond(page, parcel_public)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/handovers",
    "handOver",
    "Hand a parcel over against the buyer's pickup code",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="HandoverIn",
    responses={200: "ParcelPublic"},
    errors=(409, 412, 422, 429),
    description=(
        "The right code: the order is delivered and its return window starts. A wrong code is 422 "
        "wrong_pickup_code; the fifth wrong code in a row locks the handover for 15 minutes (429 handover_locked, "
        "Retry-After). Issue 11: an order the partner placed for a villager is handed over without a code with "
        "`villager_present: true` and that `villager_id` (another villager: 422 not_this_villagers_order); the "
        "timeline says which (`note`: pickup code / villager present)."
    ),
    budget=Budget(
        3,
        "GetItem order (it names the partner) + one version-checked write; an assisted order's fee is earned in "
        "that write's transaction (issue 11: the ledger's BatchGetItem of the balances + TransactWriteItems)",
    ),
)
def hand_over(call: Call, village_id: str) -> dict:
    c = container()
    order = village.hand_over(
        c.buying, c.network, call.actor, village_id, call.body.order_id, call.body.pickup_code,
        now=c.clock(), secret=c.settings.pickup_code_secret, villager_present=call.body.villager_present,
        villager_id=call.body.villager_id, ledger=c.ledger, trust=c.trust,
    )  # fmt: skip
    return parcel_public(order)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/returns",
    "openVillageReturn",
    "Open the buyer's return at the village centre",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="VillageReturnIn",
    responses={201: "NetworkReturnPublic"},
    errors=(409, 412),
    description=(
        "The same rules and window as the buyer's own return. The parcel then travels village -> county -> "
        "seller (a return manifest, then forwarded), and the refund is recorded when the seller receives it."
    ),
    budget=Budget(
        3,
        "GetItem order + one TransactWriteItems (order's returned quantities, version-checked; the return); an "
        "assisted order's fee share given back rides in it (issue 11: + the ledger's BatchGetItem of balances)",
    ),
)
def open_return(call: Call, village_id: str) -> dict:
    c = container()
    ret = village.open_village_return(
        c.buying, c.network, call.actor, village_id, call.body.order_id,
        [line.model_dump() for line in call.body.lines], call.body.reason, now=c.clock(), return_id=c.new_id("ret"),
        ledger=c.ledger,
    )  # fmt: skip
    return network_return_public(ret)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/returns",
    "listVillageReturns",
    "Returns opened here that are still at the village centre",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    paged=True,
    responses={200: "NetworkReturnsPage"},
    budget=Budget(1, f"one Query of the returns' leg-index; {PROOF}"),
)
def returns(call: Call, village_id: str) -> dict:
    c = container()
    page = village.returns_waiting(c.buying, c.network, call.actor, village_id, call.page.limit, call.page.start)
    return call.page.respond(page, network_return_public)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/manifests",
    "buildReturnManifest",
    "Put every return waiting at the village on one manifest to the county",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={201: "ManifestPublic", 200: "ManifestPublic"},
    errors=(409, 412),
    budget=Budget(
        4,
        "GetItem village + one Query of the returns waiting (25) + GetItem of the open manifest (when one is open) "
        "+ one TransactWriteItems; the rest in a job",
    ),
)
def build_return_manifest(call: Call, village_id: str) -> Response:
    c = container()
    manifest, created = village.build_return_manifest(
        c.buying, c.network, c.jobs, call.actor, village_id, now=c.clock(), new_id=c.new_id
    )
    return ok(manifest_public(manifest), status=201 if created else 200)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/manifests/{manifest_id}/dispatch",
    "dispatchReturnManifest",
    "A return manifest leaves for the county centre",
    tag="village",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={200: "ManifestPublic"},
    errors=(409, 412),
    budget=Budget(
        3, "one Query (header + the first 25 lines) + one BatchGetItem of their returns + one TransactWriteItems"
    ),
)
def dispatch(call: Call, village_id: str, manifest_id: str) -> dict:
    c = container()
    manifest = village.dispatch_return_manifest(
        c.buying, c.network, c.jobs, call.actor, village_id, manifest_id, now=c.clock()
    )
    return manifest_public(manifest)
