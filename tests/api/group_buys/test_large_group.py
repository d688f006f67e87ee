"""A group larger than one transaction (issue 19) closes all-or-none: the stock for the whole group is reserved
in one conditional update, then the orders are created in batches; a crash half way is resumed by the clock's
job, which creates only the missing orders. The stock is taken once and every participant ends with an order."""

from __future__ import annotations

import pytest

from chalicelib.adapters.models import OrderModel
from chalicelib.api.presenters import commitment_public
from chalicelib.domain.group_buys import ONE_TRANSACTION_PARTICIPANTS, ORDER_BATCH
from chalicelib.domain.identity import Actor, Role
from chalicelib.services import group_buys
from tests.api.group_buys.support import B2B, commitment, later, settle_groups
from tests.support import stock_of

PARTICIPANTS = 100  # > ONE_TRANSACTION_PARTICIPANTS
TIERS = {**B2B, "price_tiers": [*B2B["price_tiers"], {"min_quantity": 500, "amount": 9000}]}


def join(stack, group_id: str, n: int):
    actor = Actor(user_id=f"villager-{n:03d}", email=f"v{n}@example.com", roles=frozenset({Role.BUYER}))
    return group_buys.join(
        stack.group_buys,
        stack.buying,
        actor,
        group_id,
        f"key-{n}",
        commitment(5),
        now=stack.clock(),
        present_commitment=commitment_public,
    )


def orders_of(stack, group_id: str, n: int) -> list:
    from chalicelib.domain.group_buys import order_id_for

    ids = [order_id_for(group_id, f"villager-{i:03d}") for i in range(n)]
    return stack.buying.get_orders(ids)


class Crash(Exception):
    """The Lambda dies (a timeout, a lost connection) between two writes."""


def test_a_group_larger_than_one_transaction_closes_all_or_none_across_a_crash(
    api, stack, groups, factory, monkeypatch
):
    assert PARTICIPANTS > ONE_TRANSACTION_PARTICIPANTS and PARTICIPANTS > ORDER_BATCH
    product = groups.product(stock=1000, attributes=TIERS)
    group = groups.start(factory.user("buyer"), product, target_quantity=500)
    gid = group["group_id"]
    for n in range(PARTICIPANTS - 1):
        join(stack, gid, n)
    assert groups.view(gid)["committed_quantity"] == 495

    join(stack, gid, PARTICIPANTS - 1)  # the target: too many for one transaction, so it is reserved only
    reserved = groups.view(gid)
    assert reserved["status"] == "closing" and reserved["price_per_unit"]["amount"] == 9000
    assert stock_of(api, groups.seller, product) == 500  # taken once, for the whole group
    assert orders_of(stack, gid, PARTICIPANTS) == []

    real_commit, batches = stack.group_buys.commit, []

    def crashing_commit(writes):
        orders = [w for w in writes if w.action.get("Put", {}).get("TableName") == OrderModel.Meta.table_name]
        if orders:  # a batch of orders (and their events' outbox item)
            batches.append(len(orders))
            if len(batches) == 2:
                raise Crash()
        return real_commit(writes)

    monkeypatch.setattr(stack.group_buys, "commit", crashing_commit)
    with pytest.raises(Crash):
        settle_groups()
    assert batches == [ORDER_BATCH, PARTICIPANTS - ORDER_BATCH]
    assert len(orders_of(stack, gid, PARTICIPANTS)) == ORDER_BATCH  # half way
    assert groups.view(gid)["status"] == "closing"
    assert stock_of(api, groups.seller, product) == 500

    monkeypatch.setattr(stack.group_buys, "commit", real_commit)
    stack.clock = lambda: later(minutes=5)
    assert settle_groups() == {"closed": 0, "failed": 0, "resumed": 1}
    orders = orders_of(stack, gid, PARTICIPANTS)
    assert len(orders) == PARTICIPANTS  # every participant, once
    assert {(o.lines[0].quantity, o.lines[0].unit_amount, o.group["group_id"]) for o in orders} == {(5, 9000, gid)}
    assert groups.view(gid)["status"] == "closed"
    assert stock_of(api, groups.seller, product) == 500  # never taken twice
    assert settle_groups() == {"closed": 0, "failed": 0, "resumed": 0}


def test_a_large_group_the_stock_cannot_cover_fails_before_anyone_gets_an_order(api, stack, groups, factory):
    product = groups.product(stock=1000, attributes=TIERS)
    group = groups.start(factory.user("buyer"), product, target_quantity=500, deadline=later(days=1))
    gid = group["group_id"]
    for n in range(PARTICIPANTS - 2):
        join(stack, gid, n)  # 490: above the MOQ, short of the target
    seller = groups.seller
    path = f"/v1/shops/{product['shop_id']}/products/{product['product_id']}"
    version = api.get(path, token=seller).json["version"]
    assert api.patch(path, {"stock": 400}, token=seller, headers={"If-Match": str(version)}).status == 200
    stack.clock = lambda: later(days=1, minutes=1)
    assert settle_groups() == {"closed": 0, "failed": 1, "resumed": 0}
    failed = groups.view(gid)
    assert (failed["status"], failed["failure"]) == ("failed", "out_of_stock")
    assert orders_of(stack, gid, PARTICIPANTS) == [] and stock_of(api, seller, product) == 400


def test_a_group_of_the_most_participants_one_transaction_holds_closes_in_it_with_its_events(
    api, stack, groups, factory, monkeypatch
):
    """96 orders + the group + the shop's check + the stock + the outbox item: DynamoDB's 100 actions, exactly."""
    n = ONE_TRANSACTION_PARTICIPANTS
    product = groups.product(stock=1000, attributes=TIERS)
    gid = groups.start(factory.user("buyer"), product, target_quantity=500, deadline=later(days=1))["group_id"]
    for i in range(n - 1):
        join(stack, gid, i)
    real_commit, sizes = stack.group_buys.commit, []

    def counting_commit(writes):
        sizes.append(len(writes))
        return real_commit(writes)

    monkeypatch.setattr(stack.group_buys, "commit", counting_commit)
    join(stack, gid, n - 1)  # 96 x 5 = 480: above the MOQ, short of the target: it closes at its deadline
    stack.clock = lambda: later(days=1, minutes=1)
    assert settle_groups() == {"closed": 1, "failed": 0, "resumed": 0}
    assert sizes[-1] == 100  # one transaction for the whole group
    closed = groups.view(gid)
    assert closed["status"] == "closed" and closed["participants"] == n
    assert len(orders_of(stack, gid, n)) == n and stock_of(api, groups.seller, product) == 1000 - 5 * n
