"""`make smoke` fails loudly: each check against a server that answers wrongly is a FAIL and a non-zero exit.
(It passes against the local stack: tests/e2e/test_smoke_local.py, and `.ci/run`.)"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools import smoke

EMAIL = "smoke@example.com"


class Api(BaseHTTPRequestHandler):
    """A tiny fake API whose answers a test can break one by one."""

    broken: set[str] = set()

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        path = self.path.removeprefix("/api")
        if path in self.broken or path.split("?")[0] in self.broken:
            return self._send(500, {"error": {"code": "internal", "message": "boom"}})
        if path == "/v1/storefronts":
            return self._send(200, {"items": [{"storefront": "b2b"}]})
        if path.startswith("/v1/storefronts/b2b/products?"):
            return self._send(200, {"items": [{"product_id": "prd_1"}], "next_cursor": None})
        if path == "/v1/storefronts/b2b/products/prd_1":
            return self._send(200, {"product_id": "prd_1", "title": "Wool"})
        if path == "/v1/me":
            if self.headers.get("Authorization") != "Bearer token-1":
                return self._send(401, {"error": {"code": "unauthenticated", "message": "sign in"}})
            return self._send(200, {"email": EMAIL, "roles": ["buyer"]})
        if path == "/v1/openapi.json":
            return self._send(
                200, {"openapi": "3.1.0", "paths": {"/v1/storefronts": {}, "/v1/me": {}, "/v1/auth/login": {}}}
            )
        return self._send(404, {"error": {"code": "not_found", "message": "no"}})

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if "/v1/auth/login" in self.broken or body.get("password") != "right":
            return self._send(401, {"error": {"code": "bad_credentials", "message": "no"}})
        return self._send(200, {"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})


@pytest.fixture
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Api.broken = set()
    yield f"http://127.0.0.1:{server.server_port}/api/"
    server.shutdown()
    server.server_close()


def test_all_checks_pass_against_an_api_that_answers_right(api_url):
    lines = []
    assert smoke.smoke(api_url, EMAIL, "right", lines.append)
    assert lines[-1] == "smoke: 5 passed, 0 failed"
    assert sum(line.startswith("PASS") for line in lines) == 5


@pytest.mark.parametrize(
    ("broken", "check"),
    [
        ("/v1/storefronts/b2b/products", "product list"),
        ("/v1/storefronts/b2b/products/prd_1", "product page"),
        ("/v1/auth/login", "signed-in read"),
        ("/v1/me", "signed-in read"),
        ("/v1/openapi.json", "OpenAPI document"),
    ],
)
def test_any_failing_check_fails_the_smoke_test(api_url, broken, check):
    Api.broken = {broken}
    lines = []
    assert not smoke.smoke(api_url, EMAIL, "right", lines.append)
    assert any(line.startswith(f"FAIL  {check}") for line in lines), lines
    assert not lines[-1].endswith(" 0 failed")


def test_a_dead_storefront_list_fails_every_check(api_url):
    Api.broken = {"/v1/storefronts"}
    lines = []
    assert not smoke.smoke(api_url, EMAIL, "right", lines.append)
    assert lines[-1] == "smoke: 0 passed, 5 failed"


def test_wrong_credentials_fail(api_url):
    assert not smoke.smoke(api_url, EMAIL, "wrong", lambda line: None)


def test_make_smoke_exits_non_zero_on_failure_and_without_credentials(api_url, monkeypatch, capsys):
    monkeypatch.delenv("SMOKE_EMAIL", raising=False)
    monkeypatch.delenv("SMOKE_PASSWORD", raising=False)
    assert smoke.main(["--url", api_url]) == 2
    assert "SMOKE_EMAIL" in capsys.readouterr().err
    monkeypatch.setenv("SMOKE_EMAIL", EMAIL)
    monkeypatch.setenv("SMOKE_PASSWORD", "wrong")
    assert smoke.main(["--url", api_url]) == 1
    monkeypatch.setenv("SMOKE_PASSWORD", "right")
    assert smoke.main(["--url", api_url]) == 0


def test_an_unreachable_api_fails():
    assert not smoke.smoke("http://127.0.0.1:9/api", EMAIL, "right", lambda line: None)
