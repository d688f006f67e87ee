"""A county operations centre (issue 10), for its staff: scan parcels in, list them, manifests to the villages,
return manifests from them, returns forwarded to their sellers."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.network import COUNTY_PARCEL_STATUSES, COUNTY_RETURN_LEGS, DIRECTIONS, MANIFEST_STATUSES
from ..services import county
from .http import ok
from .presenters import manifest_line_public, manifest_public, network_return_public, parcel_public
from .routing import Budget, Call, Scope, choice, roles, route, text

bp = Blueprint(__name__)

STAFF = roles(Role.COUNTY_STAFF)
AUTH_NOTE = "county staff named by the token (a token from before the binding: + one GetItem of the membership)"


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/scans",
    "scanParcel",
    "Scan a parcel in at the county centre (order id or tracking number)",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    body="ScanIn",
    responses={200: "ScanResult"},
    errors=(409, 412),
    description="The parcel is at_county. A parcel scanned in before changes nothing (200, already true); an "
    "unknown parcel or another county's is 404.",
    budget=Budget(
        2, f"the lookup (GetItem by order id, or one Query of tracking-index) + one version-checked write; {AUTH_NOTE}"
    ),
)
def scan(call: Call, county_id: str) -> dict:
    c = container()
    order, already = county.scan(c.buying, c.network, call.actor, county_id, call.body.code, now=c.clock())
    return {"already": already, "parcel": parcel_public(order)}


@route(
    bp,
    "GET",
    "/v1/county/{county_id}/parcels",
    "listCountyParcels",
    "The county centre's parcels by status (the latest to arrive in it first)",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    query=(
        choice("status", COUNTY_PARCEL_STATUSES, "parcels in this status", default="at_county", example="missing"),
        text("village_id", 80, "only the parcels for this village centre"),
    ),
    paged=True,
    responses={200: "ParcelsPage"},
    budget=Budget(1, f"one Query of county-status-index (village-status-index with ?village_id=); {AUTH_NOTE}"),
)
def parcels(call: Call, county_id: str) -> dict:
    c = container()
    page = county.parcels(
        c.buying, c.network, call.actor, county_id, call.params["status"], call.params["village_id"],
        call.page.limit, call.page.start,
    )  # fmt: skip
    return call.page.respond(page, parcel_public)


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/manifests",
    "buildManifest",
    "Put every parcel waiting for a village on one manifest",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    body="ManifestIn",
    responses={201: "ManifestPublic", 200: "ManifestPublic"},
    errors=(409, 412),
    description=(
        "201 with a new manifest holding every at_county parcel for the village; while a manifest for that "
        "village is still being built or waits to leave, building again adds the newly arrived parcels to it "
        "(200). 409 no_parcels when nothing waits. The first 25 parcels are put on it in this request; with more, "
        "the manifest is `building` until a job has put the rest on it (`ready`)."
    ),
    budget=Budget(
        4,
        "GetItem village + one Query of the parcels waiting (25) + GetItem of the open manifest (when one is "
        f"open) + one TransactWriteItems (village, header, each order and its line); the rest in a job. {AUTH_NOTE}",
    ),
)
def build_manifest(call: Call, county_id: str) -> Response:
    c = container()
    manifest, created = county.build_manifest(
        c.buying, c.network, c.jobs, call.actor, county_id, call.body.village_id,
        now=c.clock(), new_id=c.new_id,
    )  # fmt: skip
    return ok(manifest_public(manifest), status=201 if created else 200)


@route(
    bp,
    "GET",
    "/v1/county/{county_id}/manifests",
    "listCountyManifests",
    "The county centre's manifests by direction and status, newest first",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    query=(
        choice(
            "direction",
            DIRECTIONS,
            "to_village: built here; to_county: returns from the villages",
            default="to_village",
            example="to_county",
        ),
        choice("status", MANIFEST_STATUSES, "manifests in this status", default="ready"),
    ),
    paged=True,
    responses={200: "ManifestsPage"},
    budget=Budget(1, f"one Query of the county's manifests partition for the direction and status; {AUTH_NOTE}"),
)
def manifests(call: Call, county_id: str) -> dict:
    c = container()
    page = county.county_manifests(
        c.network, call.actor, county_id, call.params["direction"], call.params["status"],
        call.page.limit, call.page.start,
    )  # fmt: skip
    return call.page.respond(page, manifest_public)


@route(
    bp,
    "GET",
    "/v1/county/{county_id}/manifests/{manifest_id}",
    "getCountyManifest",
    "A manifest and its parcels",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    paged=True,
    responses={200: "ManifestPage"},
    budget=Budget(1, f"one Query of the manifest's partition (the header sorts first); {AUTH_NOTE}"),
)
def manifest(call: Call, county_id: str, manifest_id: str) -> dict:
    c = container()
    page = call.page
    header, lines = county.manifest_view(c.network, call.actor, county_id, manifest_id, page.limit, page.start)
    return {
        "manifest": manifest_public(header) if header else None,
        **call.page.respond(lines, manifest_line_public),
    }


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/manifests/{manifest_id}/dispatch",
    "dispatchManifest",
    "A manifest leaves for its village: its parcels are to_village",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    responses={200: "ManifestPublic"},
    errors=(409, 412),
    description=(
        "The first 25 parcels move in this request; with more, the manifest is `dispatching` until a job has "
        "moved the rest (`dispatched`). Dispatching again resumes it, or answers the dispatched manifest."
    ),
    budget=Budget(
        3,
        "one Query (header + the first 25 lines) + one BatchGetItem of their orders + one TransactWriteItems "
        f"(header version-checked, the village's open manifest closed, each order); the rest in a job. {AUTH_NOTE}",
    ),
)
def dispatch(call: Call, county_id: str, manifest_id: str) -> dict:
    c = container()
    manifest = county.dispatch_manifest(c.buying, c.network, c.jobs, call.actor, county_id, manifest_id, now=c.clock())
    return manifest_public(manifest)


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/manifests/{manifest_id}/receive",
    "receiveReturnManifest",
    "A village's return manifest arrives: scanned returns are at the county, the others missing",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    body="ReceiveIn",
    responses={200: "ManifestPublic"},
    errors=(409, 412, 422),
    budget=Budget(
        3,
        "one Query of the whole manifest (one per MB of lines: about 3,000 parcels) + one BatchGetItem of the "
        f"first 25 returns + one TransactWriteItems; the rest in a job. {AUTH_NOTE}",
    ),
)
def receive(call: Call, county_id: str, manifest_id: str) -> dict:
    c = container()
    manifest = county.receive_manifest(
        c.buying, c.network, c.jobs, call.actor, county_id, manifest_id, list(call.body.codes), now=c.clock()
    )
    return manifest_public(manifest)


@route(
    bp,
    "GET",
    "/v1/county/{county_id}/returns",
    "listCountyReturns",
    "Returns from the villages by where they are",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    query=(choice("leg", COUNTY_RETURN_LEGS, "returns on this leg", default="at_county", example="to_seller"),),
    paged=True,
    responses={200: "NetworkReturnsPage"},
    budget=Budget(1, f"one Query of the returns' leg-index; {AUTH_NOTE}"),
)
def returns(call: Call, county_id: str) -> dict:
    c = container()
    page = county.returns_at(
        c.buying, c.network, call.actor, county_id, call.params["leg"], call.page.limit, call.page.start
    )
    return call.page.respond(page, network_return_public)


@route(
    bp,
    "POST",
    "/v1/county/{county_id}/returns/{return_id}/forward",
    "forwardReturn",
    "Send a return on to its seller (who receives it: refund)",
    tag="county",
    auth=STAFF,
    scope=Scope.COUNTY,
    body="ForwardIn",
    responses={200: "NetworkReturnPublic"},
    errors=(409, 412),
    budget=Budget(2, f"GetItem return + one version-checked TransactWriteItems; {AUTH_NOTE}"),
)
def forward(call: Call, county_id: str, return_id: str) -> dict:
    c = container()
    ret = county.forward(
        c.buying, c.network, call.actor, county_id, return_id, call.body.carrier, call.body.tracking_number,
        now=c.clock(),
    )  # fmt: skip
    return network_return_public(ret)
