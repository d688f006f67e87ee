"""Registration, login and the caller's identity."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..services import identity
from .routing import ANYONE, SIGNED_IN, Budget, Call, Scope, route

bp = Blueprint(__name__)


@route(
    bp,
    "POST",
    "/v1/auth/register",
    "register",
    "Register as a buyer or seller",
    tag="identity",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    body="RegisterIn",
    responses={201: "RegistrationPublic"},
    errors=(409,),
    budget=Budget(0, "Cognito only"),
    description="On dev and prod the account must be confirmed with the e-mailed code (POST /v1/auth/confirm) "
    "before it can log in; local stages create it confirmed.",
)
def register(call: Call) -> dict:
    return identity.register(container().identity, call.body.email, call.body.password, call.body.role)


@route(
    bp,
    "POST",
    "/v1/auth/login",
    "login",
    "Log in with email and password",
    tag="identity",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    body="LoginIn",
    responses={200: "TokenPublic"},
    errors=(401,),
    budget=Budget(0, "Cognito only"),
)
def login(call: Call) -> dict:
    return identity.login(container().identity, call.body.email, call.body.password)


@route(
    bp,
    "POST",
    "/v1/auth/new-password",
    "setNewPassword",
    "Replace the temporary password of an account an operator created, and sign in",
    tag="identity",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    body="NewPasswordIn",
    responses={200: "TokenPublic"},
    errors=(401, 409),
    description=(
        "Partners and county staff get a temporary password from an operator; logging in with it answers 401 "
        "new_password_required. This sets the new password (same rules as registration) and returns a token."
    ),
    budget=Budget(0, "Cognito only"),
)
def new_password(call: Call) -> dict:
    body = call.body
    return identity.set_new_password(container().identity, body.email, body.temporary_password, body.new_password)


@route(
    bp,
    "POST",
    "/v1/auth/confirm",
    "confirmAccount",
    "Confirm a new account with the e-mailed code",
    tag="identity",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    body="ConfirmIn",
    responses={200: "ConfirmationPublic"},
    errors=(409,),
    budget=Budget(0, "Cognito only"),
    description="400 invalid_code or code_expired; 409 already_confirmed.",
)
def confirm(call: Call) -> dict:
    return identity.confirm(container().identity, call.body.email, call.body.code)


@route(
    bp,
    "POST",
    "/v1/auth/resend-code",
    "resendConfirmationCode",
    "E-mail a new confirmation code",
    tag="identity",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    body="ResendCodeIn",
    responses={202: "CodeSentPublic"},
    errors=(409,),
    budget=Budget(0, "Cognito only"),
    description="The previous code stops working. 409 already_confirmed. An unknown e-mail gets 202 with no "
    "destination (nothing is sent), so the answer does not tell which accounts exist.",
)
def resend_code(call: Call) -> dict:
    return identity.resend_code(container().identity, call.body.email)


@route(
    bp,
    "GET",
    "/v1/me",
    "getMe",
    "The caller",
    tag="identity",
    auth=SIGNED_IN,
    scope=Scope.ACCOUNT,
    responses={200: "UserPublic"},
    budget=Budget(0, "the verified token is the whole answer"),
)
def me(call: Call) -> dict:
    actor = call.actor
    return {"user_id": actor.user_id, "email": actor.email, "roles": sorted(r.value for r in actor.roles)}
