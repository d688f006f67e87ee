"""Who is browsing, in which language, and the cookies and CSRF tokens that carry it.

- `bz_session`: the Cognito access token of a signed-in buyer (HttpOnly, SameSite=Lax, Secure off local stages).
  It is verified on every request that needs it, exactly as the API verifies a bearer token.
- `bz_csrf`: a random nonce (same flags). Every POST form carries `csrf` = HMAC(key, nonce + session token);
  a POST without a matching token is refused with 403. The key is derived from the stage's private cursor
  secret with a purpose label, so there is no second secret to provision.
- `lang`: the language chosen with the switch; otherwise Accept-Language decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from . import i18n

SESSION_COOKIE = "bz_session"
CSRF_COOKIE = "bz_csrf"
LANG_COOKIE = "lang"
LANG_MAX_AGE = 365 * 24 * 3600
CSRF_MAX_AGE = 30 * 24 * 3600
MAX_TOKEN_LENGTH = 4096


class CsrfRejected(Exception):
    """A POST form without a valid CSRF token."""


def _csrf_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"bazaar/web/csrf/v1", hashlib.sha256).digest()


def csrf_token(secret: str, nonce: str, session: str | None) -> str:
    message = nonce.encode() + b"\x00" + hashlib.sha256((session or "").encode()).digest()
    mac = hmac.new(_csrf_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def parse_cookies(header: str | None) -> dict[str, str]:
    """name -> value of a Cookie header. Tolerant: a malformed cookie of some other site script is skipped
    instead of ending the parse (http.cookies stops at the first one it dislikes)."""
    cookies: dict[str, str] = {}
    for part in (header or "")[:8192].split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def cookie(
    name: str, value: str, *, path: str, secure: bool, max_age: int | None = None, http_only: bool = True
) -> str:
    parts = [f"{name}={value}", f"Path={path}", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to after a form: never another origin (no open redirects)."""
    if not value or len(value) > 2000 or not value.isascii() or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return default
    return value


def _actual_path(request) -> str:
    path = request.path or "/"
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def _base_path(request, actual: str) -> str:
    """The stage prefix API Gateway adds in front of the app's paths ("/api" on execute-api URLs), else ""."""
    full = str((request.context or {}).get("path") or actual)
    if full != actual and full.endswith(actual):
        prefix = full[: len(full) - len(actual)].rstrip("/")
        if prefix.startswith("/") and "//" not in prefix:
            return prefix
    return ""


@dataclass
class WebContext:
    """Everything a page needs to know about the request it answers."""

    request: object
    settings: object
    cookies: dict[str, str]
    lang: str
    path: str  # the path without the stage prefix
    base: str  # the stage prefix ("" when served at the root)
    csrf_nonce: str
    new_nonce: bool
    set_cookies: list[str] = field(default_factory=list)
    _actor: object = None
    _actor_loaded: bool = False

    @classmethod
    def from_request(cls, request, settings) -> WebContext:
        cookies = parse_cookies(request.headers.get("cookie"))
        lang = cookies.get(LANG_COOKIE)
        if lang not in i18n.LANGUAGES:
            lang = i18n.negotiate(request.headers.get("accept-language"))
        nonce = cookies.get(CSRF_COOKIE, "")
        new_nonce = not (16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum())
        if new_nonce:
            nonce = secrets.token_urlsafe(24)
        path = _actual_path(request)
        return cls(
            request=request,
            settings=settings,
            cookies=cookies,
            lang=lang,
            path=path,
            base=_base_path(request, path),
            csrf_nonce=nonce,
            new_nonce=new_nonce,
        )

    # --- identity -----------------------------------------------------------------------------

    @property
    def session_token(self) -> str | None:
        token = self.cookies.get(SESSION_COOKIE)
        return token if token and len(token) <= MAX_TOKEN_LENGTH else None

    @property
    def actor(self):
        """The verified Actor of the session cookie, or None. An invalid or expired token signs out."""
        if not self._actor_loaded:
            self._actor_loaded = True
            token = self.session_token
            if token:
                from ..bootstrap import container
                from ..domain.errors import Forbidden, Unauthenticated
                from ..services.identity import actor_from_token

                try:
                    self._actor = actor_from_token(container().tokens, token)
                except (Unauthenticated, Forbidden):  # expired, forged, or no role: signed out
                    self.clear_session()
                # anything else (the key service unreachable) propagates: a 503 page, the session kept
        return self._actor

    def sign_in(self, access_token: str, expires_in: int) -> None:
        self.set_cookies.append(
            cookie(SESSION_COOKIE, access_token, path=self.cookie_path, secure=self.secure, max_age=expires_in)
        )

    def clear_session(self) -> None:
        self.set_cookies.append(cookie(SESSION_COOKIE, "", path=self.cookie_path, secure=self.secure, max_age=0))

    def choose_language(self, lang: str) -> None:
        self.lang = lang
        self.set_cookies.append(
            cookie(LANG_COOKIE, lang, path=self.cookie_path, secure=self.secure, max_age=LANG_MAX_AGE)
        )

    # --- CSRF ---------------------------------------------------------------------------------

    @property
    def csrf(self) -> str:
        return csrf_token(self.settings.cursor_secret, self.csrf_nonce, self.session_token)

    def check_csrf(self, submitted: str | None) -> None:
        if self.new_nonce or not submitted or not hmac.compare_digest(submitted.encode(), self.csrf.encode()):
            raise CsrfRejected()

    # --- URLs and cookies ---------------------------------------------------------------------

    @property
    def secure(self) -> bool:
        return not self.settings.is_local

    @property
    def cookie_path(self) -> str:
        return self.base or "/"

    def url(self, path: str, params: dict | None = None) -> str:
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return self.base + path + ("?" + urlencode(query) if query else "")

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params or {})

    @property
    def here(self) -> str:
        """This page's path and query, for "come back here" links (without the stage prefix)."""
        params = self.request.query_params
        if not params:
            return self.path
        pairs = [(k, v) for k in params for v in params.getlist(k)]
        return self.path + "?" + urlencode(pairs)

    def response_cookies(self) -> list[str]:
        out = list(self.set_cookies)
        if self.new_nonce:
            out.append(
                cookie(CSRF_COOKIE, self.csrf_nonce, path=self.cookie_path, secure=self.secure, max_age=CSRF_MAX_AGE)
            )
        return out

    def t(self, key: str, **params: object) -> str:
        return i18n.translate(self.lang, key, **params)
