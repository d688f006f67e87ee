"""Storefront cards follow the in-stock flag through the order events (checkout changes stock only)."""

from chalicelib.events.order_events import handle_records
from chalicelib.services.catalog import refresh_cards
from tests.support import buy, drain_order_events


def _card(api, product):
    items = api.get("/v1/storefronts/handicrafts/products?limit=100").json["items"]
    return next(i for i in items if i["product_id"] == product["product_id"])


def test_selling_out_shows_on_the_storefront_card_once_the_order_event_is_processed(api, factory, stack):
    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller, "handicrafts"), stock=2)
    orders = buy(api, buyer, {product["product_id"]: 2})

    assert _card(api, product)["in_stock"] is True  # the event has not been processed yet
    result = handle_records(drain_order_events(stack))

    assert result == {"batchItemFailures": []}
    assert _card(api, product)["in_stock"] is False

    assert api.post(f"/v1/orders/{orders[0]['order_id']}/cancel", token=buyer).status == 200
    handle_records(drain_order_events(stack))
    assert _card(api, product)["in_stock"] is True


def test_a_sale_that_leaves_stock_writes_no_listing_entry_and_selling_out_rewrites_them_once(api, factory, stack):
    from bench.counting import CallRecorder

    seller, buyer = factory.user("seller"), factory.user("buyer")
    product = factory.product(seller, factory.shop(seller, "handicrafts"), title="Atlas silk scarf", stock=3)
    listings = stack.settings.listings_table
    facets = 4 * (1 + 3)  # (category?, prefecture?) x (no word, atlas, silk, scarf)

    buy(api, buyer, {product["product_id"]: 2})
    with CallRecorder() as rec:
        handle_records(drain_order_events(stack))
    assert rec.written_to(listings) == 0 and _card(api, product)["in_stock"] is True

    buy(api, buyer, {product["product_id"]: 1})  # the last one
    with CallRecorder() as rec:
        handle_records(drain_order_events(stack))
    assert rec.written_to(listings) == facets and _card(api, product)["in_stock"] is False

    with CallRecorder() as rec:  # the same event again (at-least-once delivery): nothing more to write
        assert refresh_cards(stack.catalog, [product["product_id"]]) == 0
    assert rec.written_to(listings) == 0
