"""Accounts: self-registration as buyer or seller, password login, and turning a token into an Actor."""

from __future__ import annotations

import re
from typing import Any

from ..domain.errors import Forbidden, ValidationFailed
from ..domain.identity import COUNTY_GROUP_PREFIX, SELF_REGISTERABLE_ROLES, Actor, Role
from .ports import IdentityProvider, TokenVerifier

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
PASSWORD_RULES = "10 to 128 characters with an upper-case letter, a lower-case letter and a digit"


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("email is not valid", details=[{"field": "email", "message": "is not an email address"}])
    return email


def check_password(password: str) -> None:
    strong = (
        10 <= len(password) <= 128
        and re.search(r"[a-z]", password)
        and re.search(r"[A-Z]", password)
        and re.search(r"[0-9]", password)
    )
    if not strong:
        raise ValidationFailed("password is too weak", details=[{"field": "password", "message": PASSWORD_RULES}])


def register(identity: IdentityProvider, email: str, password: str, role: str) -> dict[str, Any]:
    email = normalise_email(email)
    check_password(password)
    if role not in {r.value for r in SELF_REGISTERABLE_ROLES}:
        raise ValidationFailed(
            "role must be buyer or seller", details=[{"field": "role", "message": "must be buyer or seller"}]
        )
    return identity.register(email, password, role)


def login(identity: IdentityProvider, email: str, password: str) -> dict[str, Any]:
    return identity.login(email.strip().lower(), password)


def set_new_password(
    identity: IdentityProvider, email: str, temporary_password: str, new_password: str
) -> dict[str, Any]:
    """The first sign-in of an account an operator created: its temporary password is replaced."""
    email = normalise_email(email)
    if not temporary_password or not temporary_password.isprintable():
        raise ValidationFailed(
            "the temporary password is required",
            details=[{"field": "temporary_password", "message": "the one the operator gave you"}],
        )
    try:
        check_password(new_password)
    except ValidationFailed:
        raise ValidationFailed(
            "the new password is too weak", details=[{"field": "new_password", "message": PASSWORD_RULES}]
        ) from None
    return identity.set_new_password(email, temporary_password, new_password)


CODE_RULES = "the 6 digits of the code we e-mailed"


def confirm(identity: IdentityProvider, email: str, code: str) -> dict[str, Any]:
    """Confirms a new account (and its e-mail) with the code Cognito e-mailed at registration."""
    email = normalise_email(email)
    code = code.strip()
    if not (code.isascii() and code.isdigit() and 4 <= len(code) <= 10):
        raise ValidationFailed("the code is not valid", details=[{"field": "code", "message": CODE_RULES}])
    identity.confirm(email, code)
    return {"email": email, "confirmed": True}


def resend_code(identity: IdentityProvider, email: str) -> dict[str, Any]:
    """Sends a new confirmation code to an account not confirmed yet (the previous code stops working)."""
    email = normalise_email(email)
    sent = identity.resend_code(email)
    return {"email": email, "code_sent_to": sent.get("code_sent_to")}


def actor_from_token(tokens: TokenVerifier, token: str) -> Actor:
    claims = tokens.verify(token)
    known = {r.value: r for r in Role}
    groups = [g for g in claims.get("cognito:groups", []) if isinstance(g, str)]
    roles = frozenset(known[g] for g in groups if g in known)
    if not roles:
        raise Forbidden("this account has no role", code="role_required")
    counties = frozenset(g.removeprefix(COUNTY_GROUP_PREFIX) for g in groups if g.startswith(COUNTY_GROUP_PREFIX))
    return Actor(user_id=claims["sub"], email=claims.get("username", ""), roles=roles, counties=counties)
