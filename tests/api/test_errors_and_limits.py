"""Errors and limits: one error shape, the right status, never a 500, and a failed request writes nothing.

Every JSON-body route is exercised from one table (ROUTES): adding a route there runs it through all checks.
"Nothing written" is checked at the storage level: every DynamoDB table, every bucket and the user pool are
snapshotted before the bad request and compared after it (tests.support.Storage).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import pytest

from tests.support import PASSWORD, REGION, Storage, assert_api_error, error_fields, product_body, random_email

MB = 1024 * 1024


# --- the world every test starts from ---------------------------------------------------------------


@dataclass
class World:
    api: object
    stack: object
    seller: str
    shop: dict
    product: dict

    def fill(self, path: str) -> str:
        return path.format(shop=self.shop["shop_id"], product=self.product["product_id"])

    @functools.cached_property
    def storage(self) -> Storage:
        return Storage(self.stack)

    def snapshot(self) -> dict:
        """Everything the app could have written: all tables, the media bucket, the user pool's users."""
        return self.storage.snapshot()


@pytest.fixture
def world(api, stack, factory) -> World:
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts", approve=False)  # a pending shop takes every seller write too
    product = factory.product(seller, shop)
    return World(api, stack, seller, shop, product)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    authenticated: bool
    valid: dict


SHOP_BODY = {"name": "Kashgar Looms", "storefront": "handicrafts", "description": "Silk", "region": REGION}

ROUTES = {
    "register": Route(
        "POST", "/v1/auth/register", False, {"email": "new-user@example.com", "password": PASSWORD, "role": "buyer"}
    ),
    "login": Route("POST", "/v1/auth/login", False, {"email": "nobody@example.com", "password": PASSWORD}),
    "open shop": Route("POST", "/v1/shops", True, SHOP_BODY),
    "edit shop": Route("PATCH", "/v1/shops/{shop}", True, {"name": "Renamed looms"}),
    "add product": Route("POST", "/v1/shops/{shop}/products", True, product_body("handicrafts")),
    "edit product": Route("PATCH", "/v1/shops/{shop}/products/{product}", True, {"title": "Renamed scarf"}),
    "request upload": Route(
        "POST", "/v1/shops/{shop}/products/{product}/media", True, {"content_type": "image/png", "size": 1000}
    ),
}


def send(world: World, name: str, *, body: bytes | str | None = None, json_body=None, headers=None):
    route = ROUTES[name]
    return world.api.request(
        route.method,
        world.fill(route.path),
        body=body,
        json_body=json_body,
        token=world.seller if route.authenticated else None,
        headers=headers,
    )


def padded(route: Route, size: int) -> str:
    """The route's valid body padded (with an ignorable-looking string field) to exactly `size` bytes."""
    base = json.dumps({**route.valid, "padding": ""})
    return json.dumps({**route.valid, "padding": "x" * (size - len(base))})


def assert_rejected_without_writes(world: World, name: str, status: int, **request):
    before = world.snapshot()
    reply = send(world, name, **request)
    error = assert_api_error(reply, status)
    assert world.snapshot() == before, f"{name}: a rejected request changed stored state"
    return reply, error


def each(cases: dict, check) -> None:
    """Runs `check(case)` for every case and reports all the failing ones together (one stack per route)."""
    failures = []
    for label, case in cases.items():
        try:
            check(case)
        except AssertionError as exc:
            failures.append(f"{label}: {str(exc)[:300]}")
    assert not failures, "\n".join(failures)


# --- the control: each route's valid body is accepted -----------------------------------------------


@pytest.mark.parametrize("name", [n for n in ROUTES if n != "login"])
def test_each_route_accepts_its_valid_body(world, name):
    reply = send(world, name, json_body=ROUTES[name].valid)
    assert reply.status in (200, 201), reply


# --- malformed JSON -> 400 ------------------------------------------------------------------------

MALFORMED = {
    "empty body": "",
    "blank body": "   \n",
    "truncated object": '{"name": "Kashgar',
    "trailing comma": '{"name": "x",}',
    "single quotes": "{'name': 'x'}",
    "bare word": "hello",
    "two documents": '{"a": 1} {"b": 2}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "deeply nested arrays": "[" * 100_000 + "]" * 100_000,
    "deeply nested objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "an integer too long to parse": '{"stock": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("name", list(ROUTES))
def test_malformed_json_is_a_400_and_writes_nothing(world, name):
    each(MALFORMED, lambda body: assert_rejected_without_writes(world, name, 400, body=body))


NOT_AN_OBJECT = {
    "array": "[]",
    "number": "42",
    "string": '"hello"',
    "null": "null",
    "true": "true",
    "array of the valid body": None,
}


@pytest.mark.parametrize("name", list(ROUTES))
def test_json_that_is_not_an_object_is_a_400(world, name):
    cases = {k: v or json.dumps([ROUTES[name].valid]) for k, v in NOT_AN_OBJECT.items()}
    each(cases, lambda body: assert_rejected_without_writes(world, name, 400, body=body))


# --- unknown fields -> 400 naming the field ---------------------------------------------------------


@pytest.mark.parametrize("name", list(ROUTES))
def test_an_unknown_field_is_a_400_naming_the_field(world, name):
    def check(field):
        reply, _ = assert_rejected_without_writes(world, name, 400, json_body={**ROUTES[name].valid, field: True})
        assert field in error_fields(reply), reply

    each({f: f for f in ("owner_id", "is_admin", "shop_id", "version")}, check)


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("open shop", {**SHOP_BODY, "region": {**REGION, "street": "Id Kah"}}, "region.street"),
        ("edit shop", {"region": {**REGION, "postcode": "844000"}}, "region.postcode"),
        ("add product", product_body("handicrafts", price={"amount": 100, "currency": "CNY", "tax": 13}), "price.tax"),
        ("edit product", {"price": {"amount": 100, "currency": "CNY", "discount": 5}}, "price.discount"),
    ],
)
def test_an_unknown_nested_field_is_a_400_naming_its_path(world, name, body, field):
    reply, _ = assert_rejected_without_writes(world, name, 400, json_body=body)
    assert field in error_fields(reply)


def test_a_seller_cannot_set_server_owned_fields_when_opening_a_shop(world):
    for field, value in [("status", "active"), ("owner_id", "someone-else"), ("shop_id", "shp_mine")]:
        reply, _ = assert_rejected_without_writes(world, "open shop", 400, json_body={**SHOP_BODY, field: value})
        assert field in error_fields(reply)


# --- wrong types and bad values -> 400 naming the field ---------------------------------------------

WRONG_TYPES = [
    ("register", "email", 12345),
    ("register", "password", ["Bazaar-test-1"]),
    ("register", "role", {"name": "buyer"}),
    ("login", "email", None),
    ("login", "password", 1234567890),
    ("open shop", "name", 42),
    ("open shop", "storefront", "bazaar"),
    ("open shop", "region", "Kashgar"),
    ("open shop", "description", {"text": "x"}),
    ("edit shop", "name", ["x"]),
    ("edit shop", "region", []),
    ("add product", "price", 15900),
    ("add product", "stock", "25"),
    ("add product", "stock", 2.5),
    ("add product", "stock", True),
    ("add product", "status", "published"),
    ("add product", "attributes", ["maker"]),
    ("add product", "title", ""),
    ("edit product", "stock", -1),
    ("edit product", "price", {"amount": "100", "currency": "CNY"}),
    ("edit product", "title", 7),
    ("request upload", "size", "1000"),
    ("request upload", "size", 0),
    ("request upload", "content_type", "image/gif"),
]


@pytest.mark.parametrize("name", sorted({n for n, _, _ in WRONG_TYPES}))
def test_a_value_of_the_wrong_type_or_range_is_a_400_naming_the_field(world, name):
    def check(case):
        field, value = case
        reply, _ = assert_rejected_without_writes(world, name, 400, json_body={**ROUTES[name].valid, field: value})
        assert any(f == field or f.startswith(field + ".") for f in error_fields(reply)), reply

    each({f"{f}={v!r}": (f, v) for n, f, v in WRONG_TYPES if n == name}, check)


@pytest.mark.parametrize("name", ["open shop", "add product", "register"])
def test_missing_required_fields_are_a_400_listing_each_of_them(world, name):
    required = {
        "open shop": {"name", "storefront", "region"},
        "add product": {"title", "category", "price", "stock", "attributes"},
        "register": {"email", "password", "role"},
    }[name]
    reply, _ = assert_rejected_without_writes(world, name, 400, json_body={})
    assert required <= error_fields(reply)


@pytest.mark.parametrize("name", ["open shop", "add product", "edit product", "register"])
def test_lone_unicode_surrogates_are_a_400_not_a_500(world, name):
    field = {"open shop": "name", "add product": "title", "edit product": "title", "register": "password"}[name]
    body = json.dumps({**ROUTES[name].valid, field: "Abc-defgh1\ud800"})
    assert "\\ud800" in body
    reply, _ = assert_rejected_without_writes(world, name, 400, body=body)
    assert field in error_fields(reply)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_a_400(world, literal):
    body = json.dumps(product_body("handicrafts"))
    body = body.replace('"stock": 25', f'"stock": {literal}')
    assert literal in body
    reply, _ = assert_rejected_without_writes(world, "add product", 400, body=body)
    assert "stock" in error_fields(reply)


def test_a_product_with_attributes_its_storefront_rejects_writes_nothing(world):
    body = product_body("handicrafts", attributes={"made_to_order": "sometimes"})
    assert_rejected_without_writes(world, "add product", 400, json_body=body)


# --- body size: over 1 MB -> 413 --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ROUTES))
def test_a_body_over_one_megabyte_is_a_413(world, name):
    def check(size):
        body = padded(ROUTES[name], size)
        assert len(body.encode()) == size
        assert_rejected_without_writes(world, name, 413, body=body)

    each({"1 MB + 1 byte": MB + 1, "2 MB": 2 * MB, "6 MB": 6 * MB}, check)


@pytest.mark.parametrize("name", ["open shop", "register"])
def test_a_body_just_under_the_limit_is_judged_on_its_content_not_its_size(world, name):
    body = padded(ROUTES[name], MB - 10)
    reply, _ = assert_rejected_without_writes(world, name, 400, body=body)
    assert "padding" in error_fields(reply)  # refused for the unknown field, not for the size


def test_an_oversized_body_is_a_413_even_when_it_is_not_json(world):
    assert_rejected_without_writes(world, "open shop", 413, body=b"\x00" * (MB + 1))


# --- content type: JSON only -> otherwise 415 in the house shape ------------------------------------

NON_JSON_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "text/html; charset=utf-8",
    "application/octet-stream",
]


@pytest.mark.parametrize("name", list(ROUTES))
def test_a_non_json_content_type_is_a_415_in_the_house_shape(world, name):
    body = json.dumps(ROUTES[name].valid)  # even a body that would be valid JSON
    each(
        {t: t for t in NON_JSON_TYPES},
        lambda t: assert_rejected_without_writes(world, name, 415, body=body, headers={"Content-Type": t}),
    )


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_with_parameters_or_another_case_is_accepted(world, content_type):
    reply = send(world, "open shop", body=json.dumps(SHOP_BODY), headers={"Content-Type": content_type})
    assert reply.status == 201, reply


# --- query parameters ------------------------------------------------------------------------------

PAGINATED = {
    "storefront products": ("/v1/storefronts/handicrafts/products", None),
    "storefront shops": ("/v1/storefronts/handicrafts/shops", None),
    "my shops": ("/v1/me/shops", "seller"),
    "shop products": ("/v1/shops/{shop}/products", "seller"),
    "moderation queue": ("/v1/admin/shops", "operator"),
}


def _caller(world: World, factory, who: str | None) -> str | None:
    return {"seller": world.seller, "operator": factory.operator, None: None}[who]


BAD_LIMITS = {
    "0": "0",
    "101": "101",
    "-1": "-1",
    "letters": "abc",
    "a fraction": "1.5",
    "an exponent": "1e2",
    "superscript two": "\u00b2",
    "an Arabic-Indic digit": "\u0663",
    "5000 digits": "9" * 5000,
    "empty": "",
    "NUL": "%00",
}


@pytest.mark.parametrize("name", list(PAGINATED))
def test_a_limit_that_is_not_an_integer_from_1_to_100_is_a_400(world, factory, name):
    from urllib.parse import quote

    path, who = PAGINATED[name]
    token = _caller(world, factory, who)

    def check(limit):
        reply = world.api.get(f"{world.fill(path)}?limit={quote(limit, safe='%')}", token=token)
        assert_api_error(reply, 400)
        assert "limit" in error_fields(reply)

    each(BAD_LIMITS, check)


@pytest.mark.parametrize("name", list(PAGINATED))
def test_limits_from_1_to_100_are_accepted(world, factory, name):
    path, who = PAGINATED[name]
    token = _caller(world, factory, who)
    for limit in ("1", "20", "100"):
        reply = world.api.get(f"{world.fill(path)}?limit={limit}", token=token)
        assert reply.status == 200, (limit, reply)


MADE_UP_CURSORS = {
    "a word": "garbage",
    "two dots": "a.b",
    "a plausible shape": "eyJwayI6IngifQ.AAAAAAAAAAAAAAAAAAAAAA",
    "very long": "." * 3000,
    "NUL": "%00",
    "not base64": "%%%.%%%",
}


@pytest.mark.parametrize("name", list(PAGINATED))
def test_a_made_up_cursor_is_a_400(world, factory, name):
    path, who = PAGINATED[name]
    token = _caller(world, factory, who)

    def check(cursor):
        reply = world.api.get(f"{world.fill(path)}?cursor={cursor}", token=token)
        assert_api_error(reply, 400)
        assert "cursor" in error_fields(reply)

    each(MADE_UP_CURSORS, check)


def test_a_nonsense_if_match_header_is_a_precondition_failure_not_a_500(world):
    def check(if_match):
        before = world.snapshot()
        reply = world.api.patch(
            world.fill("/v1/shops/{shop}/products/{product}"),
            {"title": "New"},
            token=world.seller,
            headers={"If-Match": if_match},
        )
        assert_api_error(reply, 412)
        assert world.snapshot() == before

    each(
        {
            "superscript two": '"\u00b2"',
            "5000 digits": '"' + "9" * 5000 + '"',
            "a word": "garbage",
            "negative": '"-1"',
            "weak and stale": 'W/"999"',
        },
        check,
    )


# --- every documented error status has the house shape ----------------------------------------------


def test_every_error_status_of_the_spec_has_the_house_shape(world, factory):
    api, seller, shop, product = world.api, world.seller, world.shop, world.product
    other_seller = factory.user("seller")
    buyer = factory.user("buyer")
    product_path = world.fill("/v1/shops/{shop}/products/{product}")

    assert_api_error(api.post("/v1/shops", {**SHOP_BODY, "name": ""}, token=seller), 400)
    assert_api_error(api.get("/v1/me"), 401)
    assert_api_error(api.post("/v1/shops", SHOP_BODY, token=buyer), 403)
    assert_api_error(api.get("/v1/shops/shp_does_not_exist"), 404)
    assert_api_error(api.get("/v1/storefronts/bazaar/products"), 404)
    assert_api_error(api.post("/v1/shops", {**SHOP_BODY, "name": shop["name"]}, token=other_seller), 409)
    assert_api_error(api.patch(product_path, {"title": "x"}, token=seller, headers={"If-Match": '"999"'}), 412)
    assert_api_error(api.post("/v1/shops", padded(ROUTES["open shop"], MB + 1), token=seller), 413)
    assert_api_error(
        api.request(
            "POST", "/v1/shops", body=json.dumps(SHOP_BODY), token=seller, headers={"Content-Type": "text/plain"}
        ),
        415,
    )
    upload = api.post(f"{product_path}/media", {"content_type": "image/png", "size": 1000}, token=seller)
    assert upload.status == 201, upload
    assert_api_error(api.post(f"{product_path}/media/{upload.json['media_id']}/complete", token=seller), 422)
    assert_api_error(api.request("PUT", "/v1/me", token=seller), 405)
    assert product["product_id"]


def test_validation_errors_carry_details_and_other_errors_do_not_need_them(world):
    reply = send(world, "open shop", json_body={**SHOP_BODY, "storefront": "bazaar"})
    error = assert_api_error(reply, 400)
    assert error["details"] and all(set(d) == {"field", "message"} for d in error["details"])
    assert "details" not in assert_api_error(world.api.get("/v1/me"), 401)


def test_a_failed_registration_leaves_no_account_behind(world):
    email = random_email()
    before = world.snapshot()
    reply = world.api.post(
        "/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer", "nickname": "x"}
    )
    assert_api_error(reply, 400)
    assert world.snapshot() == before
    assert_api_error(world.api.post("/v1/auth/login", {"email": email, "password": PASSWORD}), 401)
    assert world.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"}).status == 201
