"""Inputs a caller controls (issue 9), through the HTTP API in process: text that is not Unicode, error details of
any size, malformed token claims, made-up signing keys, malformed webhook signatures, OPTIONS and methods a
route does not take. What differs over HTTP (chalice local, API Gateway's answers) is in
tests/e2e/test_edges_over_http.py.
"""

from __future__ import annotations

import dataclasses
import json
import time

import boto3
import jwt
import pytest

from chalicelib import bootstrap
from chalicelib.adapters.cognito import JWKS_REFETCH_SECONDS, CognitoTokenVerifier
from chalicelib.api.errors import MAX_ERROR_DETAILS
from chalicelib.services.payments import sign_webhook
from tests.api.test_identity import claims_of, forge, moto_private_jwk
from tests.support import (
    PASSWORD,
    Storage,
    assert_api_error,
    buy,
    error_fields,
    moto_jwks,
    product_body,
    random_email,
)

SURROGATE = "\ud800"


def raw_json(document: dict) -> str:
    """JSON as a client may send it: json.dumps spells a lone surrogate as the escape "\\ud800"."""
    text = json.dumps(document)
    assert "\\ud800" in text
    return text


@pytest.fixture
def seller(factory):
    token = factory.user("seller")
    return token, factory.shop(token, "handicrafts")


# --- text that is not valid Unicode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"maker": SURROGATE}, "attributes.maker"),
        ({"maker": "Aygul", "materials": ["silk", "wool" + SURROGATE]}, "attributes.materials.1"),
        ({"maker": "Aygul", "notes": {"deep": {"er": SURROGATE}}}, "attributes.notes.deep.er"),
        ({"maker": "Aygul", "mak" + SURROGATE + "er": "x"}, "attributes.mak\ufffder"),
    ],
    ids=["value", "in a list", "nested", "in a key"],
)
def test_a_lone_surrogate_anywhere_in_attributes_is_a_400_and_stores_nothing(api, stack, seller, attributes, field):
    token, shop = seller
    body = product_body("handicrafts")
    body["attributes"] = {**body["attributes"], **attributes}
    before = Storage(stack).snapshot()
    reply = api.request("POST", f"/v1/shops/{shop['shop_id']}/products", body=raw_json(body), token=token)
    error = assert_api_error(reply, 400, "validation_error")
    assert field in error_fields(reply), error
    assert Storage(stack).snapshot() == before


def test_a_lone_surrogate_in_any_text_field_of_any_body_is_a_400(api, seller):
    token, shop = seller
    cases = [
        ("PATCH", f"/v1/shops/{shop['shop_id']}", {"description": "silk" + SURROGATE}, "description"),
        ("PATCH", f"/v1/shops/{shop['shop_id']}", {"region": {**shop["region"], "county": SURROGATE}}, "region.county"),
        ("POST", "/v1/auth/login", {"email": "a@example.com", "password": "Abcdefghij1" + SURROGATE}, "password"),
    ]
    for method, path, body, field in cases:
        reply = api.request(method, path, body=raw_json(body), token=token)
        assert_api_error(reply, 400, "validation_error")
        assert field in error_fields(reply), (path, reply)


def _api_gateway_event(path_template: str, path: str, *, path_params: dict, query: dict) -> dict:
    """The proxy event API Gateway hands the function: JSON, so it can carry "\\ud800" in any parameter."""
    return {
        "resource": path_template,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path_template, "httpMethod": "GET", "path": path, "requestId": "r-1"},
        "body": None,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize(
    ("template", "path_params", "query", "field"),
    [
        ("/v1/storefronts/{storefront_key}/products", {"storefront_key": "handicrafts"}, {"q": SURROGATE}, "q"),
        ("/v1/shops/{shop_id}", {"shop_id": "shp_" + SURROGATE}, {}, "shop_id"),
    ],
    ids=["query", "path"],
)
def test_a_lone_surrogate_in_a_path_or_query_parameter_is_a_400(stack, template, path_params, query, field):
    from app import app

    path = template.format(**path_params)
    reply = app(_api_gateway_event(template, path, path_params=path_params, query=query), None)
    assert reply["statusCode"] == 400, reply
    body = json.loads(reply["body"])
    assert body["error"]["code"] == "validation_error"
    assert [d["field"] for d in body["error"]["details"]] == [field]


def _store_as_earlier_code_did(stack, product_id: str, old: str, new: str) -> int:
    """Rewrites the stored product and its listing entries as code before issue 9 could store them: JSON text in
    DynamoDB that decodes to a lone surrogate. Returns how many items were changed."""
    client = boto3.client("dynamodb", region_name=stack.settings.region)
    changed = 0
    for table in (stack.settings.products_table, stack.settings.listings_table):
        for item in client.scan(TableName=table)["Items"]:
            if item.get("product_id", {}).get("S") != product_id:
                continue
            for name in ("attributes", "card"):
                if name in item and old in item[name]["S"]:
                    item[name]["S"] = item[name]["S"].replace(old, new)
                    changed += 1
            client.put_item(TableName=table, Item=item)
    return changed


def test_stored_text_that_is_not_unicode_never_takes_a_page_down(api, stack, seller):
    """Data stored before the edge refused it (a maker of "Ay\\ud800gul"): every page that shows the product
    still answers, showing U+FFFD where the broken character is."""
    token, shop = seller
    product = api.post(
        f"/v1/shops/{shop['shop_id']}/products",
        product_body("handicrafts", attributes={"maker": "Aygul Tursun", "made_to_order": False}),
        token=token,
    ).json
    assert _store_as_earlier_code_did(stack, product["product_id"], "Aygul Tursun", "Ay\\ud800gul") >= 2
    pages = [
        f"/v1/storefronts/handicrafts/products/{product['product_id']}",
        "/v1/storefronts/handicrafts/products",
        f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}",
        "/",
        "/s/handicrafts",
        f"/s/handicrafts/p/{product['product_id']}",
        f"/shops/{shop['slug']}",
    ]
    for path in pages:
        reply = api.request("GET", path, token=token if "/v1/shops/" in path else None)
        assert reply.status == 200, (path, reply)
        text = reply.body.decode("utf-8")  # valid UTF-8: a lone surrogate cannot be encoded at all
        assert "Ay\ufffdgul" in text, path
    first = api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}")
    assert first.json["attributes"]["maker"] == "Ay\ufffdgul"
    etag = first.headers["etag"]
    assert (
        api.get(f"/v1/storefronts/handicrafts/products/{product['product_id']}", headers={"If-None-Match": etag}).status
        == 304
    )


# --- error details of any size -------------------------------------------------------------------------------


def test_ninety_thousand_unknown_keys_answer_twenty_details_and_say_how_many_more(api, seller):
    token, _ = seller
    body = {f"k{i}": 0 for i in range(90_000)}
    raw = json.dumps(body, separators=(",", ":"))
    assert 900_000 < len(raw) < 1024 * 1024
    reply = api.request("POST", "/v1/shops", body=raw, token=token)
    error = assert_api_error(reply, 400, "validation_error")
    assert len(error["details"]) == MAX_ERROR_DETAILS
    assert len(reply.body) < 4096, len(reply.body)
    # 90,000 unknown fields + the 3 required fields that are missing
    assert "90003 problems" in error["message"] and "89983 more" in error["message"], error["message"]


def test_a_storefront_rule_with_thousands_of_problems_is_capped_too(api, seller):
    token, shop = seller
    body = product_body("handicrafts")
    body["attributes"] = {**body["attributes"], **{f"extra{i}": 1 for i in range(5_000)}}
    reply = api.post(f"/v1/shops/{shop['shop_id']}/products", body, token=token)
    error = assert_api_error(reply, 400)
    assert len(error["details"]) == MAX_ERROR_DETAILS
    assert "more are not" in error["message"]


def test_an_error_with_few_details_lists_them_all_with_its_message_unchanged(api, seller):
    token, _ = seller
    reply = api.post("/v1/shops", {"bogus": 1, "other": 2}, token=token)
    error = assert_api_error(reply, 400, "validation_error")
    assert {"bogus", "other", "name"} <= error_fields(reply)
    assert error["message"] == "the request body is not valid"


# --- tokens with malformed claims -----------------------------------------------------------------------


@pytest.fixture
def signed_in(api):
    email = random_email("claims")
    assert api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "seller"}).status == 201
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    return claims_of(token)


MALFORMED_CLAIMS = {
    "groups as a string": {"cognito:groups": "operator"},
    "groups with a number": {"cognito:groups": ["seller", 7]},
    "groups with an object": {"cognito:groups": [{"role": "operator"}]},
    "groups with a list": {"cognito:groups": [["operator"]]},
    "groups as an object": {"cognito:groups": {"operator": True}},
    "exp as a string": {"exp": "9999999999"},
    "exp as true": {"exp": True},
    "iat as a string": {"iat": "1"},
    "nbf as a string": {"nbf": "1"},
    "sub as a number": {"sub": 12345},
    "sub empty": {"sub": ""},
    "username as a list": {"username": ["a", "b"]},
    "token_use as a list": {"token_use": ["access"]},
}


@pytest.mark.parametrize("defect", list(MALFORMED_CLAIMS))
def test_a_token_with_malformed_claims_is_401_on_every_kind_of_route(api, signed_in, defect):
    token = forge({**signed_in, **MALFORMED_CLAIMS[defect]})
    for method, path in (("GET", "/v1/me"), ("GET", "/v1/me/shops"), ("GET", "/v1/shops/shp_any")):
        error = assert_api_error(api.request(method, path, token=token), 401)
        assert error["code"] in ("invalid_token", "token_expired"), error  # `"exp": true` is 1970


def test_a_signing_key_id_that_is_not_text_is_401(api, signed_in):
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    for kid in (42, ["k"], {"k": 1}, None):
        signing_input = (
            f"{b64(json.dumps({'alg': 'RS256', 'kid': kid}).encode())}.{b64(json.dumps(signed_in).encode())}"
        )
        key = jwt.PyJWK(moto_private_jwk()).key
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{signing_input}.{b64(signature)}"
        assert_api_error(api.get("/v1/me", token=token), 401, "invalid_token")


def test_the_control_token_with_well_formed_claims_is_accepted(api, signed_in):
    assert api.get("/v1/me", token=forge(signed_in)).json["user_id"] == signed_in["sub"]


# --- unknown signing keys --------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_thousand_tokens_with_unknown_key_ids_fetch_the_keys_at_most_once(api, stack, signed_in):
    fetches = []

    def jwks() -> dict:
        fetches.append(time.monotonic())
        return moto_jwks()

    clock = Clock()
    verifier = CognitoTokenVerifier(
        stack.settings.token_issuer, stack.settings.user_pool_client_id, jwks, monotonic=clock
    )
    bootstrap.install(dataclasses.replace(stack, tokens=verifier))
    try:
        assert api.get("/v1/me", token=forge(signed_in)).status == 200
        assert len(fetches) == 1  # the first request loads the keys
        for i in range(1_000):
            assert_api_error(api.get("/v1/me", token=forge(signed_in, kid=f"made-up-{i}")), 401, "invalid_token")
        assert len(fetches) <= 2, len(fetches)
        assert api.get("/v1/me", token=forge(signed_in)).status == 200  # real tokens keep working meanwhile

        clock.now += JWKS_REFETCH_SECONDS  # five minutes later a new key id may be a rotation: one more look
        for i in range(100):
            assert_api_error(api.get("/v1/me", token=forge(signed_in, kid=f"later-{i}")), 401, "invalid_token")
        assert len(fetches) <= 3, len(fetches)
    finally:
        bootstrap.install(stack)


def test_a_rotated_key_is_picked_up_after_the_cool_down(api, stack, signed_in):
    """A key the cached JWKS lacks is looked up again once the cool-down has passed (a real rotation)."""
    rotated = {"keys": []}
    clock = Clock()
    verifier = CognitoTokenVerifier(
        stack.settings.token_issuer, stack.settings.user_pool_client_id, lambda: rotated, monotonic=clock
    )
    bootstrap.install(dataclasses.replace(stack, tokens=verifier))
    try:
        assert_api_error(api.get("/v1/me", token=forge(signed_in)), 401, "invalid_token")
        rotated["keys"] = moto_jwks()["keys"]  # the pool publishes the new key
        assert_api_error(api.get("/v1/me", token=forge(signed_in)), 401, "invalid_token")  # cool-down
        clock.now += JWKS_REFETCH_SECONDS
        assert api.get("/v1/me", token=forge(signed_in)).status == 200
    finally:
        bootstrap.install(stack)


# --- malformed webhook signatures ---------------------------------------------------------------------------


def _digest(stack, raw: bytes, stamp: int) -> str:
    return sign_webhook(stack.settings.payment_webhook_secret, raw, stamp).split("v1=")[1]


def test_every_malformed_webhook_signature_is_401_and_changes_nothing(api, stack, factory):
    seller = factory.user("seller")
    product = factory.product(seller, factory.shop(seller, "handicrafts"), stock=5)
    buyer = factory.user("buyer")
    (order,) = buy(api, buyer, {product["product_id"]: 1}, payment="card")
    event = {"event_id": "evt_malformed", "type": "payment.succeeded", "order_id": order["order_id"]}
    raw = json.dumps({**event, "amount": order["total"]}).encode()
    now = int(time.time())
    digest = _digest(stack, raw, now)
    malformed = {
        "superscript digit": f"t=²,v1={digest}",
        "superscript digits after real ones": f"t={now}¹,v1={digest}",
        "fullwidth digits": "t=" + "".join(chr(0xFF10 + int(d)) for d in str(now)) + f",v1={digest}",
        "arabic-indic digits": "t=" + "".join(chr(0x0660 + int(d)) for d in str(now)) + f",v1={digest}",
        "a 5000-digit time": f"t={'9' * 5000},v1={digest}",
        "a negative time": f"t=-{now},v1={digest}",
        "a time with a sign": f"t=+{now},v1={digest}",
        "non-ascii digest": f"t={now},v1={digest[:-1]}é",
        "digest too long": f"t={now},v1={digest}0",
        "digest of spaces": f"t={now},v1={' ' * 64}",
        "no equals at all": "t,v1",
        "only commas": ",,,,",
        "a huge header": f"t={now},v1={digest}," + "x=" * 5000,
        "nul bytes": f"t={now}\x00,v1={digest}",
    }
    before = Storage(stack).snapshot()
    failures = []
    for name, header in malformed.items():
        reply = api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": header})
        try:
            assert_api_error(reply, 401, "bad_signature")
        except AssertionError:
            failures.append(f"{name}: {reply}")
    assert not failures, "\n".join(failures)
    assert Storage(stack).snapshot() == before
    good = sign_webhook(stack.settings.payment_webhook_secret, raw, now)
    reply = api.request("POST", "/v1/payments/webhook", body=raw, headers={"X-Bazaar-Signature": good})
    assert reply.json == {"status": "applied"}  # control: the same body, well signed, is accepted


# --- OPTIONS, methods a route does not take, web answers ------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/storefronts", "/v1/shops/shp_x/products", "/v1/auth/login"])
def test_options_on_an_api_path_is_a_405_in_the_house_shape_with_allow(api, path):
    reply = api.request("OPTIONS", path)
    assert_api_error(reply, 405, "method_not_allowed")
    from app import app
    from chalicelib.api.routing import allowed_methods

    template = next(
        p for p in app.routes if p.count("/") == path.count("/") and p.split("/")[:3] == path.split("/")[:3]
    )
    assert reply.headers["allow"] == ", ".join(allowed_methods(app, template))
    assert "OPTIONS" not in reply.headers["allow"]


def test_a_method_an_api_route_does_not_take_is_a_405_with_allow(api):
    reply = api.request("DELETE", "/v1/storefronts")
    assert_api_error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "GET"
    reply = api.request("PUT", "/v1/shops/shp_x")
    assert reply.headers["allow"] == "GET, PATCH"


def _is_page(reply, status: int) -> None:
    assert reply.status == status, reply
    assert reply.headers["content-type"].startswith("text/html"), reply.headers
    assert reply.body.lstrip().startswith(b"<!doctype html>"), reply.body[:100]


def test_every_error_of_a_web_route_is_an_html_page(api):
    _is_page(api.request("DELETE", "/"), 405)
    _is_page(api.request("OPTIONS", "/s/handicrafts"), 405)
    assert api.request("OPTIONS", "/s/handicrafts").headers["allow"] == "GET"
    _is_page(api.request("GET", "/signout"), 405)
    _is_page(api.request("POST", "/cart/add", body="quantity=1", headers={"Content-Type": "application/json"}), 415)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _is_page(api.request("POST", "/cart/add", body="a=" + "x" * (1024 * 1024), headers=form), 413)
    _is_page(api.request("POST", "/cart/add", body="quantity=1", headers=form), 403)  # no CSRF token
    _is_page(api.request("GET", "/s/no-such-storefront"), 404)


def test_web_redirects_and_bodiless_answers_are_not_labelled_json(api):
    reply = api.request("GET", "/cart")  # not signed in: to the sign-in page
    assert reply.status == 303 and reply.headers["location"].startswith("/signin")
    assert reply.headers["content-type"].startswith("text/html")
    first = api.request("GET", "/signin")
    again = api.request("GET", "/static/site.css", headers={"If-None-Match": "*"})
    assert again.status in (200, 304) and "json" not in again.headers.get("content-type", "")
    assert "json" not in first.headers["content-type"]


def test_the_api_keeps_its_json_errors(api):
    assert_api_error(api.request("POST", "/v1/shops", body="a" * (1024 * 1024 + 1)), 413, "payload_too_large")
    assert_api_error(api.request("POST", "/v1/auth/login", body="x=1", headers={"Content-Type": "text/plain"}), 415)


def test_a_lone_surrogate_in_a_web_pages_query_is_a_400_page(stack):
    from app import app

    event = _api_gateway_event(
        "/s/{storefront}", "/s/handicrafts", path_params={"storefront": "handicrafts"}, query={"q": SURROGATE}
    )
    reply = app(event, None)
    assert reply["statusCode"] == 400 and reply["headers"]["Content-Type"].startswith("text/html"), reply["statusCode"]


def test_a_token_that_is_not_ascii_is_401(api, signed_in):
    reply = api.get("/v1/me", headers={"Authorization": "Bearer " + forge(signed_in) + "é"})
    assert_api_error(reply, 401, "invalid_token")
