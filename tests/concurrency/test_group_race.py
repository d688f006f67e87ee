"""Thirty buyers join one group buy at the same instant (issue 19), through the real app against a moto server
with atomic requests. The product has stock for 20 of their commitments: exactly 20 are taken, 10 are refused
(409 insufficient_stock), and the group's committed total never exceeds the stock. The control: the same race
with a join that reads the total and the stock, then ADDs without the bound (check-then-act, wrong on purpose),
commits more than the stock in at least one trial: the harness can see this race.

Ten copies of one commitment (one Idempotency-Key) sent at once are taken once: one 201, nine replays (200).

Figures of every trial are printed (`pytest -s tests/concurrency/test_group_race.py`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.domain.group_buys import Commitment
from tests.api.group_buys.support import B2B, commitment
from tests.concurrency.harness import (
    locked_moto_stack,
    overlapped,
    run_together,
    thread_local_requests,
    thread_safe_api,
)
from tests.support import Factory, assert_api_error

RACERS = 30
TRIALS = 3
EACH = 5
STOCK = 100  # covers 20 of the 30 commitments
TIERS = {**B2B, "price_tiers": [*B2B["price_tiers"], {"min_quantity": 500, "amount": 9000}]}


def _later(**delta) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat(timespec="seconds").replace("+00:00", "Z")


class World:
    def __init__(self, stack, api) -> None:
        self.stack, self.api = stack, api
        self.factory = Factory(api, stack)
        self.seller = self.factory.user("seller")
        self.shop = self.factory.shop(self.seller, "b2b")
        self.buyers = [self.factory.user("buyer") for _ in range(RACERS)]

    def group(self) -> dict:
        """A fresh product with STOCK units and a group on it whose target (500) the race cannot reach."""
        product = self.factory.product(self.seller, self.shop, stock=STOCK, attributes=TIERS)
        body = {"product_id": product["product_id"], "target_quantity": 500, "deadline": _later(days=2)}
        reply = self.api.post("/v1/group-buys", body, token=self.buyers[0])
        assert reply.status == 201, reply
        return reply.json

    def stock(self, group: dict) -> int:
        return self.stack.group_buys.product_stock(group["product"]["product_id"])


@pytest.fixture(scope="module")
def world():
    from app import app

    with locked_moto_stack() as stack, thread_local_requests(app):
        yield World(stack, thread_safe_api(app))


def _figures(label: str, **figures) -> None:
    print(f"\n[{label}] " + ", ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def test_thirty_buyers_joining_at_once_never_commit_more_than_the_stock(world):
    for trial in range(TRIALS):
        group = world.group()
        gid = group["group_id"]

        def join(i: int, gid=gid, trial=trial):
            return world.api.post(
                f"/v1/group-buys/{gid}/commitments",
                commitment(EACH),
                token=world.buyers[i],
                headers={"Idempotency-Key": f"race-{trial}-{i}"},
            )

        outcomes = run_together(RACERS, join, timeout=120)
        replies = [o.value for o in outcomes]
        statuses = Counter(r.status for r in replies)
        view = world.api.get(f"/v1/group-buys/{gid}").json
        commitments = world.stack.group_buys.commitments(gid)
        _figures(
            f"join race trial {trial + 1}",
            joined=statuses[201],
            refused_409=statuses[409],
            other={s: n for s, n in statuses.items() if s not in (201, 409)},
            committed=view["committed_quantity"],
            stock=world.stock(group),
            overlapped=overlapped(outcomes),
        )
        assert overlapped(outcomes), "the joins did not run at the same time"
        assert statuses == {201: STOCK // EACH, 409: RACERS - STOCK // EACH}, statuses
        for reply in replies:
            if reply.status == 409:
                assert_api_error(reply, 409, "insufficient_stock")
        assert view["committed_quantity"] == STOCK and view["participants"] == STOCK // EACH
        assert sum(c.quantity for c in commitments) == STOCK and len(commitments) == STOCK // EACH
        assert world.stock(group) == STOCK  # joining holds nothing: the stock is taken when the group closes


def test_control_reading_the_total_then_adding_without_the_bound_commits_more_than_the_stock(world):
    repo = world.stack.group_buys
    over_trials = 0
    for trial in range(TRIALS):
        group = world.group()
        gid, pid = group["group_id"], group["product"]["product_id"]

        def wrong(i: int, gid=gid, pid=pid) -> str:
            seen, stock = repo.get_group(gid), repo.product_stock(pid)
            if seen is None or stock is None or seen.committed + EACH > stock:
                return "refused"
            mine = Commitment(gid, f"control-{uuid.uuid4().hex}", EACH, {}, "bank_transfer", "2026-01-01T00:00:00Z")
            try:
                repo.commit(
                    [
                        repo.commitment_put(mine),
                        repo.counters_change(
                            gid, EACH, 1, now="2000-01-01T00:00:00Z", room=None, refused=Conflict("closed")
                        ),
                    ]
                )
            except Conflict:
                return "refused"
            return "joined"

        outcomes = run_together(RACERS, wrong, timeout=120)
        committed = repo.get_group(gid).committed
        over_trials += committed > STOCK
        _figures(
            f"control trial {trial + 1}",
            joined=sum(o.value == "joined" for o in outcomes),
            committed=committed,
            stock=STOCK,
            overlapped=overlapped(outcomes),
        )
    _figures("control", over_the_stock_trials=f"{over_trials}/{TRIALS}")
    assert over_trials >= 1, "the harness never saw the unbounded join overshoot the stock: it cannot see this race"


def test_the_same_commitment_sent_ten_times_at_once_is_taken_once(world):
    group = world.group()
    gid = group["group_id"]

    def send(i: int, gid=gid):
        return world.api.post(
            f"/v1/group-buys/{gid}/commitments",
            commitment(EACH),
            token=world.buyers[1],
            headers={"Idempotency-Key": "one-tap-many-sends"},
        )

    outcomes = run_together(10, send, timeout=120)
    statuses = Counter(o.value.status for o in outcomes)
    view = world.api.get(f"/v1/group-buys/{gid}").json
    _figures(
        "replay race", statuses=dict(statuses), committed=view["committed_quantity"], overlapped=overlapped(outcomes)
    )
    assert statuses == {201: 1, 200: 9}, statuses  # one taken, the others answered with it
    assert {o.value.json["commitment"]["committed_at"] for o in outcomes} == {
        outcomes[0].value.json["commitment"]["committed_at"]
    }
    assert (view["committed_quantity"], view["participants"]) == (EACH, 1)
