"""DynamoDB calls and items of the rural service network (issue 10) with 1k and 10k parcels in one county.

A county centre with two village centres, their staff and partners are made through the API; then N parcels
(pickup orders) of the first village are added at every stage (40 % waiting at the county, 20 % on their way,
20 % ready for pickup, 20 % handed over), stored as the adapter stores orders (BatchWriteItem of copies of real
orders: checkout N times on moto would take hours; the stored items are the same). The second village gets a
fixed 30 parcels, so the manifest built, dispatched and received there is the same size at every N. Then, with
calls counted by wrapping botocore's `_make_api_call` (bench/counting.py), every network route once, and one
step of a manifest job (25 parcels of the first village's big manifest).

Target: every figure identical at 1k and 10k parcels; each route within its declared budget (reads 1 call).

    python -m bench.network_bench [--sizes 1000,10000]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench import environment, runner

environment.prepare()

from bench.counting import CallRecorder, Totals  # noqa: E402

SIZES = (1_000, 10_000)
FIXED = 30  # parcels of the second village: its manifest is this size at every N
SHARES = {"at_county": 0.4, "to_village": 0.2, "ready_for_pickup": 0.2, "delivered": 0.2}
JOB_STEP = "a manifest job step (25 parcels; the order-events consumer)"


@dataclass
class Row:
    size: int
    operation: str
    route: str | None
    totals: Totals
    status: int

    @property
    def figures(self) -> tuple:
        t = self.totals
        return (t.calls, t.items_read, t.items_returned, t.items_written)

    @property
    def target(self) -> int:
        if self.route is None:
            # GetItem header + GetItem village + one Query of 25 waiting + one TransactWriteItems (with the orders'
            # events and the next step's job)
            return 4
        from bench.budgets import BUDGETS

        return BUDGETS[self.route].calls

    @property
    def within(self) -> bool:
        return self.totals.calls <= self.target and "Scan" not in self.totals.operations


def measure(size: int) -> list[Row]:
    from chalicelib.services import manifests
    from tests.api.network import helpers as h
    from tests.support import Factory

    rows: list[Row] = []
    with runner.api_stack() as (stack, api):
        factory = Factory(api, stack)
        county = h.county(api, factory, villages=2)
        big, fixed = county.villages
        shop = h.shop(factory, stock=1_000_000)
        buyer = factory.user("buyer")
        base = f"/v1/county/{county.county_id}"
        vbase = f"/v1/villages/{fixed.village_id}"

        # templates through the API (small tables, fast), then the copies
        # at_county last: building a manifest takes every parcel waiting for the village
        stages = ["delivered", "ready_for_pickup", "to_village", "at_county"]
        templates = {stage: h.to_stage(api, stack, county, big, shop, buyer, stage) for stage in stages}
        ready = h.to_stage(api, stack, county, fixed, shop, buyer, "ready_for_pickup")
        delivered = h.to_stage(api, stack, county, fixed, shop, buyer, "delivered")
        shipped = h.ship(api, shop, h.pickup_order(api, buyer, shop, fixed.village_id))
        waiting = h.ship(api, shop, h.pickup_order(api, buyer, shop, fixed.village_id))
        assert h.scan(api, county, waiting["order_id"]).status == 200
        h.clone_parcels(stack, waiting["order_id"], FIXED - 1)
        for stage, share in SHARES.items():
            h.clone_parcels(stack, templates[stage]["order_id"], int(size * share))

        def record(operation: str, route: str | None, request):
            with CallRecorder() as rec:
                reply = request()
            rows.append(Row(size, operation, route, rec.dynamodb(), getattr(reply, "status", 200)))
            return reply

        staff, partner = county.staff, fixed.partner
        record("county parcels at the centre (page of 20)", "GET /v1/county/{county_id}/parcels",
               lambda: api.get(f"{base}/parcels?status=at_county", token=staff))  # fmt: skip
        one_village = f"{base}/parcels?status=to_village&village_id={big.village_id}"
        record("county parcels of one village (page of 20)", "GET /v1/county/{county_id}/parcels",
               lambda: api.get(one_village, token=staff))  # fmt: skip
        village_parcels = f"/v1/villages/{big.village_id}/parcels"
        record("village parcels ready (page of 20)", "GET /v1/villages/{village_id}/parcels",
               lambda: api.get(village_parcels, token=big.partner))  # fmt: skip
        record("scan a parcel in (tracking number)", "POST /v1/county/{county_id}/scans",
               lambda: h.scan(api, county, shipped["shipment"]["tracking_number"]))  # fmt: skip
        built = record("build a manifest (30 parcels: 25 now)", "POST /v1/county/{county_id}/manifests",
                       lambda: h.build(api, county, fixed.village_id))  # fmt: skip
        manifest_id = built.json["manifest_id"]
        h.run_jobs(stack)
        record("county manifests (ready)", "GET /v1/county/{county_id}/manifests",
               lambda: api.get(f"{base}/manifests?status=ready", token=staff))  # fmt: skip
        record("county manifest, first page", "GET /v1/county/{county_id}/manifests/{manifest_id}",
               lambda: api.get(f"{base}/manifests/{manifest_id}", token=staff))  # fmt: skip
        record("dispatch the manifest (25 now)", "POST /v1/county/{county_id}/manifests/{manifest_id}/dispatch",
               lambda: h.dispatch(api, county, manifest_id))  # fmt: skip
        h.run_jobs(stack)
        record("village manifests to receive", "GET /v1/villages/{village_id}/manifests",
               lambda: api.get(f"{vbase}/manifests", token=partner))  # fmt: skip
        codes = [line.item_id for line in stack.network.whole_manifest(manifest_id)[1]][1:]
        record("receive the manifest (25 now)", "POST /v1/villages/{village_id}/manifests/{manifest_id}/receive",
               lambda: h.receive(api, fixed, manifest_id, codes))  # fmt: skip
        h.run_jobs(stack)
        code = h.buyer_order(api, buyer, ready["order_id"])["pickup"]["pickup_code"]
        record("hand over with the pickup code", "POST /v1/villages/{village_id}/handovers",
               lambda: api.post(f"{vbase}/handovers", {"order_id": ready["order_id"], "pickup_code": code},
                                token=partner))  # fmt: skip
        line = {"line_id": delivered["lines"][0]["line_id"], "quantity": 1}
        record("open a return at the village", "POST /v1/villages/{village_id}/returns",
               lambda: api.post(f"{vbase}/returns", {"order_id": delivered["order_id"], "lines": [line]},
                                token=partner))  # fmt: skip
        record("village returns waiting", "GET /v1/villages/{village_id}/returns",
               lambda: api.get(f"{vbase}/returns", token=partner))  # fmt: skip

        # the first village's manifest holds 40 % of N: one request puts 25 on it, each job step 25 more
        big_built = record(
            "build the big manifest (25 now, the rest by the job)",
            "POST /v1/county/{county_id}/manifests",
            lambda: h.build(api, county, big.village_id),
        )
        assert big_built.json["status"] == "building"
        ports = manifests.Ports(stack.buying, stack.network, stack.jobs)
        step = {"type": "manifest.build", "manifest_id": big_built.json["manifest_id"]}
        record(JOB_STEP, None, lambda: manifests.run_step(ports, step, now=stack.clock()))
        assert all(r.status < 300 for r in rows), [(r.operation, r.status) for r in rows if r.status >= 300]
    return rows


def render(sizes: list[int], rows: list[Row]) -> tuple[str, bool]:
    small, large = sizes[0], sizes[-1]
    out = [
        "## Rural service network: DynamoDB calls and items per request (issue 10)",
        "",
        f"One county centre with {' and then '.join(f'{n:,}' for n in sizes)} parcels of one village at every stage "
        f"(40 % waiting at the county, 20 % on their way, 20 % ready, 20 % handed over) and a second village with "
        f"{FIXED} parcels waiting, whose manifest is built, dispatched and received. Counted by wrapping botocore "
        f"`_make_api_call`; a cell shows one value when every size agrees, else `{small:,} / {large:,}` in bold.",
        "",
        "| Operation | Route | Calls | DynamoDB operations | Read | Returned | Written | Budget | Within | Same at "
        + runner.same_at(sizes)
        + " |",
        "|---|---|---:|---|---:|---:|---:|---:|:-:|:-:|",
    ]
    ok = True
    operations = list(dict.fromkeys(r.operation for r in rows))
    for operation in operations:
        cells = [r for r in rows if r.operation == operation]
        first, last = cells[0], cells[-1]
        same = all(c.figures == first.figures and c.totals.operations == first.totals.operations for c in cells)
        within = all(c.within for c in cells)
        ok &= same and within
        pair = runner.pair
        t0, t1 = first.totals, last.totals
        where = f"`{first.route}`" if first.route else "order_events (job step)"
        out.append(
            f"| {operation} | {where} | {pair(t0.calls, t1.calls)} "
            f"| {t1.describe_operations()} | {pair(t0.items_read, t1.items_read)} "
            f"| {pair(t0.items_returned, t1.items_returned)} | {pair(t0.items_written, t1.items_written)} "
            f"| {first.target} | {'yes' if within else '**NO**'} | {'yes' if same else '**NO**'} |"
        )
    out += [
        "",
        "- Reads are one Query (county staff are named by their token; a partner by the items read).",
        "- A manifest step moves at most 25 parcels in one TransactWriteItems (order + line each, with the header and "
        "the orders' events in one outbox item); a request runs one step and a job the rest (one step per outbox "
        "event, run by the order-events consumer), so no request grows with the manifest.",
        f"- Identical counts at {' and '.join(f'{n:,}' for n in sizes)} parcels, every route within its budget: "
        f"{'**yes**' if ok else '**NO**'}.",
        "",
    ]
    return "\n".join(out), ok


def report(append_to: Path | None = None, sizes: list[int] | None = None) -> bool:
    return runner.report(measure, render, sizes or SIZES, "rural network with {size:,} parcels", append_to)


def main(argv: list[str] | None = None) -> int:
    return runner.main(argv, __doc__, report, SIZES, "parcels in the county")


if __name__ == "__main__":
    sys.exit(main())
