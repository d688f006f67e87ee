"""Manifests of any size: 500 parcels are built, dispatched and received in steps of 25 (a request runs one step,
a job the others), every request making the same few DynamoDB calls, and a retried request or a redelivered job
neither loses nor duplicates a parcel."""

from __future__ import annotations

import json

import pytest

from bench.counting import CallRecorder
from tests.api.network.helpers import (
    build,
    clone_parcels,
    county,
    dispatch,
    pickup_order,
    queued_jobs,
    receive,
    run_jobs,
    scan,
    ship,
    shop,
)
from tests.support import assert_api_error

PARCELS = 500


def run_one_step_twice(stack) -> None:
    """Runs the queued job step, then the same event again, as SQS redelivers a message whose receipt timed out:
    the second run does the step that is due then (never one twice)."""
    from chalicelib.services import manifests

    (message,) = queued_jobs(stack)
    job = json.loads(message["body"])
    ports = manifests.Ports(stack.buying, stack.network, stack.jobs)
    for _ in range(2):
        manifests.run_step(ports, job, now=stack.clock())
    queued_jobs(stack)  # the next steps both runs queued: the next run_jobs starts from one of them
    stack.jobs.enqueue({"job": job["type"], "manifest_id": job["manifest_id"]})


def calls(request):
    with CallRecorder() as rec:
        reply = request()
    return reply, rec.dynamodb()


@pytest.fixture(scope="module")
def parcels(api, stack, factory):
    shufu = county(api, factory)
    seller = shop(factory)
    buyer = factory.user("buyer")
    village = shufu.villages[0]
    first = ship(api, seller, pickup_order(api, buyer, seller, village.village_id))
    assert scan(api, shufu, first["order_id"]).status == 200
    ids = [first["order_id"], *clone_parcels(stack, first["order_id"], PARCELS - 1)]
    return shufu, village, ids


def test_a_manifest_of_500_parcels_is_built_dispatched_and_received_in_steps_without_loss_or_duplicates(
    api, stack, parcels
):
    shufu, village, ids = parcels

    built, cost = calls(lambda: build(api, shufu, village.village_id))
    assert built.status == 201, built
    assert built.json["status"] == "building" and built.json["parcel_count"] == 25
    assert cost.calls <= 3 and "Scan" not in cost.operations
    manifest_id = built.json["manifest_id"]

    # a retried build joins the manifest being built (and takes the next 25), it does not start another
    again, cost = calls(lambda: build(api, shufu, village.village_id))
    assert again.status == 200 and again.json["manifest_id"] == manifest_id and again.json["parcel_count"] == 50
    assert cost.calls <= 4
    queued_jobs(stack)  # the second build queued the same job again: one copy is enough
    stack.jobs.enqueue({"job": "manifest.build", "manifest_id": manifest_id})
    run_one_step_twice(stack)
    run_jobs(stack)

    view = api.get(f"/v1/county/{shufu.county_id}/manifests/{manifest_id}?limit=100", token=shufu.staff).json
    assert view["manifest"]["status"] == "ready" and view["manifest"]["parcel_count"] == PARCELS
    lines, cursor = list(view["items"]), view["next_cursor"]
    while cursor:
        page = api.get(
            f"/v1/county/{shufu.county_id}/manifests/{manifest_id}?limit=100&cursor={cursor}", token=shufu.staff
        ).json
        assert page["manifest"] is None
        lines += page["items"]
        cursor = page["next_cursor"]
    assert sorted(line["order_id"] for line in lines) == sorted(ids)  # every parcel, once

    sent, cost = calls(lambda: dispatch(api, shufu, manifest_id))
    assert sent.status == 200 and sent.json["status"] == "dispatching", sent
    assert cost.calls <= 3
    retried = dispatch(api, shufu, manifest_id)  # a retry resumes: one more step, nothing twice
    assert retried.status == 200 and retried.json["status"] == "dispatching"
    queued_jobs(stack)
    stack.jobs.enqueue({"job": "manifest.dispatch", "manifest_id": manifest_id})
    run_one_step_twice(stack)
    run_jobs(stack)
    assert dispatch(api, shufu, manifest_id).json["status"] == "dispatched"

    orders = stack.buying.get_orders(ids)
    assert len(orders) == PARCELS and {o.status for o in orders} == {"to_village"}
    assert all([e.action for e in o.timeline].count("to_village") == 1 for o in orders)

    scanned = ids[1:]  # one parcel never arrives
    got, cost = calls(lambda: receive(api, village, manifest_id, scanned))
    assert got.status == 200 and got.json["status"] == "receiving", got
    assert cost.calls <= 3
    assert_api_error(receive(api, village, manifest_id, ids[:3]), 409, "already_received")
    assert receive(api, village, manifest_id, list(reversed(scanned))).status == 200  # the same scans: resumes
    queued_jobs(stack)
    stack.jobs.enqueue({"job": "manifest.receive", "manifest_id": manifest_id})
    run_one_step_twice(stack)
    run_jobs(stack)
    done = receive(api, village, manifest_id, scanned).json
    assert (done["status"], done["received_count"], done["missing_count"]) == ("received", PARCELS - 1, 1)

    by_id = {o.order_id: o for o in stack.buying.get_orders(ids)}
    assert by_id[ids[0]].status == "missing"
    assert {by_id[i].status for i in scanned} == {"ready_for_pickup"}
    assert all([e.action for e in by_id[i].timeline].count("ready_for_pickup") == 1 for i in scanned)


def test_a_scan_not_on_the_manifest_is_refused_and_changes_nothing(api, stack, factory):
    shufu = county(api, factory, villages=1)
    village = shufu.villages[0]
    seller = shop(factory)
    buyer = factory.user("buyer")
    order = ship(api, seller, pickup_order(api, buyer, seller, village.village_id))
    other = pickup_order(api, buyer, seller, village.village_id)
    assert scan(api, shufu, order["order_id"]).status == 200
    manifest_id = build(api, shufu, village.village_id).json["manifest_id"]
    assert dispatch(api, shufu, manifest_id).status == 200
    refused = receive(api, village, manifest_id, [order["order_id"], other["order_id"], "NOSUCHPARCEL1"])
    error = assert_api_error(refused, 422, "not_on_manifest")
    assert {d["message"].split()[0] for d in error["details"]} == {other["order_id"], "NOSUCHPARCEL1"}
    assert stack.buying.get_order(order["order_id"]).status == "to_village"
    assert stack.network.get_manifest(manifest_id).status == "dispatched"
