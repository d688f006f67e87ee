"""The isolation matrices' view of the route registry: which routes each scope has and how to call one.

Every route declares its scope (chalicelib/api/routing.Scope). The matrices take their routes from the app's
registry by scope, so a new route is tested against intruders the moment it is declared:

- tests/api/test_tenant_isolation.py: SHOP, SELLER_ACCOUNT and OPERATOR routes;
- tests/api/buying/test_buying_isolation.py: BUYER_ORDER, ACCOUNT and PROVIDER routes;
- tests/api/network/test_network_isolation.py: COUNTY and VILLAGE routes (issue 10).

A route becomes one `Case`, plus one per query parameter declared with an `example` (a filter that selects
another partition, e.g. `?archived=true`), plus one per flavour of a parameter that names two kinds of thing
(`media_id`: a picture attached to the product, or uploaded and not completed yet). Each matrix has a victim
*world* that gives a value for a path parameter by its NAME (`world.value("order_id", case)`); bodies are the
request schema's example (api/schemas.py), with the ids it names filled from the world; required headers come
from HEADER_VALUES. `completeness_problems` says what a new scope, path parameter, header or schema needs
before the matrices can test it (tests/integration/test_route_registry.py fails on any).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.api.routing import RouteSpec, Scope, declared_routes
from chalicelib.domain.identity import Role

# What each matrix's world can put in a path, by scope. A scope missing here has no matrix yet.
WORLD_PARAMS: dict[Scope, frozenset[str]] = {
    Scope.SHOP: frozenset(
        {
            "shop_id",
            "product_id",
            "media_id",
            "order_id",
            "return_id",
            "month",
            "rfq_id",
            "quote_id",
            "invoice_id",
            "upload_id",
            "maker_id",
            "dispute_id",  # issue 13
            "review_id",
        }
    ),
    Scope.SELLER_ACCOUNT: frozenset(),
    Scope.OPERATOR: frozenset(
        {
            "shop_id",
            "storefront",
            "business_id",
            "claim_id",
            "county_id",
            "dispute_id",
            "review_id",
            "pair",
            "market",
            "carrier_id",  # issue 12: a carrier operators suspend and reactivate
        }
    ),
    Scope.BUYER_ORDER: frozenset({"order_id", "dispute_id", "line_id"}),
    Scope.ACCOUNT: frozenset({"product_id", "upload_id", "group_id"}),  # group_id: issue 19
    Scope.PROVIDER: frozenset(),
    Scope.BUSINESS: frozenset({"rfq_id", "quote_id", "invoice_id"}),
    Scope.COUNTY: frozenset({"county_id", "manifest_id", "return_id", "remittance_id"}),
    Scope.VILLAGE: frozenset({"village_id", "manifest_id", "villager_id", "producer_id"}),  # producer_id: issue 11
}
WORLD_MODULE = {
    Scope.SHOP: "tests/api/test_tenant_isolation.py",
    Scope.SELLER_ACCOUNT: "tests/api/test_tenant_isolation.py",
    Scope.OPERATOR: "tests/api/test_tenant_isolation.py",
    Scope.BUYER_ORDER: "tests/api/buying/test_buying_isolation.py",
    Scope.ACCOUNT: "tests/api/buying/test_buying_isolation.py",
    Scope.PROVIDER: "tests/api/buying/test_buying_isolation.py",
    Scope.COUNTY: "tests/api/network/test_network_isolation.py",
    Scope.VILLAGE: "tests/api/network/test_network_isolation.py",
    Scope.BUSINESS: "tests/api/trade/test_trade_isolation.py",
}
UNTESTED_SCOPES = {Scope.PUBLIC}  # public by definition: nothing to isolate
FLAVOURS = {"media_id": ("attached", "uploaded")}
# Ids in an example body that the world replaces, and times that must be relative to now (issue 14: a quote's
# validity and an RFQ's deadline are checked against the clock, so a fixed example date would go stale).
# deadline: issue 19 (a group buy's)
BODY_IDS = ("order_id", "line_id", "product_id", "quote_deadline", "valid_until", "document", "deadline")
BODY_ID_LISTS = {"product_ids": "product_id"}  # lists of ids in an example body: one of the world's
HEADER_VALUES = {"Idempotency-Key": "isolation-checkout"}


@dataclass(frozen=True)
class Case:
    spec: RouteSpec
    query: str = ""  # "?name=example" for a filter's variant
    flavour: str | None = None  # of a parameter in FLAVOURS

    def __str__(self) -> str:
        return " ".join(p for p in (self.spec.operation_id, self.query, self.flavour and f"({self.flavour})") if p)

    @property
    def params(self) -> tuple[str, ...]:
        return self.spec.path_params

    def has(self, *names: str) -> bool:
        return any(name in self.params for name in names)

    def allows(self, role: Role) -> bool:
        return role in self.spec.auth.roles

    @property
    def writes(self) -> bool:
        return self.spec.method != "GET"


def routes(*scopes: Scope) -> list[RouteSpec]:
    from app import app

    return [spec for spec in declared_routes(app) if spec.scope in scopes]


def cases(*scopes: Scope) -> list[Case]:
    out = []
    for spec in routes(*scopes):
        flavours = next((FLAVOURS[p] for p in spec.path_params if p in FLAVOURS), (None,))
        for flavour in flavours:
            out.append(Case(spec, flavour=flavour))
        out += [Case(spec, f"?{q.name}={q.example}") for q in spec.query if q.example is not None]
    return out


def control_order(all_cases: list[Case]) -> list[Case]:
    """For the rightful caller's run: reads and changes in declaration order, deletions last, deepest first."""
    keep = [c for c in all_cases if c.spec.method != "DELETE"]
    deletions = sorted((c for c in all_cases if c.spec.method == "DELETE"), key=lambda c: -len(c.params))
    return keep + deletions


def example_body(spec: RouteSpec, value: Callable[[str], str]) -> dict | None:
    """The request schema's first example, with the ids it names (BODY_IDS) taken from the world."""
    if not spec.body:
        return None
    from chalicelib.api import schemas

    body = copy.deepcopy(getattr(schemas, spec.body).model_config["json_schema_extra"]["examples"][0])

    def fill(node):
        if isinstance(node, dict):
            return {
                k: value(k) if k in BODY_IDS else [value(BODY_ID_LISTS[k])] if k in BODY_ID_LISTS else fill(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return fill(body)


def call(api, case: Case, value: Callable[[str], str], token: str | None, **overrides: str):
    """Calls `case` with path parameters from `value` (or `overrides`), its example body and headers."""

    def pick(name: str) -> str:
        return overrides[name] if name in overrides else value(name)

    path = case.spec.path.format(**{name: pick(name) for name in case.params}) + case.query
    headers = {h.name: HEADER_VALUES[h.name] for h in case.spec.headers if h.required}
    return api.request(
        case.spec.method, path, json_body=example_body(case.spec, pick), token=token, headers=headers or None
    )


def completeness_problems(specs: list[RouteSpec]) -> list[str]:
    """What the matrices would need to test these routes; empty when every route is covered."""
    from chalicelib.api import schemas

    problems = []
    for spec in specs:
        where = f"{spec.key} ({spec.operation_id}, scope {spec.scope.value})"
        if spec.scope in UNTESTED_SCOPES:
            continue
        known = WORLD_PARAMS.get(spec.scope)
        if known is None:
            problems.append(
                f"{where}: no isolation matrix covers the {spec.scope.value} scope yet; write a world for it "
                f"(its tenant, an intruder of the same kind, the wrong roles) in a test module, then add the scope "
                "to WORLD_PARAMS and WORLD_MODULE in tests/api/isolation.py"
            )
            continue
        for name in spec.path_params:
            if name not in known:
                problems.append(
                    f"{where}: the isolation world cannot fill {{{name}}}; teach `value` of the world in "
                    f"{WORLD_MODULE[spec.scope]} to build one, then add {name!r} to "
                    f"WORLD_PARAMS[Scope.{spec.scope.name}] in tests/api/isolation.py"
                )
        for header in spec.headers:
            if header.required and header.name not in HEADER_VALUES:
                problems.append(f"{where}: add a value for the {header.name} header to HEADER_VALUES")
        if spec.body:
            extra = getattr(schemas, spec.body).model_config.get("json_schema_extra") or {}
            if not isinstance(extra, dict) or not extra.get("examples"):
                problems.append(
                    f"{where}: give {spec.body} an example in chalicelib/api/schemas.py: "
                    'model_config = ConfigDict(json_schema_extra={"examples": [...]})'
                )
    return problems
