"""One declaration per web page: `@page(bp, method, path, budget=...)`, and what every page shares.

The decorator registers the Chalice route (POST routes take form bodies only), builds the request's
WebContext, parses the form and checks its CSRF token on every POST, and turns errors into friendly HTML pages
with the status api/errors.py gives them (an anonymous caller is sent to sign in). The declaration, with the
page's DynamoDB budget, is kept on the view: `declared_pages(app)` lists them (tests/web/test_page_costs.py
measures every one against its budget). These HTML routes are not part of the JSON API's OpenAPI contract.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Chalice, Response

from .. import bootstrap
from ..api.errors import STATUS_BY_ERROR
from ..api.paging import PageRequest, cursor_scope, page_request
from ..api.routing import Budget
from ..domain.errors import DomainError, Unauthenticated, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..services.ports import Page
from .render import error_page, redirect
from .session import CsrfRejected, WebContext, safe_next

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_TRAIL = 50
FIRST_PAGE = "0"  # stands for "no cursor" in a trail (a real cursor always contains a ".")


@dataclass(frozen=True)
class PageSpec:
    method: str
    path: str
    budget: Budget

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


class Form:
    """An application/x-www-form-urlencoded body."""

    MAX_FIELDS = 200

    def __init__(self, raw: bytes | str) -> None:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        try:
            self._data = parse_qs(text, keep_blank_values=True, max_num_fields=self.MAX_FIELDS)
        except ValueError:
            raise ValidationFailed("too many form fields") from None

    def get(self, name: str, default: str = "") -> str:
        values = self._data.get(name)
        return values[0] if values else default

    def names(self) -> list[str]:
        return list(self._data)


def page(
    bp: Blueprint, method: str, path: str, *, budget: Budget, plain: bool = False
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A GET handler gets (ctx, **path params); a POST handler (ctx, form, **path params). `plain=True`: the
    handler gets only the path parameters and answers by itself (static files: no cookies, no context)."""
    spec = PageSpec(method, path, budget)
    options: dict[str, Any] = {"methods": [method]}
    if method == "POST":
        options["content_types"] = [FORM_CONTENT_TYPE]

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            return handler(**params) if plain else _handle(bp, handler, method, params)

        view.page_spec = spec  # type: ignore[attr-defined]
        bp.route(path, **options)(view)
        return view

    return decorate


def declared_pages(app: Chalice) -> list[PageSpec]:
    """Every web page the app serves, with its budget, in registration order."""
    out = []
    for methods in app.routes.values():
        for entry in methods.values():
            spec = getattr(entry.view_function, "page_spec", None)
            if spec is not None:
                out.append(spec)
    return out


_LAST_RESORT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bazaar</title></head><body>'
    "<h1>Something went wrong on our side</h1><p>Please try again in a moment.</p></body></html>"
)


def _log_failure(view: str) -> None:
    from ..observability import logger

    logger().exception("unhandled error in a web page", view=view)


def last_resort(status: int = 500) -> Response:
    return Response(body=_LAST_RESORT, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})


def error_page_for(request: Any, status: int) -> Response:
    """The friendly error page for `status`, for a request no page handler answered (web/edge.py)."""
    try:
        return error_page(WebContext.from_request(request, bootstrap.container().settings), status)
    except Exception:
        _log_failure("error_page_for")
        return last_resort(status)


def _status_for(exc: DomainError) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 400)


def _handle(bp: Blueprint, handler: Callable[..., Response], method: str, params: dict[str, str]) -> Response:
    request = bp.current_request
    try:
        ctx = WebContext.from_request(request, bootstrap.container().settings)  # a broken stage: the 500 below
    except Exception:
        _log_failure(handler.__name__)
        return last_resort()
    form = None
    try:
        try:
            if method == "POST":
                form = Form(request.raw_body or b"")
                ctx.check_csrf(form.get("csrf"))
                return handler(ctx, form, **params)
            return handler(ctx, **params)
        except CsrfRejected:
            return error_page(ctx, 403, "error.csrf")
        except Unauthenticated:
            back = safe_next(form.get("next") if form else ctx.here, default="/")
            return redirect(ctx, "/signin", {"next": back, "required": "1"})
        except DomainError as exc:
            return error_page(ctx, _status_for(exc), f"error.{exc.code}")
        except Exception:
            _log_failure(handler.__name__)
            return error_page(ctx, 500)
    except Exception:  # the error page itself failed (e.g. the identity service is down while rendering it)
        _log_failure(handler.__name__)
        return last_resort()


def buyer(ctx: WebContext) -> Actor:
    """The signed-in buyer (sign-in page otherwise; a seller or operator gets a 403 page)."""
    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    require_role(actor, Role.BUYER)
    return actor


def positive_int(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def api_scope(view: Any, *, path: dict[str, str], params: dict[str, Any], caller: str | None) -> str:
    """The cursor scope of a JSON API list (its view in api/), so that its cursors work on the page too."""
    return cursor_scope(view.route_spec.operation_id, path=path, params=params, caller=caller)


@dataclass
class Pager:
    """Next/previous over signed API cursors. `trail` holds the cursors of the pages before this one, so
    "previous" needs no backwards query; it is capped, after which the first page stays one click away."""

    cursor: str | None
    trail: list[str]
    request: PageRequest

    @classmethod
    def open(cls, params: dict[str, str], scope: str, limit: int) -> Pager:
        """The page the query asks for (cursor and trail), bound to `scope` (api/paging.cursor_scope)."""
        cursor = params.get("cursor") or None
        raw_trail = params.get("trail") or ""
        trail = [entry for entry in raw_trail.split("~") if entry][-MAX_TRAIL:] if raw_trail else []
        request = page_request(scope, cursor, limit)
        for entry in trail:
            if entry != FIRST_PAGE:  # a forged trail fails here, not on the way back
                PageRequest.open(scope, entry, limit, request.secret)
        return cls(cursor, trail, request)

    @property
    def start(self) -> dict | None:
        return self.request.start

    def links(self, ctx: WebContext, path: str, params: dict[str, Any], result: Page) -> dict[str, Any]:
        next_cursor = self.request.next_cursor(result)

        def url(cursor: str | None, trail: list[str]) -> str:
            return ctx.url(path, {**params, "cursor": cursor, "trail": "~".join(trail)})

        links: dict[str, Any] = {"next": None, "previous": None, "first": None, "number": None}
        if next_cursor:
            links["next"] = url(next_cursor, [*self.trail, self.cursor or FIRST_PAGE][-MAX_TRAIL:])
        if self.cursor:
            if self.trail:
                back = self.trail[-1]
                links["previous"] = url(None if back == FIRST_PAGE else back, self.trail[:-1])
            links["first"] = url(None, [])
        if not self.cursor:
            links["number"] = 1
        elif self.trail and self.trail[0] == FIRST_PAGE:
            links["number"] = len(self.trail) + 1
        return links


_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def looks_like_id(value: str) -> bool:
    """An id the pages accept from a form or a path (anything else is a 404 before any read)."""
    return bool(_ID.match(value))
