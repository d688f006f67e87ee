"""Roles and ownership (domain/identity.py) and the account rules (services/identity.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.catalog import Shop
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import Actor, Role, ensure_shop_owner, ensure_shop_visible, require_role
from chalicelib.services import identity

OWNER = Actor("u-owner", "owner@example.com", frozenset({Role.SELLER}))
OTHER_SELLER = Actor("u-other", "other@example.com", frozenset({Role.SELLER}))
BUYER = Actor("u-buyer", "buyer@example.com", frozenset({Role.BUYER}))
OPERATOR = Actor("u-op", "op@example.com", frozenset({Role.OPERATOR}))


def shop(status: str) -> Shop:
    return Shop("shp_1", "u-owner", "Silk", "silk", "handicrafts", "", {}, status, "t", "t", 1)


def test_require_role():
    require_role(OWNER, Role.SELLER)
    require_role(OPERATOR, Role.SELLER, Role.OPERATOR)
    with pytest.raises(Forbidden) as exc:
        require_role(BUYER, Role.SELLER, Role.OPERATOR)
    assert exc.value.code == "role_required"
    assert "seller or operator" in exc.value.message


@pytest.mark.parametrize("status", ["pending", "active", "suspended"])
def test_owner_and_operator_see_any_shop(status):
    ensure_shop_visible(OWNER, shop(status))
    ensure_shop_visible(OPERATOR, shop(status))


def test_active_shop_is_public():
    for actor in (None, BUYER, OTHER_SELLER):
        ensure_shop_visible(actor, shop("active"))


@pytest.mark.parametrize("status", ["pending", "suspended"])
@pytest.mark.parametrize("actor", [None, BUYER, OTHER_SELLER])
def test_hidden_shops_are_not_found_for_others(status, actor):
    with pytest.raises(NotFound) as exc:
        ensure_shop_visible(actor, shop(status))
    assert exc.value.code == "shop_not_found"


@pytest.mark.parametrize("status", ["pending", "active", "suspended"])
def test_owner_manages_own_shop(status):
    ensure_shop_owner(OWNER, shop(status))


def test_others_get_403_on_public_shops_and_404_on_hidden_ones():
    with pytest.raises(Forbidden) as exc:
        ensure_shop_owner(OTHER_SELLER, shop("active"))
    assert exc.value.code == "not_shop_owner"
    for status in ("pending", "suspended"):
        with pytest.raises(NotFound):
            ensure_shop_owner(OTHER_SELLER, shop(status))
        with pytest.raises(NotFound):
            ensure_shop_owner(BUYER, shop(status))


@pytest.mark.parametrize("status", ["pending", "active", "suspended"])
def test_operators_may_see_but_not_manage(status):
    with pytest.raises(Forbidden):
        ensure_shop_owner(OPERATOR, shop(status))


# --- services/identity.py ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("seller@example.com", "seller@example.com"),
        ("  Seller@Example.COM ", "seller@example.com"),
        ("first.last+tag@sub.example.co", "first.last+tag@sub.example.co"),
    ],
)
def test_valid_emails_are_normalised(raw, normalised):
    assert identity.normalise_email(raw) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain",
        "@example.com",
        "a@",
        "a@b",
        "a@@b.com",
        "a b@c.com",
        "a@-bad.com",
        "a@b..com",
        "x" * 250 + "@e.com",
        "a\n@b.com",
        "a@b.com\nx",
    ],
)
def test_invalid_emails(bad):
    with pytest.raises(ValidationFailed) as exc:
        identity.normalise_email(bad)
    assert exc.value.details == [{"field": "email", "message": "is not an email address"}]


@pytest.mark.parametrize("good", ["Bazaar-demo-1", "Abcdefghi1", "A1" + "b" * 126])
def test_strong_passwords(good):
    identity.check_password(good)


@pytest.mark.parametrize(
    "weak",
    ["", "Short1A", "Abcdefgh1", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", "A1" + "b" * 127],
)
def test_weak_passwords(weak):
    with pytest.raises(ValidationFailed) as exc:
        identity.check_password(weak)
    assert exc.value.details[0]["field"] == "password"


class FakeIdentity:
    def __init__(self) -> None:
        self.calls: list = []

    def register(self, email, password, role):
        self.calls.append((email, password, role))
        return {"user_id": "u1", "email": email, "roles": [role]}

    def login(self, email, password):
        self.calls.append((email, password))
        return {"access_token": "t"}


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_register_self_registerable_roles(role):
    fake = FakeIdentity()
    assert identity.register(fake, " New@Example.com", "Bazaar-demo-1", role)["roles"] == [role]
    assert fake.calls == [("new@example.com", "Bazaar-demo-1", role)]


@pytest.mark.parametrize("role", ["operator", "partner", "", "SELLER"])
def test_register_refuses_other_roles(role):
    fake = FakeIdentity()
    with pytest.raises(ValidationFailed) as exc:
        identity.register(fake, "a@example.com", "Bazaar-demo-1", role)
    assert exc.value.details[0]["field"] == "role"
    assert fake.calls == []


def test_register_validates_before_calling_the_provider():
    fake = FakeIdentity()
    with pytest.raises(ValidationFailed):
        identity.register(fake, "not-an-email", "Bazaar-demo-1", "buyer")
    with pytest.raises(ValidationFailed):
        identity.register(fake, "a@example.com", "weak", "buyer")
    assert fake.calls == []


def test_login_normalises_email():
    fake = FakeIdentity()
    identity.login(fake, " A@Example.com ", "pw")
    assert fake.calls == [("a@example.com", "pw")]


class FakeTokens:
    def __init__(self, claims):
        self.claims = claims

    def verify(self, token):
        return self.claims


def test_actor_from_token_maps_groups_to_roles():
    actor = identity.actor_from_token(
        FakeTokens({"sub": "u1", "username": "a@example.com", "cognito:groups": ["seller", "unknown", "buyer"]}), "t"
    )
    assert actor == Actor("u1", "a@example.com", frozenset({Role.SELLER, Role.BUYER}))


@pytest.mark.parametrize("groups", [[], ["wholesaler"], None])
def test_actor_without_a_known_role_is_forbidden(groups):
    claims = {"sub": "u1"}
    if groups is not None:
        claims["cognito:groups"] = groups
    with pytest.raises(Forbidden) as exc:
        identity.actor_from_token(FakeTokens(claims), "t")
    assert exc.value.code == "role_required"
