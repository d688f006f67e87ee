"""The rural service network's map (issue 10): operators add county centres, their staff and village centres
(with the partner running each); anyone reads the directory; and who may act for a county or a village.

Accounts for partners and county staff are created here (never self-registered) with a temporary password
that is returned once; the first sign-in replaces it (services/identity.set_new_password).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..domain.errors import Conflict, NotFound
from ..domain.identity import COUNTY_GROUP_PREFIX, Actor, Role, require_role
from ..domain.network import County, Village, require_county_staff, require_partner
from .identity import normalise_email
from .ports import IdentityProvider, NetworkRepository, Page, Position


def county_group(county_id: str) -> str:
    return f"{COUNTY_GROUP_PREFIX}{county_id}"


# --- operators --------------------------------------------------------------------------------------------


def create_county(
    network: NetworkRepository,
    identity: IdentityProvider,
    actor: Actor,
    fields: dict[str, Any],
    *,
    now: str,
    county_id: str,
) -> County:
    """A county operations centre, and the Cognito group its staff will be in (their tokens name it)."""
    require_role(actor, Role.OPERATOR)
    county = County(
        county_id=county_id,
        name=fields["name"].strip(),
        province=fields["province"].strip(),
        prefecture=fields["prefecture"].strip(),
        county=fields["county"].strip(),
        address=fields["address"].strip(),
        created_at=now,
    )
    identity.ensure_group(county_group(county_id), f"Staff of the county centre {county.name} ({county_id})")
    network.create_county(county)
    return county


def _account(
    identity: IdentityProvider, email: str, role: Role, check: Callable[[str], None]
) -> tuple[dict[str, Any], str | None]:
    """The account for `email` with `role` (created with a temporary password if new): (account, password).
    `check(user_id)` runs on an existing account before it is changed, and may refuse it."""
    email = normalise_email(email)
    found = identity.find_account(email)
    if found is not None:
        check(found["user_id"])
    if found is None:
        try:
            created = identity.create_account(email, role.value)
        except Conflict:  # created meanwhile by another request
            found = identity.find_account(email)
            if found is None:
                raise
        else:
            return created, created["temporary_password"]
    identity.add_to_group(email, role.value)
    return found, None


def bind_staff(
    network: NetworkRepository,
    identity: IdentityProvider,
    actor: Actor,
    county_id: str,
    email: str,
    *,
    now: str,
) -> dict[str, Any]:
    """Binds a county_staff account (created if new) to the county. Staff work at one county centre."""
    require_role(actor, Role.OPERATOR)
    if network.get_county(county_id) is None:
        raise NotFound("county centre not found", code="county_not_found")
    bound: list[str | None] = []

    def works_nowhere_else(user_id: str) -> None:
        bound.append(network.membership(user_id, "county"))
        if bound[-1] not in (None, county_id):
            raise Conflict("this account already works at another county centre", code="staff_of_another_county")

    account, temporary = _account(identity, email, Role.COUNTY_STAFF, works_nowhere_else)
    already = bool(bound) and bound[-1] == county_id
    newly = False if already else network.bind_staff(account["user_id"], account["email"], county_id, now)
    identity.add_to_group(account["email"], county_group(county_id))
    return {
        "county_id": county_id,
        "user_id": account["user_id"],
        "email": account["email"],
        "role": Role.COUNTY_STAFF.value,
        "temporary_password": temporary,
        "newly_bound": newly,
    }


def create_village(
    network: NetworkRepository,
    identity: IdentityProvider,
    actor: Actor,
    county_id: str,
    fields: dict[str, Any],
    *,
    now: str,
    village_id: str,
) -> tuple[Village, str | None]:
    """A village service centre (a pickup point) run by the partner `partner_email` (an account created if
    new). Returns the village and the partner's temporary password (None for an existing account)."""
    require_role(actor, Role.OPERATOR)
    county = network.get_county(county_id)
    if county is None:
        raise NotFound("county centre not found", code="county_not_found")

    def runs_no_village(user_id: str) -> None:
        if network.membership(user_id, "village") is not None:
            raise Conflict("this partner already runs a village service centre", code="partner_runs_another_village")

    account, temporary = _account(identity, fields["partner_email"], Role.PARTNER, runs_no_village)
    village = Village(
        village_id=village_id,
        county_id=county_id,
        name=fields["name"].strip(),
        village=fields["village"].strip(),
        address=fields["address"].strip(),
        hours=fields["hours"].strip(),
        partner_id=account["user_id"],
        partner_email=account["email"],
        county_name=county.name,
        county_address=county.address,
        created_at=now,
    )
    network.create_village(village, now)
    return village, temporary


# --- the public directory ---------------------------------------------------------------------------------


def counties(network: NetworkRepository, limit: int, start: Position | None) -> Page[County]:
    return network.counties(limit, start)


def villages(network: NetworkRepository, county_id: str, limit: int, start: Position | None) -> Page[Village]:
    """One Query; an empty page also reads the county, to tell "none yet" from "no such county"."""
    page = network.villages(county_id, limit, start)
    if not page.items and start is None and network.get_county(county_id) is None:
        raise NotFound("county centre not found", code="county_not_found")
    return page


# --- who may act for a county or a village ----------------------------------------------------------------


def county_access(network: NetworkRepository, actor: Actor, county_id: str) -> None:
    """County staff of `county_id`: named by their token (no read), else by their membership (one GetItem:
    a token issued before the binding)."""
    require_role(actor, Role.COUNTY_STAFF)
    if county_id in actor.counties:
        return
    require_county_staff(actor, county_id, network.membership(actor.user_id, "county"))


def village_access(
    network: NetworkRepository,
    actor: Actor,
    village_id: str,
    partner_ids: Iterable[str] = (),
    *,
    known: Village | None = None,
) -> Village | None:
    """The partner of `village_id`. `partner_ids`: the partner each item just read for this village was
    written for; when they all name the caller no more is read (None is returned), otherwise the village is
    read (one GetItem) and decides (403 another partner's, 404 no such village). `known`: the village, read
    already in this request (a console page listing several things of it)."""
    require_role(actor, Role.PARTNER)
    if known is not None and known.village_id == village_id:
        return require_partner(actor, known)
    proofs = set(partner_ids)
    if proofs == {actor.user_id}:
        return None
    return require_partner(actor, network.get_village(village_id))


def my_county(network: NetworkRepository, actor: Actor) -> str:
    """The county a staff member works at (the consoles' home)."""
    require_role(actor, Role.COUNTY_STAFF)
    if len(actor.counties) == 1:
        return next(iter(actor.counties))
    county_id = network.membership(actor.user_id, "county")
    if county_id is None:
        raise NotFound("this account is not bound to a county centre yet", code="county_not_found")
    return county_id


def my_village(network: NetworkRepository, actor: Actor) -> Village:
    require_role(actor, Role.PARTNER)
    village_id = network.membership(actor.user_id, "village")
    village = network.get_village(village_id) if village_id else None
    if village is None:
        raise NotFound("this account runs no village service centre", code="village_not_found")
    return require_partner(actor, village)
