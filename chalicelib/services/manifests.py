"""Manifests in steps (issue 10): build, dispatch and receive any number of parcels, no request running long.

Each step is ONE transaction of at most CHUNK parcels (each parcel's order or return, version-checked, and its
manifest line) with the manifest's header: the header's version (or, while building, the village's open
manifest and the parcels' own versions) makes a step apply exactly once, so a retried request or a redelivered
job neither loses nor duplicates a parcel. A request runs the first step itself; when parcels are left, that
step's transaction also writes the next step as an outbox event (adapters/outbox.OutboxJobQueue), which reaches
the order-events queue like every other event; its consumer (events/order_events.handle_event) runs one step
per event, each writing the next the same way until the manifest is done. Calling the same route again also
resumes a stalled manifest. The orders' events (`order.to_village`, `order.ready_for_pickup`, ...) are written to the
outbox in each step's own transaction (BuyingRepository.save_orders): nothing is published after a write.

Inbound manifests (to_village) carry orders; outbound ones (to_county) carry returns opened at a village.
"""

from __future__ import annotations

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
from .ports import BuyingRepository, JobQueue, NetworkRepository, Page, Write

# Parcels per step: 2 actions each (the order or return, its line), at most one timeline entry per order moved
# to OrderHistory, the header, the village, the orders' events (one outbox item) and the next step's job (one
# outbox item) = at most 79 of the transaction's 100.
CHUNK = 25
STEP_RETRIES = 3


@dataclass(frozen=True)
class Ports:
    buying: BuyingRepository
    network: NetworkRepository
    jobs: JobQueue


def _next_step(ports: Ports, kind: str, manifest_id: str, version: int, now: str) -> list[Write]:
    """The next step of `kind`, for the transaction of the step that leaves the header at `version` (the
    version names the step: written twice, it is one outbox item)."""
    return [ports.jobs.job_write({"job": kind, "manifest_id": manifest_id, "version": version}, now)]


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
    after = manifest.version if open_id is None else manifest.version + 1
    job = _next_step(ports, "manifest.build", manifest.manifest_id, after, now) if more else []
    ports.buying.save_orders(
        order_changes, events=_each(order_changes, "order.on_manifest"), returns=return_changes,
        alongside=writes + line_writes + job,
    )  # fmt: skip
    if open_id is not None:
        manifest = replace(
            manifest,
            parcel_count=manifest.parcel_count + count,
            status="building" if more else "ready",
            version=manifest.version + 1,
            updated_at=now,
        )
    return manifest, open_id is None


def _each(changes: list[tuple[Order, int]], kind: str) -> list[str]:
    return [kind] * len(changes)


def build_step_job(ports: Ports, manifest_id: str, *, now: str) -> Manifest | None:
    """One step of a build in the background: the manifest after it, or None when the build is complete."""
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "building":
        return None
    village = ports.network.get_village_consistent(manifest.village_id)
    if village is None or village.open_manifest(manifest.direction) != manifest_id:
        return None
    orders, returns, more = _waiting(ports, village.village_id, manifest.direction)
    if not orders and not returns:
        ports.network.transact([ports.network.finish_build_write(manifest_id, manifest)])
        return None
    order_changes, return_changes, line_writes = _claim_writes(ports, manifest_id, orders, returns, now)
    count = len(orders) + len(returns)
    writes = [
        ports.network.open_manifest_write(village.village_id, manifest.direction, manifest_id, opening=False),
        ports.network.grow_manifest_write(manifest, count, now, complete=not more),
    ]
    job = _next_step(ports, "manifest.build", manifest_id, manifest.version + 1, now) if more else []
    ports.buying.save_orders(
        order_changes, events=_each(order_changes, "order.on_manifest"), returns=return_changes,
        alongside=writes + line_writes + job,
    )  # fmt: skip
    if not more:
        return None
    return replace(manifest, parcel_count=manifest.parcel_count + count, version=manifest.version + 1, updated_at=now)


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
    """Moves `lines`' parcels on their way, with the header (version-checked) and, unless `done`, the next
    step's job: one transaction. The first step also closes the village's open manifest (the next build starts
    a new one)."""
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
    if not done:
        writes += _next_step(ports, "manifest.dispatch", manifest.manifest_id, expected_version + 1, now)
    ports.buying.save_orders(
        order_changes, events=_each(order_changes, "order.to_village"), returns=return_changes, alongside=writes
    )
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
    return _dispatch_lines(ports, started, manifest.version, first.items[:CHUNK], done, now=now, first=True)


def _step_lines(ports: Ports, manifest: Manifest) -> tuple[list[ManifestLine], bool]:
    page = ports.network.lines_after(manifest.manifest_id, manifest.progress, CHUNK)
    return list(page.items), page.last_key is None


def dispatch_step_job(ports: Ports, manifest_id: str, *, now: str) -> Manifest | None:
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "dispatching":
        return None
    lines, done = _step_lines(ports, manifest)
    header = _dispatch_lines(ports, manifest, manifest.version, lines, done, now=now)
    return None if done else header


# --- receive ------------------------------------------------------------------------------------------------


def _receive_lines(
    ports: Ports, manifest: Manifest, expected_version: int, lines: list[ManifestLine], done: bool, *, now: str
) -> Manifest:
    """Scanned parcels arrived, the others are missing: `lines`' parcels and lines, with the header."""
    actor_id = manifest.received_by or ""
    scanned = set(manifest.scanned)
    items = _items(ports, manifest, lines)
    order_changes: list[tuple[Order, int]] = []
    events: list[str] = []
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
            events.append("order.ready_for_pickup" if here else "order.missing")
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
    if not done:
        writes += _next_step(ports, "manifest.receive", manifest.manifest_id, expected_version + 1, now)
    ports.buying.save_orders(order_changes, events=events, returns=return_changes, alongside=writes)
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
    return _receive_lines(ports, started, manifest.version, lines[:CHUNK], done, now=now)


def receive_step_job(ports: Ports, manifest_id: str, *, now: str) -> Manifest | None:
    manifest = ports.network.get_manifest(manifest_id)
    if manifest is None or manifest.status != "receiving":
        return None
    lines, done = _step_lines(ports, manifest)
    header = _receive_lines(ports, manifest, manifest.version, lines, done, now=now)
    return None if done else header


# --- jobs ---------------------------------------------------------------------------------------------------

# Each step returns the manifest after it, or None when the job is done.
STEPS: dict[str, Callable[..., Manifest | None]] = {
    "manifest.build": build_step_job,
    "manifest.dispatch": dispatch_step_job,
    "manifest.receive": receive_step_job,
}


def _resume(ports: Ports, manifest: Manifest, kind: str, *, now: str) -> Manifest:
    """A busy manifest asked again (its job may be stalled): one step here (which queues the next one)."""
    STEPS[kind](ports, manifest.manifest_id, now=now)
    return ports.network.get_manifest(manifest.manifest_id) or manifest


def run_step(ports: Ports, job: dict[str, Any], *, now: str) -> bool:
    """One step of a manifest's job (an outbox event: {"type": "manifest.build" | "manifest.dispatch" |
    "manifest.receive", "manifest_id", "version"}); the step writes the next one's event in its own transaction
    while steps are left. True when the job is done. Steps read the manifest as it is, so an event delivered
    twice runs the step that is due then, never one twice; a step that meets a concurrent change (another run
    of the same job) is tried again."""
    kind, manifest_id = job.get("type"), job.get("manifest_id")
    step = STEPS.get(str(kind))
    if step is None or not isinstance(manifest_id, str):
        raise ValueError(f"not a network job: {job!r}")
    for attempt in range(STEP_RETRIES):
        try:
            after = step(ports, manifest_id, now=now)
            break
        except (PreconditionFailed, Conflict):
            if attempt + 1 == STEP_RETRIES:
                raise
    return after is None
