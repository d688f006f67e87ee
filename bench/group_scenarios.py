"""Buy together's measured requests (issue 19): one scenario per route (and variant), appended to
bench/scenarios.SCENARIOS. `_group_world` builds, once, a b2b shop's product with two open groups (one with a
commitment by the bench buyer). The reads do not depend on the catalog, so their counts must match at every size."""

from __future__ import annotations

import uuid

from bench.scenarios import ADDRESS, Bench, Scenario, _expect
from tests.api.group_buys.support import later


def _commitment(quantity: int) -> dict:
    return {"quantity": quantity, "delivery": ADDRESS, "payment_method": "bank_transfer"}


def _start(b: Bench, target: int | None = 50) -> dict:
    g = b.state["groups"]
    body = {"product_id": g["product"]["product_id"], "deadline": later(days=3)}
    if target:
        body["target_quantity"] = target
    return _expect(b.api.post("/v1/group-buys", body, token=g["starter"]), 201, "start a group").json


def _commit(b: Bench, group_id: str, quantity: int, token: str):
    return b.api.post(
        f"/v1/group-buys/{group_id}/commitments",
        _commitment(quantity),
        token=token,
        headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )


def _group_world(b: Bench) -> None:
    if "groups" in b.state:
        return
    seller = b.factory.user("seller")
    shop = b.factory.shop(seller, "b2b")
    product = b.factory.product(seller, shop, title="Hotan jujubes, cartons", stock=100_000)
    b.state["groups"] = {"seller": seller, "product": product, "starter": b.factory.user("buyer")}
    first = _start(b)
    _expect(_commit(b, first["group_id"], 20, b.buyer), 201, "commit")
    b.state["groups"]["first"] = first
    _start(b)


def _g(b: Bench, name: str):
    return b.state["groups"][name]


def _fresh_group(b: Bench) -> None:
    """A new group with 45 units committed by another buyer: the next 5 reach the target (50)."""
    _group_world(b)
    group = _start(b)
    _expect(_commit(b, group["group_id"], 45, b.factory.user("buyer")), 201, "commit")
    b.state["groups"]["fresh"] = group
    b.state["groups"]["joiner"] = b.factory.user("buyer")


def _open_group(b: Bench) -> None:
    """A new group with 10 of its 50 units committed, and a buyer about to join it."""
    _group_world(b)
    group = _start(b)
    _expect(_commit(b, group["group_id"], 10, b.factory.user("buyer")), 201, "commit")
    b.state["groups"]["open"] = (group, b.factory.user("buyer"))


def _withdrawing(b: Bench) -> None:
    _group_world(b)
    group = _start(b)
    joiner = b.factory.user("buyer")
    _expect(_commit(b, group["group_id"], 10, joiner), 201, "commit")
    b.state["groups"]["withdraw"] = (group, joiner)


def _partner_world(b: Bench) -> None:
    """The bench village's partner and villagers (bench/scenarios._villagers), an open group with the partner's
    commitment for the first villager, and a fresh group for the next commitment and withdrawal."""
    from bench.scenarios import _net, _villagers

    _group_world(b)
    _villagers(b)
    net = _net(b)
    group = _start(b)
    body = {"quantity": 10, "villager_id": net["villagers"][0], "payment_method": "cash_on_pickup"}
    reply = b.api.post(
        f"/v1/group-buys/{group['group_id']}/commitments", body, token=net["partner"],
        headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )  # fmt: skip
    _expect(reply, 201, "commit for a villager")
    b.state["groups"]["partner"] = (group, net["partner"], net["villagers"])


def _partner_closing(b: Bench) -> None:
    """A fresh group with 45 of its 50 units committed by a buyer: the partner's 5 for a villager close it."""
    _partner_world(b)
    _fresh_group(b)
    _, partner, villagers = _g(b, "partner")
    b.state["groups"]["partner"] = (_g(b, "fresh"), partner, villagers)


def _for_villager(b: Bench, index: int):
    group, partner, villagers = _g(b, "partner")
    body = {"quantity": 5, "villager_id": villagers[index], "payment_method": "cash_on_pickup"}
    return b.api.post(
        f"/v1/group-buys/{group['group_id']}/commitments", body, token=partner,
        headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )  # fmt: skip


GROUP_SCENARIOS: list[Scenario] = [
    Scenario(
        "group page (anonymous)",
        "GET /v1/group-buys/{group_id}",
        lambda b: b.api.get(f"/v1/group-buys/{_g(b, 'first')['group_id']}"),
        200,
        prepare=_group_world,
    ),
    Scenario(
        "group page (a participant)",
        "GET /v1/group-buys/{group_id}",
        lambda b: b.api.get(f"/v1/group-buys/{_g(b, 'first')['group_id']}", token=b.buyer),
        200,
        prepare=_group_world,
    ),
    Scenario(
        "a product's open groups",
        "GET /v1/products/{product_id}/group-buys",
        lambda b: b.api.get(f"/v1/products/{_g(b, 'product')['product_id']}/group-buys"),
        200,
        prepare=_group_world,
        paged=True,
    ),
    Scenario(
        "my group commitments",
        "GET /v1/me/group-buys",
        lambda b: b.api.get("/v1/me/group-buys", token=b.buyer),
        200,
        prepare=_group_world,
        paged=True,
    ),
    Scenario(
        "start a group",
        "POST /v1/group-buys",
        lambda b: b.api.post(
            "/v1/group-buys",
            {"product_id": _g(b, "product")["product_id"], "deadline": later(days=2)},
            token=_g(b, "starter"),
        ),
        201,
        prepare=_group_world,
    ),
    Scenario(
        "commit to a group",
        "POST /v1/group-buys/{group_id}/commitments",
        lambda b: _commit(b, _g(b, "open")[0]["group_id"], 5, _g(b, "open")[1]),
        201,
        prepare=_open_group,
    ),
    Scenario(
        "commit to a group (reaches the target: closes it)",
        "POST /v1/group-buys/{group_id}/commitments",
        lambda b: _commit(b, _g(b, "fresh")["group_id"], 5, _g(b, "joiner")),
        201,
        prepare=_fresh_group,
    ),
    Scenario(
        "withdraw from a group",
        "DELETE /v1/group-buys/{group_id}/commitments",
        lambda b: b.api.delete(
            f"/v1/group-buys/{_g(b, 'withdraw')[0]['group_id']}/commitments", token=_g(b, "withdraw")[1]
        ),
        204,
        prepare=_withdrawing,
    ),
    Scenario(
        "my commitments in a group (a village partner: one per villager)",
        "GET /v1/group-buys/{group_id}/commitments",
        lambda b: b.api.get(f"/v1/group-buys/{_g(b, 'partner')[0]['group_id']}/commitments", token=_g(b, "partner")[1]),
        200,
        prepare=_partner_world,
        paged=True,
    ),
    Scenario(
        "my commitments in a group (a buyer)",
        "GET /v1/group-buys/{group_id}/commitments",
        lambda b: b.api.get(f"/v1/group-buys/{_g(b, 'first')['group_id']}/commitments", token=b.buyer),
        200,
        prepare=_group_world,
        paged=True,
    ),
    Scenario(
        "commit to a group for a villager (partner)",
        "POST /v1/group-buys/{group_id}/commitments",
        lambda b: _for_villager(b, 1),
        201,
        prepare=_partner_world,
    ),
    Scenario(
        "commit to a group for a villager (reaches the target: closes it, with the fee rules)",
        "POST /v1/group-buys/{group_id}/commitments",
        lambda b: _for_villager(b, 1),
        201,
        prepare=_partner_closing,
    ),
    Scenario(
        "withdraw a villager's commitment (partner)",
        "DELETE /v1/group-buys/{group_id}/commitments",
        lambda b: b.api.delete(
            f"/v1/group-buys/{_g(b, 'partner')[0]['group_id']}/commitments?villager_id={_g(b, 'partner')[2][0]}",
            token=_g(b, "partner")[1],
        ),
        204,
        prepare=_partner_world,
    ),
]
