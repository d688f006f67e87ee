"""The buying path end to end through the API: cart -> checkout -> fulfil -> return -> refund."""

ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}


def _checkout(api, buyer, key="k-1", payment="cash_on_delivery"):
    return api.post(
        "/v1/checkout",
        {"delivery": ADDRESS, "payment_method": payment},
        token=buyer,
        headers={"Idempotency-Key": key},
    )


def test_buyer_checks_out_a_cart_across_two_shops_and_stock_goes_down(api, factory):
    seller_a, seller_b, buyer = factory.user("seller"), factory.user("seller"), factory.user("buyer")
    shop_a, shop_b = factory.shop(seller_a, "handicrafts"), factory.shop(seller_b, "b2b")
    scarf = factory.product(seller_a, shop_a, stock=5)
    cotton = factory.product(seller_b, shop_b, **{"stock": 500})

    assert api.put(f"/v1/cart/items/{scarf['product_id']}", {"quantity": 2}, token=buyer).status == 200
    cart = api.put(f"/v1/cart/items/{cotton['product_id']}", {"quantity": 50}, token=buyer)
    assert cart.status == 200, cart
    assert cart.json["can_checkout"] is True
    assert {g["shop_id"] for g in cart.json["shops"]} == {shop_a["shop_id"], shop_b["shop_id"]}
    b2b_line = next(g for g in cart.json["shops"] if g["shop_id"] == shop_b["shop_id"])["lines"][0]
    assert b2b_line["unit_price"]["amount"] == 10000  # the 50+ tier

    reply = _checkout(api, buyer)
    assert reply.status == 201, reply
    assert len(reply.json["orders"]) == 2
    assert reply.json["total"]["amount"] == 2 * 15900 + 50 * 10000

    assert api.get("/v1/cart", token=buyer).json["line_count"] == 0
    owner_view = api.get(f"/v1/shops/{shop_a['shop_id']}/products/{scarf['product_id']}", token=seller_a)
    assert owner_view.json["stock"] == 3
    assert len(api.get("/v1/orders", token=buyer).json["items"]) == 2


def test_replaying_a_checkout_returns_the_same_result_and_a_different_body_is_422(api, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller), stock=5)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer)
    first = _checkout(api, buyer, key="same")
    again = _checkout(api, buyer, key="same")
    assert first.status == 201 and again.status == 200
    assert again.json["checkout_id"] == first.json["checkout_id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = _checkout(api, buyer, key="same", payment="bank_transfer")
    assert other.status == 422
    assert len(api.get("/v1/orders", token=buyer).json["items"]) == 1


def test_checkout_names_the_lines_that_break_a_rule(api, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    shop = factory.shop(seller, "b2b")
    cotton = factory.product(seller, shop, stock=500)
    cart = api.put(f"/v1/cart/items/{cotton['product_id']}", {"quantity": 7}, token=buyer)
    line = cart.json["shops"][0]["lines"][0]
    assert {p["code"] for p in line["problems"]} == {"below_moq", "not_a_multiple"}
    reply = _checkout(api, buyer)
    assert reply.status == 409
    assert reply.json["error"]["details"][0]["field"] == f"lines.{cotton['product_id']}"


def test_order_lifecycle_with_return_and_refund(api, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    shop = factory.shop(seller)
    product = factory.product(seller, shop, stock=4)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 2}, token=buyer)
    order = _checkout(api, buyer, payment="bank_transfer").json["orders"][0]
    base = f"/v1/shops/{shop['shop_id']}/orders/{order['order_id']}"

    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF123"}, token=seller).status == 409
    assert api.post(f"{base}/mark-paid", token=seller).json["status"] == "paid"
    assert api.post(f"{base}/ship", {"carrier": "SF", "tracking_number": "SF123"}, token=seller).status == 200
    delivered = api.post(f"{base}/deliver", token=seller)
    assert delivered.json["status"] == "delivered"
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 409

    line_id = delivered.json["lines"][0]["line_id"]
    too_many = api.post(
        f"/v1/orders/{order['order_id']}/returns", {"lines": [{"line_id": line_id, "quantity": 3}]}, token=buyer
    )
    assert too_many.status == 409
    ret = api.post(
        f"/v1/orders/{order['order_id']}/returns", {"lines": [{"line_id": line_id, "quantity": 1}]}, token=buyer
    )
    assert ret.status == 201, ret
    received = api.post(f"/v1/shops/{shop['shop_id']}/returns/{ret.json['return_id']}/receive", token=seller)
    assert received.status == 200 and received.json["status"] == "received"
    assert api.post(f"/v1/shops/{shop['shop_id']}/returns/{ret.json['return_id']}/receive", token=seller).status == 409

    mine = api.get(f"/v1/orders/{order['order_id']}", token=buyer).json
    assert mine["refunded"]["amount"] == 15900
    assert [e["action"] for e in mine["timeline"]] == [
        "placed",
        "paid",
        "shipped",
        "delivered",
        "return_requested",
        "refunded",
    ]
    stock = api.get(f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", token=seller).json["stock"]
    assert stock == 3


def test_buyer_cancels_before_shipment_and_stock_returns_once(api, factory):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    shop = factory.shop(seller)
    product = factory.product(seller, shop, stock=4)
    api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 3}, token=buyer)
    order = _checkout(api, buyer).json["orders"][0]
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).json["status"] == "cancelled"
    assert api.post(f"/v1/orders/{order['order_id']}/cancel", token=buyer).status == 409
    stock = api.get(f"/v1/shops/{shop['shop_id']}/products/{product['product_id']}", token=seller).json["stock"]
    assert stock == 4
