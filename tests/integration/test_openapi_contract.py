"""The OpenAPI document is generated from the route declarations and covers every route Chalice serves."""

from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi import openapi_document
from chalicelib.api.routing import declared_routes, served_routes
from chalicelib.web.routing import declared_pages

WEB_ROUTES = [(spec.method, spec.path) for spec in declared_pages(app)]


def test_every_route_is_in_the_contract_and_nothing_else():
    """Every JSON API route; the HTML pages of the web blueprint (WEB_ROUTES) are not part of the API."""
    served = served_routes(app) - set(WEB_ROUTES)
    documented = {(op.method, op.path) for op in declared_routes(app)}
    assert served - documented == set(), "routes declared without chalicelib/api/routing.route"
    assert documented - served == set(), "contract documents routes the app does not serve"


def test_the_document_is_valid_openapi_3_1():
    doc = openapi_document(app)
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_every_operation_documents_its_auth_and_error_shape():
    doc = openapi_document(app)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "security" in op, (method, path)
            errors = [code for code in op["responses"] if code.startswith(("4", "5"))]
            for code in errors:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, code)
            if op["security"] == [{"bearerAuth": []}]:
                assert "401" in op["responses"], (method, path)


def test_openapi_json_and_docs_page_are_served_by_the_app(api):
    reply = api.get("/v1/openapi.json")
    assert reply.status == 200
    assert reply.json["paths"]["/v1/storefronts/{storefront_key}/products"]["get"]["security"] == []
    page = api.get("/v1/docs")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.body.decode()
    assert "/v1/shops/{shop_id}/products" in text
    assert "<script src=" not in text and "https://" not in text.split("<body>", 1)[1]
