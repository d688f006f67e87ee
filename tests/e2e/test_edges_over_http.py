"""Inputs a caller controls, over HTTP against the real local stack (issue 9), where `chalice local` answers
differently from the in-process test client: unknown paths and requests the HTTP server refuses never reach the
app, OPTIONS is answered by the gateway, and a reply whose text cannot be encoded closed the connection.

`chalice local` answers what never reaches the app as API Gateway does with the stage's gateway responses
(infra/gateway-responses.json, rendered by devtools/template.gateway_response): the same bodies are expected here.
"""

from __future__ import annotations

import json
import socket
import time

import boto3
import pytest
import requests

from devtools.local_stack import LocalStackProcess
from devtools.seed import PASSWORD as DEMO_PASSWORD
from devtools.seed import SELLER
from devtools.template import gateway_response
from tests.support import product_body

pytestmark = pytest.mark.e2e

TIMEOUT = 20


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    stack = LocalStackProcess(log_path=tmp_path_factory.mktemp("edges") / "local_stack.log")
    try:
        stack.start()
    except BaseException:
        stack.stop(grace=5)
        pytest.fail(f"the local stack did not start:\n{stack.log_text()[-4000:]}")
    try:
        yield stack
    finally:
        stack.stop(grace=10)


@pytest.fixture(scope="module")
def seller(local_stack) -> tuple[str, dict]:
    reply = requests.post(
        f"{local_stack.url}/v1/auth/login", json={"email": SELLER, "password": DEMO_PASSWORD}, timeout=TIMEOUT
    )
    token = reply.json()["access_token"]
    shops = requests.get(f"{local_stack.url}/v1/me/shops", headers=_bearer(token), timeout=TIMEOUT).json()["items"]
    shop = next(s for s in shops if s["storefront"] == "handicrafts" and s["status"] == "active")
    return token, shop


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _house_error(reply: requests.Response, status: int) -> dict:
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    assert reply.headers["content-type"].startswith("application/json"), reply.headers
    body = reply.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]


def _raw_http(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("path", ["/v1/no-such-thing", "/v1/shops/shp_x/products/prd_y/nope", "/no-such-page"])
def test_an_unknown_path_answers_the_house_404_as_api_gateway_does(local_stack, path):
    status, _, body = gateway_response("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token", 403)
    for headers in ({}, {"Authorization": "Bearer whatever"}):
        reply = requests.get(local_stack.url + path, headers=headers, timeout=TIMEOUT)
        assert _house_error(reply, status)["code"] == "not_found"
        assert reply.json() == json.loads(body)
    assert status == 404


def test_options_is_a_405_with_allow_json_on_the_api_and_a_page_on_the_web(local_stack):
    reply = requests.options(f"{local_stack.url}/v1/storefronts", timeout=TIMEOUT)
    assert _house_error(reply, 405)["code"] == "method_not_allowed"
    assert reply.headers["allow"] == "GET"
    page = requests.options(f"{local_stack.url}/s/handicrafts", timeout=TIMEOUT)
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert page.headers["allow"] == "GET"


def test_a_method_a_web_page_does_not_take_is_a_page_and_redirects_are_html(local_stack):
    page = requests.delete(f"{local_stack.url}/", timeout=TIMEOUT)
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    redirect = requests.get(f"{local_stack.url}/cart", allow_redirects=False, timeout=TIMEOUT)
    assert redirect.status_code == 303 and redirect.headers["content-type"].startswith("text/html")


def test_headers_over_the_servers_limits_answer_in_the_house_shape(local_stack):
    line = _raw_http(
        local_stack.url, b"GET /v1/storefronts HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    )
    head, _, body = line.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431") and b"Content-Type: application/json" in head, head
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    reply = _raw_http(local_stack.url, b"GET /v1/storefronts HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431"), head
    assert set(json.loads(body)) == {"error"}


def test_a_webhook_signature_with_a_superscript_digit_is_401(local_stack):
    """Header bytes arrive as latin-1 text: b"\\xb9" is "¹", a digit to str.isdigit() but not to int()."""
    raw = json.dumps({"event_id": "evt_x", "type": "payment.succeeded", "order_id": "ord_x", "amount": {}}).encode()
    for stamp in (b"\xb9", b"\xb2\xb3", str(int(time.time())).encode() + b"\xb9"):
        reply = requests.post(
            f"{local_stack.url}/v1/payments/webhook",
            data=raw,
            headers={"Content-Type": "application/json", "X-Bazaar-Signature": b"t=" + stamp + b",v1=" + b"0" * 64},
            timeout=TIMEOUT,
        )
        assert _house_error(reply, 401)["code"] == "bad_signature"


def test_a_lone_surrogate_is_refused_and_stored_ones_never_close_the_connection(local_stack, seller):
    token, shop = seller
    body = product_body("handicrafts", title="Surrogate scarf")
    body["attributes"]["maker"] = "\ud800"
    reply = requests.post(
        f"{local_stack.url}/v1/shops/{shop['shop_id']}/products",
        data=json.dumps(body).encode(),
        headers={**_bearer(token), "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert _house_error(reply, 400)["details"][0]["field"] == "attributes.maker"

    # stored by code from before the edge refused it: the product's JSON text decodes to a lone surrogate
    body["attributes"]["maker"] = "Marker maker"
    created = requests.post(
        f"{local_stack.url}/v1/shops/{shop['shop_id']}/products", json=body, headers=_bearer(token), timeout=TIMEOUT
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{local_stack.moto_port}", region_name="us-east-1"
    )
    changed = 0
    for table in dynamodb.list_tables()["TableNames"]:
        for item in dynamodb.scan(TableName=table)["Items"]:
            if item.get("product_id", {}).get("S") != product_id:
                continue
            for name in ("attributes", "card"):
                if "Marker maker" in item.get(name, {}).get("S", ""):
                    item[name]["S"] = item[name]["S"].replace("Marker maker", "Marker\\ud800maker")
                    changed += 1
            dynamodb.put_item(TableName=table, Item=item)
    assert changed >= 2
    for path in (
        "/",
        "/s/handicrafts",
        f"/s/handicrafts/p/{product_id}",
        f"/shops/{shop['slug']}",
        "/v1/storefronts/handicrafts/products",
        f"/v1/storefronts/handicrafts/products/{product_id}",
    ):
        reply = requests.get(local_stack.url + path, timeout=TIMEOUT)
        assert reply.status_code == 200, (path, reply.status_code)
        assert "Marker\ufffdmaker" in reply.content.decode("utf-8"), path
