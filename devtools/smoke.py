"""`make smoke URL=<api url>`: a short end-to-end check of a deployed API. Exits 1 if any check fails.

Checks, over HTTPS like a client: the storefront list; a storefront's product list and one product page (when no
storefront lists a product yet, that an unknown product is the API's 404 instead); signing in with the smoke
account and reading `/v1/me` with its token; the OpenAPI document.

    SMOKE_EMAIL=smoke@example.com SMOKE_PASSWORD=... python -m devtools.smoke --url https://abc.execute-api.../api/
    python -m devtools.smoke --local     # starts the local stack (make run's, on free ports) and checks it

The smoke account is any confirmed account of the stage (README, Deploying, says how to create one); locally the
demo buyer. It only reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

TIMEOUT = 30  # a cold Lambda behind API Gateway answers within a few seconds


class CheckFailed(AssertionError):
    pass


@dataclass
class Result:
    name: str
    ok: bool
    detail: str
    seconds: float


class Smoke:
    def __init__(self, base_url: str, email: str, password: str, session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.email = email
        self.password = password
        self.http = session or requests.Session()
        self.token: str | None = None
        self.product: tuple[str, str] | None = None

    def get(self, path: str, *, expect: int = 200, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.http.get(self.base + path, headers=headers, timeout=TIMEOUT)
        return self._json(reply, "GET", path, expect)

    def _json(self, reply: requests.Response, method: str, path: str, expect: int) -> dict:
        if reply.status_code != expect:
            raise CheckFailed(f"{method} {path} answered {reply.status_code}, expected {expect}: {reply.text[:300]}")
        if "json" not in reply.headers.get("content-type", ""):
            raise CheckFailed(f"{method} {path} answered {reply.headers.get('content-type')!r}, not JSON")
        return reply.json()

    def storefront_list(self) -> str:
        items = self.get("/v1/storefronts")["items"]
        keys = [sf["storefront"] for sf in items]
        if not keys:
            raise CheckFailed("GET /v1/storefronts listed no storefront")
        self.storefronts = keys
        return ", ".join(keys)

    def product_list(self) -> str:
        counts = []
        for key in self.storefronts:
            page = self.get(f"/v1/storefronts/{key}/products?limit=5")
            if not isinstance(page.get("items"), list) or "next_cursor" not in page:
                raise CheckFailed(f"GET /v1/storefronts/{key}/products is not a page: {str(page)[:200]}")
            counts.append(f"{key}: {len(page['items'])}")
            if page["items"] and self.product is None:
                self.product = (key, page["items"][0]["product_id"])
        return "; ".join(counts)

    def product_page(self) -> str:
        if self.product is None:
            key = self.storefronts[0]
            error = self.get(f"/v1/storefronts/{key}/products/prd_smoke_does_not_exist", expect=404)
            if error.get("error", {}).get("code") != "product_not_found":
                raise CheckFailed(f"an unknown product is not the API's 404: {error}")
            return "no storefront lists a product yet: checked that an unknown product is a 404"
        key, product_id = self.product
        product = self.get(f"/v1/storefronts/{key}/products/{product_id}")
        if product.get("product_id") != product_id or not product.get("title"):
            raise CheckFailed(f"the product page of {product_id} is wrong: {str(product)[:200]}")
        return f"{key}/{product_id}: {product['title']}"

    def signed_in_read(self) -> str:
        path = "/v1/auth/login"
        reply = self.http.post(self.base + path, json={"email": self.email, "password": self.password}, timeout=TIMEOUT)
        token = self._json(reply, "POST", path, 200).get("access_token")
        if not token:
            raise CheckFailed("login answered no access_token")
        me = self.get("/v1/me", token=token)
        if me.get("email", "").lower() != self.email.lower():
            raise CheckFailed(f"/v1/me is {me.get('email')!r}, not the smoke account")
        self.get("/v1/me", expect=401)  # and without the token it is refused
        return f"{self.email} ({', '.join(me.get('roles', []))})"

    def openapi(self) -> str:
        document = self.get("/v1/openapi.json")
        if not str(document.get("openapi", "")).startswith("3."):
            raise CheckFailed("/v1/openapi.json is not an OpenAPI 3 document")
        missing = {"/v1/storefronts", "/v1/me", "/v1/auth/login"} - set(document.get("paths", {}))
        if missing:
            raise CheckFailed(f"/v1/openapi.json lacks {sorted(missing)}")
        return f"OpenAPI {document['openapi']}, {len(document['paths'])} paths"

    def checks(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("storefront list", self.storefront_list),
            ("product list", self.product_list),
            ("product page", self.product_page),
            ("signed-in read", self.signed_in_read),
            ("OpenAPI document", self.openapi),
        ]

    def run(self, log: Callable[[str], None] = print) -> list[Result]:
        results = []
        for name, check in self.checks():
            started = time.monotonic()
            try:
                ok, detail = True, check()
            except (CheckFailed, requests.RequestException, ValueError, KeyError, TypeError, AttributeError) as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            result = Result(name, ok, detail, time.monotonic() - started)
            results.append(result)
            log(f"{'PASS' if ok else 'FAIL'}  {name:<17} {result.seconds * 1000:6.0f} ms  {detail}")
            if not ok and name == "storefront list":
                break  # nothing else can be checked
        return results


def smoke(url: str, email: str, password: str, log: Callable[[str], None] = print) -> bool:
    log(f"smoke test of {url}")
    check = Smoke(url, email, password)
    results = check.run(log)
    passed = sum(r.ok for r in results)
    failed = len(check.checks()) - passed  # checks skipped after a failed storefront list count as failed
    log(f"smoke: {passed} passed, {failed} failed")
    return failed == 0


def smoke_local(log: Callable[[str], None] = print) -> bool:
    from devtools.local_stack import LocalStackProcess
    from devtools.seed import BUYER, PASSWORD

    stack = LocalStackProcess()
    try:
        stack.start()
        return smoke(stack.url, BUYER, PASSWORD, log)
    finally:
        stack.stop(grace=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the API's base URL (the stack's EndpointURL)")
    where.add_argument("--local", action="store_true", help="start the local stack and check it")
    args = parser.parse_args(argv)
    if args.local:
        return 0 if smoke_local() else 1
    email, password = os.environ.get("SMOKE_EMAIL", ""), os.environ.get("SMOKE_PASSWORD", "")
    if not email or not password:
        print("make smoke: set SMOKE_EMAIL and SMOKE_PASSWORD to the stage's smoke account", file=sys.stderr)
        return 2
    return 0 if smoke(args.url, email, password) else 1


if __name__ == "__main__":
    sys.exit(main())
