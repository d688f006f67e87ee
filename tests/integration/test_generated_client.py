"""The API is SDK-friendly: a client generated from /v1/openapi.json (openapi-python-client, offline) imports and
drives a seller's and a buyer's journey against the app in process (chalice's test client under moto).

The generated client speaks httpx; an httpx.MockTransport hands its requests to chalice.test.Client, so
every call goes through the real routing, auth and validation. The client is generated once per session.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support import PASSWORD, REGION, random_email, settle

PACKAGE = "bazaar_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """The client package generated from the app's own document, imported from a temporary folder."""
    from app import app
    from chalicelib.api.openapi import openapi_document

    where = tmp_path_factory.mktemp("sdk")
    (where / "openapi.json").write_text(json.dumps(openapi_document(app)))
    (where / "config.json").write_text(json.dumps({"post_hooks": []}))  # no formatter run: faster, offline
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [str(generator), "generate", "--path", "openapi.json", "--meta", "none", "--output-path", PACKAGE]
        + ["--config", "config.json"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Warning" not in result.stdout, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _transport(chalice_client) -> httpx.MockTransport:
    """httpx requests into chalice.test.Client: the app in process, no socket."""

    def forward(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        reply = chalice_client.http.request(request.method, path, headers=headers, body=request.content)
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.body)

    return httpx.MockTransport(forward)


@pytest.fixture
def sdk(generated, stack):
    """(package, make_client): make_client(token=None) is a generated Client bound to the app in process."""
    from chalice.test import Client as ChaliceClient

    from app import app
    from tests.support import ROOT

    with ChaliceClient(app, stage_name="local", project_dir=str(ROOT)) as chalice_client:
        transport = _transport(chalice_client)

        def make(token: str | None = None):
            args = {"base_url": "http://bazaar.test", "httpx_args": {"transport": transport}}
            if token:
                return generated.AuthenticatedClient(token=token, raise_on_unexpected_status=True, **args)
            return generated.Client(raise_on_unexpected_status=True, **args)

        yield generated, make


def _module(package, dotted: str):
    return importlib.import_module(f"{package.__name__}.{dotted}")


def _sign_up(package, make, role: str) -> str:
    models = _module(package, "models")
    email = random_email(role)
    register = _module(package, "api.identity.register")
    login = _module(package, "api.identity.login")
    created = register.sync_detailed(
        client=make(), body=models.RegisterIn(email=email, password=PASSWORD, role=models.RegisterInRole(role))
    )
    assert created.status_code == 201, created.content
    token = login.sync(client=make(), body=models.LoginIn(email=email, password=PASSWORD))
    assert isinstance(token, models.TokenPublic), token
    return token.access_token


def test_a_generated_client_drives_a_seller_and_a_buyer(sdk, stack):
    package, make = sdk
    models = _module(package, "models")

    # --- seller: open a shop, add a product, list the shop's products ------------------------------------
    seller = make(_sign_up(package, make, "seller"))
    opened = _module(package, "api.shops.open_shop").sync(
        client=seller,
        body=models.ShopCreate.from_dict(
            {"name": f"SDK Silk {uuid.uuid4().hex[:6]}", "storefront": "handicrafts", "region": dict(REGION)}
        ),
    )
    assert isinstance(opened, models.ShopPublic) and opened.status == models.ShopPublicStatus.PENDING
    product_body = models.ProductCreate.from_dict(
        {
            "title": "Atlas silk scarf",
            "category": "textiles",
            "price": {"amount": 15900, "currency": "CNY"},
            "stock": 5,
            "status": "active",
            "attributes": {"maker": "Aygul Tursun", "made_to_order": False},
        }
    )
    added = _module(package, "api.products.add_product").sync_detailed(
        shop_id=opened.shop_id, client=seller, body=product_body
    )
    assert added.status_code == 201 and added.headers["etag"] == '"1"', added.content
    product = added.parsed
    listed = _module(package, "api.products.list_shop_products").sync(shop_id=opened.shop_id, client=seller)
    assert [p.product_id for p in listed.items] == [product.product_id] and listed.next_cursor is None

    stack.identity.register(operator := random_email("operator"), PASSWORD, "operator")
    operator_token = _module(package, "api.identity.login").sync(
        client=make(), body=models.LoginIn(email=operator, password=PASSWORD)
    )
    approved = _module(package, "api.admin.approve_shop").sync(
        shop_id=opened.shop_id, client=make(operator_token.access_token)
    )
    assert approved.status == models.ShopPublicStatus.ACTIVE
    settle(stack)  # the shop's products follow it onto the storefront in a job (issue 9)

    # --- buyer: browse, put in the cart, check out with an Idempotency-Key ----------------------------------
    buyer = make(_sign_up(package, make, "buyer"))
    page = _module(package, "api.storefronts.list_storefront_products").sync(
        storefront_key="handicrafts", client=make(), q="silk", sort=models.ListStorefrontProductsSort.NEWEST
    )
    assert product.product_id in [card.product_id for card in page.items]
    shown = _module(package, "api.storefronts.get_storefront_product").sync(
        storefront_key="handicrafts", product_id=product.product_id, client=make()
    )
    assert shown.price.amount == 15900 and shown.shop.shop_id == opened.shop_id

    cart = _module(package, "api.cart.set_cart_item").sync(
        product_id=product.product_id, client=buyer, body=models.CartItemPut(quantity=2)
    )
    assert cart.can_checkout and cart.total.amount == 2 * 15900
    checkout = _module(package, "api.orders.checkout")
    body = models.CheckoutIn.from_dict(
        {
            "delivery": {
                "name": "Dilnur Abdulla",
                "phone": "+86 998 555 0142",
                "lines": ["7 Jiefang North Road"],
                "city": "Kashgar",
                "region": "Xinjiang",
                "postal_code": "844000",
                "country": "CN",
            },
            "payment_method": "cash_on_delivery",
        }
    )
    key = f"sdk-{uuid.uuid4().hex}"
    placed = checkout.sync_detailed(client=buyer, body=body, idempotency_key=key)
    assert placed.status_code == 201 and placed.headers["idempotent-replayed"] == "false", placed.content
    replayed = checkout.sync_detailed(client=buyer, body=body, idempotency_key=key)
    assert replayed.status_code == 200 and replayed.parsed.replayed is True
    assert replayed.parsed.checkout_id == placed.parsed.checkout_id
    (order,) = placed.parsed.orders
    assert order.status == models.OrderPublicStatus.PENDING_PAYMENT and order.total.amount == 2 * 15900

    mine = _module(package, "api.orders.list_my_orders").sync(client=buyer)
    assert [o.order_id for o in mine.items] == [order.order_id]
    shop_orders = _module(package, "api.fulfilment.list_shop_orders").sync(shop_id=opened.shop_id, client=seller)
    assert [o.order_id for o in shop_orders.items] == [order.order_id] and shop_orders.items[0].buyer_id


def test_the_generated_client_reads_the_house_error_shape(sdk):
    package, make = sdk
    models = _module(package, "models")
    refused = _module(package, "api.cart.get_cart").sync_detailed(client=make())
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.ErrorBody) and refused.parsed.error.code == "unauthenticated"
