"""Fault injection on the buying path (issue 4, "Proof"): a throttled DynamoDB, a failing queue or S3 -> 503 with
Retry-After and the house error body; never a partial order, never lost or doubled stock.

Faults are injected by wrapping botocore's `BaseClient._make_api_call`, above botocore's own retries: what the
app sees is what it would see once the SDK has given up.
"""

from __future__ import annotations

import contextlib
import json

import pytest
import requests
from botocore.client import BaseClient
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.support import Storage, assert_api_error, png_bytes, relay_outbox

ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}
BODY = {"delivery": ADDRESS, "payment_method": "bank_transfer"}


def client_error(code: str, operation: str, **extra) -> ClientError:
    response = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
    response.update(extra)
    return ClientError(response, operation)


class Faults:
    """Makes chosen AWS calls fail. `fail(service, operation, error, nth=...)` fails the nth matching call
    (1-based; None = every one) until `heal()`. Records every call it sees."""

    def __init__(self, monkeypatch) -> None:
        self.rules: list[dict] = []
        self.seen: list[tuple[str, str]] = []
        original = BaseClient._make_api_call
        faults = self

        def make_api_call(client, operation_name, api_params):
            service = client.meta.service_model.service_name
            faults.seen.append((service, operation_name))
            for rule in faults.rules:
                if (rule["service"], rule["operation"]) == (service, operation_name):
                    rule["count"] += 1
                    if rule["nth"] is None or rule["count"] == rule["nth"]:
                        rule["fired"] += 1
                        error = rule["error"]
                        if callable(error) and not isinstance(error, BaseException):
                            return error(api_params)
                        raise error
            return original(client, operation_name, api_params)

        monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)

    def fail(self, service: str, operation: str, error, nth: int | None = None) -> dict:
        rule = {"service": service, "operation": operation, "error": error, "nth": nth, "count": 0, "fired": 0}
        self.rules.append(rule)
        return rule

    def heal(self) -> None:
        self.rules.clear()

    @contextlib.contextmanager
    def failing(self, *args, **kwargs):
        rule = self.fail(*args, **kwargs)
        try:
            yield rule
        finally:
            self.heal()


@pytest.fixture
def faults(monkeypatch):
    return Faults(monkeypatch)


def assert_busy(reply) -> dict:
    error = assert_api_error(reply, 503, "service_unavailable")
    assert int(reply.headers["retry-after"]) >= 1, reply.headers
    return error


class Shopper:
    """A buyer with a cart across two shops (2 + 1 units), and what to check after a fault."""

    def __init__(self, api, factory, stack) -> None:
        self.api, self.stack = api, stack
        self.seller_a, self.seller_b = factory.user("seller"), factory.user("seller")
        self.buyer = factory.user("buyer")
        self.shop_a, self.shop_b = factory.shop(self.seller_a), factory.shop(self.seller_b)
        self.product_a = factory.product(self.seller_a, self.shop_a, stock=5)
        self.product_b = factory.product(self.seller_b, self.shop_b, stock=7)
        assert (
            api.put(f"/v1/cart/items/{self.product_a['product_id']}", {"quantity": 2}, token=self.buyer).status == 200
        )
        assert (
            api.put(f"/v1/cart/items/{self.product_b['product_id']}", {"quantity": 1}, token=self.buyer).status == 200
        )
        self.drain_events()

    def checkout(self, key: str = "fault-1"):
        return self.api.post("/v1/checkout", BODY, token=self.buyer, headers={"Idempotency-Key": key})

    def stocks(self) -> tuple[int, int]:
        a = self.api.get(
            f"/v1/shops/{self.shop_a['shop_id']}/products/{self.product_a['product_id']}", token=self.seller_a
        )
        b = self.api.get(
            f"/v1/shops/{self.shop_b['shop_id']}/products/{self.product_b['product_id']}", token=self.seller_b
        )
        return a.json["stock"], b.json["stock"]

    def orders(self) -> list[dict]:
        return self.api.get("/v1/orders", token=self.buyer).json["items"]

    def cart_lines(self) -> int:
        return self.api.get("/v1/cart", token=self.buyer).json["line_count"]

    def drain_events(self) -> list[dict]:
        """The outbox relayed (as the stream trigger does), then every message on the queue."""
        relay_outbox(self.stack)
        sqs, url = self.stack.events._sqs, self.stack.settings.order_events_queue_url
        events = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return events
            for m in got:
                events.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def shopper(api, factory, stack):
    return Shopper(api, factory, stack)


# --- DynamoDB throttling during checkout ------------------------------------------------------------


def _throttle(code: str, operation: str):
    return client_error(code, operation)


def _cancelled_by_throttling(params):
    reasons = [{"Code": "None"} for _ in params["TransactItems"]]
    reasons[2] = {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}
    raise client_error("TransactionCanceledException", "TransactWriteItems", CancellationReasons=reasons)


DYNAMODB_FAULTS = {
    # (operation, nth call of it within one checkout, error)
    "cart+claim read throttled": (
        "BatchGetItem",
        1,
        _throttle("ProvisionedThroughputExceededException", "BatchGetItem"),
    ),
    # (checkout reads no product on its way to the transaction; see the next test for the read it makes
    # when the transaction refuses a line)
    "transaction throttled": ("TransactWriteItems", 1, _throttle("ThrottlingException", "TransactWriteItems")),
    "transaction over capacity": (
        "TransactWriteItems",
        1,
        _throttle("ProvisionedThroughputExceededException", "TransactWriteItems"),
    ),
    "transaction cancelled by throttling": ("TransactWriteItems", 1, _cancelled_by_throttling),
    "transaction conflict": (
        "TransactWriteItems",
        1,
        _throttle("TransactionInProgressException", "TransactWriteItems"),
    ),
    "endpoint unreachable": (
        "TransactWriteItems",
        1,
        EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ),
}


def test_dynamodb_faults_during_checkout_are_503_and_change_nothing(shopper, stack, faults):
    """Each fault in turn on the same cart (a refused checkout leaves nothing behind to reset)."""
    storage = Storage(stack)
    before = storage.snapshot()
    for fault, (operation, nth, error) in DYNAMODB_FAULTS.items():
        with faults.failing("dynamodb", operation, error, nth=nth) as rule:
            reply = shopper.checkout()
        assert rule["fired"] == 1, f"{fault}: the fault was never triggered: {faults.seen}"
        assert reply.status == 503, (fault, reply)
        assert_busy(reply)
        # no order, no idempotency claim, stock and cart untouched: nothing at all in any table or bucket
        assert storage.snapshot() == before, fault
    assert shopper.stocks() == (5, 7)
    assert shopper.orders() == []
    assert shopper.cart_lines() == 2
    assert shopper.drain_events() == []

    # the client retries with the same key once the table recovers: one checkout, stock taken once
    retry = shopper.checkout()
    assert retry.status == 201, retry
    assert shopper.stocks() == (3, 6)
    assert len(shopper.orders()) == 2
    assert shopper.cart_lines() == 0


def test_a_throttled_product_read_after_a_refused_line_is_503_and_changes_nothing(shopper, stack, faults):
    """When the transaction refuses a line, checkout reads the products to say why: that read can fail too."""
    path = f"/v1/shops/{shopper.shop_a['shop_id']}/products/{shopper.product_a['product_id']}"
    assert shopper.api.patch(path, {"stock": 1}, token=shopper.seller_a).status == 200
    storage = Storage(stack)
    before = storage.snapshot()
    with faults.failing("dynamodb", "BatchGetItem", _throttle("ThrottlingException", "BatchGetItem"), nth=2) as rule:
        reply = shopper.checkout()
    assert rule["fired"] == 1, faults.seen
    assert_busy(reply)
    assert storage.snapshot() == before
    assert_api_error(shopper.checkout(), 409, "lines_unavailable")


def test_a_transaction_throttled_many_times_over_never_sells_twice(shopper, faults):
    """Three throttled attempts, then success, then a replay: stock goes down exactly once."""
    with faults.failing("dynamodb", "TransactWriteItems", _throttle("ThrottlingException", "TransactWriteItems")):
        for _ in range(3):
            assert_busy(shopper.checkout("again"))
    first = shopper.checkout("again")
    replay = shopper.checkout("again")
    assert (first.status, replay.status) == (201, 200)
    assert replay.json["checkout_id"] == first.json["checkout_id"]
    assert shopper.stocks() == (3, 6)
    assert len(shopper.orders()) == 2


# --- the queue fails after the orders are committed ---------------------------------------------------


def _partial_batch_failure(params):
    return {
        "Successful": [],
        "Failed": [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in params["Entries"]],
    }


QUEUE_FAULTS = {
    "send fails": client_error("AWS.SimpleQueueService.ServiceUnavailable", "SendMessageBatch"),
    "queue unreachable": EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com"),
    "entries fail": _partial_batch_failure,
}


@pytest.mark.parametrize("fault", QUEUE_FAULTS, ids=str)
def test_with_the_queue_down_checkout_succeeds_and_its_events_arrive_once_the_queue_recovers(shopper, faults, fault):
    """Issue 9: the orders' events are written with the orders (the outbox); a queue outage delays them, it
    cannot fail the checkout or lose them."""
    with faults.failing("sqs", "SendMessageBatch", QUEUE_FAULTS[fault]) as rule:
        reply = shopper.checkout("q-1")
        assert reply.status == 201, reply
        orders = shopper.orders()
        assert len(orders) == 2 and shopper.stocks() == (3, 6) and shopper.cart_lines() == 0
        assert shopper.drain_events() == []  # the relay tried, and could not publish
        assert rule["fired"] >= 1
        assert shopper.checkout("q-1").status == 200  # a replay answers from the claim; nothing is re-sent

    events = shopper.drain_events()  # the queue is back: the relay publishes what it could not
    assert sorted((e["type"], e["order_id"]) for e in events) == sorted(
        ("order.created", o["order_id"]) for o in orders
    )
    assert shopper.drain_events() == []
    assert shopper.stocks() == (3, 6) and len(shopper.orders()) == 2


# --- DynamoDB throttling on the other buying routes ---------------------------------------------------


def test_throttled_cancel_is_503_and_the_order_and_stock_stay(shopper, faults):
    placed = shopper.checkout("t-1")
    order_id = placed.json["orders"][0]["order_id"]
    before = shopper.stocks()
    with faults.failing("dynamodb", "TransactWriteItems", _throttle("ThrottlingException", "TransactWriteItems")):
        assert_busy(shopper.api.post(f"/v1/orders/{order_id}/cancel", token=shopper.buyer))
    assert shopper.stocks() == before
    assert shopper.api.get(f"/v1/orders/{order_id}", token=shopper.buyer).json["status"] == "pending_payment"
    assert shopper.api.post(f"/v1/orders/{order_id}/cancel", token=shopper.buyer).status == 200


def test_throttled_buying_reads_and_cart_writes_are_503(shopper, faults):
    cases = [
        ("GET", "/v1/cart", "GetItem"),
        ("GET", "/v1/cart", "BatchGetItem"),
        ("PUT", f"/v1/cart/items/{shopper.product_a['product_id']}", "GetItem"),
        ("PUT", f"/v1/cart/items/{shopper.product_a['product_id']}", "TransactWriteItems"),
        ("DELETE", "/v1/cart", "DeleteItem"),
        ("GET", "/v1/orders", "Query"),
    ]
    for method, path, operation in cases:
        body = {"quantity": 4} if method == "PUT" else None
        error = _throttle("ProvisionedThroughputExceededException", operation)
        with faults.failing("dynamodb", operation, error) as rule:
            reply = shopper.api.request(method, path, json_body=body, token=shopper.buyer)
        assert rule["fired"] >= 1, (method, path, operation)
        assert reply.status == 503, (method, path, operation, reply)
        assert_busy(reply)
        assert shopper.cart_lines() == 2


# --- S3 failures while completing a picture upload ----------------------------------------------------


class Uploader:
    def __init__(self, api, factory) -> None:
        self.api = api
        self.token = factory.user("seller")
        shop = factory.shop(self.token)
        product = factory.product(self.token, shop)
        self.base = f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}"

    def uploaded(self) -> str:
        body = png_bytes()
        announced = self.api.post(
            f"{self.base}/media", {"content_type": "image/png", "size": len(body)}, token=self.token
        )
        assert announced.status == 201, announced
        form = announced.json["upload"]
        sent = requests.post(form["url"], data=form["fields"], files={"file": ("picture", body)}, timeout=10)
        assert sent.status_code in (200, 201, 204), sent.text
        return announced.json["media_id"]

    def complete(self, media_id: str):
        return self.api.post(f"{self.base}/media/{media_id}/complete", token=self.token)

    def media(self) -> list:
        return self.api.get(self.base, token=self.token).json["media"]


S3_FAULTS = {
    "head slow down": ("HeadObject", client_error("503", "HeadObject")),
    "read internal error": ("GetObject", client_error("InternalError", "GetObject")),
    "read slow down": ("GetObject", client_error("SlowDown", "GetObject")),
    "thumbnail write slow down": ("PutObject", client_error("SlowDown", "PutObject")),
    "head unreachable": ("HeadObject", EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")),
    "read unreachable": ("GetObject", EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")),
    "thumbnail write unreachable": ("PutObject", EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")),
}


def test_s3_failures_on_media_complete_are_503_and_a_retry_completes(api, factory, faults):
    uploader = Uploader(api, factory)
    media_id = uploader.uploaded()
    for fault, (operation, error) in S3_FAULTS.items():
        with faults.failing("s3", operation, error) as rule:
            reply = uploader.complete(media_id)
        assert rule["fired"] >= 1, fault
        assert reply.status == 503, (fault, reply)
        assert_busy(reply)
        assert uploader.media() == [], fault
    done = uploader.complete(media_id)
    assert done.status == 200, done
    assert [m["media_id"] for m in uploader.media()] == [media_id]


# --- seller order reads: one DynamoDB call, the same access rules (bench/checkout_bench.py) -------------


def test_seller_order_reads_take_one_call_and_still_refuse_other_sellers(api, factory):
    from bench.counting import CallRecorder

    owner, other, buyer = factory.user("seller"), factory.user("seller"), factory.user("buyer")
    shop, other_shop = factory.shop(owner), factory.shop(other)
    product = factory.product(owner, shop, stock=3)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer)
    order_id = api.post("/v1/checkout", BODY, token=buyer, headers={"Idempotency-Key": "seller-reads"}).json["orders"][
        0
    ]["order_id"]
    mine, one = f"/v1/shops/{shop['shop_id']}/orders", f"/v1/shops/{shop['shop_id']}/orders/{order_id}"

    for path in (mine, one):
        with CallRecorder() as rec:
            reply = api.get(path, token=owner)
        assert reply.status == 200, reply
        assert rec.dynamodb().calls == 1, (path, rec.dynamodb().describe_operations())
    assert [o["order_id"] for o in api.get(mine, token=owner).json["items"]] == [order_id]

    assert_api_error(api.get(mine, token=other), 403, "not_shop_owner")
    assert_api_error(api.get(one, token=other), 403, "not_shop_owner")
    assert_api_error(api.post(f"{one}/mark-paid", token=other), 403, "not_shop_owner")
    assert_api_error(api.get(f"/v1/shops/{other_shop['shop_id']}/orders/{order_id}", token=other), 404)
    assert api.get(f"/v1/shops/{other_shop['shop_id']}/orders", token=other).json["items"] == []
    assert api.get(mine, token=buyer).status == 403
    assert_api_error(api.get(f"/v1/shops/{shop['shop_id']}/orders/ord_missing", token=owner), 404, "order_not_found")
