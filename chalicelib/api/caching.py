"""HTTP caching for every response, decided in one place (the HTTP middleware calls `apply`).

- A request that carries identity (an `Authorization` header, or the web session cookie) gets
  `Cache-Control: private, no-store`: what it sees may be personal, and no cache anywhere may keep it.
- An anonymous GET answered 200 gets a weak ETag of its body and is cacheable: API reads briefly by anyone
  (`public, max-age=30`: storefront pages, product pages, shops), web pages by the browser only and always
  revalidated (`private, no-cache`: a page's forms carry a token bound to that browser). A request whose
  `If-None-Match` names the current ETag is answered `304 Not Modified` with no body.
- A response that sets a cookie, any other method and any other status: `no-store`, unless the route chose.
- What a route says itself is kept when it is stricter or content-addressed: the stylesheet's
  `immutable`, the API document's `public, max-age=300`.
"""

from __future__ import annotations

import hashlib

from chalice import Response

PUBLIC_READ = "public, max-age=30"
BROWSER_REVALIDATE = "private, no-cache"
PERSONAL = "private, no-store"
NOT_STORED = "no-store"
SESSION_COOKIE = "bz_session"  # chalicelib/web/session.SESSION_COOKIE (not imported: keeps the API cold start lean)


def _header(headers: dict, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _set(headers: dict, name: str, value: str) -> None:
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


def carries_identity(request_headers) -> bool:
    if request_headers.get("authorization"):
        return True
    cookies = request_headers.get("cookie") or ""
    return any(part.strip().startswith(SESSION_COOKIE + "=") for part in cookies.split(";"))


def weak_etag(body) -> str | None:
    if isinstance(body, str):
        body = body.encode()
    if not isinstance(body, bytes | bytearray):
        return None
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def apply(method: str, request_headers, response: Response) -> Response:
    headers = response.headers
    chosen = _header(headers, "cache-control") or ""
    if "immutable" in chosen:
        return response  # content-addressed: the same for everyone, forever
    if carries_identity(request_headers):
        _set(headers, "Cache-Control", PERSONAL)
        return response
    if method != "GET" or response.status_code != 200 or _header(headers, "set-cookie"):
        if not chosen:
            _set(headers, "Cache-Control", NOT_STORED)
        return response
    content_type = _header(headers, "content-type") or ""
    if content_type.startswith("text/html") and not chosen.startswith("public"):
        _set(headers, "Cache-Control", BROWSER_REVALIDATE)
    elif not chosen.startswith("public"):
        _set(headers, "Cache-Control", PUBLIC_READ)
    etag = _header(headers, "etag") or weak_etag(response.body)
    if etag is None:
        return response
    _set(headers, "ETag", etag)
    if _matches(request_headers.get("if-none-match"), etag):
        kept = {k: v for k, v in headers.items() if k.lower() in ("etag", "cache-control", "vary", "content-language")}
        return Response(body="", status_code=304, headers=kept)
    return response
