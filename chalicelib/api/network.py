"""The rural service network's map (issue 10): operators add county centres, their staff and village centres;
anyone reads the directory of centres (pickup points)."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..services import network
from .http import ok
from .presenters import county_public, village_public
from .routing import ANYONE, Budget, Call, Scope, roles, route

bp = Blueprint(__name__)


@route(
    bp,
    "POST",
    "/v1/admin/counties",
    "createCounty",
    "Add a county operations centre",
    tag="network",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="CountyIn",
    responses={201: "CountyPublic"},
    errors=(409,),
    budget=Budget(1, "one conditional put (and the county's Cognito group for its staff)"),
)
def create_county(call: Call) -> dict:
    c = container()
    county = network.create_county(
        c.network, c.identity, call.actor, call.body.model_dump(), now=c.clock(), county_id=c.new_id("cty")
    )
    return county_public(county)


@route(
    bp,
    "POST",
    "/v1/admin/counties/{county_id}/staff",
    "bindCountyStaff",
    "Bind a county staff account (created with a temporary password if new)",
    tag="network",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="StaffIn",
    responses={201: "StaffPublic", 200: "StaffPublic"},
    errors=(409,),
    description=(
        "A new account gets a temporary password, in this answer only: its first sign-in answers 401 "
        "new_password_required, and POST /v1/auth/new-password sets the password and signs in. Staff work at one "
        "county centre (409 staff_of_another_county); binding again is 200 with newly_bound false."
    ),
    budget=Budget(3, "GetItem county + the account's membership (an existing account: GetItem) + one conditional put"),
)
def bind_staff(call: Call, county_id: str) -> Response:
    c = container()
    result = network.bind_staff(c.network, c.identity, call.actor, county_id, call.body.email, now=c.clock())
    return ok(result, status=201 if result["newly_bound"] else 200)


@route(
    bp,
    "POST",
    "/v1/admin/counties/{county_id}/villages",
    "createVillage",
    "Add a village service centre (a pickup point) run by a partner",
    tag="network",
    auth=roles(Role.OPERATOR),
    scope=Scope.OPERATOR,
    body="VillageIn",
    responses={201: "VillagePublic"},
    errors=(409,),
    description=(
        "The partner's account is created with a temporary password if new (in `partner.temporary_password`, "
        "this answer only). A partner runs one village centre (409 partner_runs_another_village)."
    ),
    budget=Budget(
        3,
        "GetItem county + the partner's membership (an existing account: GetItem) + one TransactWriteItems "
        "(the village and the partner's membership)",
    ),
)
def create_village(call: Call, county_id: str) -> dict:
    c = container()
    village, password = network.create_village(
        c.network, c.identity, call.actor, county_id, call.body.model_dump(), now=c.clock(), village_id=c.new_id("vil")
    )
    return village_public(village, partner_password=password, operator=True)


@route(
    bp,
    "GET",
    "/v1/counties",
    "listCounties",
    "County operations centres",
    tag="network",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    paged=True,
    responses={200: "CountiesPage"},
    budget=Budget(1, "one Query of the counties' list partition"),
)
def list_counties(call: Call) -> dict:
    return call.page.respond(network.counties(container().network, call.page.limit, call.page.start), county_public)


@route(
    bp,
    "GET",
    "/v1/counties/{county_id}/villages",
    "listVillages",
    "A county's village service centres (pickup points): name, address, hours",
    tag="network",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    paged=True,
    responses={200: "VillagesPage"},
    budget=Budget(1, "one Query of the county's villages (an empty first page also GetItems the county: 404)"),
)
def list_villages(call: Call, county_id: str) -> dict:
    page = network.villages(container().network, county_id, call.page.limit, call.page.start)
    return call.page.respond(page, village_public)
