"""One declaration per route: `@route(...)` says everything about a JSON API route, once.

    @route(bp, "GET", "/v1/<things>/{thing_id}", "getThing", "One thing", tag="things",
           auth=roles(Role.SELLER), scope=Scope.SHOP, responses={200: "ThingPublic"},
           budget=Budget(1, "one GetItem"))
    def get_thing(call: Call, thing_id: str) -> dict:
        ...

(api/shops.py and the recipe in docs/adding-a-route.md show real ones.)

The decorator registers the Chalice route, maps errors to the house error shape (api/errors.py), resolves the
caller and checks the declared roles, validates required headers, the declared query parameters, the page
cursor (`paged=True`: `call.page`) and the JSON body, then calls the handler with a `Call` and the path
parameters as keyword arguments. A handler returns a Response, None (204) or a JSON value (sent with the first
status of `responses`). The declaration is kept on the view, so an app's routes are its registry
(`declared_routes(app)`): the OpenAPI document, the call budgets (bench/budgets.py) and the isolation matrices
(tests/api/isolation.py) all come from it. Schemas are named by their class name in api/schemas.py, so that
importing the app does not import pydantic (cold start).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalice import Blueprint, Chalice, Response

from ..domain.errors import ValidationFailed
from ..domain.identity import Actor, Role
from .auth import optional_actor, require_actor
from .errors import api_errors, error_response
from .http import DEFAULT_LIMIT, MAX_LIMIT, json_body, limit_param, no_content, ok
from .paging import PageRequest, cursor_scope, page_request
from .text import INVALID_TEXT, encodable, is_valid_text


class Scope(StrEnum):
    """Whose a route's data is: the isolation matrices test each scope against its intruders."""

    PUBLIC = "public"  # anyone; only public data
    ACCOUNT = "account"  # the signed-in caller's own things: me, cart, checkout, my orders, notifications
    SELLER_ACCOUNT = "seller_account"  # a seller's own things that belong to no one shop: open a shop, my shops
    SHOP = "shop"  # {shop_id}: the shop's owner (and operators where the roles say so)
    BUYER_ORDER = "buyer_order"  # {order_id}: the buyer of that order
    OPERATOR = "operator"  # the marketplace's operators
    PROVIDER = "provider"  # an outside service proving itself with a signature (webhooks)
    VILLAGE = "village"  # {village_id}: the partner of that village
    COUNTY = "county"  # {county_id}: the staff of that county
    BUSINESS = "business"  # a business buyer's trade (issue 14): its RFQs, their quotes and messages, its invoices


# The path parameter that names the tenant of a scoped route: a route of that scope must have it.
TENANT_PARAM = {
    Scope.SHOP: "shop_id",
    Scope.BUYER_ORDER: "order_id",
    Scope.VILLAGE: "village_id",
    Scope.COUNTY: "county_id",
}


@dataclass(frozen=True)
class Budget:
    """The most DynamoDB calls one request may make, and why. A read (GET) over one call is a documented
    exception: `read_exception=True` and the reason in `why`. `per_product`: + this many calls per live product
    of the shop that the request re-writes (bench/budgets.allowed)."""

    calls: int
    why: str
    per_product: int = 0
    read_exception: bool = False


@dataclass(frozen=True)
class Auth:
    kind: str  # "public" | "optional" | "signed_in" | "roles" | "signature"
    roles: tuple[Role, ...] = ()
    verify: Callable[[Any], None] | None = None  # "signature": raises Unauthenticated for a bad request
    # "roles" that also accept a signed request without a token (issue 12: a carrier's tracking event): a
    # request carrying this header is checked by `verify` instead, and the handler sees no actor (call.caller)
    signed_by_header: str | None = None

    @property
    def needs_token(self) -> bool:
        return self.kind in ("signed_in", "roles")


ANYONE = Auth("public")
OPTIONAL_TOKEN = Auth("optional")  # public, but a token (if sent) is verified and may widen what is visible
SIGNED_IN = Auth("signed_in")  # any role


def roles(*required: Role) -> Auth:
    """A bearer token with one of these roles."""
    return Auth("roles", tuple(required))


def roles_or_signed(header: str, verify: Callable[[Any], None], *required: Role) -> Auth:
    """A bearer token with one of these roles, or (a request with `header`) a signature `verify` accepts."""
    return Auth("roles", tuple(required), verify=verify, signed_by_header=header)


def signed(verify: Callable[[Any], None]) -> Auth:
    """No token: `verify(request)` checks the caller's signature before anything else is read."""
    return Auth("signature", verify=verify)


@dataclass(frozen=True)
class Query:
    """A query parameter: text (max length), a choice (enum) or an integer range. `example` is documented and
    is also a second variant the isolation matrices call (a filter that selects another partition)."""

    name: str
    description: str
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    default: str | int | None = None
    minimum: int | None = None
    maximum: int | None = None
    example: str | None = None

    def schema(self) -> dict:
        if self.choices is not None:
            out: dict[str, Any] = {"enum": list(self.choices)}
        elif self.minimum is not None:
            out = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        else:
            out = {"type": "string", "maxLength": self.max_length}
        if self.default is not None:
            out["default"] = self.default
        return out

    def parse(self, raw: Mapping[str, str]) -> Any:
        value = raw.get(self.name)
        if self.choices is not None:
            value = value or self.default
            if value is not None and value not in self.choices:
                raise ValidationFailed(
                    f"{self.name} is not valid",
                    details=[{"field": self.name, "message": f"must be one of {', '.join(self.choices)}"}],
                )
            return value
        if self.minimum is not None:
            return limit_param(raw)
        if value is None or not value.strip():
            return None
        if self.max_length is not None and len(value) > self.max_length:
            raise ValidationFailed(
                f"{self.name} is too long",
                details=[{"field": self.name, "message": f"at most {self.max_length} characters"}],
            )
        return value.strip()


def text(name: str, max_length: int, description: str, *, example: str | None = None) -> Query:
    return Query(name, description, max_length=max_length, example=example)


def choice(
    name: str, choices: tuple[str, ...], description: str, *, default: str | None = None, example: str | None = None
) -> Query:
    return Query(name, description, choices=choices, default=default, example=example)


LIMIT = Query("limit", "page size", minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT)
CURSOR = Query("cursor", "next_cursor of the previous page, unchanged", max_length=2048)


@dataclass(frozen=True)
class Header:
    """A request header. A required one is checked (1 to max_length printable characters) before the body."""

    name: str
    description: str
    required: bool = False
    max_length: int = 100

    def check(self, request: Any) -> None:
        value = (request.headers.get(self.name.lower()) or "").strip()
        if not value or len(value) > self.max_length or not value.isprintable():
            raise ValidationFailed(
                f"an {self.name} header is required",
                code=f"{self.name.lower().replace('-', '_')}_required",
                details=[{"field": self.name, "message": f"1 to {self.max_length} printable characters"}],
            )


@dataclass(frozen=True)
class RouteSpec:
    """Everything about one route. Kept on its view function: `declared_routes(app)` is the registry."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    auth: Auth
    scope: Scope
    budget: Budget
    responses: Mapping[int, str | None]  # status -> response schema name in api/schemas.py (None: no body)
    body: str | None = None  # request schema name in api/schemas.py
    query: tuple[Query, ...] = ()
    paged: bool = False  # takes limit + cursor and answers {"items", "next_cursor"}
    errors: tuple[int, ...] = ()  # statuses beyond the ones the declaration implies (400, 401, 403, 404, ...)
    headers: tuple[Header, ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    description: str = ""
    # Other media types the success status may be sent as, chosen by the Accept header: (type, description)
    alternatives: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """ "<METHOD> <path>", as bench/scenarios.py names routes."""
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))

    @property
    def all_query(self) -> tuple[Query, ...]:
        return (*self.query, LIMIT, CURSOR) if self.paged else self.query

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


@dataclass(frozen=True)
class Call:
    """What a handler gets: the validated request."""

    request: Any  # chalice Request: headers and the raw body, when a handler truly needs them
    body: Any  # the declared schema's instance (None without a body)
    params: Mapping[str, Any]  # the declared query parameters, parsed (limit and cursor are in `page`)
    paging: PageRequest | None
    caller: Actor | None

    @property
    def actor(self) -> Actor:
        """The verified caller (routes that need a token)."""
        if self.caller is None:
            raise RuntimeError("this route does not require a token: use call.caller")
        return self.caller

    @property
    def page(self) -> PageRequest:
        if self.paging is None:
            raise RuntimeError("declare the route with paged=True")
        return self.paging


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_OPERATION_ID = re.compile(r"^[a-z][A-Za-z0-9]*$")


def _check(spec: RouteSpec) -> None:
    where = f"{spec.key} ({spec.operation_id})"
    problems = []
    if spec.method not in _METHODS:
        problems.append(f"method must be one of {', '.join(_METHODS)}")
    if not _OPERATION_ID.match(spec.operation_id):
        problems.append("operation_id must be camelCase, e.g. listShopOrders")
    if not isinstance(spec.scope, Scope):
        problems.append("scope must be a Scope")
    if not isinstance(spec.budget, Budget):
        problems.append("budget must be a Budget")
    elif spec.is_read and spec.budget.calls > 1 and not spec.budget.read_exception:
        problems.append("a read over 1 DynamoDB call must say why: Budget(n, why, read_exception=True)")
    elif spec.budget.read_exception and not (spec.is_read and spec.budget.calls > 1):
        problems.append("read_exception is for reads over 1 call only")
    if not spec.responses or next(iter(spec.responses)) >= 300:
        problems.append("responses must start with the success status")
    tenant = TENANT_PARAM.get(spec.scope)
    if tenant and tenant not in spec.path_params:
        problems.append(f"a {spec.scope.value} route names its tenant in the path: {{{tenant}}}")
    if spec.scope is Scope.PUBLIC and spec.auth.kind not in ("public", "optional"):
        problems.append("a public route takes no required token")
    elif spec.scope is Scope.PROVIDER and spec.auth.kind != "signature":
        problems.append("a provider route is authenticated by its signature: auth=signed(...)")
    elif spec.scope not in (Scope.PUBLIC, Scope.PROVIDER) and not spec.auth.needs_token:
        problems.append(f"a {spec.scope.value} route needs a token: auth=SIGNED_IN or roles(...)")
    if spec.scope is Scope.OPERATOR and spec.auth.roles != (Role.OPERATOR,):
        problems.append("an operator route is for roles(Role.OPERATOR) only")
    if problems:
        raise ValueError(f"route {where}: " + "; ".join(problems))


def route(
    bp: Blueprint,
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    *,
    tag: str,
    auth: Auth,
    scope: Scope,
    budget: Budget,
    responses: Mapping[int, str | None],
    body: str | None = None,
    query: tuple[Query, ...] = (),
    paged: bool = False,
    errors: tuple[int, ...] = (),
    headers: tuple[Header, ...] = (),
    response_headers: tuple[tuple[str, str], ...] = (),
    description: str = "",
    alternatives: tuple[tuple[str, str], ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    spec = RouteSpec(
        method=method,
        path=path,
        operation_id=operation_id,
        summary=summary,
        tag=tag,
        auth=auth,
        scope=scope,
        budget=budget,
        responses=dict(responses),
        body=body,
        query=tuple(query),
        paged=paged,
        errors=tuple(errors),
        headers=tuple(headers),
        response_headers=tuple(response_headers),
        description=description,
        alternatives=tuple(alternatives),
    )
    _check(spec)

    def decorate(handler: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**path_params: str) -> Response:
            call = _call(spec, bp.current_request, path_params)
            return _respond(spec, handler(call, **path_params))

        wrapped = api_errors(view)
        wrapped.route_spec = spec  # type: ignore[attr-defined]
        bp.route(path, methods=[method])(wrapped)
        return wrapped

    return decorate


# --- OPTIONS and the methods of a path -------------------------------------------------------------------


def allowed_methods(app: Chalice, path: str) -> list[str]:
    """The methods `path` (a route template) serves, for an `Allow` header."""
    return sorted(m for m in app.routes.get(path, {}) if m != "OPTIONS")


def options_answers(app: Chalice) -> Blueprint:
    """OPTIONS on every path `app` serves so far (app.py registers this last): the app serves no cross-origin
    requests, so OPTIONS is a 405 in the house shape with `Allow` (a page on web paths: web/edge.py), answered
    by the app itself - the same from API Gateway, `chalice local` and the test client, which otherwise each
    answer OPTIONS their own way."""
    bp = Blueprint(__name__ + ".options")
    for number, path in enumerate(sorted(p for p, methods in app.routes.items() if "OPTIONS" not in methods)):

        def options(_path: str = path, **_path_params: str) -> Response:
            return error_response(
                405,
                "method_not_allowed",
                "OPTIONS is not supported here (no cross-origin requests); see the Allow header",
                headers={"Allow": ", ".join(allowed_methods(app, _path))},
            )

        options.__name__ = f"options_{number}"
        options.answers_options = True  # type: ignore[attr-defined]
        bp.route(path, methods=["OPTIONS"])(options)
    return bp


def served_routes(app: Chalice) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, leaving out the OPTIONS answers of `options_answers`."""
    return {
        (method, path)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if not getattr(entry.view_function, "answers_options", False)
    }


def _authenticate(spec: RouteSpec, request: Any) -> Actor | None:
    kind = spec.auth.kind
    if kind == "public":
        return None
    if kind == "optional":
        return optional_actor(request)
    if kind == "signature":
        assert spec.auth.verify is not None
        spec.auth.verify(request)
        return None
    if spec.auth.signed_by_header and spec.auth.verify is not None and request.headers.get(spec.auth.signed_by_header):
        spec.auth.verify(request)
        return None
    return require_actor(request, *spec.auth.roles)


def _check_text(kind: str, values: Mapping[str, Any]) -> None:
    broken = [
        encodable(name)
        for name, value in values.items()
        if not is_valid_text(name) or (isinstance(value, str) and not is_valid_text(value))
    ]
    if broken:
        raise ValidationFailed(
            f"a {kind} parameter is not valid Unicode text",
            details=[{"field": name, "message": INVALID_TEXT} for name in broken],
        )


def _call(spec: RouteSpec, request: Any, path_params: Mapping[str, str]) -> Call:
    actor = _authenticate(spec, request)
    _check_text("path", path_params)
    _check_text("query", request.query_params or {})
    for header in spec.headers:
        if header.required:
            header.check(request)
    raw = dict(request.query_params or {})
    unknown = sorted(set(raw) - {q.name for q in spec.all_query})
    if unknown:  # as unknown body fields are: a misspelt filter must not silently return everything
        raise ValidationFailed(
            "unknown query parameter" + ("s" if len(unknown) > 1 else ""),
            details=[{"field": encodable(name), "message": "is not a known query parameter"} for name in unknown],
        )
    params = {q.name: q.parse(raw) for q in spec.query}
    paging = None
    if spec.paged:
        limit = LIMIT.parse(raw)
        scope = cursor_scope(
            spec.operation_id, path=path_params, params=params, caller=actor.user_id if actor else None
        )
        paging = page_request(scope, raw.get("cursor"), limit)
    body = json_body(request, _schema(spec.body)) if spec.body else None
    return Call(request=request, body=body, params=params, paging=paging, caller=actor)


def _schema(name: str) -> Any:
    from . import schemas

    return getattr(schemas, name)


def _respond(spec: RouteSpec, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        if 204 not in spec.responses:
            raise TypeError(f"{spec.key} returned nothing but does not declare 204")
        return no_content()
    return ok(result, status=next(iter(spec.responses)))


def declared_routes(app: Chalice) -> list[RouteSpec]:
    """The registry: the declaration of every JSON API route the app serves, in registration order."""
    out = []
    for methods in app.routes.values():
        for entry in methods.values():
            spec = getattr(entry.view_function, "route_spec", None)
            if spec is not None:
                out.append(spec)
    return out


def find_route(app: Chalice, operation_id: str) -> RouteSpec:
    return next(spec for spec in declared_routes(app) if spec.operation_id == operation_id)
