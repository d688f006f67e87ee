"""Issue 12: markets, exchange rates, export opt-in, storefront reads in roubles and in the buyer's language."""

from __future__ import annotations

from decimal import Decimal

from tests.support import assert_api_error, settle

RU_TRANSLATIONS = {
    "ru": {"title": "Шёлковый платок атлас", "description": "Ткань ручной работы."},
    "zh": {"title": "艾德莱斯丝绸围巾", "description": "手工织造"},
}
SHIPPING = {"weight_g": 180, "hs_code": "6214100000"}


def record_rate(api, factory, rate: str, as_of: str, pair: str = "CNY-RUB"):
    return api.put(f"/v1/admin/fx-rates/{pair}", {"rate": rate, "as_of": as_of}, token=factory.operator)


def exporting_shop(api, factory, seller: str) -> dict:
    shop = factory.shop(seller)
    reply = api.patch(f"/v1/shops/{shop['shop_id']}", {"export_markets": ["ru"]}, token=seller)
    assert reply.status == 200, reply
    assert reply.json["export_markets"] == ["ru"]
    return reply.json


def ru_world(api, factory, stack):
    """An exporting shop with a product sold in ru (shipping + translations), one without shipping data, and
    a shop that does not export; a CNY-RUB rate."""
    assert record_rate(api, factory, "12.8345", "2026-11-01T00:00:00Z").status == 200
    assert record_rate(api, factory, "0.1281", "2026-11-01T00:00:00Z", "CNY-EUR").status == 200
    seller = factory.user("seller")
    shop = exporting_shop(api, factory, seller)
    sold = factory.product(
        seller,
        shop,
        price={"amount": 15999, "currency": "CNY"},
        shipping=SHIPPING,
        stock=200,
        translations=RU_TRANSLATIONS,
    )
    unshipped = factory.product(seller, shop, title="Doppa cap")
    other_seller = factory.user("seller")
    home_only = factory.product(other_seller, factory.shop(other_seller), shipping=SHIPPING, title="Felt rug")
    settle(stack)
    return {"seller": seller, "shop": shop, "sold": sold, "unshipped": unshipped, "home_only": home_only}


def test_the_markets_are_listed_with_their_currency_and_languages(api):
    reply = api.get("/v1/markets")
    assert reply.status == 200
    assert reply.json == [
        {"market": "cn", "currency": "CNY", "languages": ["zh", "en", "ug"]},
        {"market": "ru", "currency": "RUB", "languages": ["ru"]},
    ]


def test_operators_record_rates_and_every_rate_is_kept(api, factory):
    first = record_rate(api, factory, "12.8345", "2026-11-01T00:00:00Z")
    assert first.status == 200, first
    assert first.json["rate"] == "12.8345" and first.json["pair"] == "CNY-RUB"
    second = record_rate(api, factory, "12.9001", "2026-11-02T00:00:00Z")
    assert second.status == 200
    history = api.get("/v1/admin/fx-rates/CNY-RUB", token=factory.operator)
    assert history.status == 200
    assert [r["rate"] for r in history.json["items"]] == ["12.9001", "12.8345"]
    page = api.get("/v1/admin/fx-rates/CNY-RUB?limit=1", token=factory.operator)
    assert len(page.json["items"]) == 1 and page.json["next_cursor"]


def test_a_rate_is_a_decimal_string_never_a_float(api, factory):
    reply = api.put("/v1/admin/fx-rates/CNY-RUB", {"rate": 12.8345}, token=factory.operator)
    assert_api_error(reply, 400)
    assert_api_error(api.put("/v1/admin/fx-rates/CNY-RUB", {"rate": "1e3"}, token=factory.operator), 400)
    assert_api_error(api.put("/v1/admin/fx-rates/CNY-RUB", {"rate": "0"}, token=factory.operator), 400, "bad_rate")


def test_an_unknown_currency_is_refused(api, factory):
    assert_api_error(record_rate(api, factory, "1.5", "2026-11-01T00:00:00Z", "CNY-XYZ"), 400, "unknown_currency")
    assert_api_error(record_rate(api, factory, "1.5", "2026-11-01T00:00:00Z", "RUB-CNY"), 400, "unsupported_pair")
    assert_api_error(api.get("/v1/storefronts/handicrafts/products?market=us"), 400)


def test_a_rate_older_than_the_one_in_force_is_refused_and_nothing_changes(api, factory):
    assert record_rate(api, factory, "12.9", "2026-11-02T00:00:00Z").status == 200
    assert_api_error(record_rate(api, factory, "11.0", "2026-11-01T00:00:00Z"), 409, "rate_out_of_order")
    history = api.get("/v1/admin/fx-rates/CNY-RUB", token=factory.operator)
    assert [r["rate"] for r in history.json["items"]] == ["12.9"]


def test_only_operators_record_rates(api, factory):
    seller = factory.user("seller")
    reply = api.put("/v1/admin/fx-rates/CNY-RUB", {"rate": "12.1"}, token=seller)
    assert_api_error(reply, 403)


def test_shipping_data_is_checked(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller)
    for bad in ({"weight_g": 0, "hs_code": "621410"}, {"weight_g": 100, "hs_code": "62141"}, {"weight_g": 100}):
        reply = api.post(
            f"/v1/shops/{shop['shop_id']}/products",
            {**_body(shop), "shipping": bad},
            token=seller,
        )
        assert_api_error(reply, 400)
    reply = api.patch(f"/v1/shops/{shop['shop_id']}", {"export_markets": ["us"]}, token=seller)
    assert_api_error(reply, 400)


def _body(shop):
    from tests.support import product_body

    return product_body(shop["storefront"])


def test_a_russian_buyer_sees_only_products_sold_in_russia_in_roubles_and_russian(api, factory, stack):
    w = ru_world(api, factory, stack)
    reply = api.get("/v1/storefronts/handicrafts/products?market=ru")
    assert reply.status == 200, reply
    assert [c["product_id"] for c in reply.json["items"]] == [w["sold"]["product_id"]]
    card = reply.json["items"][0]
    # 15999 fen x 12.8345 = 205339.1655 kopecks -> 205339 (half up on the exact product)
    assert card["price"] == {"amount": 205339, "currency": "RUB"}
    assert card["base_price"] == {"amount": 15999, "currency": "CNY"}
    assert card["fx"]["rate"] == "12.8345"
    assert card["title"] == "Шёлковый платок атлас"
    assert "Accept-Language" in reply.headers.get("vary", "")
    home = api.get("/v1/storefronts/handicrafts/products")
    assert {c["product_id"] for c in home.json["items"]} >= {
        w["sold"]["product_id"],
        w["unshipped"]["product_id"],
        w["home_only"]["product_id"],
    }
    assert all(c["price"]["currency"] == "CNY" for c in home.json["items"])


def test_the_product_page_in_russia_is_in_roubles_and_only_for_products_sold_there(api, factory, stack):
    w = ru_world(api, factory, stack)
    sold = api.get(f"/v1/storefronts/handicrafts/products/{w['sold']['product_id']}?market=ru")
    assert sold.status == 200, sold
    assert sold.json["price"] == {"amount": 205339, "currency": "RUB"}
    assert sold.json["description"] == "Ткань ручной работы."
    assert sold.json["language"] == "ru" and sold.json["markets"] == ["ru"]
    gone = api.get(f"/v1/storefronts/handicrafts/products/{w['unshipped']['product_id']}?market=ru")
    assert_api_error(gone, 404, "product_not_found")


def test_the_language_comes_from_lang_then_accept_language_else_the_original(api, factory, stack):
    w = ru_world(api, factory, stack)
    path = f"/v1/storefronts/handicrafts/products/{w['sold']['product_id']}"
    assert api.get(path + "?lang=zh").json["title"] == "艾德莱斯丝绸围巾"
    assert api.get(path, headers={"Accept-Language": "en-GB;q=0.3, zh-CN;q=0.9"}).json["title"] == "艾德莱斯丝绸围巾"
    assert api.get(path + "?lang=ug").json["title"] == "Atlas silk scarf"  # no Uyghur given: the original
    assert api.get(path).json["title"] == "Atlas silk scarf"
    assert_api_error(api.get(path + "?lang=fr"), 400)


def test_search_finds_translated_titles(api, factory, stack):
    w = ru_world(api, factory, stack)
    for q in ("платок", "шелковый", "艾德莱斯"):
        reply = api.get(f"/v1/storefronts/handicrafts/products?q={q}")
        assert [c["product_id"] for c in reply.json["items"]] == [w["sold"]["product_id"]], q
    in_ru = api.get("/v1/storefronts/handicrafts/products?market=ru&q=платок")
    assert [c["product_id"] for c in in_ru.json["items"]] == [w["sold"]["product_id"]]


def test_a_new_rate_reprices_the_russian_storefront(api, factory, stack):
    w = ru_world(api, factory, stack)
    assert record_rate(api, factory, "13.0000", "2026-11-05T00:00:00Z").status == 200
    card = api.get("/v1/storefronts/handicrafts/products?market=ru").json["items"][0]
    assert card["product_id"] == w["sold"]["product_id"]
    assert card["price"]["amount"] == int(Decimal(15999) * Decimal("13.0000"))
    assert card["fx"]["rate"] == "13.0000"


def test_stopping_exports_takes_the_shops_products_out_of_the_russian_storefront(api, factory, stack):
    w = ru_world(api, factory, stack)
    reply = api.patch(f"/v1/shops/{w['shop']['shop_id']}", {"export_markets": []}, token=w["seller"])
    assert reply.status == 200 and reply.json["export_markets"] == []
    settle(stack)
    assert api.get("/v1/storefronts/handicrafts/products?market=ru").json["items"] == []


def test_the_russian_storefront_needs_a_rate(api, factory):
    assert_api_error(api.get("/v1/storefronts/handicrafts/products?market=ru"), 503, "no_exchange_rate")


# --- checkout in roubles ------------------------------------------------------------------------------

RU_ADDRESS = {
    "name": "Анна Смирнова",
    "phone": "+7 912 555 0142",
    "lines": ["ул. Ленина, 5, кв. 12"],
    "city": "Kazan",
    "region": "Tatarstan",
    "postal_code": "420111",
    "country": "RU",
}


def ru_checkout(api, token, *, payment="cash_on_delivery", delivery=None, key=None):
    import uuid

    return api.post(
        "/v1/checkout",
        {"delivery": delivery or RU_ADDRESS, "payment_method": payment, "market": "ru"},
        token=token,
        headers={"Idempotency-Key": key or f"key-{uuid.uuid4().hex}"},
    )


def ru_cart_put(api, token, product_id, quantity=2, market="ru"):
    body = {"quantity": quantity, **({"market": market} if market else {})}
    reply = api.put(f"/v1/cart/items/{product_id}", body, token=token)
    assert reply.status == 200, reply
    return reply.json


def test_a_russian_buyer_checks_out_in_roubles_at_the_rate_fixed_on_the_order(api, factory, stack):
    from bench.counting import CallRecorder

    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    shown = ru_cart_put(api, buyer, w["sold"]["product_id"])
    assert shown["total"] == {"amount": 2 * 205339, "currency": "RUB"}
    assert shown["base_total"] == {"amount": 2 * 15999, "currency": "CNY"}
    line = shown["shops"][0]["lines"][0]
    assert line["unit_price"] == {"amount": 205339, "currency": "RUB"} and line["price_changed"] is False
    assert api.get("/v1/cart?market=ru", token=buyer).json["total"]["amount"] == 2 * 205339
    with CallRecorder() as rec:
        reply = ru_checkout(api, buyer)
    assert reply.status == 201, reply
    assert rec.dynamodb().calls == 2  # one BatchGetItem (cart, claim, holds, rate) + one transaction
    assert reply.json["charged"] == {"amount": 2 * 205339, "currency": "RUB"}
    order = reply.json["orders"][0]
    assert order["total"] == {"amount": 2 * 15999, "currency": "CNY"}  # the seller is settled in CNY
    charge = order["market"]
    assert charge["currency"] == "RUB" and charge["rate"] == "12.8345"
    assert charge["total"] == {"amount": 2 * 205339, "currency": "RUB"}
    assert charge["base_total"] == {"amount": 2 * 15999, "currency": "CNY"}
    assert charge["rate_id"] == reply.json["fx"]["rate_id"]
    stored = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert stored["market"] == charge
    # a later rate changes nothing on the order
    assert record_rate(api, factory, "14.0", "2026-11-20T00:00:00Z").status == 200
    assert api.get(f"/v1/orders/{order['order_id']}", token=buyer).json["market"] == charge


def test_a_rate_change_between_cart_and_checkout_is_price_changed_never_a_silent_change(api, factory, stack):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"])
    assert record_rate(api, factory, "13.0000", "2026-11-10T00:00:00Z").status == 200
    cart = api.get("/v1/cart?market=ru", token=buyer).json
    line = cart["shops"][0]["lines"][0]
    assert line["unit_price"]["amount"] == 15999 * 13 and line["price_changed"] is True
    refused = ru_checkout(api, buyer)
    error = assert_api_error(refused, 409, "price_changed")
    assert "13.0000" in error["details"][0]["message"]
    assert api.get("/v1/orders", token=buyer).json["items"] == []
    assert api.get("/v1/cart?market=ru", token=buyer).json["shops"][0]["lines"][0]["price_changed"] is False
    placed = ru_checkout(api, buyer)
    assert placed.status == 201, placed
    assert placed.json["charged"]["amount"] == 2 * 15999 * 13


def test_a_rate_recorded_during_checkout_refuses_the_transaction(api, factory, stack, monkeypatch):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"])
    real = stack.buying.checkout_reads_in_market
    calls = []

    def reads_then_rate_changes(*args, **kwargs):
        got = real(*args, **kwargs)
        if not calls:
            record_rate(api, factory, "12.5", "2026-11-11T00:00:00Z")
        calls.append(1)
        return got

    monkeypatch.setattr(stack.buying, "checkout_reads_in_market", reads_then_rate_changes)
    assert_api_error(ru_checkout(api, buyer), 409, "price_changed")
    assert api.get("/v1/orders", token=buyer).json["items"] == []
    assert ru_checkout(api, buyer).json["charged"]["amount"] == 2 * 199988  # 15999 x 12.5 = 199987.5 -> 199988


def test_a_line_set_in_the_home_market_is_repriced_or_refused_in_russia(api, factory, stack):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"], market=None)
    assert_api_error(ru_checkout(api, buyer), 409, "price_changed")
    assert ru_checkout(api, buyer).status == 201
    other = factory.user("buyer")
    ru_cart_put(api, other, w["home_only"]["product_id"], market=None)
    error = assert_api_error(ru_checkout(api, other), 409, "lines_unavailable")
    assert error["details"][0]["code"] == "not_sold_in_market"
    reply = api.put(f"/v1/cart/items/{w['unshipped']['product_id']}", {"quantity": 1, "market": "ru"}, token=other)
    assert_api_error(reply, 404, "product_not_found")


def test_a_russian_checkout_is_delivered_to_russia_and_paid_as_the_market_allows(api, factory, stack):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"])
    assert_api_error(ru_checkout(api, buyer, payment="card"), 400, "payment_method_unavailable")
    assert_api_error(ru_checkout(api, buyer, delivery={**RU_ADDRESS, "country": "CN"}), 400, "delivery_outside_market")
    assert api.get("/v1/orders", token=buyer).json["items"] == []


# --- customs ------------------------------------------------------------------------------------------


def test_a_parcel_within_the_allowance_carries_its_declaration(api, factory, stack):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"], quantity=2)
    order = ru_checkout(api, buyer).json["orders"][0]
    customs = order["customs"]
    assert customs["over_allowance"] is False and customs["duty_accepted"] is False
    assert customs["value"] == {"amount": 31998, "currency": "CNY"}
    assert customs["value_eur"] == {"amount": 4099, "currency": "EUR"}  # 31998 x 0.1281 = 4098.94
    assert customs["weight_g"] == 360
    assert customs["lines"] == [
        {
            "line_id": order["lines"][0]["line_id"],
            "hs_code": "6214100000",
            "description": "Шёлковый платок атлас",  # the title in the market's language
            "quantity": 2,
            "value": {"amount": 31998, "currency": "CNY"},
            "weight_g": 360,
        }
    ]
    declaration = api.get(
        f"/v1/shops/{w['shop']['shop_id']}/orders/{order['order_id']}/customs-declaration", token=w["seller"]
    )
    assert declaration.status == 200, declaration
    assert declaration.json["customs"] == customs
    assert declaration.json["consignee"]["country"] == "RU" and declaration.json["consignee"]["city"] == "Kazan"


def test_a_parcel_over_the_allowance_needs_the_buyer_to_accept_the_duty(api, factory, stack):
    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"], quantity=12)  # 1919.88 CNY = 245.94 EUR
    refused = assert_api_error(ru_checkout(api, buyer), 409, "duty_acceptance_required")
    # 15 % of (245.94 - 200) EUR = 6.891 -> 6.89 EUR; in RUB via the two rates: 689 x 12.8345 / 0.1281 = 69031.6...
    duty_rub = int((Decimal(689) * Decimal("12.8345") / Decimal("0.1281")).quantize(Decimal(1), "ROUND_HALF_UP"))
    assert f"{duty_rub / 100:.2f} RUB" in refused["details"][0]["message"]
    assert "6.89 EUR" in refused["details"][0]["message"]
    assert api.get("/v1/orders", token=buyer).json["items"] == []
    import uuid

    placed = api.post(
        "/v1/checkout",
        {"delivery": RU_ADDRESS, "payment_method": "cash_on_delivery", "market": "ru", "accept_duty": True},
        token=buyer,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert placed.status == 201, placed
    customs = placed.json["orders"][0]["customs"]
    assert customs["over_allowance"] is True and customs["duty_accepted"] is True
    assert customs["duty_eur"] == {"amount": 689, "currency": "EUR"}
    assert customs["duty_estimate"] == {"amount": duty_rub, "currency": "RUB"}


def test_a_home_market_order_has_no_customs_declaration(api, factory, stack):
    from tests.support import buy

    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    order = buy(api, buyer, {w["sold"]["product_id"]: 1})[0]
    assert "customs" not in order or order["customs"] is None
    reply = api.get(
        f"/v1/shops/{w['shop']['shop_id']}/orders/{order['order_id']}/customs-declaration", token=w["seller"]
    )
    assert_api_error(reply, 404, "no_customs_declaration")


def test_mir_card_and_sbp_are_for_the_russian_market_only(api, factory, stack):
    from tests.support import checkout

    w = ru_world(api, factory, stack)
    buyer = factory.user("buyer")
    ru_cart_put(api, buyer, w["sold"]["product_id"], market=None)
    for method in ("mir_card", "sbp"):
        assert_api_error(checkout(api, buyer, payment=method), 400, "payment_method_unavailable")
    assert api.get("/v1/orders", token=buyer).json["items"] == []
