"""Test helpers: a moto-backed stack built from infra/, a JSON API client, and data factories."""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bazaar-test-1"


def moto_jwks() -> dict:
    import moto

    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-public.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


class CachedClientSession:
    """A boto3 Session that builds each client once: moto intercepts clients made after it is imported, so
    one client per service serves every test's fresh `mock_aws` account (building one costs ~30-50 ms)."""

    def __init__(self, region: str = "us-east-1") -> None:
        import boto3

        self._session = boto3.session.Session(region_name=region)
        self._clients: dict = {}

    @property
    def region_name(self) -> str:
        return self._session.region_name

    def client(self, service: str, endpoint_url: str | None = None, **kwargs):
        key = (service, endpoint_url, tuple(sorted(kwargs.items())))
        if key not in self._clients:
            self._clients[key] = self._session.client(service, endpoint_url=endpoint_url, **kwargs)
        return self._clients[key]


_CLIENTS: CachedClientSession | None = None


def cached_clients() -> CachedClientSession:
    global _CLIENTS
    if _CLIENTS is None:
        _CLIENTS = CachedClientSession()
    return _CLIENTS


_CARD_PROVIDER = None


def card_provider_server():
    """One local card payment provider (devtools/card_provider.py) for the whole test session, on a free port;
    each moto stack registers its own merchant keys with it."""
    global _CARD_PROVIDER
    if _CARD_PROVIDER is None:
        from devtools.card_provider import CardProviderServer

        server = CardProviderServer(deliver_in_background=False)  # tests deliver with provider.flush()
        server.start()
        _CARD_PROVIDER = server
    return _CARD_PROVIDER


@contextlib.contextmanager
def moto_aws_stack():
    """A fresh in-process moto account with every resource of infra/ and the app bound to it.

    The container also carries `outbox_stream` (the local outbox relay over the Outbox table's stream) and
    `card_provider` (the simulated card payment provider, with this stack's merchant keys registered)."""
    from moto import mock_aws

    from chalicelib import bootstrap, config
    from devtools.outbox_stream import OutboxStreamPoller
    from devtools.provision import provision

    saved = dict(os.environ)
    provider = card_provider_server()
    with mock_aws():
        env = provision(cached_clients(), "local")
        os.environ.update(env, PAYMENT_PROVIDER_URL=provider.url)
        config.reset_settings()
        container = bootstrap.build(config.get_settings(), jwks_loader=moto_jwks, session=cached_clients())
        container.outbox_stream = OutboxStreamPoller(cached_clients(), container.settings.outbox_table)
        container.card_provider = provider.provider
        provider.provider.register(
            container.settings.payment_provider_key, container.settings.payment_webhook_secret, _no_merchant_yet
        )
        bootstrap.install(container)
        try:
            yield container
        finally:
            bootstrap.install(None)
            os.environ.clear()
            os.environ.update(saved)
            config.reset_settings()


def _no_merchant_yet(body: bytes, headers: dict) -> int:
    return 0  # nothing listens until an API client is attached (connect_card_provider)


def connect_card_provider(stack, api: ApiClient) -> None:
    """Webhooks from the simulated provider reach the app through `api` (when a test calls provider.flush())."""

    def deliver(body: bytes, headers: dict) -> int:
        return api.request("POST", "/v1/payments/webhook", body=body, headers=headers).status

    stack.card_provider.register(stack.settings.payment_provider_key, stack.settings.payment_webhook_secret, deliver)


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.body[:300]!r}>"


class ApiClient:
    """chalice.test.Client with JSON and bearer-token conveniences."""

    def __init__(self, client, check_contract: bool = True) -> None:
        self.client = client
        self.check_contract = check_contract  # every reply must match the OpenAPI document

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        token: str | None = None,
        headers: dict | None = None,
        body: bytes | str | None = None,
    ) -> Reply:
        hdrs = {"Content-Type": "application/json"}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
        response = self.client.http.request(method, path, headers=hdrs, body=body or b"")
        reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)
        if self.check_contract:
            from tests.contract import check

            check(method, path, reply.status, reply.headers.get("content-type", ""), reply.body)
        return reply

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw) -> Reply:
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw) -> Reply:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw) -> Reply:
        return self.request("PUT", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw) -> Reply:
        return self.request("DELETE", path, **kw)


def random_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


REGION = {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"}

ATTRIBUTES = {
    "b2b": {
        "moq": 10,
        "unit": "carton",
        "price_tiers": [{"min_quantity": 10, "amount": 12000}, {"min_quantity": 50, "amount": 10000}],
        "order_multiple": 5,
        "lead_time_days": 14,
    },
    "handicrafts": {"maker": "Aygul Tursun", "made_to_order": True, "processing_days": 10, "materials": ["silk"]},
    "specialties": {
        "origin": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
        "season_months": [9, 10, 11],
        "gi_certificate": "GI-2016-0412",
    },
}
CATEGORY = {"b2b": "dried-fruit", "handicrafts": "textiles", "specialties": "dried-fruit"}


def product_body(storefront: str = "handicrafts", **overrides) -> dict:
    attrs = ATTRIBUTES[storefront]
    amount = attrs["price_tiers"][0]["amount"] if storefront == "b2b" else 15900
    body = {
        "title": "Atlas silk scarf",
        "description": "Hand-woven ikat silk.",
        "category": CATEGORY[storefront],
        "price": {"amount": amount, "currency": "CNY"},
        "stock": 25,
        "status": "active",
        "attributes": json.loads(json.dumps(attrs)),
    }
    body.update(overrides)
    return body


def png_bytes(width: int = 64, height: int = 48, color=(200, 40, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


class Factory:
    """Creates users, shops and products through the public API (and the operator through Cognito admin)."""

    def __init__(self, api: ApiClient, container) -> None:
        self.api = api
        self.container = container

    def user(self, role: str = "buyer", email: str | None = None) -> str:
        email = email or random_email(role)
        if role == "operator":
            self.container.identity.register(email, PASSWORD, "operator")
        else:
            reply = self.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": role})
            assert reply.status == 201, reply
        reply = self.api.post("/v1/auth/login", {"email": email, "password": PASSWORD})
        assert reply.status == 200, reply
        return reply.json["access_token"]

    def shop(
        self,
        token: str,
        storefront: str = "handicrafts",
        *,
        approve: bool = True,
        name: str | None = None,
        operator: str | None = None,
    ) -> dict:
        body = {
            "name": name or f"Shop {uuid.uuid4().hex[:8]}",
            "storefront": storefront,
            "description": "A family shop",
            "region": dict(REGION),
        }
        reply = self.api.post("/v1/shops", body, token=token)
        assert reply.status == 201, reply
        shop = reply.json
        if approve:
            reply = self.api.post(f"/v1/admin/shops/{shop['shop_id']}/approve", token=operator or self.operator)
            assert reply.status == 200, reply
            shop = reply.json
        return shop

    @property
    def operator(self) -> str:
        if not hasattr(self, "_operator"):
            self._operator = self.user("operator")
        return self._operator

    def product(self, token: str, shop: dict, **overrides) -> dict:
        reply = self.api.post(
            f"/v1/shops/{shop['shop_id']}/products", product_body(shop["storefront"], **overrides), token=token
        )
        assert reply.status == 201, reply
        return reply.json


def assert_api_error(reply: Reply, status: int, code: str | None = None) -> dict:
    """The reply is the house error: JSON {"error": {"code", "message", "details"?}} with `status`."""
    assert reply.status == status, reply
    assert "json" in reply.headers.get("content-type", ""), reply.headers
    body = reply.json
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    if "details" in error:
        assert isinstance(error["details"], list) and error["details"], error
        for detail in error["details"]:
            assert isinstance(detail.get("field"), str) and isinstance(detail.get("message"), str), detail
    if code is not None:
        assert error["code"] == code, error
    return error


def error_fields(reply: Reply) -> set[str]:
    """The field names listed in a validation error's details."""
    return {d["field"] for d in (reply.json or {}).get("error", {}).get("details") or []}


@functools.lru_cache(maxsize=4)
def _inspection_clients(region: str):
    """Made once: a botocore client costs ~80 ms to build, and moto intercepts it under any later mock_aws."""
    import boto3

    session = boto3.session.Session(region_name=region)
    return session.client("dynamodb"), session.client("s3"), session.client("cognito-idp")


class Storage:
    """Everything the app can write in the moto account: every DynamoDB table, every S3 bucket, the users.

    `snapshot()` before and after a refused request must be equal: nothing half-written, nothing touched.
    """

    def __init__(self, stack) -> None:
        self.stack = stack
        self._ddb, self._s3, self._idp = _inspection_clients(stack.settings.region)

    def snapshot(self) -> dict:
        state: dict[str, Any] = {}
        for table in self._ddb.list_tables()["TableNames"]:
            items = self._ddb.get_paginator("scan").paginate(TableName=table).build_full_result()["Items"]
            state[f"table:{table}"] = sorted(json.dumps(i, sort_keys=True) for i in items)
        for bucket in self._s3.list_buckets()["Buckets"]:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
            objects = [o for page in pages for o in page.get("Contents", [])]
            state[f"bucket:{bucket['Name']}"] = sorted((o["Key"], o["Size"], o["ETag"]) for o in objects)
        users = self._idp.get_paginator("list_users").paginate(UserPoolId=self.stack.settings.user_pool_id)
        state["users"] = sorted((u["Username"], u["UserStatus"], u["Enabled"]) for page in users for u in page["Users"])
        return state


# --- buying -------------------------------------------------------------------------------------------

ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}


def checkout(
    api: ApiClient, token: str, key: str | None = None, payment: str = "cash_on_delivery", delivery: dict | None = None
) -> Reply:
    """POST /v1/checkout with an Idempotency-Key (a fresh one unless given) and ADDRESS."""
    return api.post(
        "/v1/checkout",
        {"delivery": delivery or ADDRESS, "payment_method": payment},
        token=token,
        headers={"Idempotency-Key": key or f"key-{uuid.uuid4().hex}"},
    )


def buy(api: ApiClient, token: str, lines: dict[str, int], payment: str = "cash_on_delivery") -> list[dict]:
    """Fills the cart with {product_id: quantity}, checks out and returns the orders (buyer view)."""
    for product_id, quantity in lines.items():
        reply = api.put(f"/v1/cart/items/{product_id}", {"quantity": quantity}, token=token)
        assert reply.status == 200, reply
    reply = checkout(api, token, payment=payment)
    assert reply.status == 201, reply
    return reply.json["orders"]


def stock_of(api: ApiClient, seller_token: str, product: dict) -> int:
    """The product's stock as its owner reads it."""
    reply = api.get(f"/v1/shops/{product['shop_id']}/products/{product['product_id']}", token=seller_token)
    assert reply.status == 200, reply
    return reply.json["stock"]


def relay_outbox(stack) -> int:
    """What the outbox stream trigger does on AWS: new outbox items -> the order-events queue."""
    return stack.outbox_stream.relay_once()


def settle(stack, rounds: int = 200) -> list[dict]:
    """Relays the outbox and runs the queue consumer until nothing is left (jobs write further steps, events
    prompt refunds...): what the stream, the queue and their Lambdas do on AWS within moments. Returns the
    events handled."""
    from chalicelib.events.order_events import handle_records

    handled = []
    for _ in range(rounds):
        records = drain_order_events(stack)
        if not records:
            return handled
        result = handle_records(records)
        assert not result["batchItemFailures"], result
        handled += [json.loads(r["body"]) for r in records]
    raise AssertionError("the events did not settle")


def drain_order_events(stack, relay: bool = True) -> list[dict]:
    """Relays the outbox, then receives (and deletes) every message on the order-events queue, as SQS records
    for the consumer."""
    if relay:
        relay_outbox(stack)
    sqs, url = stack.events._sqs, stack.events._url
    records = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return records
        for message in got:
            records.append({"messageId": message["MessageId"], "body": message["Body"]})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@contextlib.contextmanager
def module_world():
    """A moto stack plus an ApiClient for a whole test module (fixtures scoped "module"): for files whose
    tests each make their own users, shops and products and so cannot see each other's data."""
    from chalice.test import Client

    from app import app

    with (
        moto_aws_stack() as container,
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        yield container, ApiClient(client)


def scheduled_event() -> dict:
    """An EventBridge "Scheduled Event", as a scheduled Lambda receives it (to call a `@schedule` function)."""
    import datetime as dt

    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }
