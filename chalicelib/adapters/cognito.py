"""Amazon Cognito user pool: registration, login, and verification of the access tokens it issues."""

from __future__ import annotations

import json
import math
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


def _weak_password() -> ValidationFailed:
    return ValidationFailed(
        "password does not meet the policy",
        details=[{"field": "password", "message": "does not meet the password policy"}],
    )


def _wrong_code(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"field": "code", "message": message}])


class CognitoIdentityProvider:
    """Accounts in a Cognito user pool.

    `confirm_by_code` (dev, prod): registration is Cognito's SignUp - Cognito e-mails a code, and the account
    (and its e-mail) is confirmed only by ConfirmSignUp with that code (`confirm`, `resend_code`). Off (the
    local stages, where no mail leaves moto): the account is created confirmed by the admin API."""

    def __init__(self, client, user_pool_id: str, client_id: str, *, confirm_by_code: bool = False) -> None:
        self._client = client
        self._pool = user_pool_id
        self._client_id = client_id
        self._confirm_by_code = confirm_by_code

    def register(self, email: str, password: str, role: str) -> dict:
        if self._confirm_by_code:
            return self._sign_up(email, password, role)
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
                raise _weak_password() from exc
            raise self._translate(exc) from exc
        sub = next(
            (a["Value"] for a in created["User"].get("Attributes", []) if a["Name"] == "sub"),
            created["User"]["Username"],
        )
        return {"user_id": sub, "email": email, "roles": [role], "confirmed": True, "code_sent_to": None}

    def _sign_up(self, email: str, password: str, role: str) -> dict:
        try:
            created = self._client.sign_up(
                ClientId=self._client_id,
                Username=email,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
        except ClientError as exc:
            if _code(exc) in {"UsernameExistsException", "AliasExistsException"}:
                raise Conflict("an account with this email already exists", code="email_taken") from exc
            if _code(exc) == "InvalidPasswordException":
                raise _weak_password() from exc
            raise self._translate(exc) from exc
        try:
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=role)
        except ClientError as exc:
            self._client.admin_delete_user(UserPoolId=self._pool, Username=email)
            raise self._translate(exc) from exc
        delivery = created.get("CodeDeliveryDetails") or {}
        return {
            "user_id": created["UserSub"],
            "email": email,
            "roles": [role],
            "confirmed": bool(created.get("UserConfirmed")),
            "code_sent_to": delivery.get("Destination"),
        }

    def confirm(self, email: str, code: str) -> None:
        if not self._confirm_by_code and self._local_status(email) is None:
            raise _wrong_code("the code is not the one we sent", "invalid_code")
        try:
            self._client.confirm_sign_up(ClientId=self._client_id, Username=email, ConfirmationCode=code)
        except ClientError as exc:
            error = _code(exc)
            if error in {"CodeMismatchException", "UserNotFoundException"}:
                raise _wrong_code("the code is not the one we sent", "invalid_code") from exc
            if error == "ExpiredCodeException":
                raise _wrong_code("the code has expired: ask for a new one", "code_expired") from exc
            if error == "NotAuthorizedException":  # "User cannot be confirmed. Current status is CONFIRMED"
                raise Conflict("this account is already confirmed", code="already_confirmed") from exc
            if error in {"TooManyFailedAttemptsException", "LimitExceededException"}:
                raise ServiceUnavailable("too many attempts: wait a few minutes", retry_after=60) from exc
            raise self._translate(exc) from exc

    def resend_code(self, email: str) -> dict:
        if not self._confirm_by_code and self._local_status(email) is None:
            return {"code_sent_to": None}
        try:
            sent = self._client.resend_confirmation_code(ClientId=self._client_id, Username=email)
        except ClientError as exc:
            error = _code(exc)
            if error == "UserNotFoundException":
                return {"code_sent_to": None}  # as Cognito answers when it hides which accounts exist
            if error == "InvalidParameterException" and "confirmed" in str(exc).lower():
                raise Conflict("this account is already confirmed", code="already_confirmed") from exc
            if error in {"LimitExceededException", "TooManyRequestsException"}:
                raise ServiceUnavailable("too many codes asked for: wait a few minutes", retry_after=60) from exc
            raise self._translate(exc) from exc
        return {"code_sent_to": (sent.get("CodeDeliveryDetails") or {}).get("Destination")}

    def _local_status(self, email: str) -> str | None:
        """Local stages create accounts confirmed, and moto has no codes: the answer comes from the account's
        status (a confirmed one: 409; none: None). The rare unconfirmed account goes on to Cognito's calls."""
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                return None
            raise self._translate(exc) from exc
        if user.get("UserStatus") == "CONFIRMED":
            raise Conflict(
                "this account is already confirmed (accounts are confirmed at once here)", code="already_confirmed"
            )
        return str(user.get("UserStatus"))

    def login(self, email: str, password: str) -> dict:
        try:
            result = self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            if _code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
                raise Unauthenticated("wrong email or password", code="invalid_credentials") from exc
            if _code(exc) == "UserNotConfirmedException":  # Cognito says so only after the password matched
                raise Unauthenticated(
                    "confirm your e-mail first with the code we sent (POST /v1/auth/confirm)",
                    code="account_not_confirmed",
                ) from exc
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


# A token naming a key the cached JWKS does not hold makes the verifier fetch the JWKS again, at most this often:
# anyone can send tokens with made-up key ids, and each must not cost a download.
JWKS_REFETCH_SECONDS = 300
_MAX_CLAIM_TEXT = 256


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_CLAIM_TEXT


def well_formed_claims(claims: dict[str, Any]) -> bool:
    """Cognito's access-token claims have these types; a token with other ones was not issued by it.
    (PyJWT accepts `"exp": "9999999999"`, and a `cognito:groups` of the wrong shape would reach the roles.)"""
    if not all(_number(claims.get(name)) for name in ("exp", "iat")):
        return False
    if "nbf" in claims and not _number(claims["nbf"]):
        return False
    if not all(_text(claims.get(name)) for name in ("sub", "iss", "client_id", "token_use")):
        return False
    if "username" in claims and not _text(claims["username"]):
        return False
    groups = claims.get("cognito:groups", [])
    return isinstance(groups, list) and len(groups) <= 100 and all(_text(g) for g in groups)


class CognitoTokenVerifier:
    """Verifies Cognito access tokens: RS256 signature against the pool's JWKS, issuer, client, use, expiry, and
    the types of the claims. The JWKS is cached for `cache_seconds`; a token signed by a key it does not hold
    makes it fetch again at most once per `refetch_seconds` (JWKS_REFETCH_SECONDS)."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        jwks_loader: Callable[[], dict],
        cache_seconds: int = 3600,
        *,
        refetch_seconds: float = JWKS_REFETCH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._issuer = issuer
        self._client_id = client_id
        self._load = jwks_loader
        self._cache_seconds = cache_seconds
        self._refetch_seconds = refetch_seconds
        self._monotonic = monotonic
        self._keys: dict[str, Any] = {}
        self._loaded_at: float | None = None
        self._fetched_at: float | None = None  # the last download tried, successful or not
        self._lock = threading.Lock()

    def _key(self, kid: str):
        with self._lock:
            now = self._monotonic()
            fresh = self._loaded_at is not None and now - self._loaded_at <= self._cache_seconds
            if fresh and kid in self._keys:
                return self._keys[kid]
            if fresh and self._fetched_at is not None and now - self._fetched_at < self._refetch_seconds:
                return None  # an unknown key id, and the keys were fetched a moment ago: no new download
            self._fetched_at = now
            try:
                jwks = self._load()
            except (OSError, ValueError, BotoCoreError) as exc:
                raise ServiceUnavailable("cannot verify tokens right now", retry_after=2) from exc
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if "kid" in k}
            self._loaded_at = now
            return self._keys.get(kid)

    def verify(self, token: str) -> dict[str, Any]:
        if not token.isascii():  # a JWT is base64url and dots; anything else is not one (and cannot be encoded)
            raise Unauthenticated("malformed token", code="invalid_token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token", code="invalid_token") from exc
        if header.get("alg") != "RS256":
            raise Unauthenticated("unsupported token algorithm", code="invalid_token")
        kid = header.get("kid")
        if not _text(kid):
            raise Unauthenticated("token names no signing key", code="invalid_token")
        key = self._key(kid)
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
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError) as exc:
            raise Unauthenticated("invalid token", code="invalid_token") from exc
        if not isinstance(claims, dict) or not well_formed_claims(claims):
            raise Unauthenticated("the token's claims are malformed", code="invalid_token")
        if claims.get("token_use") != "access":
            raise Unauthenticated("an access token is required", code="invalid_token")
        if claims.get("client_id") != self._client_id:
            raise Unauthenticated("token was issued to another client", code="invalid_token")
        return claims
