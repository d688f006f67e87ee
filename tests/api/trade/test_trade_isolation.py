"""Isolation for the business buyers' routes (issue 14, scope BUSINESS): an RFQ, its quotes and messages and an
invoice are their business buyer's; the sellers' side is in tests/api/test_tenant_isolation.py.

The routes come from the registry by scope (tests/api/isolation.py), so a new BUSINESS route is tested the
moment it is declared. A victim world (`Desk`: a verified business buyer with net terms, a supplier, RFQs in
the states routes need, a quote, a conversation, an invoice) gives each path parameter by its name. For every
refused call, everything stored, the order-events queue and the owners' own views are compared before and
after. A control test runs every route as its rightful caller.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest

from chalicelib.api.routing import Scope
from chalicelib.domain.identity import Role
from tests.api.isolation import Case, call, cases, control_order
from tests.api.trade.support import Supplier, Trade, later, quote_body
from tests.support import ADDRESS, Factory, Storage, assert_api_error, buy, module_world

BUSINESS_CASES = cases(Scope.BUSINESS)
NOT_FOR_SELLERS = [c for c in BUSINESS_CASES if not c.allows(Role.SELLER)]
NOT_FOR_OPERATORS = [c for c in BUSINESS_CASES if not c.allows(Role.OPERATOR)]
# Routes that change an RFQ's state get their own RFQ (the control runs them all, in declaration order).
OWN_RFQ = ("cancelRfq", "acceptQuote")


@dataclass
class Desk:
    """A business buyer's trade: RFQs, a supplier's quote on each, a conversation, an invoice."""

    api: object
    factory: object
    trade: Trade
    buyer: str
    supplier: Supplier
    _rfqs: dict = field(default_factory=dict)

    def rfq(self, purpose: str) -> dict:
        """An open RFQ with the supplier's quote on it (one per purpose)."""
        if purpose not in self._rfqs:
            rfq = self.trade.rfq(self.buyer)
            quote = self.trade.quote(self.supplier, rfq["rfq_id"])
            path = f"/v1/shops/{self.supplier.shop_id}/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/messages"
            assert self.api.post(path, {"text": "Delivery by rail"}, token=self.supplier.token).status == 201
            self._rfqs[purpose] = (rfq, quote)
        return self._rfqs[purpose][0]

    def quote(self, purpose: str) -> dict:
        self.rfq(purpose)
        return self._rfqs[purpose][1]

    @functools.cached_property
    def invoice_id(self) -> str:
        product = self.factory.product(self.supplier.token, self.supplier.shop, stock=1000)
        assert self.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=self.buyer).status == 200
        (order,) = buy(self.api, self.buyer, {}, payment="net_terms")
        shipped = self.api.post(
            f"/v1/shops/{self.supplier.shop_id}/orders/{order['order_id']}/ship",
            {"carrier": "SF Express", "tracking_number": "SF1"},
            token=self.supplier.token,
        )
        assert shipped.status == 200, shipped
        return shipped.json["invoice_id"]

    def value(self, name: str, case: Case) -> str:
        purpose = case.spec.operation_id if case.spec.operation_id in OWN_RFQ else "shared"
        values = {
            "rfq_id": lambda: self.rfq(purpose)["rfq_id"],
            "quote_id": lambda: self.quote(purpose)["quote_id"],
            "invoice_id": lambda: self.invoice_id,
            "quote_deadline": lambda: later(days=7),
            "valid_until": lambda: later(days=30),
        }
        return values[name]()

    def call(self, case: Case, token: str | None):
        return call(self.api, case, lambda name: self.value(name, case), token)

    def views(self) -> dict:
        """What the buyer and the supplier see of all this."""
        seen = {}
        paths = [
            (self.buyer, "/v1/rfqs?limit=100"),
            (self.buyer, "/v1/me/invoices?limit=100"),
            (self.buyer, "/v1/orders?limit=100"),
        ]
        for rfq, quote in self._rfqs.values():
            paths += [
                (self.buyer, f"/v1/rfqs/{rfq['rfq_id']}/quotes?limit=100"),
                (self.buyer, f"/v1/rfqs/{rfq['rfq_id']}/quotes/{quote['quote_id']}/messages?limit=100"),
            ]
        paths.append((self.supplier.token, f"/v1/shops/{self.supplier.shop_id}/quotes?limit=100"))
        for token, path in paths:
            reply = self.api.get(path, token=token)
            assert reply.status == 200, reply
            seen[path] = reply.json
        return seen


# One moto account for the module (the worlds are costly): module-scoped stack, api and factory.
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


def make_desk(api, factory) -> Desk:
    trade = Trade(api, factory)
    return Desk(api, factory, trade, trade.business(terms=(30, 100_000_000)), trade.supplier())


@pytest.fixture(scope="module")
def desk(api, factory) -> Desk:
    return make_desk(api, factory)


@pytest.fixture(scope="module")
def rival(api, factory) -> Desk:
    """Another business buyer with their own RFQs, quotes and invoices."""
    return make_desk(api, factory)


@pytest.fixture(scope="module")
def storage(stack) -> Storage:
    return Storage(stack)


def queued(stack) -> int:
    """Events published so far: the outbox relayed first (order events are written with their change)."""
    from tests.support import relay_outbox

    relay_outbox(stack)
    attributes = stack.events._sqs.get_queue_attributes(
        QueueUrl=stack.events._url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def assert_refused_and_unchanged(stack, storage, desks, desk, case, token, statuses):
    for name in case.params:  # made before the snapshot: making them is not what is tested
        desk.value(name, case)
    views = [d.views() for d in desks]
    events = queued(stack)  # relays what is pending first: the snapshot is of the settled state
    before = storage.snapshot()
    reply = desk.call(case, token)
    assert reply.status in statuses, f"{case}: {reply}"
    assert_api_error(reply, reply.status)
    assert ADDRESS["phone"].encode() not in reply.body
    assert storage.snapshot() == before, f"{case}: stored state changed"
    assert queued(stack) == events, f"{case}: an event was published"
    assert [d.views() for d in desks] == views, f"{case}: an owner sees a change"


# --- another business buyer ------------------------------------------------------------------------------------

ID_CASES = [c for c in BUSINESS_CASES if c.params]


@pytest.mark.parametrize("case", ID_CASES, ids=str)
def test_a_business_cannot_reach_another_businesss_rfqs_quotes_or_invoices(stack, storage, desk, rival, case):
    assert_refused_and_unchanged(stack, storage, [desk, rival], desk, case, rival.buyer, {404})


def test_a_businesss_lists_are_its_own(api, desk, rival):
    desk.rfq("shared"), rival.rfq("shared")
    desk.invoice_id, rival.invoice_id  # noqa: B018
    mine = {r["rfq_id"] for r in api.get("/v1/rfqs?limit=100", token=rival.buyer).json["items"]}
    assert mine == {rfq["rfq_id"] for rfq, _ in rival._rfqs.values()}
    assert not mine & {rfq["rfq_id"] for rfq, _ in desk._rfqs.values()}
    invoices = {i["invoice_id"] for i in api.get("/v1/me/invoices?limit=100", token=rival.buyer).json["items"]}
    assert invoices == {rival.invoice_id}


def test_a_supplier_never_reads_the_buyers_comparison_even_for_an_rfq_it_quoted(api, desk):
    rfq = desk.rfq("shared")
    for path in (f"/v1/rfqs/{rfq['rfq_id']}/quotes", f"/v1/rfqs/{rfq['rfq_id']}"):
        assert_api_error(api.get(path, token=desk.supplier.token), 403)


# --- the wrong role, nobody -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", NOT_FOR_SELLERS, ids=str)
def test_a_seller_cannot_call_business_buyer_routes(stack, storage, desk, case):
    assert_refused_and_unchanged(stack, storage, [desk], desk, case, desk.supplier.token, {403})


@pytest.mark.parametrize("case", NOT_FOR_OPERATORS, ids=str)
def test_an_operator_cannot_call_business_buyer_routes(stack, storage, factory, desk, case):
    assert_refused_and_unchanged(stack, storage, [desk], desk, case, factory.operator, {403})


@pytest.mark.parametrize("case", BUSINESS_CASES, ids=str)
def test_an_anonymous_caller_is_401_on_business_routes(stack, storage, desk, case):
    assert_refused_and_unchanged(stack, storage, [desk], desk, case, None, {401})


@pytest.mark.parametrize("case", BUSINESS_CASES, ids=str)
def test_a_forged_token_is_401_on_business_routes(stack, storage, desk, case):
    header, payload, _ = desk.buyer.split(".")
    assert_refused_and_unchanged(stack, storage, [desk], desk, case, f"{header}.{payload}.forged", {401})


# --- control: the rightful caller gets through -------------------------------------------------------------------


def test_the_business_buyer_gets_through_on_every_route(api, stack, factory):
    fresh = make_desk(api, factory)
    events = queued(stack)
    for case in control_order(BUSINESS_CASES):
        reply = fresh.call(case, fresh.buyer)
        assert reply.status in case.spec.responses, f"{case}: {reply}"
    assert queued(stack) >= events + 2  # the cancellation and the acceptance are published
    reply = api.post(
        f"/v1/shops/{fresh.supplier.shop_id}/rfqs/{fresh.rfq('shared')['rfq_id']}/quotes",
        quote_body(8000),
        token=fresh.supplier.token,
    )
    assert reply.status == 200  # the shared RFQ is still open: its quote can be revised
