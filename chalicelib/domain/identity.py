"""Who is calling, and what each role may do. Ownership rules live here, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .errors import Forbidden, NotFound

if TYPE_CHECKING:
    from .catalog import Shop


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    OPERATOR = "operator"
    PARTNER = "partner"  # runs one village service centre (issue 10)
    COUNTY_STAFF = "county_staff"  # works at one county operations centre (issue 10)


SELF_REGISTERABLE_ROLES = frozenset({Role.BUYER, Role.SELLER})
# Accounts an operator creates (with a temporary password): never self-registered.
OPERATOR_CREATED_ROLES = frozenset({Role.PARTNER, Role.COUNTY_STAFF})
# A county staff account is also in the Cognito group "county:<county_id>" of its county, so its access token
# names the county and county routes need no read to authorise it (domain/network.py).
COUNTY_GROUP_PREFIX = "county:"


@dataclass(frozen=True)
class Actor:
    user_id: str
    email: str
    roles: frozenset[Role]
    counties: frozenset[str] = frozenset()  # county ids the token's groups name (county staff)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_operator(self) -> bool:
        return Role.OPERATOR in self.roles


def require_role(actor: Actor, *roles: Role) -> None:
    if not any(actor.has(role) for role in roles):
        names = " or ".join(r.value for r in roles)
        raise Forbidden(f"this action needs the {names} role", code="role_required")


def ensure_shop_visible(actor: Actor | None, shop: Shop) -> None:
    """Active shops are public; others are seen only by their owner and operators."""
    if shop.status == "active":
        return
    if actor and (actor.is_operator or actor.user_id == shop.owner_id):
        return
    raise NotFound("shop not found", code="shop_not_found")


def ensure_shop_owner(actor: Actor, shop: Shop) -> None:
    """Only the owner manages a shop. Others get 404 unless the shop is public anyway (then 403)."""
    if actor.user_id == shop.owner_id:
        return
    if shop.status == "active" or actor.is_operator:
        raise Forbidden("only the shop's owner may do this", code="not_shop_owner")
    raise NotFound("shop not found", code="shop_not_found")


def manages_shop(actor: Actor, owner_id: str | None, managed_by: str | None) -> bool:
    """The ONE rule of who runs a shop's catalogue and orders: its owner, or the partner who manages it for a
    producer (issue 11). Money routes (balances, payouts, payout details) stay the owner's alone: a producer's
    money goes to their producer account, never to a seller payout."""
    return actor.user_id == owner_id or (managed_by is not None and actor.user_id == managed_by)


def ensure_shop_manager(actor: Actor, shop: Shop) -> None:
    """`ensure_shop_owner`, also letting in the partner who manages the shop for a producer."""
    if manages_shop(actor, shop.owner_id, shop.managed_by):
        return
    ensure_shop_owner(actor, shop)
