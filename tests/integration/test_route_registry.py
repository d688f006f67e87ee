"""The route registry (chalicelib/api/routing.py) is the only list of routes, and it is complete.

Every route the app serves is declared once, with its budget and scope; everything that lists routes (the
OpenAPI document, bench/budgets.py, the isolation matrices) derives from it. A throwaway app shows that a
route without budget or scope cannot be declared, and that one the isolation matrices cannot build fails
their completeness check with a message saying what to add.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from chalice import Blueprint, Chalice

from app import app
from chalicelib.api import schemas
from chalicelib.api.routing import ANYONE, Budget, Call, Scope, declared_routes, roles, route, served_routes
from chalicelib.domain.identity import Role
from chalicelib.web.routing import declared_pages
from tests.api.isolation import completeness_problems
from tests.support import ROOT

WEB_ROUTES = [(spec.method, spec.path) for spec in declared_pages(app)]


def test_every_served_route_is_declared_once():
    """By api/routing.route (JSON API) or web/routing.page (HTML): no route escapes the registry."""
    served = sorted(served_routes(app))
    declared = sorted([(spec.method, spec.path) for spec in declared_routes(app)] + WEB_ROUTES)
    assert served == declared


def test_operation_ids_are_unique_and_camel_case():
    ids = [spec.operation_id for spec in declared_routes(app)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids), ids


def test_each_path_template_is_written_in_exactly_one_file_of_chalicelib():
    """`git grep` of a route's path template (as the string literal it is declared with) finds one file."""
    for spec in declared_routes(app):
        found = subprocess.run(
            ["git", "grep", "--untracked", "-l", "-F", f'"{spec.path}"', "--", "chalicelib"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(found) == 1, f"{spec.path} is written in {found or 'no file'}"


def test_every_request_schema_has_an_example_that_it_accepts():
    for spec in declared_routes(app):
        if spec.body:
            model = getattr(schemas, spec.body)
            for example in model.model_config["json_schema_extra"]["examples"]:
                model.model_validate(example)


def test_the_isolation_matrices_cover_every_declared_route():
    assert completeness_problems(declared_routes(app)) == []


# --- a throwaway app: what a half-declared route does -------------------------------------------------------


def _throwaway_app(declare) -> Chalice:
    throwaway, bp = Chalice(app_name="throwaway"), Blueprint("throwaway")
    declare(bp)
    throwaway.register_blueprint(bp)
    return throwaway


def test_a_route_without_a_budget_or_a_scope_cannot_be_declared():
    for missing in ("budget", "scope"):
        arguments = {"budget": Budget(1, "one GetItem"), "scope": Scope.PUBLIC}
        del arguments[missing]
        with pytest.raises(TypeError, match=missing):
            route(Blueprint("x"), "GET", "/v1/things", "listThings", "Things", tag="x", auth=ANYONE,
                  responses={200: None}, **arguments)  # fmt: skip


def test_a_scoped_route_must_name_its_tenant_and_a_slow_read_must_say_why():
    bp = Blueprint("x")
    with pytest.raises(ValueError, match="shop_id"):
        route(bp, "GET", "/v1/things", "listThings", "Things", tag="x", auth=roles(Role.SELLER),
              scope=Scope.SHOP, responses={200: None}, budget=Budget(1, "one Query"))  # fmt: skip
    with pytest.raises(ValueError, match="read_exception"):
        route(bp, "GET", "/v1/things", "listThings", "Things", tag="x", auth=ANYONE,
              scope=Scope.PUBLIC, responses={200: None}, budget=Budget(2, "two reads"))  # fmt: skip


def test_a_route_the_isolation_world_cannot_build_fails_the_completeness_check(monkeypatch):
    from tests.api import isolation

    monkeypatch.delitem(isolation.WORLD_PARAMS, Scope.VILLAGE)  # as if no matrix covered the village scope yet

    def declare(bp):
        @route(
            bp,
            "GET",
            "/v1/villages/{village_id}/widgets",
            "listVillageWidgets",
            "Parcels",
            tag="network",
            auth=roles(Role.SELLER),
            scope=Scope.VILLAGE,
            responses={200: None},
            budget=Budget(1, "one Query"),
        )
        def parcels(call: Call, village_id: str) -> dict:
            return {}

        @route(
            bp,
            "GET",
            "/v1/shops/{shop_id}/widgets/{widget_id}",
            "getShopWidget",
            "A widget",
            tag="x",
            auth=roles(Role.SELLER),
            scope=Scope.SHOP,
            responses={200: None},
            budget=Budget(1, "one GetItem"),
        )
        def widget(call: Call, shop_id: str, widget_id: str) -> dict:
            return {}

    throwaway = _throwaway_app(declare)
    problems = completeness_problems(declared_routes(throwaway))
    assert len(problems) == 2, problems
    assert "no isolation matrix covers the village scope" in problems[0] and "WORLD_PARAMS" in problems[0]
    assert "cannot fill {widget_id}" in problems[1] and "WORLD_PARAMS[Scope.SHOP]" in problems[1]
    # the registry is the app's: the real app did not get the throwaway routes
    assert "listVillageWidgets" not in {spec.operation_id for spec in declared_routes(app)}
    assert "/v1/villages/{village_id}/widgets" not in app.routes
