"""Identity at the edge: the caller comes from a verified Cognito access token, never from the body."""

from __future__ import annotations

from ..bootstrap import container
from ..domain.errors import Unauthenticated
from ..domain.identity import Actor, Role, require_role
from ..observability import current_user_id


def _bearer(request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use Authorization: Bearer <access token>", code="invalid_token")
    return token.strip()


def optional_actor(request) -> Actor | None:
    from ..services.identity import actor_from_token

    token = _bearer(request)
    if not token:
        return None
    actor = actor_from_token(container().tokens, token)
    current_user_id.set(actor.user_id)
    return actor


def require_actor(request, *roles: Role) -> Actor:
    actor = optional_actor(request)
    if actor is None:
        raise Unauthenticated("sign in first: this route needs a bearer token", code="unauthenticated")
    if roles:
        require_role(actor, *roles)
    return actor
