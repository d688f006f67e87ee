def test_seller_opens_shop_and_buyer_finds_product(api, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    product = factory.product(seller, shop)
    page = api.get("/v1/storefronts/handicrafts/products")
    assert page.status == 200, page
    assert [i["product_id"] for i in page.json["items"]] == [product["product_id"]]
