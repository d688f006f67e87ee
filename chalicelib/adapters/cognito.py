"""Amazon Cognito user pool: registration, login, and verification of the access tokens it issues."""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt
from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import Conflict, ServiceUnavailable, Unauthenticated, ValidationFailed


def temporary_password() -> str:
    """16 characters meeting the pool's policy (upper, lower, digit; infra/data-stack.json UserPool)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(16))
        if any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value):
            return value


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


_THROTTLED = {"TooManyRequestsException", "LimitExceededException", "InternalErrorException"}


class CognitoIdentityProvider:
    def __init__(self, client, user_pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._client_id = client_id

    def register(self, email: str, password: str, role: str) -> dict:
        try:
            created = self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        except ClientError as exc:
            if _code(exc) in {"UsernameExistsException", "AliasExistsException"}:
                raise Conflict("an account with this email already exists", code="email_taken") from exc
            raise self._translate(exc) from exc
        try:
            self._client.admin_set_user_password(
                UserPoolId=self._pool, Username=email, Password=password, Permanent=True
            )
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=role)
        except ClientError as exc:
            # Never leave a half-registered account behind: a retry must be able to succeed.
            self._client.admin_delete_user(UserPoolId=self._pool, Username=email)
            if _code(exc) == "InvalidPasswordException":
                raise ValidationFailed(
                    "password does not meet the policy",
                    details=[{"field": "password", "message": "does not meet the password policy"}],
                ) from exc
            raise self._translate(exc) from exc
        sub = next(
            (a["Value"] for a in created["User"].get("Attributes", []) if a["Name"] == "sub"),
            created["User"]["Username"],
        )
        return {"user_id": sub, "email": email, "roles": [role]}

    def login(self, email: str, password: str) -> dict:
        try:
            result = self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            if _code(exc) in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
                raise Unauthenticated("wrong email or password", code="invalid_credentials") from exc
            raise self._translate(exc) from exc
        tokens = result.get("AuthenticationResult")
        if not tokens:
            if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
                # An account an operator created: its temporary password must be replaced first.
                raise Unauthenticated(
                    "this account has a temporary password: choose a new one with POST /v1/auth/new-password",
                    code="new_password_required",
                )
            raise Unauthenticated("this account cannot sign in with a password", code="challenge_required")
        return self._tokens(tokens)

    @staticmethod
    def _tokens(tokens: dict) -> dict:
        return {
            "access_token": tokens["AccessToken"],
            "token_type": "Bearer",
            "expires_in": int(tokens.get("ExpiresIn", 3600)),
        }

    def add_to_group(self, email: str, group: str) -> None:
        try:
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=group)
        except ClientError as exc:
            raise self._translate(exc) from exc

    # --- accounts operators create (issue 10: partners, county staff) ------------------------------------

    def create_account(self, email: str, role: str) -> dict:
        """A new account in `role` with a generated temporary password, returned here once: Cognito asks for a
        new password at the first sign-in (NEW_PASSWORD_REQUIRED; set_new_password)."""
        temporary = temporary_password()
        try:
            created = self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                TemporaryPassword=temporary,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",  # the operator hands the password over; no e-mail from Cognito
            )
        except ClientError as exc:
            if _code(exc) in {"UsernameExistsException", "AliasExistsException"}:
                raise Conflict("an account with this email already exists", code="email_taken") from exc
            raise self._translate(exc) from exc
        try:
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=role)
        except ClientError as exc:
            self._client.admin_delete_user(UserPoolId=self._pool, Username=email)
            raise self._translate(exc) from exc
        sub = next(
            (a["Value"] for a in created["User"].get("Attributes", []) if a["Name"] == "sub"),
            created["User"]["Username"],
        )
        return {"user_id": sub, "email": email, "roles": [role], "temporary_password": temporary}

    def find_account(self, email: str) -> dict | None:
        """{"user_id", "email"} of an existing account, or None."""
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                return None
            raise self._translate(exc) from exc
        sub = next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "sub"), user["Username"])
        return {"user_id": sub, "email": email}

    def ensure_group(self, name: str, description: str) -> None:
        try:
            self._client.create_group(UserPoolId=self._pool, GroupName=name, Description=description[:2048])
        except ClientError as exc:
            if _code(exc) == "GroupExistsException":
                return
            raise self._translate(exc) from exc

    def set_new_password(self, email: str, temporary_password: str, new_password: str) -> dict:
        """Replaces a temporary password (NEW_PASSWORD_REQUIRED) and signs in."""
        try:
            started = self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": temporary_password},
            )
        except ClientError as exc:
            if _code(exc) in {"NotAuthorizedException", "UserNotFoundException", "InvalidParameterException"}:
                raise Unauthenticated("wrong email or temporary password", code="invalid_credentials") from exc
            raise self._translate(exc) from exc
        if started.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            raise Conflict("this account has no temporary password to replace", code="password_already_set")
        try:
            answered = self._client.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=started["Session"],
                ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
            )
        except ClientError as exc:
            if _code(exc) == "InvalidPasswordException":
                raise ValidationFailed(
                    "password does not meet the policy",
                    details=[{"field": "new_password", "message": "does not meet the password policy"}],
                ) from exc
            if _code(exc) in {"NotAuthorizedException", "CodeMismatchException", "ExpiredCodeException"}:
                raise Unauthenticated("the sign-in expired; try again", code="invalid_credentials") from exc
            raise self._translate(exc) from exc
        tokens = answered.get("AuthenticationResult")
        if not tokens:
            raise Unauthenticated("this account cannot sign in with a password", code="challenge_required")
        return self._tokens(tokens)

    @staticmethod
    def _translate(exc: ClientError) -> Exception:
        if _code(exc) in _THROTTLED:
            return ServiceUnavailable("identity service is busy, please retry", retry_after=1)
        return exc


def fetch_jwks(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - URL comes from settings
        return json.loads(response.read())


class CognitoTokenVerifier:
    """Verifies Cognito access tokens: RS256 signature against the pool's JWKS, issuer, client, use, expiry."""

    def __init__(self, issuer: str, client_id: str, jwks_loader: Callable[[], dict], cache_seconds: int = 3600):
        self._issuer = issuer
        self._client_id = client_id
        self._load = jwks_loader
        self._cache_seconds = cache_seconds
        self._keys: dict[str, Any] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def _key(self, kid: str):
        with self._lock:
            stale = time.monotonic() - self._loaded_at > self._cache_seconds
            if kid not in self._keys or stale:
                try:
                    jwks = self._load()
                except (OSError, ValueError, BotoCoreError) as exc:
                    raise ServiceUnavailable("cannot verify tokens right now", retry_after=2) from exc
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if "kid" in k}
                self._loaded_at = time.monotonic()
            return self._keys.get(kid)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token", code="invalid_token") from exc
        if header.get("alg") != "RS256":
            raise Unauthenticated("unsupported token algorithm", code="invalid_token")
        key = self._key(str(header.get("kid", "")))
        if key is None:
            raise Unauthenticated("token signed by an unknown key", code="invalid_token")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("invalid token", code="invalid_token") from exc
        if claims.get("token_use") != "access":
            raise Unauthenticated("an access token is required", code="invalid_token")
        if claims.get("client_id") != self._client_id:
            raise Unauthenticated("token was issued to another client", code="invalid_token")
        return claims
