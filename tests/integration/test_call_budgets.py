"""Hard gates on DynamoDB cost per request (issue 3): a regression here fails CI, not just `make bench`.

(a) every route stays within its call budget (bench/budgets.py, the one table), measured by wrapping
    botocore's `_make_api_call` around each request of bench/scenarios.py on a small catalog;
(b) reads are O(page): the same calls and items read at a catalog 10x larger (100 vs 1,000 products,
    seeded straight into the tables by bench/catalog_seed.py), and the default storefront page reads
    no more than it returns (amplification <= 1.05);
(c) every read route is 1 call, but for the few listed with their reason in bench/budgets.READ_EXCEPTIONS.
moto's time is not O(page) (its Query reads the whole table), so only counts are compared.
"""

from __future__ import annotations

import pytest

from bench.budgets import BUDGETS, MAX_READ_AMPLIFICATION, READ, READ_EXCEPTIONS
from bench.scenarios import (
    BUYING_SCENARIOS,
    MONEY_SCENARIOS,
    SCENARIOS,
    TRUST_SCENARIOS,
    Measurement,
    measure,
    setup_bench,
)
from bench.trade_scenarios import TRADE_SCENARIOS
from tests.support import ROOT, ApiClient, Factory, moto_aws_stack

SMALL, LARGE = 100, 1_000
PAGE = 20  # the default page size every paged scenario uses
READS = [s for s in SCENARIOS if s.is_read]
# Whose pages are full at SMALL too, so their counts must match exactly at LARGE.
MUST_MATCH = {
    "storefront page",
    "storefront page, category",
    "storefront page, sort=price_asc",
    "storefront page, sort=price_desc",
    "storefront page 2 (next_cursor)",
    "product page",
    "owner product list",
    "owner product",
    "admin queue (pending)",
    "storefront shops",
}
# The buying reads see state built by their own preparation (bench/scenarios._buying_world), which does not
# depend on the catalog: every figure must match exactly too.
MUST_MATCH_EXACTLY = {
    s.name for s in BUYING_SCENARIOS + MONEY_SCENARIOS + TRADE_SCENARIOS + TRUST_SCENARIOS if s.is_read
}


def _measure(n_products: int, scenarios) -> dict[str, Measurement]:
    from chalice.test import Client

    from app import app

    # moto's transactions are made fast for the whole session (tests/conftest.py): counts are unchanged
    with (
        moto_aws_stack() as container,
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        api = ApiClient(client)
        bench = setup_bench(api, Factory(api, container), container, n_products)
        return {m.scenario.name: m for m in measure(bench, scenarios)}


@pytest.fixture(scope="module")
def small() -> dict[str, Measurement]:
    return _measure(SMALL, SCENARIOS)


@pytest.fixture(scope="module")
def large() -> dict[str, Measurement]:
    return _measure(LARGE, READS)


def _route_keys() -> set[str]:
    """The JSON API routes. The web pages combine API reads; tests/web/test_page_costs.py budgets them."""
    from app import app
    from chalicelib.api.routing import served_routes
    from chalicelib.web.routing import declared_pages

    web = {spec.key for spec in declared_pages(app)}
    return {f"{method} {path}" for method, path in served_routes(app)} - web


def test_every_route_has_a_budget_and_a_scenario():
    assert _route_keys() == set(BUDGETS), "bench/budgets.py must list exactly the app's routes"
    assert {s.route for s in SCENARIOS} == set(BUDGETS), "every budgeted route needs a scenario that measures it"


def test_read_budgets_are_one_call():
    over = {r: b.calls for r, b in BUDGETS.items() if r.startswith("GET ") and b.calls > READ}
    assert {r: n for r, n in over.items() if r not in READ_EXCEPTIONS} == {}, "a read over 1 call needs a reason"
    assert set(READ_EXCEPTIONS) == set(over), "an exception must be a read route whose budget is over 1 call"
    assert all(why.strip() for why in READ_EXCEPTIONS.values())


def test_read_exceptions_are_measured_at_their_budget(small):
    """The exceptions are honest: each really costs its budget (no silent slack above what it needs)."""
    for scenario in (s for s in SCENARIOS if s.route in READ_EXCEPTIONS):
        assert small[scenario.name].dynamodb.calls == BUDGETS[scenario.route].calls, scenario.name


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_route_within_budget(small, scenario):
    m = small[scenario.name]
    assert m.dynamodb.calls <= scenario.budget, (
        f"{scenario.route} made {m.dynamodb.calls} DynamoDB calls ({m.dynamodb.describe_operations()}), "
        f"budget {scenario.budget}: {BUDGETS[scenario.route].why}"
    )
    assert "Scan" not in m.dynamodb.operations


@pytest.mark.parametrize("scenario", READS, ids=lambda s: s.name)
def test_reads_are_o_page(small, large, scenario):
    a, b = small[scenario.name], large[scenario.name]
    assert b.dynamodb.calls == a.dynamodb.calls
    if scenario.paged:
        assert b.dynamodb.items_read <= PAGE, "a page read more than one page of items"
    if scenario.name in MUST_MATCH:
        assert a.page_full is not False, f"the {SMALL}-product catalog no longer fills this page"
        assert (b.dynamodb.items_read, b.dynamodb.items_returned) == (a.dynamodb.items_read, a.dynamodb.items_returned)
    if scenario.name in MUST_MATCH_EXACTLY:
        assert b.figures() == a.figures()


def test_storefront_page_reads_what_it_returns(small, large):
    for m in (small["storefront page"], large["storefront page"]):
        assert m.dynamodb.items_returned == PAGE
        assert m.dynamodb.read_amplification <= MAX_READ_AMPLIFICATION["storefront page"]


def _table_contents() -> dict[str, list]:
    import boto3

    from chalicelib.adapters.models import MODELS_BY_SETTING

    client = boto3.client("dynamodb", region_name="us-east-1")
    out = {}
    for model in MODELS_BY_SETTING.values():
        items = client.scan(TableName=model.Meta.table_name)["Items"]
        out[model.__name__] = sorted(items, key=repr)
    return out


def test_fast_seeding_stores_what_pynamodb_batch_writes_store():
    from bench.catalog_seed import seed_catalog

    contents = {}
    for fast in (True, False):
        with moto_aws_stack():
            seed_catalog(40, "usr_owner", fast=fast)
            contents[fast] = _table_contents()
    assert contents[True]["ListingModel"], "nothing was seeded"
    assert contents[True] == contents[False]


def test_fast_moto_transactions_still_roll_back():
    """The moto speed-up keeps transactions all-or-nothing (a taken slug leaves no shop behind)."""
    from chalicelib.domain.catalog import Shop
    from chalicelib.domain.errors import Conflict
    from devtools.moto_patches import fast_moto_transactions

    def shop(shop_id: str) -> Shop:
        return Shop(
            shop_id=shop_id,
            owner_id="usr_1",
            name="Same",
            slug="same",
            storefront="handicrafts",
            description="",
            region={"province": "X", "prefecture": "Y", "county": "Z"},
            status="pending",
            created_at="2024-01-01T00:00:00.000Z",
            updated_at="2024-01-01T00:00:00.000Z",
            version=1,
        )

    with moto_aws_stack() as container, fast_moto_transactions():
        container.catalog.create_shop(shop("shp_first"))
        with pytest.raises(Conflict):
            container.catalog.create_shop(shop("shp_second"))
        assert container.catalog.get_shop("shp_first") is not None
        assert container.catalog.get_shop("shp_second") is None


def test_fast_moto_transactions_roll_back_updates_too():
    """A transaction with Updates (a posting that adds to a system account's balance shards) refused by one of
    its conditions leaves the updated items as they were."""
    from chalicelib.domain.errors import Conflict
    from chalicelib.domain.ledger import Account, transfer
    from chalicelib.services.ports import Write
    from devtools.moto_patches import fast_moto_transactions

    commission, buyers = Account.platform("commission"), Account.external("buyer-payments")
    with moto_aws_stack() as container, fast_moto_transactions():
        ledger = container.ledger
        ledger.post(transfer("p1", "test.move", "2026-01-01T00:00:00Z", source=buyers, destination=commission,
                             amount=500, currency="CNY"))  # fmt: skip
        refused = Write(
            {
                "ConditionCheck": {
                    "TableName": container.settings.shops_table,
                    "Key": {"shop_id": {"S": "shp_missing"}},
                    "ConditionExpression": "attribute_exists(shop_id)",
                }
            },
            Conflict("no such shop", code="no_shop"),
        )
        for n in range(2, 6):  # several postings: some land on the same shard as the first
            with pytest.raises(Conflict):
                ledger.post(
                    transfer(f"p{n}", "test.move", "2026-01-01T00:00:00Z", source=buyers, destination=commission,
                             amount=700, currency="CNY"),
                    alongside=[refused],
                )  # fmt: skip
        assert ledger.balance(commission, "CNY").amount == 500
        assert ledger.balance(buyers, "CNY").amount == -500
        assert ledger.get_posting("p2") is None


# --- the one-read owner routes keep their access rules -----------------------------------------------


def _dynamodb_calls(request) -> tuple[object, int]:
    from bench.counting import CallRecorder

    with CallRecorder() as rec:
        reply = request()
    return reply, rec.dynamodb().calls


def test_owner_reads_take_one_call_and_still_refuse_others(api, factory):
    owner, other, operator = factory.user("seller"), factory.user("seller"), factory.operator
    shop = factory.shop(owner, operator=operator)
    pending = factory.shop(owner, approve=False)
    product = factory.product(owner, shop)
    base = f"/v1/shops/{shop['shop_id']}/products"
    one = f"{base}/{product['product_id']}"

    for path in (base, one):
        reply, calls = _dynamodb_calls(lambda path=path: api.get(path, token=owner))
        assert (reply.status, calls) == (200, 1), reply
        assert api.get(path, token=operator).status == 200
        assert api.get(path, token=other).status == 403  # the shop is public, so its existence is no secret
        assert api.get(path, token=factory.user("buyer")).status == 403
    # the product exists, but not under this shop (even one of the same owner)
    assert api.get(f"/v1/shops/{pending['shop_id']}/products/{product['product_id']}", token=owner).status == 404
    assert api.get(f"/v1/shops/{pending['shop_id']}/products/{product['product_id']}", token=other).status == 404
    assert api.get(f"/v1/shops/shp_missing/products/{product['product_id']}", token=owner).status == 404
    assert api.get(f"{base}/prd_missing", token=owner).status == 404


def test_owner_list_of_an_empty_shop_reads_the_shop_to_tell_empty_from_foreign(api, factory):
    owner, other = factory.user("seller"), factory.user("seller")
    pending = factory.shop(owner, approve=False)
    path = f"/v1/shops/{pending['shop_id']}/products"
    reply, calls = _dynamodb_calls(lambda: api.get(path, token=owner))
    assert (reply.status, reply.json["items"], calls) == (200, [], 2)
    assert api.get(path, token=other).status == 404  # a pending shop stays invisible to other sellers
