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
    return product


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
