"""Identity: self-registration as buyer or seller, password login, and who the caller is.

Tokens are Cognito access tokens (moto here). Every defect a token can have - no token, a malformed header,
garbage, a foreign signature, another issuer or client, expiry, the wrong token use - is a 401; a valid token
whose account has no role group is a 403. Forged tokens are signed with moto's own private key, so each one
fails for exactly the defect it is built with (a correctly forged token is accepted: see the control test).
"""

from __future__ import annotations

import functools
import gzip
import json
import time
import uuid
from pathlib import Path

import jwt
import pytest

from tests.support import PASSWORD, assert_api_error, error_fields, random_email

# --- helpers ----------------------------------------------------------------------------------------


def register(api, email: str, password: str = PASSWORD, role: str = "buyer"):
    return api.post("/v1/auth/register", {"email": email, "password": password, "role": role})


def login(api, email: str, password: str = PASSWORD):
    return api.post("/v1/auth/login", {"email": email, "password": password})


def me(api, token: str | None = None, **headers):
    return api.get("/v1/me", token=token, headers=headers or None)


@functools.cache
def moto_private_jwk() -> dict:
    import moto

    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


@functools.cache
def moto_signing_key():
    """Built once: loading an RSA private key runs OpenSSL's key check (~0.3 s), and tests forge thousands."""
    return jwt.PyJWK(moto_private_jwk()).key


def stranger_signing_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def forge(claims: dict, *, key=None, kid: str | None = None, alg: str = "RS256", drop: tuple[str, ...] = ()) -> str:
    """Signs `claims` (minus `drop`) the way moto's Cognito does, unless told otherwise."""
    body = {k: v for k, v in claims.items() if k not in drop}
    headers = {"kid": kid if kid is not None else moto_private_jwk()["kid"]}
    return jwt.encode(body, key if key is not None else moto_signing_key(), algorithm=alg, headers=headers)


def cognito(stack):
    import boto3

    return boto3.client("cognito-idp", region_name=stack.settings.region)


def user_without_role(stack) -> tuple[str, str]:
    """A confirmed Cognito account in no group at all (as if an admin created it by hand)."""
    email = random_email("norole")
    client = cognito(stack)
    client.admin_create_user(
        UserPoolId=stack.settings.user_pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    client.admin_set_user_password(
        UserPoolId=stack.settings.user_pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    return email, PASSWORD


@pytest.fixture
def seller(api):
    """A freshly registered seller: its email, user_id and access token."""
    email = random_email("seller")
    created = register(api, email, role="seller")
    assert created.status == 201, created
    token = login(api, email).json["access_token"]
    return {"email": email, "user_id": created.json["user_id"], "token": token, "claims": claims_of(token)}


# --- registration -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_buyers_and_sellers_register_themselves(api, role):
    email = random_email(role)
    reply = register(api, email, role=role)
    assert reply.status == 201, reply
    assert set(reply.json) == {"user_id", "email", "roles", "confirmed", "code_sent_to"}
    assert reply.json["email"] == email
    assert reply.json["roles"] == [role]
    assert (reply.json["confirmed"], reply.json["code_sent_to"]) == (True, None)  # the local stage: no code
    assert isinstance(reply.json["user_id"], str) and reply.json["user_id"]


def test_registering_never_returns_the_password(api):
    reply = register(api, random_email())
    assert reply.status == 201
    assert PASSWORD not in reply.body.decode()


def test_each_registration_gets_its_own_user_id(api):
    first = register(api, random_email()).json["user_id"]
    second = register(api, random_email()).json["user_id"]
    assert first != second


def test_registering_an_email_twice_is_a_conflict(api):
    email = random_email()
    assert register(api, email).status == 201
    assert_api_error(register(api, email, role="seller"), 409)


def test_emails_are_case_insensitive_so_a_differently_cased_duplicate_is_a_conflict(api):
    email = random_email()
    assert register(api, email).status == 201
    assert_api_error(register(api, email.upper()), 409)


def test_a_rejected_duplicate_registration_does_not_touch_the_existing_account(api):
    email = random_email()
    original = register(api, email, role="buyer")
    assert original.status == 201
    assert_api_error(register(api, email, password="Another-pass-9", role="seller"), 409)
    # The first password still works, the second never did, and the role did not change.
    assert_api_error(login(api, email, "Another-pass-9"), 401)
    token = login(api, email).json["access_token"]
    user = {k: original.json[k] for k in ("user_id", "email", "roles")}
    assert me(api, token).json == user


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plainaddress",
        "@example.com",
        "user@",
        "user@@example.com",
        "user example@example.com",
        "user@example",
        "user@-example.com",
        "a" * 250 + "@example.com",
    ],
)
def test_an_invalid_email_is_rejected(api, email):
    reply = register(api, email)
    assert_api_error(reply, 400)
    assert "email" in error_fields(reply)


@pytest.mark.parametrize(
    "password",
    [
        "Short1a",  # too short
        "alllowercase1",  # no upper-case letter
        "ALLUPPERCASE1",  # no lower-case letter
        "NoDigitsHere",  # no digit
        "",
    ],
)
def test_a_weak_password_is_rejected_and_no_account_is_left_behind(api, password):
    email = random_email()
    reply = register(api, email, password=password)
    assert_api_error(reply, 400)
    assert "password" in error_fields(reply)
    assert_api_error(login(api, email, password or "x"), 401)
    assert register(api, email).status == 201  # the email was not taken by the failed attempt


@pytest.mark.parametrize("role", ["operator", "admin", "partner", "Buyer", "", None])
def test_operators_and_unknown_roles_cannot_be_self_registered(api, role):
    email = random_email()
    reply = register(api, email, role=role)
    assert_api_error(reply, 400)
    assert "role" in error_fields(reply)
    assert_api_error(login(api, email), 401)


def test_a_role_is_required_to_register(api):
    reply = api.post("/v1/auth/register", {"email": random_email(), "password": PASSWORD})
    assert_api_error(reply, 400)
    assert "role" in error_fields(reply)


def test_a_list_of_roles_cannot_smuggle_in_operator(api):
    reply = api.post(
        "/v1/auth/register", {"email": random_email(), "password": PASSWORD, "role": ["seller", "operator"]}
    )
    assert_api_error(reply, 400)


def test_registration_cannot_set_extra_attributes_such_as_groups(api):
    reply = api.post(
        "/v1/auth/register", {"email": random_email(), "password": PASSWORD, "role": "buyer", "groups": ["operator"]}
    )
    assert_api_error(reply, 400)
    assert "groups" in error_fields(reply)


# --- login ------------------------------------------------------------------------------------------


def test_login_returns_a_bearer_access_token(api, stack):
    email = random_email()
    register(api, email, role="seller")
    reply = login(api, email)
    assert reply.status == 200, reply
    assert set(reply.json) == {"access_token", "token_type", "expires_in"}
    assert reply.json["token_type"] == "Bearer"
    assert isinstance(reply.json["expires_in"], int) and reply.json["expires_in"] > 0
    claims = claims_of(reply.json["access_token"])
    assert claims["token_use"] == "access"
    assert claims["client_id"] == stack.settings.user_pool_client_id


def test_login_accepts_the_email_in_any_case(api):
    email = random_email()
    register(api, email)
    assert login(api, email.upper()).status == 200


def test_login_with_a_wrong_password_is_unauthorized(api):
    email = random_email()
    register(api, email)
    assert_api_error(login(api, email, "Wrong-password-1"), 401)


def test_login_of_an_unknown_user_is_unauthorized_and_indistinguishable_from_a_wrong_password(api):
    email = random_email()
    register(api, email)
    wrong_password = assert_api_error(login(api, email, "Wrong-password-1"), 401)
    unknown_user = assert_api_error(login(api, random_email("nobody")), 401)
    assert unknown_user == wrong_password


@pytest.mark.parametrize("body", [{"email": "someone@example.com"}, {"password": PASSWORD}, {}])
def test_login_needs_both_email_and_password(api, body):
    assert_api_error(api.post("/v1/auth/login", body), 400)


# --- who am I ---------------------------------------------------------------------------------------


def test_me_returns_the_caller_with_the_user_id_given_at_registration(api, seller):
    reply = me(api, seller["token"])
    assert reply.status == 200, reply
    assert reply.json == {"user_id": seller["user_id"], "email": seller["email"], "roles": ["seller"]}


def test_me_is_different_for_each_caller(api, factory):
    buyer, seller_token = factory.user("buyer"), factory.user("seller")
    assert me(api, buyer).json["roles"] == ["buyer"]
    assert me(api, seller_token).json["roles"] == ["seller"]
    assert me(api, buyer).json["user_id"] != me(api, seller_token).json["user_id"]


def test_an_operator_created_by_an_administrator_is_an_operator(api, factory):
    reply = me(api, factory.operator)
    assert reply.status == 200, reply
    assert reply.json["roles"] == ["operator"]


def test_a_token_with_a_correctly_forged_signature_is_accepted(api, seller):
    """Control for the tests below: the forging helper itself produces tokens the API accepts."""
    token = forge(seller["claims"])
    assert me(api, token).json["user_id"] == seller["user_id"]


def test_the_bearer_scheme_is_case_insensitive(api, seller):
    assert me(api, Authorization=f"bearer {seller['token']}").status == 200


# --- every defect of a token is a 401 -------------------------------------------------------------


def _now() -> int:
    return int(time.time())


BAD_CREDENTIALS = {
    "no Authorization header": lambda s: {},
    "empty Authorization header": lambda s: {"Authorization": ""},
    "Bearer without a token": lambda s: {"Authorization": "Bearer"},
    "Bearer with blanks": lambda s: {"Authorization": "Bearer    "},
    "token without the Bearer scheme": lambda s: {"Authorization": s["token"]},
    "Basic credentials": lambda s: {"Authorization": "Basic dXNlcjpwYXNz"},
    "garbage token": lambda s: {"Authorization": "Bearer not-a-jwt"},
    "three garbage segments": lambda s: {"Authorization": "Bearer aaa.bbb.ccc"},
    "truncated token": lambda s: {"Authorization": "Bearer " + s["token"][:-12]},
    "tampered payload": lambda s: {"Authorization": "Bearer " + _tamper(s["token"])},
    "signed by another key": lambda s: _bearer(forge(s["claims"], key=stranger_signing_key())),
    "signed by another key with an unknown kid": lambda s: _bearer(
        forge(s["claims"], key=stranger_signing_key(), kid="not-in-the-jwks")
    ),
    "unsigned (alg none)": lambda s: _bearer(_unsigned(s["claims"])),
    "HMAC-signed with the public key as secret": lambda s: _bearer(_hs256_with_public_key(s["claims"])),
    "wrong issuer": lambda s: _bearer(
        forge({**s["claims"], "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse"})
    ),
    "no issuer": lambda s: _bearer(forge(s["claims"], drop=("iss",))),
    "wrong client_id": lambda s: _bearer(forge({**s["claims"], "client_id": "another-app-client"})),
    "no client_id": lambda s: _bearer(forge(s["claims"], drop=("client_id",))),
    "expired": lambda s: _bearer(forge({**s["claims"], "iat": _now() - 7200, "exp": _now() - 3600})),
    "no expiry": lambda s: _bearer(forge(s["claims"], drop=("exp",))),
    "id token use": lambda s: _bearer(forge({**s["claims"], "token_use": "id"})),
    "no token use": lambda s: _bearer(forge(s["claims"], drop=("token_use",))),
    "no subject": lambda s: _bearer(forge(s["claims"], drop=("sub",))),
}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _tamper(token: str) -> str:
    """Same signature, payload changed to claim the operator group."""
    import base64

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["operator"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def _unsigned(claims: dict) -> str:
    return jwt.encode(claims, None, algorithm="none", headers={"kid": moto_private_jwk()["kid"]})


def _hs256_with_public_key(claims: dict) -> str:
    import base64
    import hashlib
    import hmac

    from tests.support import moto_jwks

    secret = json.dumps(moto_jwks()["keys"][0]).encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": moto_private_jwk()["kid"]}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_any_defect_in_the_credentials_is_unauthorized(api, seller):
    """One account, every defect in BAD_CREDENTIALS; all the defects that are not a 401 are reported together."""
    failures = []
    for defect, make in BAD_CREDENTIALS.items():
        reply = api.request("GET", "/v1/me", headers=make(seller))
        try:
            assert_api_error(reply, 401)
        except AssertionError:
            failures.append(f"{defect}: {reply}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("defect", ["no Authorization header", "garbage token", "expired", "wrong client_id"])
def test_a_bad_token_is_unauthorized_on_role_protected_routes_too(api, seller, defect):
    """401 comes before any role check: a broken token is never mistaken for a known caller without the role."""
    headers = BAD_CREDENTIALS[defect](seller)
    body = {
        "name": "Nope",
        "storefront": "handicrafts",
        "description": "",
        "region": {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
    }
    assert_api_error(api.request("POST", "/v1/shops", json_body=body, headers=headers), 401)
    assert_api_error(api.request("GET", "/v1/admin/shops", headers=headers), 401)


def test_a_real_cognito_id_token_is_not_accepted_as_an_access_token(api, stack, seller):
    result = cognito(stack).initiate_auth(
        ClientId=stack.settings.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": seller["email"], "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert claims_of(result["IdToken"])["token_use"] == "id"
    assert_api_error(me(api, result["IdToken"]), 401)
    assert me(api, result["AccessToken"]).status == 200


def test_a_token_from_another_user_pool_is_unauthorized(api, stack, seller):
    """A second pool in the same account: its tokens are signed by the same moto key but name another issuer."""
    client = cognito(stack)
    pool = client.create_user_pool(PoolName=f"other-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    client.create_group(UserPoolId=pool, GroupName="operator")
    client.admin_create_user(UserPoolId=pool, Username="mallory@example.com", MessageAction="SUPPRESS")
    client.admin_set_user_password(UserPoolId=pool, Username="mallory@example.com", Password=PASSWORD, Permanent=True)
    client.admin_add_user_to_group(UserPoolId=pool, Username="mallory@example.com", GroupName="operator")
    token = client.initiate_auth(
        ClientId=app_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    assert_api_error(me(api, token), 401)
    assert_api_error(api.get("/v1/admin/shops", token=token), 401)


# --- a valid token without a role is a 403 ----------------------------------------------------------


def test_an_account_in_no_role_group_is_forbidden(api, stack):
    email, password = user_without_role(stack)
    reply = login(api, email, password)
    assert reply.status == 200, reply
    assert_api_error(me(api, reply.json["access_token"]), 403)


def test_a_token_naming_only_unknown_groups_is_forbidden(api, seller):
    token = forge({**seller["claims"], "cognito:groups": ["wholesaler", "admins"]})
    assert_api_error(me(api, token), 403)


def test_a_token_without_a_groups_claim_is_forbidden(api, seller):
    token = forge(seller["claims"], drop=("cognito:groups",))
    assert_api_error(me(api, token), 403)
