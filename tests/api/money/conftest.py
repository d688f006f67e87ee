"""Sellers' money (issue 17): one moto world per module, the bank simulator, and the helpers that sell, complete
and pay out through the public API (and the scheduled functions, called as the schedule would)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from chalicelib.adapters.payouts_bank import HttpPayoutProvider
from devtools.bank_simulator import BankSimulator
from tests.support import Factory, buy, module_world

SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567"}
# What EventBridge hands a scheduled function.
SCHEDULED_EVENT = {
    "version": "0",
    "id": "scheduled-test",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}


@pytest.fixture(scope="module")
def world():
    with module_world() as (stack, api):
        yield stack, api


@pytest.fixture(scope="module")
def stack(world):
    return world[0]


@pytest.fixture(scope="module")
def api(world):
    return world[1]


@pytest.fixture(scope="module")
def factory(api, stack):
    return Factory(api, stack)


@pytest.fixture(scope="session")
def bank_server():
    """The local bank (devtools/bank_simulator.py) on a free port; transfers settle only when a test says so."""
    bank = BankSimulator("unset", "unset", callback_url=None, settle_after=None).start()
    yield bank
    bank.stop()


@pytest.fixture
def bank(stack, bank_server):
    """The bank, emptied, knowing this stack's secrets, and the app pointed at it."""
    settings = stack.settings
    bank_server.reset(settings.payout_provider_key, settings.payout_webhook_secret)
    stack.settings = dataclasses.replace(settings, payout_provider_url=bank_server.url)
    stack.payouts = HttpPayoutProvider(bank_server.url, lambda: settings.payout_provider_key)
    yield bank_server
    stack.settings = settings


@pytest.fixture(autouse=True)
def restore_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Clock:
    """The stack's clock, set by hand: `clock.set("2026-03-02T10:00:00Z")`, `clock.advance(days=8)`."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.now = dt.datetime.now(dt.UTC)

    def set(self, when: str | dt.datetime) -> str:
        self.now = dt.datetime.fromisoformat(when.replace("Z", "+00:00")) if isinstance(when, str) else when
        self.stack.clock = lambda: iso(self.now)
        return iso(self.now)

    def advance(self, **delta) -> str:
        return self.set(self.now + dt.timedelta(**delta))


@pytest.fixture
def clock(stack) -> Clock:
    c = Clock(stack)
    c.set(c.now)
    return c


class Seller:
    """A seller with an approved handicrafts shop and a product at `price` (fen)."""

    def __init__(self, api, factory, price: int = 20_000, stock: int = 500) -> None:
        self.api = api
        self.token = factory.user("seller")
        self.shop = factory.shop(self.token, "handicrafts")
        self.shop_id = self.shop["shop_id"]
        self.product = factory.product(self.token, self.shop, price={"amount": price, "currency": "CNY"}, stock=stock)

    def order_path(self, order: dict, action: str = "") -> str:
        return f"/v1/shops/{self.shop_id}/orders/{order['order_id']}" + (f"/{action}" if action else "")

    def act(self, order: dict, action: str) -> dict:
        reply = self.api.post(self.order_path(order, action), SHIP if action == "ship" else None, token=self.token)
        assert reply.status == 200, reply
        return reply.json

    def get(self, path: str, **kw):
        reply = self.api.get(f"/v1/shops/{self.shop_id}{path}", token=self.token, **kw)
        assert reply.status == 200, reply
        return reply.json

    def balance(self) -> dict:
        return self.get("/balance")

    def amounts(self) -> tuple[int, int]:
        b = self.balance()
        return b["available"]["amount"], b["pending"]["amount"]

    def entries(self, account: str = "available") -> list[dict]:
        return self.get(f"/ledger?account={account}&limit=100")["items"]


def sell(api, seller: Seller, buyer: str, quantity: int = 1, payment: str = "bank_transfer", *, steps=None) -> dict:
    """A checkout of `quantity` units, then the seller's steps (default: paid, shipped, delivered)."""
    (order,) = buy(api, buyer, {seller.product["product_id"]: quantity}, payment=payment)
    for action in steps if steps is not None else ("mark-paid", "ship", "deliver"):
        order = seller.act(order, action)
    return order


def complete_due(stack) -> int:
    """The hourly completion schedule, as the schedule runs it."""
    from chalicelib.events.order_events import complete_orders

    return complete_orders(SCHEDULED_EVENT, None)["completed"]


def run_payouts(stack) -> dict:
    """The weekly payout run, as the schedule runs it (every shop, every page)."""
    from chalicelib.events.payouts import run_payouts as scheduled

    return scheduled(SCHEDULED_EVENT, None)


def deliver_callbacks(api, bank, bodies: list[bytes]) -> list:
    """What the bank does after settling: each report, signed, to the webhook."""
    replies = []
    for body in bodies:
        reply = api.request("POST", "/v1/payouts/webhook", body=body, headers={"X-Bank-Signature": bank.sign(body)})
        assert reply.status == 200, reply
        replies.append(reply.json)
    return replies


def payout_account(api, seller: Seller, number: str = "6228480012345678901") -> dict:
    body = {"holder_name": "Aygul Tursun", "bank_name": "Agricultural Bank of China", "account_number": number}
    reply = api.put(f"/v1/shops/{seller.shop_id}/payout-account", body, token=seller.token)
    assert reply.status == 200, reply
    return reply.json


def callback_event(body: bytes) -> dict:
    return json.loads(body)
