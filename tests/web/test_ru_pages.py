"""Issue 12: the Russian storefront in the browser, in process: Russian titles, roubles, the delivery date for
the buyer's city, checkout by SBP ending on the acquirer's page, and what each page costs."""

from __future__ import annotations

import re

from bench.counting import CallRecorder
from chalicelib.web.formatting import format_money
from tests.support import connect_ru_acquirer
from tests.web.helpers import buyer_session

RU_TRANSLATIONS = {"ru": {"title": "Шёлковый платок атлас", "description": "Ткань ручной работы."}}
ZONES = [
    {"zone": "core", "cities": ["Moscow", "Kazan"], "promise_days": 15},
    {"zone": "rest", "promise_days": 30},
]
RU_FORM = {
    "name": "Анна Смирнова",
    "phone": "+7 912 555 0142",
    "line1": "ул. Ленина, 5",
    "city": "Kazan",
    "region": "Tatarstan",
    "postal_code": "420111",
    "payment_method": "sbp",
}
# the page budgets of the Russian storefront, measured here (tests/web/test_page_costs.py leaves them to us)
RU_PAGES = {
    "GET /ru",
    "GET /ru/s/{storefront_key}/p/{product_id}",
    "POST /ru/cart/add",
    "GET /ru/checkout",
    "POST /ru/checkout",
    "GET /ru/orders/{order_id}",
    "GET /ru/orders/{order_id}/pay",
}


def ru_shop(api, factory, stack):
    return ru_seller_shop(api, factory, stack)[1]


def ru_seller_shop(api, factory, stack):
    """(the seller's token, a product sold in ru) of an exporting shop, with the rates and the zones."""
    operator = factory.operator
    for pair, rate in (("CNY-RUB", "12.8345"), ("CNY-EUR", "0.1281")):
        assert api.put(f"/v1/admin/fx-rates/{pair}", {"rate": rate}, token=operator).status == 200
    assert api.put("/v1/admin/markets/ru/zones", ZONES, token=operator).status == 200
    seller = factory.user("seller")
    shop = factory.shop(seller)
    assert api.patch(f"/v1/shops/{shop['shop_id']}", {"export_markets": ["ru"]}, token=seller).status == 200
    shipping = {"weight_g": 180, "hs_code": "6214100000"}
    product = factory.product(seller, shop, shipping=shipping, translations=RU_TRANSLATIONS, stock=50)
    factory.product(seller, shop, title="Felt rug (not exported)")
    return seller, product


def test_the_russian_storefront_shows_russian_titles_roubles_and_the_promise_date(web, api, factory, stack):
    from tests.web.test_page_costs import PAGE_BUDGETS

    product = ru_shop(api, factory, stack)
    connect_ru_acquirer(stack, api)
    measured: dict[str, int] = {}

    def measure(route: str, request, status: int):
        with CallRecorder() as rec:
            reply = request()
        assert reply.status == status, (route, reply)
        measured[route] = rec.totals().calls
        return reply

    home = measure("GET /ru", lambda: web.get("/ru"), 200)
    assert 'lang="ru"' in home.text and "Шёлковый платок атлас" in home.text
    # 159.00 CNY x 12.8345 = 2040.6855 -> 2 040,69 ₽
    assert format_money(204069, "RUB", "ru") in home.text
    assert "Felt rug" not in home.text  # not sold in Russia
    path = f"/ru/s/handicrafts/p/{product['product_id']}"
    page = measure("GET /ru/s/{storefront_key}/p/{product_id}", lambda: web.get(path + "?city=Kazan"), 200)
    assert "Доставим до" in page.text and "Ткань ручной работы." in page.text

    buyer_session(web, factory)
    token = web.get(path).hidden("csrf")
    added = measure(
        "POST /ru/cart/add",
        lambda: web.post("/ru/cart/add", {"csrf": token, "product_id": product["product_id"], "quantity": "2"}),
        303,
    )
    assert "/ru/checkout" in added.location
    form = measure("GET /ru/checkout", lambda: web.get("/ru/checkout"), 200)
    assert "Итого" in form.text
    data = {**RU_FORM, "csrf": form.hidden("csrf"), "idempotency_key": form.hidden("idempotency_key")}
    placed = measure("POST /ru/checkout", lambda: web.post("/ru/checkout", data), 303)
    order_id = re.search(r"/ru/orders/(ord_\w+)", placed.location).group(1)
    order = measure("GET /ru/orders/{order_id}", lambda: web.get(f"/ru/orders/{order_id}"), 200)
    assert "Ожидает оплаты" in order.text and "Перейти к оплате" in order.text
    pay = measure("GET /ru/orders/{order_id}/pay", lambda: web.get(f"/ru/orders/{order_id}/pay"), 303)
    assert pay.location.startswith(stack.settings.ru_acquirer_url + "/pay/")

    assert set(measured) == RU_PAGES
    over = {r: (n, PAGE_BUDGETS[r][0]) for r, n in measured.items() if n > PAGE_BUDGETS[r][0]}
    assert over == {}, over


def test_a_buyer_sees_their_coupon_on_the_orders_page_and_spends_it_at_the_rouble_checkout(web, api, factory, stack):
    """Issue 12: a coupon (as the delivery-promise job issues them) listed on /orders, typed into /ru/checkout."""
    from chalicelib.bootstrap import container
    from chalicelib.domain import coupons
    from tests.support import PASSWORD

    product = ru_shop(api, factory, stack)
    connect_ru_acquirer(stack, api)
    email = buyer_session(web, factory)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    buyer_id = api.get("/v1/me", token=token).json["user_id"]
    c = container()
    coupon = coupons.issue("ord_missed", buyer_id, 10_000, "RUB", c.clock())  # 100.00 RUB
    c.buying.commit([c.coupons.issue_write(coupon)])

    mine = web.get("/orders")
    assert mine.status == 200 and coupon.code in mine.text and "ord_missed" in mine.text

    path = f"/ru/s/handicrafts/p/{product['product_id']}"
    csrf = web.get(path).hidden("csrf")
    assert web.post("/ru/cart/add", {"csrf": csrf, "product_id": product["product_id"], "quantity": "2"}).status == 303
    form = web.get("/ru/checkout")
    assert 'name="coupon_code"' in form.text and "Код купона" in form.text
    assert "Ваши купоны" in form.text and f'<option value="{coupon.code}">' in form.text  # offered to pick
    data = {**RU_FORM, "csrf": form.hidden("csrf"), "idempotency_key": form.hidden("idempotency_key")}
    wrong = web.post("/ru/checkout", {**data, "coupon_code": "DP-NOPE"})
    assert wrong.status == 404 and "У вас нет купона с таким кодом." in wrong.text
    placed = web.post("/ru/checkout", {**data, "coupon_code": coupon.code})
    assert placed.status == 303, placed.text[:2000]
    order_id = re.search(r"/ru/orders/(ord_\w+)", placed.location).group(1)
    order = web.get(f"/ru/orders/{order_id}")
    # 2 x 159.00 CNY x 12.8345 = 4 081,37 ₽, less the coupon's 100,00 ₽
    assert f"Купон {coupon.code}: −{format_money(10_000, 'RUB', 'ru')}" in order.text
    assert format_money(2 * 204069 - 10_000, "RUB", "ru") in order.text
    csrf = web.get(path).hidden("csrf")
    assert web.post("/ru/cart/add", {"csrf": csrf, "product_id": product["product_id"], "quantity": "1"}).status == 303
    form = web.get("/ru/checkout")
    data = {**RU_FORM, "csrf": form.hidden("csrf"), "idempotency_key": form.hidden("idempotency_key")}
    assert f'<option value="{coupon.code}">' not in form.text  # spent: no longer offered
    again = web.post("/ru/checkout", {**data, "coupon_code": coupon.code})
    assert again.status == 409 and "Этот купон уже использован." in again.text
    assert "coupon-restored" not in web.get("/orders").text
    # the purchase it paid for cancelled (its only order): the coupon is back, and the page says so
    cancel = web.post(f"/orders/{order_id}/cancel", {"csrf": web.get(f"/orders/{order_id}").hidden("csrf")})
    assert cancel.status == 303, cancel.text[:2000]
    back = web.get("/orders")
    assert 'class="meta coupon-restored"' in back.text and coupon.code in back.text


def test_the_city_selector_speaks_russian_and_the_language_switch_offers_uyghur_on_ru(web, api, factory, stack):
    product = ru_shop(api, factory, stack)
    path = f"/ru/s/handicrafts/p/{product['product_id']}"
    page = web.get(path + "?city=Kazan")
    assert page.status == 200 and 'lang="ru"' in page.text
    assert '<option value="Kazan" selected>Казань</option>' in page.text  # the key stays, the name is Russian
    assert '<option value="Moscow">Москва</option>' in page.text and "— Казань" in page.text
    assert 'name="lang" value="ug"' in page.text  # the switch offers Uyghur, as on the other storefronts
    chosen = web.post("/lang", {"csrf": page.hidden("csrf"), "lang": "ug", "next": path})
    assert chosen.status == 303
    in_uyghur = web.get(path + "?city=Kazan")
    assert 'lang="ug"' in in_uyghur.text and 'dir="rtl"' in in_uyghur.text
    assert "قازان" in in_uyghur.text and "₽" in in_uyghur.text  # still roubles
    home = web.get("/ru")
    assert 'lang="ug"' in home.text


def test_the_rouble_checkout_names_the_city_in_russian_and_the_order_keeps_the_zones_key(web, api, factory, stack):
    """The promise selector says Москва; the checkout says it too (not the stored key "Moscow"), and the order
    placed with the Russian name (or the one the page filled in) stores the key the zones are matched by."""
    from tests.support import PASSWORD

    product = ru_shop(api, factory, stack)
    connect_ru_acquirer(stack, api)
    email = buyer_session(web, factory)
    token = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    path = f"/ru/s/handicrafts/p/{product['product_id']}"
    cities = {}
    for typed in ("prefilled", "  казань ", "Tver"):
        csrf = web.get(path).hidden("csrf")
        added = web.post(
            "/ru/cart/add", {"csrf": csrf, "product_id": product["product_id"], "quantity": "1", "city": "Kazan"}
        )
        assert added.status == 303 and added.location.endswith("city=Kazan")
        form = web.get(added.location)
        assert 'id="city" name="city" value="Казань"' in form.text and 'value="Kazan"' not in form.text
        assert 'id="city" name="city" value="Москва"' in web.get("/ru/checkout").text  # the default city
        city = form.text.split('id="city" name="city" value="')[1].split('"')[0] if typed == "prefilled" else typed
        data = {**RU_FORM, "city": city, "csrf": form.hidden("csrf"), "idempotency_key": form.hidden("idempotency_key")}
        placed = web.post("/ru/checkout", data)
        assert placed.status == 303, placed.text[:2000]
        order_id = re.search(r"/ru/orders/(ord_\w+)", placed.location).group(1)
        cities[typed] = api.get(f"/v1/orders/{order_id}", token=token).json["delivery"]["city"]
    assert cities == {"prefilled": "Kazan", "  казань ": "Kazan", "Tver": "Tver"}
    # a refused form shows the city back in Russian too
    csrf = web.get(path).hidden("csrf")
    web.post("/ru/cart/add", {"csrf": csrf, "product_id": product["product_id"], "quantity": "1"})
    form = web.get("/ru/checkout")
    data = {**RU_FORM, "city": "Moscow", "phone": "", "csrf": form.hidden("csrf")}
    refused = web.post("/ru/checkout", {**data, "idempotency_key": form.hidden("idempotency_key")})
    assert refused.status == 400 and 'id="city" name="city" value="Москва"' in refused.text


def test_a_russian_buyer_sees_each_refund_in_roubles_and_the_total_the_api_says_was_given_back(
    web, api, factory, stack
):
    """A rouble order paid by SBP misses its delivery promise (a 10 % percent_refund), then one of its two units
    is returned and received: the order page lists both refunds in roubles, what for and when, and their total is
    the API's `market.refunded`; in the four languages (ug right to left), at one GetItem."""
    from chalicelib.events.order_events import compensate_promises
    from tests.api.test_delivery_promise import move_clock
    from tests.api.test_ru_payments import on_hosted_page
    from tests.support import PASSWORD, settle
    from tests.web.test_page_costs import PAGE_BUDGETS

    seller, product = ru_seller_shop(api, factory, stack)
    connect_ru_acquirer(stack, api)
    body = {"type": "percent_refund", "value": 10}
    assert api.put("/v1/admin/markets/ru/compensation", body, token=factory.operator).status == 200
    email = buyer_session(web, factory)
    buyer = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}).json["access_token"]
    path = f"/ru/s/handicrafts/p/{product['product_id']}"
    csrf = web.get(path).hidden("csrf")
    assert web.post("/ru/cart/add", {"csrf": csrf, "product_id": product["product_id"], "quantity": "2"}).status == 303
    form = web.get("/ru/checkout")
    data = {**RU_FORM, "csrf": form.hidden("csrf"), "idempotency_key": form.hidden("idempotency_key")}
    placed = web.post("/ru/checkout", data)
    assert placed.status == 303, placed.text[:2000]
    order_id = re.search(r"/ru/orders/(ord_\w+)", placed.location).group(1)
    assert "refunds-heading" not in web.get(f"/ru/orders/{order_id}").text  # nothing given back yet
    on_hosted_page(web.get(f"/ru/orders/{order_id}/pay").location, "sbp")
    assert stack.ru_acquirer_sim.flush() == 1
    base = f"/v1/shops/{product['shop_id']}/orders/{order_id}"
    shipped = api.post(f"{base}/ship", {"carrier": "Почта России", "tracking_number": "RA1"}, token=seller)
    assert shipped.status == 200, shipped

    move_clock(stack, 10 + 15 + 1)  # the promised day (Kazan: made in 10 days + 15) passes undelivered
    assert compensate_promises()["done"] == 1
    settle(stack)  # the refund goes back through the acquirer
    assert api.post(f"{base}/deliver", token=seller).status == 200
    line_id = api.get(f"/v1/orders/{order_id}", token=buyer).json["lines"][0]["line_id"]
    ret = api.post(f"/v1/orders/{order_id}/returns", {"lines": [{"line_id": line_id, "quantity": 1}]}, token=buyer)
    assert ret.status == 201, ret
    received = api.post(f"/v1/shops/{product['shop_id']}/returns/{ret.json['return_id']}/receive", token=seller)
    assert received.status == 200, received
    settle(stack)

    order = api.get(f"/v1/orders/{order_id}", token=buyer).json
    charged = [r["charged"] for r in order["refunds"]]
    assert [c["currency"] for c in charged] == ["RUB", "RUB"] and all(c["amount"] > 0 for c in charged)
    assert sum(c["amount"] for c in charged) == order["market"]["refunded"]["amount"]
    with CallRecorder() as rec:
        page = web.get(f"/ru/orders/{order_id}")
    assert page.status == 200 and 'lang="ru"' in page.text
    assert rec.totals().calls <= PAGE_BUDGETS["GET /ru/orders/{order_id}"][0] == 1  # the order carries it all
    rows = dict(re.findall(r'<tr class="refund refund-(\w+)">(.*?)</tr>', page.text, re.S))
    assert set(rows) == {"compensation", "return"}
    compensation, returned = order["refunds"]
    assert "Компенсация за задержку доставки" in rows["compensation"]
    assert format_money(compensation["charged"]["amount"], "RUB", "ru") in rows["compensation"]
    assert f'datetime="{compensation["at"]}"' in rows["compensation"]
    assert "Возврат товара" in rows["return"]
    assert format_money(returned["charged"]["amount"], "RUB", "ru") in rows["return"]
    total = re.search(r'<td class="num refunds-total">([^<]*)</td>', page.text).group(1)
    assert "Всего возвращено" in page.text
    assert total == format_money(order["market"]["refunded"]["amount"], "RUB", "ru")
    # the generic order page (where the return was asked for) lists them in roubles too
    generic = web.get(f"/orders/{order_id}")
    in_english = format_money(order["market"]["refunded"]["amount"], "RUB", "en")  # the visitor's language there
    assert generic.status == 200 and in_english in generic.text and "refund-compensation" in generic.text
    assert "Delivery date missed" in generic.text  # on its timeline

    expected = {
        "en": ("Compensation for late delivery", "Total refunded"),
        "zh": ("延迟送达补偿", "退款合计"),
        "ug": ("يەتكۈزۈش كېچىككەنلىكى ئۈچۈن تۆلەم", "جەمئىي قايتۇرۇلغىنى"),
    }
    for lang, (reason, total_label) in expected.items():
        chosen = web.post("/lang", {"csrf": page.hidden("csrf"), "lang": lang, "next": f"/ru/orders/{order_id}"})
        assert chosen.status == 303
        shown = web.get(f"/ru/orders/{order_id}")
        assert shown.status == 200 and f'lang="{lang}"' in shown.text
        assert reason in shown.text and total_label in shown.text
        assert format_money(order["market"]["refunded"]["amount"], "RUB", lang) in shown.text  # still roubles
    assert 'dir="rtl"' in shown.text  # ug, the last


def test_the_refund_table_adds_up_when_older_refunds_left_the_order_and_a_late_payment_is_its_own_charge():
    from chalicelib.web.orders import refunds_shown

    def refund(return_id, amount, charged):
        return {
            "return_id": return_id,
            "amount": {"amount": amount, "currency": "CNY"},
            "at": "2026-11-30T10:00:00.000Z",
            "status": "issued",
            "refund_id": "r1",
            "charged": {"amount": charged, "currency": "RUB"},
        }

    order = {
        "refunds": [refund("ret_A", 1000, 12835), refund("late-payment:ru:9", 2000, 25669)],
        "refunded": {"amount": 5000, "currency": "CNY"},
        "market": {"refunded": {"amount": 38504, "currency": "RUB"}},  # ret_A and an older return (25669)
    }
    shown = refunds_shown(order)
    assert [e["reason"] for e in shown["entries"]] == ["return", "late_payment"]
    assert shown["earlier"] == {"amount": 25669, "currency": "RUB"}
    assert shown["total"] == {"amount": 38504 + 25669, "currency": "RUB"}
    assert refunds_shown({"refunds": [], "refunded": {"amount": 0, "currency": "CNY"}}) is None
