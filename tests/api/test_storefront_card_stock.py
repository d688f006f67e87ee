"""Storefront cards follow stock changes through the order events (checkout has no room to rewrite them)."""

from chalicelib.events.order_events import handle_records
from tests.support import buy, drain_order_events


def _card(api, product):
    items = api.get("/v1/storefronts/handicrafts/products?limit=100").json["items"]
    return next(i for i in items if i["product_id"] == product["product_id"])


def test_selling_out_shows_on_the_storefront_card_once_the_order_event_is_processed(api, factory, stack):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller, "handicrafts"), stock=2)
    orders = buy(api, buyer, {product["product_id"]: 2})

    assert _card(api, product)["stock"] == 2  # the event has not been processed yet
    result = handle_records(drain_order_events(stack))

    assert result == {"batchItemFailures": []}
    card = _card(api, product)
    assert card["stock"] == 0 and card["in_stock"] is False

    assert api.post(f"/v1/orders/{orders[0]['order_id']}/cancel", token=buyer).status == 200
    handle_records(drain_order_events(stack))
    assert _card(api, product)["stock"] == 2
