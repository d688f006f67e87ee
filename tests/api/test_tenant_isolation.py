"""Tenant isolation: a shop is a tenant, and only its owner reaches into it.

The routes come from the app's registry by scope (tests/api/isolation.py): every SHOP route (the shop, its
products and pictures, its orders and returns), every SELLER_ACCOUNT route and every OPERATOR route. Each test
runs all of them against one kind of intruder, so a new route is covered the moment it is declared. A victim
world (`Tenant`) gives each path parameter by its name, making pictures, orders and returns on first use. For
every refused call, everything stored (every table, every bucket, every user; tests.support.Storage), the
order-events queue and the owner's own view of the shop are compared before and after: refusing is not
enough, nothing may have changed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest

from chalicelib.api.routing import Scope
from chalicelib.domain.identity import Role
from tests.api.isolation import Case, call, cases, control_order, example_body
from tests.support import ADDRESS, Storage, assert_api_error, buy, png_bytes, relay_outbox, settle

# --- the routes, from the registry ------------------------------------------------------------------------

SHOP_CASES = cases(Scope.SHOP)
# A route that names something under the shop after {shop_id}: a product, an order, a return, a quote, an
# invoice (an RFQ is not the shop's: every shop of its category sees it), a maker, an upload.
CHILD_CASES = [
    c
    for c in SHOP_CASES
    if c.has("product_id", "order_id", "return_id", "quote_id", "invoice_id", "maker_id", "upload_id", "dispute_id")
    or c.has("review_id")
]
MEDIA_CASES = [c for c in SHOP_CASES if c.has("media_id")]
# A pending shop sells nothing, so it has no orders or returns to name (nor quotes and invoices).
PENDING_SHOP_CASES = [
    c for c in SHOP_CASES if not c.has("order_id", "return_id", "quote_id", "invoice_id", "dispute_id", "review_id")
]
# Bulk trade's routes (issue 14) act on the tenant's b2b shop.
TRADE_TAGS = ("rfq", "invoices")
SELLER_ACCOUNT_CASES = cases(Scope.SELLER_ACCOUNT)
ADMIN_CASES = cases(Scope.OPERATOR)
NOT_FOR_BUYERS = [c for c in SHOP_CASES + SELLER_ACCOUNT_CASES if not c.allows(Role.BUYER)]
NOT_FOR_OPERATORS = [c for c in SHOP_CASES if not c.allows(Role.OPERATOR)]

# The order a route acts on, by its operationId (default: a pending order).
ORDER_STATE = {"shipOrder": "paid", "deliverOrder": "shipped", "getCustomsDeclaration": "ru"}
SHIP = {"carrier": "SF Express", "tracking_number": "SF999"}


# --- tenants ----------------------------------------------------------------------------------------


@dataclass
class Tenant:
    """A seller with a shop and a product. Its pictures, orders and return are made on first use (they cost
    an upload, or a buyer and a checkout)."""

    api: object
    stack: object
    factory: object
    token: str
    shop: dict
    product: dict
    _orders: dict = field(default_factory=dict)

    @property
    def product_path(self) -> str:
        return f"/v1/shops/{self.shop['shop_id']}/products/{self.product['product_id']}"

    def _upload(self) -> str:
        """Announces a picture and puts the file in S3, as the browser would; returns its media_id."""
        picture = png_bytes()
        announced = self.api.post(
            f"{self.product_path}/media", {"content_type": "image/png", "size": len(picture)}, token=self.token
        )
        assert announced.status == 201, announced
        fields = announced.json["upload"]["fields"]
        self.stack.media._s3.put_object(
            Bucket=self.stack.settings.media_bucket, Key=fields["key"], Body=picture, ContentType="image/png"
        )
        return announced.json["media_id"]

    @functools.cached_property
    def upload_id(self) -> str:
        """A picture uploaded to S3 but not completed yet (an intruder completing it would attach it)."""
        return self._upload()

    @functools.cached_property
    def media_id(self) -> str:
        """A picture attached to the product."""
        media_id = self._upload()
        done = self.api.post(f"{self.product_path}/media/{media_id}/complete", token=self.token)
        assert done.status == 200, done
        return media_id

    def _file(self, purpose: str = "gi_document") -> str:
        """Announces a shop upload (issue 15) and puts the file in S3; returns its upload_id."""
        body = b"%PDF-1.4\n% a registration certificate\n%%EOF\n"
        announced = self.api.post(
            f"/v1/shops/{self.shop['shop_id']}/uploads",
            {"purpose": purpose, "content_type": "application/pdf", "size": len(body)},
            token=self.token,
        )
        assert announced.status == 201, announced
        key = announced.json["upload"]["fields"]["key"]
        self.stack.media._s3.put_object(Bucket=self.stack.settings.media_bucket, Key=key, Body=body)
        return announced.json["upload_id"]

    @functools.cached_property
    def shop_upload_id(self) -> str:
        """A document uploaded to S3 but not completed yet (an intruder completing it would keep it)."""
        return self._file()

    @functools.cached_property
    def document(self) -> str:
        """A completed geographic-indication document."""
        upload_id = self._file()
        done = self.api.post(f"/v1/shops/{self.shop['shop_id']}/uploads/{upload_id}/complete", token=self.token)
        assert done.status == 200, done
        return upload_id

    @functools.cached_property
    def maker_id(self) -> str:
        body = {"name": "Rena Abdulla", "region": dict(self.shop["region"]), "craft": "embroidery"}
        made = self.api.post(f"/v1/shops/{self.shop['shop_id']}/makers", body, token=self.token)
        assert made.status == 201, made
        return made.json["maker_id"]

    @functools.cached_property
    def claim_id(self) -> str:
        """A pending geographic-indication claim on the shop's product."""
        body = {
            "product_ids": [self.product["product_id"]],
            "register": "CNIPA",
            "registration_number": "AGI2011-01-0522",
            "protected_name": "Hotan jujube",
            "document": self.document,
        }
        claim = self.api.post(f"/v1/shops/{self.shop['shop_id']}/gi-claims", body, token=self.token)
        assert claim.status == 201, claim
        return claim.json["claim_id"]

    @functools.cached_property
    def county_id(self) -> str:
        """A county centre (the operators' network routes name one)."""
        body = {"name": "Isolation centre", "province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu",
                "address": "1 Tuanjie Road"}  # fmt: skip
        reply = self.api.post("/v1/admin/counties", body, token=self.factory.operator)
        assert reply.status == 201, reply
        return reply.json["county_id"]

    @functools.cached_property
    def carrier_id(self) -> str:
        """A carrier an operator registered (issue 12: the operators' carrier routes name one)."""
        reply = self.api.post("/v1/admin/carriers", {"name": "Isolation Express"}, token=self.factory.operator)
        assert reply.status == 201, reply
        return reply.json["carrier_id"]

    @functools.cached_property
    def buyer(self) -> str:
        """The buyer of this shop's orders."""
        return self.factory.user("buyer")

    def order(self, state: str) -> dict:
        """An order of this shop in `state` (pending, paid, shipped, delivered), bought by `buyer`."""
        if state == "ru" and state not in self._orders:
            self._orders[state] = self._ru_order()
        if state not in self._orders:
            (order,) = buy(self.api, self.buyer, {self.product["product_id"]: 2}, payment="bank_transfer")
            steps = {"pending": [], "paid": ["mark-paid"], "shipped": ["mark-paid", "ship"]}
            for action in steps.get(state, ["mark-paid", "ship", "deliver"]):
                reply = self.api.post(
                    f"/v1/shops/{self.shop['shop_id']}/orders/{order['order_id']}/{action}",
                    SHIP if action == "ship" else None,
                    token=self.token,
                )
                assert reply.status == 200, reply
                order = reply.json
            self._orders[state] = order
        return self._orders[state]

    def _ru_order(self) -> dict:
        """Issue 12: an order of the Russian market (it has a customs declaration)."""
        for pair, rate in (("CNY-RUB", "12.8345"), ("CNY-EUR", "0.1281")):
            reply = self.api.put(f"/v1/admin/fx-rates/{pair}", {"rate": rate}, token=self.factory.operator)
            assert reply.status in (200, 409), reply
        shop_path = f"/v1/shops/{self.shop['shop_id']}"
        assert self.api.patch(shop_path, {"export_markets": ["ru"]}, token=self.token).status == 200
        shipping = {"shipping": {"weight_g": 200, "hs_code": "6214100000"}}
        reply = self.api.patch(f"{shop_path}/products/{self.product['product_id']}", shipping, token=self.token)
        assert reply.status == 200, reply
        reply = self.api.put(
            f"/v1/cart/items/{self.product['product_id']}", {"quantity": 1, "market": "ru"}, token=self.buyer
        )
        assert reply.status == 200, reply
        address = {
            "name": "Anna",
            "phone": "+7 912 555 0142",
            "lines": ["Lenina 5"],
            "city": "Kazan",
            "region": "Tatarstan",
            "postal_code": "420111",
            "country": "RU",
        }
        reply = self.api.post(
            "/v1/checkout",
            {"delivery": address, "payment_method": "cash_on_delivery", "market": "ru"},
            token=self.buyer,
            headers={"Idempotency-Key": "ru-order"},
        )
        assert reply.status == 201, reply
        return reply.json["orders"][0]

    @functools.cached_property
    def return_id(self) -> str:
        """A requested return of a delivered order."""
        order = self.order("delivered")
        ret = self.api.post(
            f"/v1/orders/{order['order_id']}/returns",
            {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}]},
            token=self.buyer,
        )
        assert ret.status == 201, ret
        return ret.json["return_id"]

    # --- bulk trade (issue 14): a b2b shop of the same seller, an RFQ it sees, its quote, its invoice ---------

    @functools.cached_property
    def b2b_shop(self) -> dict:
        shop = self.factory.shop(self.token, "b2b", approve=self.shop["status"] == "active")
        reply = self.api.put(
            f"/v1/shops/{shop['shop_id']}/rfq-profile", {"categories": ["dried-fruit"]}, token=self.token
        )
        assert reply.status == 200, reply
        return shop

    @functools.cached_property
    def business_buyer(self) -> str:
        """A verified business with net terms, the b2b shop's customer."""
        from tests.api.trade.support import Trade

        return Trade(self.api, self.factory).business(terms=(30, 100_000_000))

    @functools.cached_property
    def rfq_id(self) -> str:
        from tests.api.trade.support import Trade

        return Trade(self.api, self.factory).rfq(self.business_buyer)["rfq_id"]

    @functools.cached_property
    def quote_id(self) -> str:
        from tests.api.trade.support import quote_body

        self.b2b_shop  # noqa: B018  (the shop must see the RFQ)
        reply = self.api.post(
            f"/v1/shops/{self.b2b_shop['shop_id']}/rfqs/{self.rfq_id}/quotes", quote_body(), token=self.token
        )
        assert reply.status in (200, 201), reply  # 200: the control quoted already (a revision)
        return reply.json["quote_id"]

    @functools.cached_property
    def invoice_id(self) -> str:
        """An open invoice: an order on net terms from the b2b shop, shipped."""
        product = self.factory.product(self.token, self.b2b_shop, stock=1000)
        buyer = self.business_buyer
        assert self.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 10}, token=buyer).status == 200
        (order,) = buy(self.api, buyer, {}, payment="net_terms")
        shipped = self.api.post(
            f"/v1/shops/{self.b2b_shop['shop_id']}/orders/{order['order_id']}/ship", SHIP, token=self.token
        )
        assert shipped.status == 200, shipped
        return shipped.json["invoice_id"]

    @functools.cached_property
    def business_id(self) -> str:
        """A pending business application (of this shop's buyer), for the operators' routes."""
        from tests.api.trade.support import business_body

        reply = self.api.post("/v1/me/business", business_body(), token=self.buyer)
        assert reply.status == 201, reply
        return reply.json["business_id"]

    @functools.cached_property
    def trust_order(self) -> dict:
        """A delivered order for disputes and reviews (issue 13), of this shop or, while it is pending, of
        another active shop of the same seller."""
        if self.shop["status"] == "active":
            return self.order("delivered")
        shop = self.factory.shop(self.token, "handicrafts")
        other = Tenant(self.api, self.stack, self.factory, self.token, shop, self.factory.product(self.token, shop))
        other.buyer = self.buyer
        return other.order("delivered")

    @functools.cached_property
    def dispute_id(self) -> str:
        """A dispute waiting for the seller's answer."""
        order = self.trust_order
        body = {"lines": [{"line_id": order["lines"][0]["line_id"], "quantity": 1}], "reason": "damaged",
                "description": "Torn"}  # fmt: skip
        opened = self.api.post(f"/v1/orders/{order['order_id']}/disputes", body, token=self.buyer)
        assert opened.status == 201, opened
        return opened.json["dispute_id"]

    @functools.cached_property
    def review_id(self) -> str:
        order = self.trust_order
        path = f"/v1/orders/{order['order_id']}/lines/{order['lines'][0]['line_id']}/review"
        reviewed = self.api.post(path, {"rating": 4, "text": "Good"}, token=self.buyer)
        assert reviewed.status == 201, reviewed
        return reviewed.json["review_id"]

    def value(self, name: str, case: Case) -> str:
        """The world's value for a path parameter (or body id) of `case`, by its name."""
        from tests.api.trade.support import later

        order = lambda: self.order(ORDER_STATE.get(case.spec.operation_id, "pending"))  # noqa: E731
        trade = case.spec.tag in TRADE_TAGS and case.spec.scope is Scope.SHOP
        values = {
            "shop_id": lambda: self.b2b_shop["shop_id"] if trade else self.shop["shop_id"],
            "rfq_id": lambda: self.rfq_id,
            "quote_id": lambda: self.quote_id,
            "invoice_id": lambda: self.invoice_id,
            "business_id": lambda: self.business_id,
            "valid_until": lambda: later(days=30),
            "quote_deadline": lambda: later(days=7),
            "product_id": lambda: self.product["product_id"],
            "media_id": lambda: self.upload_id if case.flavour == "uploaded" else self.media_id,
            "order_id": lambda: order()["order_id"],
            "line_id": lambda: order()["lines"][0]["line_id"],
            "return_id": lambda: self.return_id,
            "county_id": lambda: self.county_id,
            "upload_id": lambda: self.shop_upload_id,
            "document": lambda: self.document,
            "maker_id": lambda: self.maker_id,
            "claim_id": lambda: self.claim_id,
            "month": lambda: self.stack.clock()[:7],  # a shop's monthly statement (issue 17)
            "storefront": lambda: self.shop["storefront"],  # an operator's commission (issue 17)
            "pair": lambda: "CNY-RUB",  # an operator's exchange rate (issue 12)
            "market": lambda: "ru",  # a market's delivery zones and compensation (issue 12)
            "carrier_id": lambda: self.carrier_id,  # a registered carrier (issue 12)
            "dispute_id": lambda: self.dispute_id,  # issue 13
            "review_id": lambda: self.review_id,
        }
        return values[name]()

    def owner_view(self) -> dict:
        """Everything the owner can read about the shop, as the owner reads it."""
        shop_id = self.shop["shop_id"]
        view = {}
        for path in (
            f"/v1/shops/{shop_id}",
            f"/v1/shops/{shop_id}/products?limit=100",
            f"/v1/shops/{shop_id}/products?archived=true&limit=100",
            self.product_path,
            f"/v1/shops/{shop_id}/orders?limit=100",
            f"/v1/shops/{shop_id}/returns?limit=100",
            f"/v1/shops/{shop_id}/makers?limit=100",
            f"/v1/shops/{shop_id}/gi-claims?limit=100",
        ):
            reply = self.api.get(path, token=self.token)
            assert reply.status == 200, reply
            view[path] = (unsigned(reply.json), reply.headers.get("etag"))
        if "b2b_shop" in self.__dict__:  # issue 14: the b2b shop's quotes, invoices and orders
            b2b = self.b2b_shop["shop_id"]
            for path in (
                f"/v1/shops/{b2b}/rfq-profile",
                f"/v1/shops/{b2b}/quotes?limit=100",
                f"/v1/shops/{b2b}/invoices?limit=100",
                f"/v1/shops/{b2b}/orders?limit=100",
            ):
                reply = self.api.get(path, token=self.token)
                assert reply.status == 200, reply
                view[path] = unsigned(reply.json)
        return view


def unsigned(value):
    """`value` with the query strings of media URLs dropped (presigned signatures change every second)."""
    if isinstance(value, dict):
        return {
            k: v.split("?", 1)[0] if k.endswith("url") and isinstance(v, str) else unsigned(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [unsigned(v) for v in value]
    return value


def make_tenant(api, stack, factory, *, approve: bool = True) -> Tenant:
    token = factory.user("seller")
    shop = factory.shop(token, "handicrafts", approve=approve)
    product = factory.product(token, shop, stock=100)
    return Tenant(api, stack, factory, token, shop, product)


@pytest.fixture
def victim(api, stack, factory) -> Tenant:
    return make_tenant(api, stack, factory)


@pytest.fixture
def intruder(api, stack, factory) -> Tenant:
    return make_tenant(api, stack, factory)


@pytest.fixture
def storage(stack) -> Storage:
    return Storage(stack)


def queued(stack) -> int:
    """Events published so far: the outbox relayed first (events are written with their change, in the outbox)."""
    relay_outbox(stack)
    attributes = stack.events._sqs.get_queue_attributes(
        QueueUrl=stack.events._url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def assert_refused_and_unchanged(
    api, stack, storage: Storage, owners: list[Tenant], case: Case, world: Tenant, token, statuses, **overrides
):
    """`case` with `world`'s values (or `overrides`) is refused with one of `statuses`, nothing about an order
    is in the answer, and nothing changed: storage, the event queue, every owner's view."""
    values = {name: world.value(name, case) for name in case.params if name not in overrides}
    example_body(case.spec, lambda name: values.get(name) or world.value(name, case))  # its ids exist before
    views = [owner.owner_view() for owner in owners]
    events = queued(stack)  # relays the outbox: before the snapshot
    before = storage.snapshot()
    reply = call(api, case, lambda name: values.get(name) or world.value(name, case), token, **overrides)
    assert reply.status in statuses, f"{case}: {reply}"
    assert_api_error(reply, reply.status)
    assert ADDRESS["phone"].encode() not in reply.body and ADDRESS["name"].encode() not in reply.body
    assert storage.snapshot() == before, f"{case}: stored state changed"
    assert queued(stack) == events, f"{case}: an order event was published"
    assert [owner.owner_view() for owner in owners] == views, f"{case}: the owner sees a change"
    return reply


def storefront_ids(api, storefront: str = "handicrafts", query: str = "") -> set[str]:
    ids, cursor = set(), None
    while True:
        url = f"/v1/storefronts/{storefront}/products?limit=100{query}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(url)
        assert reply.status == 200, reply
        ids |= {item["product_id"] for item in reply.json["items"]}
        cursor = reply.json["next_cursor"]
        if not cursor:
            return ids


def _value_of(values: dict, world: Tenant, case: Case, name: str) -> str:
    return values.get(name) or world.value(name, case)


def children(world: Tenant, case: Case) -> dict:
    """`world`'s values for every parameter of `case` after {shop_id}."""
    return {name: world.value(name, case) for name in case.params if name != "shop_id"}


# --- another seller ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SHOP_CASES, ids=str)
def test_a_seller_cannot_use_another_sellers_active_shop(api, stack, storage, victim, intruder, case):
    assert_refused_and_unchanged(api, stack, storage, [victim, intruder], case, victim, intruder.token, {403, 404})


@pytest.mark.parametrize("case", PENDING_SHOP_CASES, ids=str)
def test_a_seller_cannot_use_another_sellers_pending_shop(api, stack, factory, storage, intruder, case):
    victim = make_tenant(api, stack, factory, approve=False)
    assert_refused_and_unchanged(api, stack, storage, [victim, intruder], case, victim, intruder.token, {403, 404})


@pytest.mark.parametrize("case", CHILD_CASES, ids=str)
def test_a_seller_cannot_reach_another_sellers_product_or_order_through_their_own_shop(
    api, stack, storage, victim, intruder, case
):
    """Own shop id in the path, the victim's product (and pictures), order or return after it: not in that shop."""
    assert_refused_and_unchanged(
        api, stack, storage, [victim, intruder], case, intruder, intruder.token, {404}, **children(victim, case)
    )


@pytest.mark.parametrize("case", CHILD_CASES, ids=str)
def test_a_seller_cannot_reach_their_own_product_or_order_through_another_sellers_shop(
    api, stack, storage, victim, intruder, case
):
    """The victim's shop id in the path, the intruder's own product, order or return after it."""
    assert_refused_and_unchanged(
        api, stack, storage, [victim, intruder], case, victim, intruder.token, {403, 404}, **children(intruder, case)
    )


@pytest.mark.parametrize("case", CHILD_CASES, ids=str)
def test_a_product_or_order_is_only_reachable_under_its_own_shop_even_for_a_seller_owning_both(
    api, stack, factory, storage, case
):
    """Shop A's id with a product (order, return) of shop B, both the caller's: A does not have it."""
    a = make_tenant(api, stack, factory)
    b_shop = factory.shop(a.token, "handicrafts")
    b = Tenant(api, stack, factory, a.token, b_shop, factory.product(a.token, b_shop, stock=100))
    assert_refused_and_unchanged(api, stack, storage, [a, b], case, a, a.token, {404}, **children(b, case))


@pytest.mark.parametrize("case", MEDIA_CASES, ids=str)
def test_a_seller_cannot_touch_another_sellers_pictures_through_their_own_product(
    api, stack, storage, victim, intruder, case
):
    """Own shop and product in the path, the victim's media id at the end."""
    assert_refused_and_unchanged(
        api, stack, storage, [victim, intruder], case, intruder, intruder.token, {403, 404},
        media_id=victim.value("media_id", case),
    )  # fmt: skip


@pytest.mark.parametrize("case", MEDIA_CASES, ids=str)
def test_a_picture_is_only_reachable_under_its_own_product(api, stack, factory, storage, case):
    """Same seller, same shop: product X's picture named under product Y is not found."""
    x = make_tenant(api, stack, factory)
    y = Tenant(api, stack, factory, x.token, x.shop, factory.product(x.token, x.shop, title="Copper teapot"))
    assert_refused_and_unchanged(
        api, stack, storage, [x, y], case, y, x.token, {404}, media_id=x.value("media_id", case)
    )


def test_the_owner_can_call_every_shop_route(api, stack, factory):
    """Control for the matrix: each route, with the owner's token, is accepted (so refusals mean something),
    and its changes are published (so the queue check above has teeth)."""
    owner = make_tenant(api, stack, factory)
    for case in control_order(SHOP_CASES):
        values = {name: owner.value(name, case) for name in case.params}  # prepared before the count
        value = functools.partial(_value_of, values, owner, case)
        example_body(case.spec, value)  # and the ids its body names
        events = queued(stack)
        reply = call(api, case, value, owner.token)
        assert reply.status in case.spec.responses, f"{case}: {reply}"
        if case.has("order_id", "return_id") and case.writes:
            assert queued(stack) == events + 1, f"{case}: its order event was not published"


# --- buyers, operators, anonymous callers -----------------------------------------------------------


@pytest.mark.parametrize("case", NOT_FOR_BUYERS, ids=str)
def test_a_buyer_cannot_call_seller_routes_even_for_their_own_orders(api, stack, storage, victim, case):
    assert_refused_and_unchanged(api, stack, storage, [victim], case, victim, victim.buyer, {403})


@pytest.mark.parametrize("case", SHOP_CASES + SELLER_ACCOUNT_CASES, ids=str)
def test_an_anonymous_caller_cannot_call_seller_routes(api, stack, storage, victim, case):
    assert_refused_and_unchanged(api, stack, storage, [victim], case, victim, None, {401})


@pytest.mark.parametrize("case", SHOP_CASES + SELLER_ACCOUNT_CASES + ADMIN_CASES, ids=str)
def test_a_forged_token_is_401_on_seller_and_admin_routes(api, stack, storage, victim, case):
    header, payload, _ = victim.token.split(".")
    assert_refused_and_unchanged(api, stack, storage, [victim], case, victim, f"{header}.{payload}.forged", {401})


@pytest.mark.parametrize("case", NOT_FOR_OPERATORS, ids=str)
def test_an_operator_moderates_shops_but_does_not_edit_a_sellers_catalogue_or_orders(
    api, stack, factory, storage, victim, case
):
    assert_refused_and_unchanged(api, stack, storage, [victim], case, victim, factory.operator, {403})


@pytest.mark.parametrize("role", ["seller", "buyer"])
@pytest.mark.parametrize("case", ADMIN_CASES, ids=str)
def test_sellers_and_buyers_cannot_call_admin_routes(api, stack, factory, storage, case, role):
    owner = make_tenant(api, stack, factory, approve=False)  # the seller asks about their own pending shop
    caller = owner.token if role == "seller" else factory.user("buyer")
    assert_refused_and_unchanged(api, stack, storage, [owner], case, owner, caller, {403})


@pytest.mark.parametrize("case", ADMIN_CASES, ids=str)
def test_anonymous_callers_cannot_call_admin_routes(api, stack, factory, storage, case):
    owner = make_tenant(api, stack, factory, approve=False)
    assert_refused_and_unchanged(api, stack, storage, [owner], case, owner, None, {401})


# --- what the public sees: no drafts, no pending shops --------------------------------------------------

BROWSE_QUERIES = [
    "",
    "&sort=newest",
    "&sort=price_asc",
    "&sort=price_desc",
    "&category=textiles",
    "&prefecture=Kashgar",
    "&q=silk",
    "&q=scarf",
    "&q=atlas",
    "&category=textiles&q=silk",
]


def test_drafts_never_appear_in_storefronts(api, victim, factory):
    draft = factory.product(victim.token, victim.shop, status="draft", title="Atlas silk scarf draft")
    for query in BROWSE_QUERIES:
        assert draft["product_id"] not in storefront_ids(api, query=query), query
        assert victim.product["product_id"] in storefront_ids(api, query=query), query  # control: the active one
    assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{draft['product_id']}"), 404)

    published = api.patch(
        f"/v1/shops/{victim.shop['shop_id']}/products/{draft['product_id']}", {"status": "active"}, token=victim.token
    )
    assert published.status == 200, published
    assert draft["product_id"] in storefront_ids(api)
    assert api.get(f"/v1/storefronts/handicrafts/products/{draft['product_id']}").status == 200


def test_a_product_taken_back_to_draft_leaves_the_storefront(api, victim):
    reply = api.patch(victim.product_path, {"status": "draft"}, token=victim.token)
    assert reply.status == 200, reply
    for query in BROWSE_QUERIES:
        assert victim.product["product_id"] not in storefront_ids(api, query=query), query
    assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{victim.product['product_id']}"), 404)


def test_archived_products_never_appear_in_storefronts(api, victim):
    assert api.delete(victim.product_path, token=victim.token).status == 204
    for query in BROWSE_QUERIES:
        assert victim.product["product_id"] not in storefront_ids(api, query=query), query
    assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{victim.product['product_id']}"), 404)


def test_pending_shops_and_their_products_never_appear_in_storefronts(api, stack, factory):
    pending = make_tenant(api, stack, factory, approve=False)
    listed = make_tenant(api, stack, factory)
    product_id = pending.product["product_id"]
    assert pending.product["status"] == "active"
    for query in BROWSE_QUERIES:
        found = storefront_ids(api, query=query)
        assert product_id not in found, query
        assert listed.product["product_id"] in found, query  # control
    assert_api_error(api.get(f"/v1/storefronts/handicrafts/products/{product_id}"), 404)
    shops = {s["shop_id"] for s in api.get("/v1/storefronts/handicrafts/shops?limit=100").json["items"]}
    assert pending.shop["shop_id"] not in shops and listed.shop["shop_id"] in shops

    # Editing a product of a pending shop does not sneak it in either.
    assert api.patch(pending.product_path, {"title": "Atlas silk scarf, edited"}, token=pending.token).status == 200
    assert product_id not in storefront_ids(api, query="&q=silk")

    assert api.post(f"/v1/admin/shops/{pending.shop['shop_id']}/approve", token=factory.operator).status == 200
    settle(stack)  # the products follow the shop in a job
    assert product_id in storefront_ids(api)
    assert api.get(f"/v1/storefronts/handicrafts/products/{product_id}").status == 200


def test_a_product_is_only_on_its_own_storefront(api, victim):
    product_id = victim.product["product_id"]
    for other in ("b2b", "specialties"):
        assert product_id not in storefront_ids(api, storefront=other)
        assert_api_error(api.get(f"/v1/storefronts/{other}/products/{product_id}"), 404)


def test_the_public_product_page_does_not_expose_owner_only_fields(api, victim):
    page = api.get(f"/v1/storefronts/handicrafts/products/{victim.product['product_id']}")
    assert page.status == 200, page
    assert not {"status", "version", "listed", "owner_id"} & set(page.json)
    assert "owner_id" not in page.json["shop"]


def test_a_seller_sees_only_their_own_shops_in_my_shops(api, victim, intruder):
    mine = api.get("/v1/me/shops", token=intruder.token).json["items"]
    assert [s["shop_id"] for s in mine] == [intruder.shop["shop_id"]]


# --- a producer's shop, managed by their village partner (issue 11) --------------------------------------------

# The routes a managing partner may use: the catalogue, its pictures, the shop's details and its orders. Every
# other SHOP route (balances, payouts, payout account, statements, returns, makers, ...) stays the owner's: a
# producer's money goes to their producer account (GET /v1/villages/{id}/producers/{id}/statement).
MANAGED_CASES = [c for c in SHOP_CASES if c.allows(Role.PARTNER)]
OWNER_ONLY_CASES = [c for c in SHOP_CASES if not c.allows(Role.PARTNER) and set(c.params) <= {"shop_id", "month"}]


class ProducerTenant(Tenant):
    """A producer's approved shop with a product, managed by its village's partner (`token`)."""

    def owner_view(self) -> dict:
        shop_id = self.shop["shop_id"]
        view = {}
        for path in (
            f"/v1/shops/{shop_id}",
            f"/v1/shops/{shop_id}/products?limit=100",
            f"/v1/shops/{shop_id}/products?archived=true&limit=100",
            self.product_path,
            f"/v1/shops/{shop_id}/orders?limit=100",
        ):
            reply = self.api.get(path, token=self.token)
            assert reply.status == 200, reply
            view[path] = (unsigned(reply.json), reply.headers.get("etag"))
        return view


def make_producer_tenant(api, stack, factory) -> tuple[ProducerTenant, str]:
    """The world and its county's id."""
    import uuid

    from tests.api.network import helpers as h

    county = h.county(api, factory)
    village = county.villages[0]
    consent = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
    producer = api.post(
        f"/v1/villages/{village.village_id}/producers",
        {"name": "Gulnar Ismail", "consent": consent, "payout": {"method": "cash_via_partner"}},
        token=village.partner,
    )
    assert producer.status == 201, producer
    opened = api.post(
        f"/v1/villages/{village.village_id}/producers/{producer.json['producer_id']}/shops",
        {"name": f"Doppa caps {uuid.uuid4().hex[:8]}", "storefront": "handicrafts", "description": "Caps"},
        token=village.partner,
    )
    assert opened.status == 201, opened
    approved = api.post(f"/v1/admin/shops/{opened.json['shop']['shop_id']}/approve", token=factory.operator)
    assert approved.status == 200, approved
    product = factory.product(village.partner, approved.json, stock=100)
    return ProducerTenant(api, stack, factory, village.partner, approved.json, product), county.county_id


def test_the_managed_routes_are_the_catalogue_the_pictures_and_the_orders_never_the_money():
    managed = {c.spec.operation_id for c in MANAGED_CASES}
    assert {"addProduct", "editProduct", "startMediaUpload", "shipOrder", "editShop"} <= managed, managed
    assert not any("payout" in c.spec.path or "balance" in c.spec.path for c in MANAGED_CASES)
    assert any("payout" in c.spec.path for c in OWNER_ONLY_CASES) and any(
        "ledger" in c.spec.path for c in OWNER_ONLY_CASES
    )


def test_another_partner_a_seller_and_a_buyer_cannot_use_a_producers_shop(api, stack, factory, storage):
    from tests.api.network import helpers as h

    world, county_id = make_producer_tenant(api, stack, factory)
    other_partner = h.village(api, factory, county_id).partner  # same county, another village
    seller = factory.user("seller")
    for case in MANAGED_CASES:
        for token, statuses in ((other_partner, {403, 404}), (seller, {403, 404}), (world.buyer, {403})):
            assert_refused_and_unchanged(api, stack, storage, [world], case, world, token, statuses)


def test_the_managing_partner_is_refused_on_every_other_shop(api, stack, factory, storage, victim):
    world, _ = make_producer_tenant(api, stack, factory)
    for case in MANAGED_CASES:
        assert_refused_and_unchanged(api, stack, storage, [victim, world], case, victim, world.token, {403, 404})
    for case in (c for c in MANAGED_CASES if c in CHILD_CASES):  # another shop's product or order under their own
        assert_refused_and_unchanged(
            api, stack, storage, [victim, world], case, world, world.token, {404}, **children(victim, case)
        )


def test_the_managing_partner_cannot_use_the_money_or_other_owner_routes_of_the_shop_they_manage(
    api, stack, factory, storage
):
    world, _ = make_producer_tenant(api, stack, factory)
    shop_id = world.shop["shop_id"]
    # ids the bodies name are placeholders: the role is refused before anything is read
    value = {"shop_id": shop_id, "month": stack.clock()[:7], "product_id": world.product["product_id"]}.get
    for case in OWNER_ONLY_CASES:
        view, before = world.owner_view(), storage.snapshot()
        reply = call(api, case, lambda name: value(name) or "placeholder", world.token)
        assert_api_error(reply, 403, "role_required")
        assert storage.snapshot() == before and world.owner_view() == view, case


def test_the_managing_partner_can_call_every_route_opened_to_managers(api, stack, factory):
    """Control for the rows above: the managing partner gets through on each managed route of their shop."""
    world, _ = make_producer_tenant(api, stack, factory)
    for case in control_order(MANAGED_CASES):
        values = {name: world.value(name, case) for name in case.params}
        value = functools.partial(_value_of, values, world, case)
        example_body(case.spec, value)
        events = queued(stack)
        reply = call(api, case, value, world.token)
        assert reply.status in case.spec.responses, f"{case}: {reply}"
        if case.has("order_id") and case.writes:
            assert queued(stack) == events + 1, f"{case}: its order event was not published"
