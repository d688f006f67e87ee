"""Issue 12: the markets' routes and the storefront read in a foreign market (`market=ru`)."""

from __future__ import annotations

import json
import uuid

from bench.scenarios import STOREFRONT, Bench, Scenario, _expect, _sf


def _rate_recorded(b: Bench) -> None:
    """A CNY-RUB rate in force and the market's zones (recording them also warms this instance's cache, as the
    first read of a warm Lambda would: the counted request then costs its one Query or GetItem)."""
    if "ru_rate" not in b.state:
        reply = b.api.put("/v1/admin/fx-rates/CNY-RUB", {"rate": "12.8345"}, token=b.operator)
        b.state["ru_rate"] = _expect(reply, 200, "PUT fx rate").json
        reply = b.api.put("/v1/admin/fx-rates/CNY-EUR", {"rate": "0.1281"}, token=b.operator)
        _expect(reply, 200, "PUT fx rate (EUR)")
        # the zones too: a warm instance has the market's delivery terms cached as it has the rate
        _expect(b.api.put("/v1/admin/markets/ru/zones", ZONES, token=b.operator), 200, "PUT zones")


ZONES = [
    {
        "zone": "core",
        "cities": ["Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg", "Kazan"],
        "promise_days": 15,
    },
    {"zone": "rest", "promise_days": 30},
]


def _zones_set(b: Bench) -> None:
    """Zones recorded (which also puts them in this instance's cache, as a warm Lambda has them)."""
    _rate_recorded(b)
    _expect(b.api.put("/v1/admin/markets/ru/zones", ZONES, token=b.operator), 200, "PUT zones")


def _ru_product(b: Bench) -> str:
    return next(p for p in reversed(b.catalog.products) if p.storefront == STOREFRONT and "ru" in p.markets).product_id


RU_ADDRESS = {
    "name": "Анна Смирнова",
    "phone": "+7 912 555 0142",
    "lines": ["ул. Ленина, 5"],
    "city": "Kazan",
    "region": "Tatarstan",
    "postal_code": "420111",
    "country": "RU",
}


def _ru_buyable(b: Bench) -> str:
    """A product sold in ru with stock for a few checkouts."""
    return next(
        p
        for p in b.catalog.products
        if p.storefront == STOREFRONT and "ru" in p.markets and p.is_listed and p.stock >= 10
    ).product_id


def _ru_line_in_cart(b: Bench) -> None:
    """The buyer's cart holds one line set in the ru market (only: earlier scenarios left home-market lines)."""
    _rate_recorded(b)
    _expect(b.api.delete("/v1/cart", token=b.buyer), 204, "DELETE cart")
    reply = b.api.put(f"/v1/cart/items/{_ru_buyable(b)}", {"quantity": 1, "market": "ru"}, token=b.buyer)
    _expect(reply, 200, "PUT cart item (ru)")


def _ru_order(b: Bench) -> None:
    """An order of the Russian market from a shop of a seller with a token (the seeded shops have none)."""
    if "ru_order" in b.state:
        return
    _rate_recorded(b)
    seller = b.factory.user("seller")
    shop = b.factory.shop(seller, operator=b.operator)
    _expect(b.api.patch(f"/v1/shops/{shop['shop_id']}", {"export_markets": ["ru"]}, token=seller), 200, "export")
    product = b.factory.product(seller, shop, shipping={"weight_g": 200, "hs_code": "6214100000"})
    _expect(b.api.delete("/v1/cart", token=b.buyer), 204, "DELETE cart")
    reply = b.api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1, "market": "ru"}, token=b.buyer)
    _expect(reply, 200, "PUT cart item (ru)")
    b.state["ru_order"] = _expect(_ru_checkout(b), 201, "ru checkout").json["orders"][0]
    b.state["ru_seller"] = seller


def _ru_card_order(b: Bench) -> None:
    """An unpaid Mir card order of the Russian market, and the acquirer's signed notification that pays it."""
    from chalicelib.domain import ru_payments

    _ru_order(b)
    _expect(b.api.delete("/v1/cart", token=b.buyer), 204, "DELETE cart")
    product_id = b.state["ru_order"]["lines"][0]["product_id"]
    reply = b.api.put(f"/v1/cart/items/{product_id}", {"quantity": 1, "market": "ru"}, token=b.buyer)
    _expect(reply, 200, "PUT cart item (ru)")
    placed = _expect(_ru_checkout(b, "mir_card"), 201, "ru checkout (mir card)").json
    order = placed["orders"][0]
    key, password = b.container.settings.ru_acquirer_credentials
    fields = {
        "OrderId": order["order_id"],
        "Success": True,
        "Status": "CONFIRMED",
        "PaymentId": int(placed["payments"][0]["payment_id"]),
        "ErrorCode": "0",
        "Amount": order["market"]["total"]["amount"],
    }
    b.state["ru_card_order"] = order
    b.state["ru_notification"] = ru_payments.signed(fields, key, password)


def _ru_unpaid_order(b: Bench) -> None:
    _ru_card_order(b)
    b.state["ru_pay_again"] = b.state["ru_card_order"]


def _ru_checkout(b: Bench, payment: str = "cash_on_delivery"):
    body = {"delivery": RU_ADDRESS, "payment_method": payment, "market": "ru"}
    return b.api.post("/v1/checkout", body, token=b.buyer, headers={"Idempotency-Key": f"ru-{uuid.uuid4().hex}"})


MARKET_SCENARIOS: list[Scenario] = [
    Scenario("markets list", "GET /v1/markets", lambda b: b.api.get("/v1/markets"), 200),
    Scenario(
        "storefront page, market=ru",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(market="ru")),
        200,
        prepare=_rate_recorded,
        paged=True,
    ),
    Scenario(
        "storefront page, market=ru + category",
        "GET /v1/storefronts/{storefront_key}/products",
        lambda b: b.api.get(_sf(market="ru", category="textiles", sort="price_asc")),
        200,
        prepare=_rate_recorded,
        paged=True,
    ),
    Scenario(
        "product page, market=ru",
        "GET /v1/storefronts/{storefront_key}/products/{product_id}",
        lambda b: b.api.get(_sf(f"/{_ru_product(b)}", market="ru")),
        200,
        prepare=_rate_recorded,
    ),
    Scenario(
        "record an exchange rate (operator)",
        "PUT /v1/admin/fx-rates/{pair}",
        lambda b: b.api.put("/v1/admin/fx-rates/CNY-EUR", {"rate": "0.1281"}, token=b.operator),
        200,
    ),
    Scenario(
        "exchange rate history (operator)",
        "GET /v1/admin/fx-rates/{pair}",
        lambda b: b.api.get("/v1/admin/fx-rates/CNY-RUB", token=b.operator),
        200,
        prepare=_rate_recorded,
        paged=True,
    ),
    Scenario(
        "cart (market=ru)",
        "GET /v1/cart",
        lambda b: b.api.get("/v1/cart?market=ru", token=b.buyer),
        200,
        prepare=_ru_line_in_cart,
    ),
    Scenario(
        "set a cart line (market=ru)",
        "PUT /v1/cart/items/{product_id}",
        lambda b: b.api.put(f"/v1/cart/items/{_ru_buyable(b)}", {"quantity": 2, "market": "ru"}, token=b.buyer),
        200,
        prepare=_rate_recorded,
    ),
    Scenario(
        "checkout (market=ru)",
        "POST /v1/checkout",
        _ru_checkout,
        201,
        prepare=_ru_line_in_cart,
    ),
    Scenario(
        "customs declaration (seller)",
        "GET /v1/shops/{shop_id}/orders/{order_id}/customs-declaration",
        lambda b: b.api.get(
            f"/v1/shops/{b.state['ru_order']['shop']['shop_id']}/orders/{b.state['ru_order']['order_id']}"
            "/customs-declaration",
            token=b.state["ru_seller"],
        ),
        200,
        prepare=_ru_order,
    ),
    Scenario(
        "acquirer notification pays a Mir card order",
        "POST /v1/payments/ru/notifications",
        lambda b: b.api.request("POST", "/v1/payments/ru/notifications", body=json.dumps(b.state["ru_notification"])),
        200,
        prepare=_ru_card_order,
    ),
    Scenario(
        "a Russian order's payment page (buyer)",
        "POST /v1/orders/{order_id}/payment",
        lambda b: b.api.post(f"/v1/orders/{b.state['ru_pay_again']['order_id']}/payment", token=b.buyer),
        200,
        prepare=_ru_unpaid_order,
    ),
    Scenario(
        "set delivery zones (operator)",
        "PUT /v1/admin/markets/{market}/zones",
        lambda b: b.api.put("/v1/admin/markets/ru/zones", ZONES, token=b.operator),
        200,
    ),
    Scenario(
        "set delivery compensation (operator)",
        "PUT /v1/admin/markets/{market}/compensation",
        lambda b: b.api.put("/v1/admin/markets/ru/compensation", {"type": "points", "value": 500}, token=b.operator),
        200,
    ),
    Scenario(
        "product page, market=ru + city (delivered by)",
        "GET /v1/storefronts/{storefront_key}/products/{product_id}",
        lambda b: b.api.get(_sf(f"/{_ru_product(b)}", market="ru", city="Kazan")),
        200,
        prepare=_zones_set,
    ),
    Scenario(
        "tracking event (seller)",
        "POST /v1/shops/{shop_id}/orders/{order_id}/tracking",
        lambda b: b.api.post(
            f"/v1/shops/{b.state['ru_order']['shop']['shop_id']}/orders/{b.state['ru_order']['order_id']}/tracking",
            {"event": "handed_to_carrier", "at": b.container.clock(), "location": "Urumqi"},
            token=b.state["ru_seller"],
        ),
        200,
        prepare=_ru_order,
    ),
    Scenario(
        "change the delivery address (buyer)",
        "PATCH /v1/orders/{order_id}/delivery",
        lambda b: b.api.patch(
            f"/v1/orders/{b.state['ru_pay_again']['order_id']}/delivery",
            {"delivery": {**RU_ADDRESS, "city": "Yakutsk"}},
            token=b.buyer,
        ),
        200,
        prepare=_ru_unpaid_order,
    ),
    Scenario(
        "my coupons (buyer)",
        "GET /v1/me/coupons",
        lambda b: b.api.get("/v1/me/coupons", token=b.buyer),
        200,
        prepare=lambda b: _coupon_issued(b),
        paged=True,
    ),
    Scenario(
        "checkout with a coupon (market=ru, Mir card)",
        "POST /v1/checkout",
        lambda b: b.api.post(
            "/v1/checkout",
            {"delivery": RU_ADDRESS, "payment_method": "mir_card", "market": "ru", "coupon_code": b.state["coupon"]},
            token=b.buyer,
            headers={"Idempotency-Key": f"ru-{uuid.uuid4().hex}"},
        ),
        201,
        prepare=lambda b: _ru_cart_and_coupon(b),
    ),
    Scenario(
        "register a carrier (operator)",
        "POST /v1/admin/carriers",
        lambda b: b.api.post("/v1/admin/carriers", {"name": "Cainiao Russia"}, token=b.operator),
        201,
    ),
    Scenario(
        "tracking event naming the carrier (seller)",
        "POST /v1/shops/{shop_id}/orders/{order_id}/tracking",
        lambda b: b.api.post(
            _tracking_path(b),
            {"event": "handed_to_carrier", "at": b.container.clock(), "carrier_id": b.state["carrier"]["carrier_id"]},
            token=b.state["ru_seller"],
        ),
        200,
        prepare=lambda b: _ru_order_and_carrier(b),
    ),
    Scenario(
        "tracking event signed by the carrier",
        "POST /v1/shops/{shop_id}/orders/{order_id}/tracking",
        lambda b: _carrier_post(b),
        200,
        prepare=lambda b: _handed_to_carrier(b),
    ),
    Scenario(
        "carriers (operator)",
        "GET /v1/admin/carriers",
        lambda b: b.api.get("/v1/admin/carriers?limit=20", token=b.operator),
        200,
        prepare=lambda b: _carrier(b),
        paged=True,
    ),
    Scenario(
        "one carrier (operator)",
        "GET /v1/admin/carriers/{carrier_id}",
        lambda b: b.api.get(f"/v1/admin/carriers/{_carrier(b)['carrier_id']}", token=b.operator),
        200,
    ),
    Scenario(
        "suspend a carrier (operator)",
        "POST /v1/admin/carriers/{carrier_id}/suspend",
        lambda b: b.api.post(
            f"/v1/admin/carriers/{b.state['spare_carrier']['carrier_id']}/suspend",
            {"reason": "Contract ended"},
            token=b.operator,
        ),
        200,
        prepare=lambda b: _spare_carrier(b),
    ),
    Scenario(
        "reactivate a carrier (operator)",
        "POST /v1/admin/carriers/{carrier_id}/reactivate",
        lambda b: b.api.post(
            f"/v1/admin/carriers/{b.state['spare_carrier']['carrier_id']}/reactivate", token=b.operator
        ),
        200,
        prepare=lambda b: _spare_carrier(b, suspended=True),
    ),
    Scenario(
        "rotate a carrier's secret (operator)",
        "POST /v1/admin/carriers/{carrier_id}/rotate-secret",
        lambda b: b.api.post(
            f"/v1/admin/carriers/{b.state['spare_carrier']['carrier_id']}/rotate-secret", token=b.operator
        ),
        200,
        prepare=lambda b: _spare_carrier(b),
    ),
]


def _spare_carrier(b: Bench, *, suspended: bool = False) -> None:
    """A carrier of its own for the suspend and reactivate scenarios (the bench carrier keeps posting)."""
    reply = b.api.post("/v1/admin/carriers", {"name": "Spare Carrier"}, token=b.operator)
    b.state["spare_carrier"] = _expect(reply, 201, "POST carrier").json
    if suspended:
        path = f"/v1/admin/carriers/{b.state['spare_carrier']['carrier_id']}/suspend"
        _expect(b.api.post(path, {"reason": "Secret leaked"}, token=b.operator), 200, "suspend carrier")


def _carrier(b: Bench) -> dict:
    if "carrier" not in b.state:
        reply = b.api.post("/v1/admin/carriers", {"name": "Bench Carrier"}, token=b.operator)
        b.state["carrier"] = _expect(reply, 201, "POST carrier").json
    return b.state["carrier"]


def _tracking_path(b: Bench) -> str:
    return f"/v1/shops/{b.state['ru_order']['shop']['shop_id']}/orders/{b.state['ru_order']['order_id']}/tracking"


def _ru_order_and_carrier(b: Bench) -> None:
    _ru_order(b)
    _carrier(b)


def _handed_to_carrier(b: Bench) -> None:
    _ru_order(b)
    carrier = _carrier(b)
    body = {"event": "handed_to_carrier", "at": b.container.clock(), "carrier_id": carrier["carrier_id"]}
    _expect(b.api.post(_tracking_path(b), body, token=b.state["ru_seller"]), 200, "handed to the carrier")


def _carrier_post(b: Bench):
    """The carrier's signed tracking event (domain/carriers.py), as devtools/carrier.py sends it."""
    import datetime as dt

    from chalicelib.domain.carriers import signature

    carrier = b.state["carrier"]
    body = json.dumps({"event": "import_customs", "at": b.container.clock(), "location": "Moscow"}).encode()
    ts = str(int(dt.datetime.fromisoformat(b.container.clock().replace("Z", "+00:00")).timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Carrier-Id": carrier["carrier_id"],
        "X-Carrier-Timestamp": ts,
        "X-Carrier-Signature": signature(carrier["signing_secret"], ts, body),
    }
    return b.api.request("POST", _tracking_path(b), body=body, headers=headers)


def _ru_cart_and_coupon(b: Bench) -> None:
    _ru_line_in_cart(b)
    _coupon_issued(b, fresh=True)


def _coupon_issued(b: Bench, *, fresh: bool = False) -> None:
    """A coupon of 1.00 RUB in the buyer's name, as the delivery-promise job issues them (issue 12)."""
    from chalicelib.domain import coupons

    if "coupon" in b.state and not fresh:
        return
    buyer_id = _expect(b.api.get("/v1/me", token=b.buyer), 200, "GET /v1/me").json["user_id"]
    coupon = coupons.issue(f"bench-{uuid.uuid4().hex}", buyer_id, 100, "RUB", b.container.clock())
    b.container.buying.commit([b.container.coupons.issue_write(coupon)])
    b.state["coupon"] = coupon.code


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.market_scenarios [--sizes 1000,10000]`: the markets' reads measured at each catalog size
    (DynamoDB calls and items read/returned per request: they must not grow with the catalog)."""
    import argparse
    import contextlib
    import io

    from bench import environment

    environment.prepare()  # fake AWS credentials and moto, before anything makes a client (as bench.run does)

    from chalice.test import Client

    from app import app
    from bench.scenarios import measure, setup_bench
    from devtools.moto_patches import fast_moto_transactions
    from tests.support import ROOT, ApiClient, Factory, moto_aws_stack

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    sizes = [int(x) for x in parser.parse_args(argv).sizes.split(",")]
    reads = [s for s in MARKET_SCENARIOS if s.is_read]
    rows: dict[str, list[str]] = {s.name: [] for s in reads}
    for n in sizes:
        with (
            contextlib.redirect_stdout(io.StringIO()),
            moto_aws_stack() as container,
            fast_moto_transactions(),
            Client(app, stage_name="local", project_dir=str(ROOT)) as client,
        ):
            api = ApiClient(client)
            bench = setup_bench(api, Factory(api, container), container, n)
            for m in measure(bench, reads):
                d = m.dynamodb
                rows[m.scenario.name].append(f"{d.calls} calls, {d.items_read} read, {d.items_returned} returned")
    print(f"| read | {' | '.join(f'{n} products' for n in sizes)} |")
    print(f"|---|{'---|' * len(sizes)}")
    for name, figures in rows.items():
        print(f"| {name} | {' | '.join(figures)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
