"""Villagers a village partner serves (issue 11): proxy profiles kept with the villager's consent, listed and
searched by name, corrected, and erased at the villager's request. Only the village's partner."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..domain.identity import Role
from ..services import villagers
from .presenters import villager_public
from .routing import Budget, Call, Scope, roles, route, text

bp = Blueprint(__name__)

PARTNER = roles(Role.PARTNER)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/villagers",
    "addVillager",
    "Add a villager the partner serves, with their consent",
    tag="villagers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="VillagerIn",
    responses={201: "VillagerPublic"},
    errors=(409,),
    description=(
        "Personal data is minimal: a name and an optional phone. `consent` is required (400 without): a signed "
        "form or a witnessed verbal agreement (`witness` required), and when it was given (not in the future)."
    ),
    budget=Budget(2, "GetItem village (the caller runs it) + one TransactWriteItems (profile + name words)"),
)
def add(call: Call, village_id: str) -> dict:
    c = container()
    villager = villagers.add_villager(
        c.network, call.actor, village_id, call.body.model_dump(), now=c.clock(), villager_id=c.new_id("vgr")
    )
    return villager_public(villager)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/villagers",
    "listVillagers",
    "The village's villagers, newest first, or those whose name has a word starting with `q`",
    tag="villagers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    query=(text("q", 100, "a name or the start of one of its words", example="ayn"),),
    paged=True,
    responses={200: "VillagersPage"},
    budget=Budget(
        1,
        "one Query (the village's list, or its name words for `q`); the items name the partner they were written "
        "for (an empty page also GetItems the village)",
    ),
)
def list_villagers(call: Call, village_id: str) -> dict:
    c = container()
    page = villagers.villagers(
        c.network, call.actor, village_id, call.params.get("q"), call.page.limit, call.page.start
    )
    return call.page.respond(page, villager_public)


@route(
    bp,
    "GET",
    "/v1/villages/{village_id}/villagers/{villager_id}",
    "getVillager",
    "One villager of the village",
    tag="villagers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={200: "VillagerPublic"},
    budget=Budget(1, "GetItem villager (it names the partner; another village's also GetItems the village)"),
)
def get(call: Call, village_id: str, villager_id: str) -> dict:
    c = container()
    return villager_public(villagers.villager(c.network, call.actor, village_id, villager_id))


@route(
    bp,
    "PATCH",
    "/v1/villages/{village_id}/villagers/{villager_id}",
    "updateVillager",
    "Correct a villager's name or phone, or record a new consent",
    tag="villagers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    body="VillagerPatchIn",
    responses={200: "VillagerPublic"},
    errors=(409, 412),
    description="Only the fields sent change; `phone: null` removes the phone. An erased villager is 409.",
    budget=Budget(2, "GetItem villager + one version-checked TransactWriteItems (profile + name words)"),
)
def update(call: Call, village_id: str, villager_id: str) -> dict:
    c = container()
    fields = call.body.model_dump(exclude_unset=True)
    villager = villagers.update_villager(c.network, call.actor, village_id, villager_id, fields, now=c.clock())
    return villager_public(villager)


@route(
    bp,
    "POST",
    "/v1/villages/{village_id}/villagers/{villager_id}/erase",
    "eraseVillager",
    "Erase a villager's personal data at their request",
    tag="villagers",
    auth=PARTNER,
    scope=Scope.VILLAGE,
    responses={200: "VillagerPublic"},
    errors=(409, 412),
    description=(
        "The name, phone and consent witness are removed for good; the profile's id, village and consent date "
        "stay, and so do orders and money records (they name the villager by id). Erasing twice is 409."
    ),
    budget=Budget(2, "GetItem villager + one version-checked TransactWriteItems (profile, name words deleted)"),
)
def erase(call: Call, village_id: str, villager_id: str) -> dict:
    c = container()
    return villager_public(villagers.erase_villager(c.network, call.actor, village_id, villager_id, now=c.clock()))
