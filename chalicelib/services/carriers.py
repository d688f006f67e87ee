"""Issue 12: the carriers that post tracking events (domain/carriers.py): operators register, list, suspend and
reactivate them, and rotate their secrets."""

from __future__ import annotations

from collections.abc import Callable

from ..domain import carriers as rules
from ..domain.errors import NotFound
from ..domain.identity import Actor, Role, require_role
from .ports import CarriersRepository, Page, Position


def register(
    repo: CarriersRepository, actor: Actor, name: str, *, master: str, now: str, new_id: Callable[[str], str]
) -> tuple[rules.Carrier, str]:
    """A new carrier and its signing secret (shown to the operator to hand over; derived again on each request,
    never stored)."""
    require_role(actor, Role.OPERATOR)
    carrier = repo.create_carrier(rules.Carrier(new_id("car"), name.strip(), now, actor.user_id))
    return carrier, rules.signing_secret(master, carrier.carrier_id)


def list_carriers(repo: CarriersRepository, actor: Actor, limit: int, start: Position | None) -> Page[rules.Carrier]:
    require_role(actor, Role.OPERATOR)
    return repo.list_carriers(limit, start)


def get_carrier(repo: CarriersRepository, actor: Actor, carrier_id: str) -> rules.Carrier:
    require_role(actor, Role.OPERATOR)
    carrier = repo.get_carrier(carrier_id)
    if carrier is None:
        raise NotFound("there is no such carrier", code="carrier_not_found")
    return carrier


def suspend(repo: CarriersRepository, actor: Actor, carrier_id: str, reason: str, *, now: str) -> rules.Carrier:
    """From now on the carrier's signed requests are refused (401, as a bad signature) and sellers cannot hand
    parcels to it; the parcels it holds keep their history."""
    require_role(actor, Role.OPERATOR)
    return repo.suspend_carrier(carrier_id, now, actor.user_id, reason.strip())


def reactivate(repo: CarriersRepository, actor: Actor, carrier_id: str) -> rules.Carrier:
    require_role(actor, Role.OPERATOR)
    return repo.reactivate_carrier(carrier_id)


def rotate_secret(
    repo: CarriersRepository, actor: Actor, carrier_id: str, *, master: str, now: str
) -> tuple[rules.Carrier, str]:
    """A new signing secret for the carrier (shown once); the one it had is refused from now on."""
    require_role(actor, Role.OPERATOR)
    carrier = repo.rotate_carrier_secret(carrier_id, now)
    return carrier, rules.signing_secret(master, carrier.carrier_id, carrier.key_version)
