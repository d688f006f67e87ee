"""Registration on dev and prod marks no e-mail verified that nobody verified (issue 9): Cognito's sign-up e-mails
a code, and only that code confirms the account. Through the HTTP API and the web pages, on moto with Cognito's
code behaviour (tests/cognito_codes.py: moto itself sends no code and confirms with any).

The local stage creates accounts confirmed; its answers to the two routes are at the end.
"""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.adapters.cognito import CognitoIdentityProvider
from tests.cognito_codes import confirmation_codes
from tests.support import PASSWORD, ROOT, assert_api_error, random_email
from tests.web.helpers import WebClient


@pytest.fixture
def mailbox(stack):
    """The stack as dev and prod run it: accounts confirmed by the e-mailed code."""
    with confirmation_codes() as sent:
        settings = stack.settings
        confirming = CognitoIdentityProvider(
            boto3.client("cognito-idp", region_name=settings.region),
            settings.user_pool_id,
            settings.user_pool_client_id,
            confirm_by_code=True,
        )
        bootstrap.install(dataclasses.replace(stack, identity=confirming))
        try:
            yield sent
        finally:
            bootstrap.install(stack)


def register(api, email: str, role: str = "buyer"):
    return api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": role})


def login(api, email: str):
    return api.post("/v1/auth/login", {"email": email, "password": PASSWORD})


def confirm(api, email: str, code: str):
    return api.post("/v1/auth/confirm", {"email": email, "code": code})


def user_status(stack, email: str) -> tuple[str, dict]:
    user = boto3.client("cognito-idp", region_name=stack.settings.region).admin_get_user(
        UserPoolId=stack.settings.user_pool_id, Username=email
    )
    return user["UserStatus"], {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_a_new_account_waits_for_its_code_and_its_email_is_not_marked_verified(api, stack, mailbox):
    email = random_email("buyer")
    reply = register(api, email)
    assert reply.status == 201, reply
    assert reply.json["confirmed"] is False and reply.json["code_sent_to"], reply.json
    assert reply.json["roles"] == ["buyer"]
    assert mailbox.count_for(email) == 1
    status, attributes = user_status(stack, email)
    assert status == "UNCONFIRMED" and attributes.get("email_verified") != "true"
    assert_api_error(login(api, email), 401, "account_not_confirmed")


def test_the_right_code_confirms_the_account_and_then_it_can_log_in(api, stack, mailbox):
    email = random_email("seller")
    user_id = register(api, email, "seller").json["user_id"]
    reply = confirm(api, email, mailbox.code_for(email))
    assert reply.status == 200, reply
    assert reply.json == {"email": email, "confirmed": True}
    assert user_status(stack, email)[0] == "CONFIRMED"
    token = login(api, email).json["access_token"]
    assert api.get("/v1/me", token=token).json == {"user_id": user_id, "email": email, "roles": ["seller"]}
    assert_api_error(confirm(api, email, mailbox.code_for(email)), 409, "already_confirmed")
    assert_api_error(api.post("/v1/auth/resend-code", {"email": email}), 409, "already_confirmed")


def test_a_wrong_code_confirms_nothing(api, stack, mailbox):
    email = random_email("buyer")
    register(api, email)
    right = mailbox.code_for(email)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    error = assert_api_error(confirm(api, email, wrong), 400, "invalid_code")
    assert error["details"][0]["field"] == "code"
    assert user_status(stack, email)[0] == "UNCONFIRMED"
    assert_api_error(login(api, email), 401, "account_not_confirmed")


@pytest.mark.parametrize("code", ["", "abcdef", "12 34", "１２３４５６", "1" * 11])
def test_a_code_that_cannot_be_one_is_a_400_before_cognito_is_asked(api, mailbox, code):
    email = random_email("buyer")
    register(api, email)
    reply = confirm(api, email, code)
    assert_api_error(reply, 400)
    assert reply.json["error"]["details"][0]["field"] == "code"


def test_a_new_code_replaces_the_old_one(api, stack, mailbox):
    email = random_email("buyer")
    register(api, email)
    old = mailbox.code_for(email)
    reply = api.post("/v1/auth/resend-code", {"email": email.upper()})
    assert reply.status == 202, reply
    assert reply.json["email"] == email and reply.json["code_sent_to"].endswith("***")
    assert mailbox.count_for(email) == 2
    new = mailbox.code_for(email)
    if new != old:
        assert_api_error(confirm(api, email, old), 400, "invalid_code")
    assert confirm(api, email, new).status == 200
    assert login(api, email).status == 200


def test_unknown_accounts_are_not_revealed(api, mailbox):
    email = random_email("nobody")
    reply = api.post("/v1/auth/resend-code", {"email": email})
    assert reply.status == 202 and reply.json == {"email": email, "code_sent_to": None}
    assert_api_error(confirm(api, email, "123456"), 400, "invalid_code")
    assert mailbox.count_for(email) == 0


def test_registering_the_same_email_again_is_a_conflict_and_mails_nothing(api, mailbox):
    email = random_email("buyer")
    register(api, email)
    assert_api_error(register(api, email), 409, "email_taken")
    assert mailbox.count_for(email) == 1


# --- the web pages --------------------------------------------------------------------------------------


@pytest.fixture
def web(stack):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        yield WebClient(client)


def test_a_buyer_registers_confirms_and_signs_in_in_the_browser(web, stack, mailbox):
    email = random_email("web")
    token = web.get("/register").hidden("csrf")
    reply = web.post("/register", {"csrf": token, "email": email, "password": PASSWORD, "next": "/cart"})
    assert reply.status == 303 and reply.location.startswith("/confirm?"), reply
    assert reply.cookie("bz_session") is None  # not signed in: nothing is confirmed yet
    page = web.get(reply.location)
    assert page.status == 200 and "We sent a code to your email" in page.text and email in page.text

    wrong = web.post("/confirm", {"csrf": page.hidden("csrf"), "email": email, "code": "000000", "next": "/cart"})
    assert wrong.status == 400 and "This is not the code we sent" in wrong.text

    again = web.post("/confirm/resend", {"csrf": page.hidden("csrf"), "email": email, "next": "/cart"})
    assert again.status == 200 and "a new code is on its way" in again.text
    assert mailbox.count_for(email) == 2

    # signing in before confirming leads back to the code
    signin = web.post("/signin", {"csrf": page.hidden("csrf"), "email": email, "password": PASSWORD, "next": "/"})
    assert signin.status == 303 and signin.location.startswith("/confirm?") and "pending=1" in signin.location

    done = web.post(
        "/confirm", {"csrf": page.hidden("csrf"), "email": email, "code": mailbox.code_for(email), "next": "/cart"}
    )
    assert done.status == 303 and done.location.startswith("/signin?") and "confirmed=1" in done.location
    assert "Your email is confirmed" in web.get(done.location).text
    signed = web.post("/signin", {"csrf": page.hidden("csrf"), "email": email, "password": PASSWORD, "next": "/cart"})
    assert signed.status == 303 and signed.location == "/cart" and signed.cookie("bz_session")


# --- the local stage: accounts are created confirmed ------------------------------------------------------


def test_on_the_local_stage_a_new_account_is_confirmed_at_once(api, stack):
    email = random_email("local")
    reply = register(api, email)
    assert reply.json["confirmed"] is True and reply.json["code_sent_to"] is None
    status, attributes = user_status(stack, email)
    assert status == "CONFIRMED" and attributes["email_verified"] == "true"
    assert login(api, email).status == 200
    assert_api_error(confirm(api, email, "123456"), 409, "already_confirmed")
    assert_api_error(api.post("/v1/auth/resend-code", {"email": email}), 409, "already_confirmed")
    unknown = random_email("nobody")
    assert api.post("/v1/auth/resend-code", {"email": unknown}).json == {"email": unknown, "code_sent_to": None}
    assert_api_error(confirm(api, unknown, "123456"), 400, "invalid_code")


def test_only_the_local_stages_create_accounts_confirmed():
    from chalicelib.config import Settings

    fields = {f.name: "x" for f in dataclasses.fields(Settings) if f.default is dataclasses.MISSING}
    assert Settings(**{**fields, "stage": "local"}).confirm_accounts_by_code is False
    assert Settings(**{**fields, "stage": "ci"}).confirm_accounts_by_code is False
    assert Settings(**{**fields, "stage": "dev"}).confirm_accounts_by_code is True
    assert Settings(**{**fields, "stage": "prod"}).confirm_accounts_by_code is True


def test_the_container_of_a_real_stage_confirms_by_code(stack):
    """bootstrap wires the setting into the Cognito adapter."""
    from chalicelib.bootstrap import build
    from tests.support import cached_clients, moto_jwks

    built = build(dataclasses.replace(stack.settings, stage="dev"), jwks_loader=moto_jwks, session=cached_clients())
    assert built.identity._confirm_by_code is True
    assert stack.identity._confirm_by_code is False
