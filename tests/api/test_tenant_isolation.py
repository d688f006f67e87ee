"""Tenant isolation: a shop is a tenant, and only its owner reaches into it.

One table, SELLER_ROUTES, lists every seller-scoped route. Each test below runs the whole table against one
kind of intruder, so adding a route is one line. For every refused call, everything stored (every table,
every bucket, every user; tests.support.Storage) and the owner's own view of the shop are compared before
and after: refusing is not enough, nothing may have changed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest

from tests.support import Storage, assert_api_error, png_bytes, product_body

# --- the seller-scoped routes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # placeholders: {shop} {product} {media} (attached picture) {upload} (uploaded, not completed)
    body: dict | None = None
    reads_only: bool = False

    @property
    def needs_product(self) -> bool:
        return "{product}" in self.path

    def __str__(self) -> str:
        return self.name


SELLER_ROUTES = [
    Route("edit shop", "PATCH", "/v1/shops/{shop}", {"name": "Hijacked Looms", "description": "pwned"}),
    Route("add product", "POST", "/v1/shops/{shop}/products", product_body("handicrafts", title="Planted item")),
    Route("list products", "GET", "/v1/shops/{shop}/products", reads_only=True),
    Route("list archived products", "GET", "/v1/shops/{shop}/products?archived=true", reads_only=True),
    Route("read product", "GET", "/v1/shops/{shop}/products/{product}", reads_only=True),
    Route(
        "edit product",
        "PATCH",
        "/v1/shops/{shop}/products/{product}",
        {"title": "Hijacked", "price": {"amount": 1, "currency": "CNY"}, "stock": 0},
    ),
    Route("archive product", "DELETE", "/v1/shops/{shop}/products/{product}"),
    Route(
        "request upload",
        "POST",
        "/v1/shops/{shop}/products/{product}/media",
        {"content_type": "image/png", "size": 1000},
    ),
    Route("complete upload", "POST", "/v1/shops/{shop}/products/{product}/media/{upload}/complete"),
    Route("remove picture", "DELETE", "/v1/shops/{shop}/products/{product}/media/{media}"),
    Route("cancel upload", "DELETE", "/v1/shops/{shop}/products/{product}/media/{upload}"),
]
PRODUCT_ROUTES = [r for r in SELLER_ROUTES if r.needs_product]
MEDIA_ROUTES = [r for r in SELLER_ROUTES if "{media}" in r.path or "{upload}" in r.path]
WRITE_ROUTES = [r for r in SELLER_ROUTES if not r.reads_only]

# Seller routes that are not about one shop: a buyer or an anonymous caller is refused these too.
SELLER_ACCOUNT_ROUTES = [
    Route(
        "open shop",
        "POST",
        "/v1/shops",
        {
            "name": "Buyer's shop",
            "storefront": "handicrafts",
            "description": "",
            "region": {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
        },
    ),
    Route("my shops", "GET", "/v1/me/shops", reads_only=True),
]

ADMIN_ROUTES = [
    Route("moderation queue", "GET", "/v1/admin/shops?status=pending", reads_only=True),
    Route("moderation queue of active shops", "GET", "/v1/admin/shops?status=active", reads_only=True),
    Route("approve", "POST", "/v1/admin/shops/{shop}/approve"),
    Route("suspend", "POST", "/v1/admin/shops/{shop}/suspend"),
]


# --- tenants ----------------------------------------------------------------------------------------


@dataclass
class Tenant:
    """A seller with a shop and a product; its pictures are made on first use (they cost an upload)."""

    api: object
    stack: object
    token: str
    shop: dict
    product: dict
    _ids: dict = field(default_factory=dict)

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

    def ids(self, **overrides) -> dict:
        return {"shop": self.shop["shop_id"], "product": self.product["product_id"], **overrides}

    def path(self, route: Route, **overrides) -> str:
        values = self.ids(**overrides)
        if "{media}" in route.path and "media" not in values:
            values["media"] = self.media_id
        if "{upload}" in route.path and "upload" not in values:
            values["upload"] = self.upload_id
        return route.path.format(**values)

    def owner_view(self) -> dict:
        """Everything the owner can read about the shop, as the owner reads it."""
        shop_id = self.shop["shop_id"]
        view = {}
        for path in (
            f"/v1/shops/{shop_id}",
            f"/v1/shops/{shop_id}/products?limit=100",
            f"/v1/shops/{shop_id}/products?archived=true&limit=100",
            self.product_path,
        ):
            reply = self.api.get(path, token=self.token)
            assert reply.status == 200, reply
            view[path] = (unsigned(reply.json), reply.headers.get("etag"))
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
    product = factory.product(token, shop)
    return Tenant(api, stack, token, shop, product)


@pytest.fixture
def victim(api, stack, factory) -> Tenant:
    return make_tenant(api, stack, factory)


@pytest.fixture
def intruder(api, stack, factory) -> Tenant:
    return make_tenant(api, stack, factory)


@pytest.fixture
def storage(stack) -> Storage:
    return Storage(stack)


def call(api, route: Route, path: str, token: str | None):
    return api.request(route.method, path, json_body=route.body, token=token)


def assert_refused_and_unchanged(
    api, storage: Storage, owners: list[Tenant], route: Route, path: str, token: str | None, statuses: set[int]
):
    """The call is refused with one of `statuses` and neither storage nor any owner's view changed."""
    views = [owner.owner_view() for owner in owners]
    before = storage.snapshot()
    reply = call(api, route, path, token)
    assert reply.status in statuses, f"{route} {path}: {reply}"
    assert_api_error(reply, reply.status)
    assert storage.snapshot() == before, f"{route}: stored state changed"
    assert [owner.owner_view() for owner in owners] == views, f"{route}: the owner sees a change"
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


# --- another seller ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_a_seller_cannot_use_another_sellers_active_shop(api, storage, victim, intruder, route):
    assert_refused_and_unchanged(
        api, storage, [victim, intruder], route, victim.path(route), intruder.token, {403, 404}
    )


@pytest.mark.parametrize("route", SELLER_ROUTES, ids=str)
def test_a_seller_cannot_use_another_sellers_pending_shop(api, stack, factory, storage, intruder, route):
    victim = make_tenant(api, stack, factory, approve=False)
    assert_refused_and_unchanged(
        api, storage, [victim, intruder], route, victim.path(route), intruder.token, {403, 404}
    )


@pytest.mark.parametrize("route", PRODUCT_ROUTES, ids=str)
def test_a_seller_cannot_reach_another_sellers_product_through_their_own_shop(api, storage, victim, intruder, route):
    """Own shop id in the path, the victim's product (and pictures) after it: the product is not in that shop."""
    path = intruder.path(
        route,
        product=victim.product["product_id"],
        **({"media": victim.media_id} if "{media}" in route.path else {}),
        **({"upload": victim.upload_id} if "{upload}" in route.path else {}),
    )
    assert_refused_and_unchanged(api, storage, [victim, intruder], route, path, intruder.token, {403, 404})


@pytest.mark.parametrize("route", PRODUCT_ROUTES, ids=str)
def test_a_seller_cannot_reach_their_own_product_through_another_sellers_shop(api, storage, victim, intruder, route):
    path = victim.path(
        route,
        product=intruder.product["product_id"],
        **({"media": intruder.media_id} if "{media}" in route.path else {}),
        **({"upload": intruder.upload_id} if "{upload}" in route.path else {}),
    )
    assert_refused_and_unchanged(api, storage, [victim, intruder], route, path, intruder.token, {403, 404})


@pytest.mark.parametrize("route", PRODUCT_ROUTES, ids=str)
def test_a_product_is_only_reachable_under_its_own_shop_even_for_a_seller_owning_both(
    api, stack, factory, storage, route
):
    """Shop A's id with a product of shop B, both the caller's: the path names a product A does not have."""
    a = make_tenant(api, stack, factory)
    b_shop = factory.shop(a.token, "handicrafts")
    b = Tenant(api, stack, a.token, b_shop, factory.product(a.token, b_shop))
    path = a.path(
        route,
        product=b.product["product_id"],
        **({"media": b.media_id} if "{media}" in route.path else {}),
        **({"upload": b.upload_id} if "{upload}" in route.path else {}),
    )
    assert_refused_and_unchanged(api, storage, [a, b], route, path, a.token, {404})


@pytest.mark.parametrize("route", MEDIA_ROUTES, ids=str)
def test_a_seller_cannot_touch_another_sellers_pictures_through_their_own_product(
    api, storage, victim, intruder, route
):
    """Own shop and product in the path, the victim's media id at the end."""
    path = intruder.path(route, media=victim.media_id, upload=victim.upload_id)
    assert_refused_and_unchanged(api, storage, [victim, intruder], route, path, intruder.token, {403, 404})


@pytest.mark.parametrize("route", MEDIA_ROUTES, ids=str)
def test_a_picture_is_only_reachable_under_its_own_product(api, stack, factory, storage, route):
    """Same seller, same shop: product X's picture named under product Y is not found."""
    x = make_tenant(api, stack, factory)
    y = Tenant(api, stack, x.token, x.shop, factory.product(x.token, x.shop, title="Copper teapot"))
    path = y.path(route, media=x.media_id, upload=x.upload_id)
    assert_refused_and_unchanged(api, storage, [x, y], route, path, x.token, {404})


def test_the_owner_can_call_every_seller_route(api, victim):
    """Control for the matrix: each route, with the owner's token, is accepted (so refusals mean something)."""
    for route in SELLER_ROUTES:
        if route.name in ("archive product",):
            continue  # checked last: it ends the product's life
        reply = call(api, route, victim.path(route), victim.token)
        assert reply.status in (200, 201, 204), f"{route}: {reply}"
    archive = next(r for r in SELLER_ROUTES if r.name == "archive product")
    assert call(api, archive, victim.path(archive), victim.token).status == 204


# --- buyers, operators, anonymous callers -----------------------------------------------------------


@pytest.mark.parametrize("route", SELLER_ROUTES + SELLER_ACCOUNT_ROUTES, ids=str)
def test_a_buyer_cannot_call_seller_routes(api, factory, storage, victim, route):
    assert_refused_and_unchanged(api, storage, [victim], route, victim.path(route), factory.user("buyer"), {403})


@pytest.mark.parametrize("route", SELLER_ROUTES + SELLER_ACCOUNT_ROUTES, ids=str)
def test_an_anonymous_caller_cannot_call_seller_routes(api, storage, victim, route):
    assert_refused_and_unchanged(api, storage, [victim], route, victim.path(route), None, {401})


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=str)
def test_an_operator_moderates_shops_but_does_not_edit_a_sellers_catalogue(api, factory, storage, victim, route):
    assert_refused_and_unchanged(api, storage, [victim], route, victim.path(route), factory.operator, {403})


@pytest.mark.parametrize("role", ["seller", "buyer"])
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=str)
def test_sellers_and_buyers_cannot_call_admin_routes(api, stack, factory, storage, route, role):
    owner = make_tenant(api, stack, factory, approve=False)  # the seller asks about their own pending shop
    caller = owner.token if role == "seller" else factory.user("buyer")
    assert_refused_and_unchanged(api, storage, [owner], route, owner.path(route), caller, {403})


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=str)
def test_anonymous_callers_cannot_call_admin_routes(api, stack, factory, storage, route):
    owner = make_tenant(api, stack, factory, approve=False)
    assert_refused_and_unchanged(api, storage, [owner], route, owner.path(route), None, {401})


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
