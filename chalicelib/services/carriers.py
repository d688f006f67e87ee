"""Issue 12: operators register the carriers that post tracking events (domain/carriers.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..domain import carriers as rules
from ..domain.identity import Actor, Role, require_role
from .ports import CarriersRepository


def register(
    repo: CarriersRepository, actor: Actor, name: str, *, master: str, now: str, new_id: Callable[[str], str]
) -> tuple[rules.Carrier, str]:
    """A new carrier and its signing secret (shown to the operator to hand over; derived again on each request,
    never stored)."""
    require_role(actor, Role.OPERATOR)
    carrier = repo.create_carrier(rules.Carrier(new_id("car"), name.strip(), now, actor.user_id))
    return carrier, rules.signing_secret(master, carrier.carrier_id)
