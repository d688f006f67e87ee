"""Registration, login and the caller's identity."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from .auth import require_actor
from .errors import api_errors
from .http import json_body, ok

bp = Blueprint(__name__)


@bp.route("/v1/auth/register", methods=["POST"])
@api_errors
def register():
    from ..services import identity
    from .schemas import RegisterIn

    body = json_body(bp.current_request, RegisterIn)
    return ok(identity.register(container().identity, body.email, body.password, body.role), status=201)


@bp.route("/v1/auth/login", methods=["POST"])
@api_errors
def login():
    from ..services import identity
    from .schemas import LoginIn

    body = json_body(bp.current_request, LoginIn)
    return ok(identity.login(container().identity, body.email, body.password))


@bp.route("/v1/me", methods=["GET"])
@api_errors
def me():
    actor = require_actor(bp.current_request)
    return ok({"user_id": actor.user_id, "email": actor.email, "roles": sorted(r.value for r in actor.roles)})
