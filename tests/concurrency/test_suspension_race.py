"""20 checkouts racing a shop's suspension on a moto server with atomic requests (issue 9, "Proof").

The Outbox table's stream records commits in their order: each checkout writes its orders' events there, and
the suspension writes its product job's event in the same transaction as the shop's new status. So "no
checkout commits after the suspension" is checked on that order: every checkout's outbox record comes before
the suspension's. A control runs the same race with checkout's shop condition taken out: then checkouts do
commit after the suspension (the products are still listed until the job has run), which shows the race is
real. Once the job has run, the shop's products are gone from every storefront page.

Figures of every trial are printed (`pytest -s tests/concurrency` shows them).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.concurrency.harness import (
    locked_moto_stack,
    overlapped,
    run_together,
    thread_local_requests,
    thread_safe_api,
)
from tests.support import Factory, assert_api_error

BUYERS = 20
TRIALS = 2
BODY = {
    "delivery": {
        "name": "Aynur Tohti",
        "phone": "+86 991 555 0101",
        "lines": ["12 Renmin Road"],
        "city": "Kashgar",
        "region": "Xinjiang",
        "postal_code": "844000",
        "country": "CN",
    },
    "payment_method": "cash_on_delivery",
}


@pytest.fixture(scope="module")
def world():
    from app import app

    with locked_moto_stack() as stack, thread_local_requests(app):
        api = thread_safe_api(app)
        factory = Factory(api, stack)
        yield stack, api, factory, factory.user("seller"), [factory.user("buyer") for _ in range(BUYERS)]


def commit_order(stack) -> list[tuple[int, str, str]]:
    """(sequence number, outbox id, first event type) of every outbox item ever written, in commit order."""
    poller = stack.outbox_stream
    records = [r for shard in poller.records().values() for r in shard]
    out = []
    for r in records:
        if r["eventName"] != "INSERT":
            continue
        image = r["dynamodb"]["NewImage"]
        out.append((int(r["dynamodb"]["SequenceNumber"]), image["outbox_id"]["S"], image["events"]["S"]))
    return out


def race(world, *, trial: str):
    stack, api, factory, seller, buyers = world
    shop = factory.shop(seller)
    products = [factory.product(seller, shop, title=f"Scarf {i}", stock=50) for i in range(3)]
    for i, token in enumerate(buyers):
        assert api.delete("/v1/cart", token=token).status == 204
        reply = api.put(f"/v1/cart/items/{products[i % 3]['product_id']}", {"quantity": 1}, token=token)
        assert reply.status == 200, reply

    def act(i: int):
        if i == BUYERS:
            return api.post(f"/v1/admin/shops/{shop['shop_id']}/suspend", token=factory.operator)
        return api.post("/v1/checkout", BODY, token=buyers[i], headers={"Idempotency-Key": f"{trial}-{i}"})

    outcomes = run_together(BUYERS + 1, act)
    replies = [o.value for o in outcomes]
    assert replies[BUYERS].status == 200, replies[BUYERS]
    checkouts = replies[:BUYERS]
    placed = {r.json["checkout_id"] for r in checkouts if r.status == 201}
    commits = commit_order(stack)
    suspension = next(seq for seq, oid, _ in commits if oid == f"shop-resync:{shop['shop_id']}:3:0")
    after = [oid for seq, oid, _ in commits if oid.removeprefix("checkout:") in placed and seq > suspension]
    return shop, products, checkouts, outcomes, placed, after


def test_no_checkout_commits_after_the_suspension_and_the_products_leave_every_page(world):
    stack, api, *_ = world
    from tests.support import settle

    for trial in range(TRIALS):
        shop, products, checkouts, outcomes, placed, after = race(world, trial=f"susp-{trial}")
        statuses = Counter(r.status for r in checkouts)
        print(
            f"\n[suspension race {trial + 1}] checkouts={BUYERS}, committed={len(placed)}, "
            f"refused={statuses[409]}, committed_after_suspension={len(after)}, overlapped={overlapped(outcomes)}",
            flush=True,
        )
        assert overlapped(outcomes), "the checkouts and the suspension did not run at the same time"
        assert after == [], after
        assert set(statuses) <= {201, 409}, statuses
        for reply in checkouts:
            if reply.status == 409:
                assert assert_api_error(reply, 409)["code"] == "shop_unavailable"

        settle(stack)  # the products' job
        for query in ("", "?q=scarf", "?category=textiles", "?prefecture=Kashgar", "?sort=price_asc"):
            cards = api.get(f"/v1/storefronts/handicrafts/products{query}").json["items"]
            assert not {c["product_id"] for c in cards} & {p["product_id"] for p in products}, query
        # and after the suspension nothing of the shop can be bought
        token = world[4][0]
        assert api.put(f"/v1/cart/items/{products[0]['product_id']}", {"quantity": 1}, token=token).status == 404


def test_control_without_the_shop_condition_checkouts_commit_after_the_suspension(world, monkeypatch):
    """The same race with checkout's per-shop condition replaced by one that always holds."""
    from chalicelib.adapters import orders

    original = orders._shop_active

    def always_true(shop_id: str) -> dict:
        check = original(shop_id)
        check["ConditionCheck"]["ConditionExpression"] = "attribute_exists(shop_id)"
        check["ConditionCheck"].pop("ExpressionAttributeNames")
        check["ConditionCheck"].pop("ExpressionAttributeValues")
        return check

    monkeypatch.setattr(orders, "_shop_active", always_true)
    late = 0
    for trial in range(TRIALS):
        *_, placed, after = race(world, trial=f"control-{trial}")
        late += len(after)
        print(f"\n[control {trial + 1}] committed={len(placed)}, committed_after_suspension={len(after)}", flush=True)
    monkeypatch.setattr(orders, "_shop_active", original)
    assert late >= 1, "without the shop condition no checkout committed after the suspension: the race is not real"
