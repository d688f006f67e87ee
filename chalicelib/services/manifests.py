"""Manifests in steps (issue 10): build, dispatch and receive any number of parcels, no request running long.

Each step is ONE transaction of at most CHUNK parcels (each parcel's order or return, version-checked, and its
manifest line) with the manifest's header: the header's version (or, while building, the village's open
manifest and the parcels' own versions) makes a step apply exactly once, so a retried request or a redelivered
job neither loses nor duplicates a parcel. A request runs the first step itself; when parcels are left it
queues a job (`network_jobs`, events/network_jobs.py) that runs the following steps, a few seconds' worth per
invocation, and queues itself again until the manifest is done. Calling the same route again also resumes a
stalled manifest (a lost job message).

Inbound manifests (to_village) carry orders; outbound ones (to_county) carry returns opened at a village.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..domain.errors import Conflict, PreconditionFailed, Unprocessable
from ..domain.network import (
    TO_VILLAGE,
    Manifest,
    ManifestLine,
    Village,
    dispatch_return,
    new_manifest,
    phone_last4,
    put_return_on_manifest,
    resolve_codes,
    return_at_county,
    return_missing,
    start_dispatch,
    start_receipt,
)
from ..domain.orders import Order, Return
from .notifications import announce
from .ports import BuyingRepository, EventPublisher, JobQueue, NetworkRepository, Page, Write

# Parcels per step: 2 actions each (the order or return, its line) + the header + the village = 52 of the
# transaction's 100, leaving room for an outbox event per order.
CHUNK = 25
STEP_RETRIES = 3
JOB_SECONDS = 10.0  # a job invocation stops starting steps after this, and queues the rest


@dataclass(frozen=True)
class Ports:
    buying: BuyingRepository
    network: NetworkRepository
    publisher: EventPublisher
    jobs: JobQueue


def _job(ports: Ports, kind: str, manifest: Manifest) -> None:
    ports.jobs.enqueue({"job": kind, "manifest_id": manifest.manifest_id})


# --- lines --------------------------------------------------------------------------------------------------


def _order_line(manifest_id: str, order: Order, now: str) -> ManifestLine:
    delivery = order.delivery
    return ManifestLine(
        manifest_id=manifest_id,
        item_id=order.order_id,
        order_id=order.order_id,
        tracking_number=(order.shipment or {}).get("tracking_number"),
        recipient=str(delivery.get("name", "")),
        phone_last4=phone_last4(str(delivery.get("phone", ""))),
        shop_name=order.shop_name,
        state="listed",
        added_at=now,
    )


def _return_line(manifest_id: str, ret: Return, now: str) -> ManifestLine:
    network = ret.network or {}
    return ManifestLine(
        manifest_id=manifest_id,
        item_id=ret.return_id,
        order_id=ret.order_id,
        tracking_number=None,
        recipient=str(network.get("recipient", "")),
        phone_last4=str(network.get("phone_last4", "")),
        shop_name=str(network.get("shop_name", "")),
        state="listed",
        added_at=now,
        return_id=ret.return_id,
    )


# --- build --------------------------------------------------------------------------------------------------


def _waiting(ports: Ports, village_id: str, direction: str) -> tuple[list[Order], list[Return], bool]:
    """The parcels for (to_village) or from (to_county) the village that are on no manifest yet, the longest
    waiting first: one Query of at most CHUNK. The bool: the Query stopped at CHUNK (more may wait)."""
    if direction == TO_VILLAGE:
        page: Page[Any] = ports.buying.village_parcels(village_id, "at_county", CHUNK, None, waiting_only=True)
        return list(page.items), [], page.last_key is not None
    page = ports.buying.network_returns(village_id, "at_village", CHUNK, None, waiting_only=True)
    return [], list(page.items), page.last_key is not None


def _claim_writes(
    ports: Ports, manifest_id: str, orders: list[Order], returns: list[Return], now: str
) -> tuple[list[tuple[Order, int]], list[tuple[Return, int]], list[Write]]:
    order_changes = [(o.put_on_manifest(manifest_id, now), o.version) for o in orders]
    return_changes = [(put_return_on_manifest(r, manifest_id, now), r.version) for r in returns]
    lines = [_order_line(manifest_id, o, now) for o in orders] + [_return_line(manifest_id, r, now) for r in returns]
    return order_changes, return_changes, [ports.network.line_write(line, new=True) for line in lines]


def build(
    ports: Ports, village: Village, direction: str, actor_id: str, *, now: str, new_id: Callable[[str], str]
) -> tuple[Manifest, bool]:
    """Puts every parcel waiting for (or at) the village on its open manifest of `direction`, opening one if
    there is none: (manifest, created). The first CHUNK parcels in this request, the rest in a job.
    409 no_parcels when nothing waits and no manifest is open."""
    for attempt in range(STEP_RETRIES):
        if attempt:
            found = ports.network.get_village_consistent(village.village_id)
            village = found if found is not None else village
        try:
            return _build_step(ports, village, direction, actor_id, now=now, new_id=new_id)
        except (PreconditionFailed, Conflict) as exc:
            if exc.code not in ("manifest_race", "stale_order", "stale_return", "manifest_closed"):
                raise
            if attempt + 1 == STEP_RETRIES:
                raise Conflict("others are building this manifest right now; retry", code="manifest_busy") from exc
    raise AssertionError("unreachable")


def _build_step(
    ports: Ports, village: Village, direction: str, actor_id: str, *, now: str, new_id: Callable[[str], str]
) -> tuple[Manifest, bool]:
    orders, returns, more = _waiting(ports, village.village_id, direction)
    count = len(orders) + len(returns)
    open_id = village.open_manifest(direction)
    if not count:
        manifest = ports.network.get_manifest(open_id) if open_id else None
        if manifest is None:
            raise Conflict("no parcel is waiting for a manifest", code="no_parcels")
        return manifest, False
    if open_id is None:
        manifest = new_manifest(new_id("mfs"), direction, village, actor_id, now, parcels=count, complete=not more)
        writes = [
            ports.network.open_manifest_write(village.village_id, direction, manifest.manifest_id, opening=True),
            ports.network.new_manifest_write(manifest),
        ]
    else:
        current = ports.network.get_manifest(open_id)
        if current is None:  # the header is written with the village's flag: a missing one is corrupt data
            raise Conflict("the open manifest is missing", code="manifest_race")
        manifest = current
        writes = [
            ports.network.open_manifest_write(village.village_id, direction, open_id, opening=False),
            ports.network.grow_manifest_write(manifest, count, now, complete=not more),
        ]
    order_changes, return_changes, line_writes = _claim_writes(ports, manifest.manifest_id, orders, returns, now)
    ports.buying.save_orders(order_changes, returns=return_changes, alongside=writes + line_writes)
    if open_id is not None:
        manifest = replace(
            manifest,
            parcel_count=manifest.parcel_count + count,
            status="building" if more else "ready",
            version=manifest.version + 1,
            updated_at=now,
        )
    if more:
        _job(ports, "manifest.build", manifest)
    return manifest, open_id is None


def build_step_job(ports: Ports, manifest_id: str, *, now: str) -> bool:
    """One step of a build in the background; True when the manifest is complete."""
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "building":
        return True
    village = ports.network.get_village_consistent(manifest.village_id)
    if village is None or village.open_manifest(manifest.direction) != manifest_id:
        return True
    orders, returns, more = _waiting(ports, village.village_id, manifest.direction)
    if not orders and not returns:
        ports.network.transact([ports.network.finish_build_write(manifest_id, manifest)])
        return True
    order_changes, return_changes, line_writes = _claim_writes(ports, manifest_id, orders, returns, now)
    writes = [
        ports.network.open_manifest_write(village.village_id, manifest.direction, manifest_id, opening=False),
        ports.network.grow_manifest_write(manifest, len(orders) + len(returns), now, complete=not more),
    ]
    ports.buying.save_orders(order_changes, returns=return_changes, alongside=writes + line_writes)
    return not more


# --- dispatch -----------------------------------------------------------------------------------------------


def _items(ports: Ports, manifest: Manifest, lines: list[ManifestLine]) -> dict[str, Order | Return]:
    ids = [line.item_id for line in lines]
    if not ids:
        return {}
    if manifest.direction == TO_VILLAGE:
        return {o.order_id: o for o in ports.buying.get_orders(ids)}
    return {r.return_id: r for r in ports.buying.get_returns(ids)}


def _dispatch_lines(
    ports: Ports,
    manifest: Manifest,
    expected_version: int,
    lines: list[ManifestLine],
    done: bool,
    *,
    now: str,
    first: bool = False,
) -> Manifest:
    """Moves `lines`' parcels on their way, with the header (version-checked): one transaction. The first
    step also closes the village's open manifest (the next build starts a new one)."""
    actor_id = manifest.dispatched_by or manifest.created_by
    items = _items(ports, manifest, lines)
    order_changes: list[tuple[Order, int]] = []
    return_changes: list[tuple[Return, int]] = []
    for line in lines:
        item = items.get(line.item_id)
        if isinstance(item, Order) and item.status == "at_county" and item.manifest_id == manifest.manifest_id:
            order_changes.append((item.dispatch_to_village(manifest.manifest_id, actor_id, now), item.version))
        elif isinstance(item, Return) and (item.network or {}).get("leg") == "at_village":
            return_changes.append((dispatch_return(item, manifest.manifest_id, actor_id, now), item.version))
    header = replace(
        manifest,
        status="dispatched" if done else "dispatching",
        dispatched_at=now if done else manifest.dispatched_at,
        progress=lines[-1].item_id if lines else manifest.progress,
        updated_at=now,
    )
    writes = [ports.network.manifest_write(header, expected_version)]
    if first:
        writes.append(ports.network.close_manifest_write(manifest.village_id, manifest.direction, manifest.manifest_id))
    saved, _ = ports.buying.save_orders(order_changes, returns=return_changes, alongside=writes)
    for order in saved:
        announce(ports.publisher, order, "order.to_village")
    return replace(header, version=expected_version + 1)


def dispatch(ports: Ports, manifest: Manifest, first: Page[ManifestLine], actor_id: str, *, now: str) -> Manifest:
    """ready -> dispatching (-> dispatched): the first CHUNK lines (read with the header) move now, the rest
    in a job. A dispatching manifest resumes; a dispatched one is answered as it is."""
    if manifest.status in ("dispatched", "receiving", "received"):
        return manifest
    if manifest.status == "dispatching":
        return _resume(ports, manifest, "manifest.dispatch", now=now)
    started = start_dispatch(manifest, actor_id, now)
    done = first.last_key is None and len(first.items) <= CHUNK
    header = _dispatch_lines(ports, started, manifest.version, first.items[:CHUNK], done, now=now, first=True)
    if not done:
        _job(ports, "manifest.dispatch", header)
    return header


def _step_lines(ports: Ports, manifest: Manifest) -> tuple[list[ManifestLine], bool]:
    page = ports.network.lines_after(manifest.manifest_id, manifest.progress, CHUNK)
    return list(page.items), page.last_key is None


def dispatch_step_job(ports: Ports, manifest_id: str, *, now: str) -> bool:
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "dispatching":
        return True
    lines, done = _step_lines(ports, manifest)
    _dispatch_lines(ports, manifest, manifest.version, lines, done, now=now)
    return done


# --- receive ------------------------------------------------------------------------------------------------


def _receive_lines(
    ports: Ports, manifest: Manifest, expected_version: int, lines: list[ManifestLine], done: bool, *, now: str
) -> Manifest:
    """Scanned parcels arrived, the others are missing: `lines`' parcels and lines, with the header."""
    actor_id = manifest.received_by or ""
    scanned = set(manifest.scanned)
    items = _items(ports, manifest, lines)
    order_changes: list[tuple[Order, int]] = []
    return_changes: list[tuple[Return, int]] = []
    line_writes: list[Write] = []
    arrived = missing = 0
    for line in lines:
        if line.state != "listed":
            continue
        here = line.item_id in scanned
        item = items.get(line.item_id)
        if isinstance(item, Order) and item.status == "to_village":
            changed = item.ready_at_village(actor_id, now) if here else item.go_missing(actor_id, now)
            order_changes.append((changed, item.version))
        elif isinstance(item, Return) and (item.network or {}).get("leg") == "to_county":
            moved = return_at_county(item, actor_id, now) if here else return_missing(item, actor_id, now)
            return_changes.append((moved, item.version))
        arrived += here
        missing += not here
        line_writes.append(ports.network.line_write(replace(line, state="received" if here else "missing"), new=False))
    header = replace(
        manifest,
        status="received" if done else "receiving",
        received_at=now if done else manifest.received_at,
        received_count=manifest.received_count + arrived,
        missing_count=manifest.missing_count + missing,
        progress=lines[-1].item_id if lines else manifest.progress,
        updated_at=now,
    )
    writes = [ports.network.manifest_write(header, expected_version), *line_writes]
    saved, _ = ports.buying.save_orders(order_changes, returns=return_changes, alongside=writes)
    for order in saved:
        kind = "order.ready_for_pickup" if order.status == "ready_for_pickup" else "order.missing"
        announce(ports.publisher, order, kind)
    return replace(header, version=expected_version + 1)


def receive(
    ports: Ports, manifest: Manifest, lines: list[ManifestLine], codes: list[str], actor_id: str, *, now: str
) -> Manifest:
    """The parcels scanned at the destination (`codes`: ids or tracking numbers) arrived; the manifest's other
    parcels are missing. 422 for a code on no line of the manifest. Received again with the same scans: the
    same answer (a step resumes if one is left); with other scans: 409."""
    scanned, unknown = resolve_codes(lines, codes)
    if unknown:
        raise Unprocessable(
            "some scanned parcels are not on this manifest",
            code="not_on_manifest",
            details=[{"field": "codes", "message": f"{code} is not on this manifest"} for code in unknown[:50]],
        )
    if manifest.status in ("receiving", "received"):
        if set(manifest.scanned) != set(scanned):
            raise Conflict("this manifest was received already, with other scans", code="already_received")
        if manifest.status == "receiving":
            return _resume(ports, manifest, "manifest.receive", now=now)
        return manifest
    started = start_receipt(manifest, scanned, actor_id, now)
    done = len(lines) <= CHUNK
    header = _receive_lines(ports, started, manifest.version, lines[:CHUNK], done, now=now)
    if not done:
        _job(ports, "manifest.receive", header)
    return header


def receive_step_job(ports: Ports, manifest_id: str, *, now: str) -> bool:
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "receiving":
        return True
    lines, done = _step_lines(ports, manifest)
    _receive_lines(ports, manifest, manifest.version, lines, done, now=now)
    return done


# --- jobs ---------------------------------------------------------------------------------------------------

STEPS: dict[str, Callable[..., bool]] = {
    "manifest.build": build_step_job,
    "manifest.dispatch": dispatch_step_job,
    "manifest.receive": receive_step_job,
}


def _resume(ports: Ports, manifest: Manifest, kind: str, *, now: str) -> Manifest:
    """A busy manifest asked again (its job may be lost): one step here, and the job queued again."""
    done = STEPS[kind](ports, manifest.manifest_id, now=now)
    if not done:
        _job(ports, kind, manifest)
    return ports.network.get_manifest(manifest.manifest_id) or manifest


def run_job(
    ports: Ports,
    job: dict[str, Any],
    *,
    clock: Callable[[], str],
    seconds: float = JOB_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """Runs steps of one job for about `seconds`; queues the job again when steps are left. True when done.
    A step that meets a concurrent change (another run of the same job) is simply tried again."""
    kind, manifest_id = job.get("job"), job.get("manifest_id")
    step = STEPS.get(str(kind))
    if step is None or not isinstance(manifest_id, str):
        raise ValueError(f"not a network job: {job!r}")
    started = monotonic()
    failures = 0
    while monotonic() - started < seconds:
        try:
            if step(ports, manifest_id, now=clock()):
                return True
            failures = 0
        except (PreconditionFailed, Conflict):
            failures += 1
            if failures >= STEP_RETRIES:
                raise
    ports.jobs.enqueue({"job": kind, "manifest_id": manifest_id})
    return False
