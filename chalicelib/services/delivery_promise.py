"""Issue 12: the delivery promise of a foreign market: operators' zones and compensation, the promise shown on
product pages, tracking events, and the job that compensates a missed promise exactly once."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain import coupons as coupon_rules
from ..domain import delivery
from ..domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, basis_points, transfer
from ..domain.markets import HOME_MARKET, get_market
from ..domain.orders import PROMISE, Order, format_time, parse_time
from . import order_lifecycle, points, settlement
from .ports import (
    JSON,
    BuyingRepository,
    CarriersRepository,
    CatalogRepository,
    CouponsRepository,
    Ledger,
    MarketsRepository,
    TrustRepository,
)

POINTS_PER_UNIT = 1


def _foreign(market: str) -> str:
    key = get_market(market).market
    if key == HOME_MARKET:
        raise NotFound("the home market makes no delivery promise", code="no_delivery_promise")
    return key


def set_zones(repo: MarketsRepository, actor: Actor, market: str, zones: list[JSON]) -> JSON:
    require_role(actor, Role.OPERATOR)
    key = _foreign(market)
    checked = delivery.validate_zones(zones)
    return repo.save_delivery_terms(key, zones=[z.public() for z in checked])


def set_compensation(repo: MarketsRepository, actor: Actor, market: str, compensation: JSON) -> JSON:
    require_role(actor, Role.OPERATOR)
    key = _foreign(market)
    return repo.save_delivery_terms(key, compensation=delivery.validate_compensation(compensation))


def delivery_terms(repo: MarketsRepository, market: str) -> JSON:
    return repo.delivery_terms(_foreign(market))


def promise_for(repo: MarketsRepository, market: str, city: str | None, attributes: JSON, now: str) -> JSON | None:
    """ "Delivered by <date>" for a product bought now (paid today) and sent to `city` (the market's farthest zone
    when no city is given); None when the market has no zones yet. The terms are cached per instance."""
    terms = repo.delivery_terms(market)
    if not terms.get("zones"):
        return None
    zones = delivery.validate_zones(terms["zones"])
    zone = delivery.zone_for(zones, city) if city else max(zones, key=lambda z: z.promise_days)
    processing = delivery.processing_days([attributes])
    return {
        "zone": zone.zone,
        "city": city,
        "promise_days": zone.promise_days,
        "processing_days": processing,
        "delivered_by": delivery.promised_by(now, processing, zone.promise_days),
    }


def track(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    order_id: str,
    event: str,
    at: str,
    location: str | None,
    *,
    now: str,
    carriers: CarriersRepository | None = None,
    carrier_id: str | None = None,
    tracking_number: str | None = None,
) -> Order:
    """A tracking event on an order of the seller's shop; `delivered` delivers a shipped order. A delivery or
    a delivery attempt on or before the promised day keeps the promise. `handed_to_carrier` may name the
    registered carrier (and its tracking number): that carrier may then post the parcel's events itself; a suspended
    carrier is refused (409 carrier_suspended)."""
    when = _event_time(at, now)
    handed_to: dict[str, Any] | None = None
    suspended = False
    if carrier_id is not None:
        if event != "handed_to_carrier":
            raise ValidationFailed(
                "only handed_to_carrier names the carrier",
                details=[{"field": "carrier_id", "message": "send it with event handed_to_carrier"}],
            )
        found = carriers.get_carrier(carrier_id) if carriers is not None else None
        if found is None:
            raise ValidationFailed(
                "there is no such carrier",
                code="carrier_not_found",
                details=[{"field": "carrier_id", "message": "a carrier an operator registered"}],
            )
        handed_to = {"carrier_id": found.carrier_id, "name": found.name, "tracking_number": tracking_number}
        suspended = not found.active

    def change(order: Order) -> Order:
        if suspended:  # said only to the shop's owner (the order was loaded through the ownership check)
            raise Conflict(
                "this carrier is suspended: hand the parcel to another carrier",
                code="carrier_suspended",
                details=[{"field": "carrier_id", "message": "an operator suspended this carrier"}],
            )
        tracked = order.track(event, when, location, now, actor_id=actor.user_id)
        return replace(tracked, carrier=handed_to) if handed_to else tracked

    def kind(order: Order) -> str:
        return "order.delivered" if event == "delivered" and order.status == "shipped" else "order.tracked"

    def load() -> Order:
        return order_lifecycle.shop_order(catalog, repo, actor, shop_id, order_id)

    def save(order: Order, changed: Order) -> Order:
        return repo.save_order(changed, order.version, event=kind(order))

    return order_lifecycle.apply_change(repo, load, change, "order.tracked", save=save)


def _event_time(at: str, now: str) -> str:
    when = format_time(parse_time(at))
    if parse_time(when) > parse_time(now) + dt.timedelta(minutes=5):
        raise Conflict("a tracking event cannot be in the future", code="tracking_in_future")
    return when


def track_by_carrier(
    repo: BuyingRepository,
    carrier_id: str,
    shop_id: str,
    order_id: str,
    event: str,
    at: str,
    location: str | None,
    *,
    now: str,
) -> Order:
    """A tracking event the carrier posts (its signature verified at the edge) on a parcel handed to it: an order
    of that shop whose `handed_to_carrier` event named this carrier; any other order is 404, as if it did not
    exist (a carrier learns nothing of other carriers' parcels)."""
    when = _event_time(at, now)

    def load() -> Order:
        order = repo.get_order(order_id)
        if order is None or order.shop_id != shop_id or (order.carrier or {}).get("carrier_id") != carrier_id:
            raise NotFound("no parcel of yours with this order", code="order_not_found")
        return order

    def change(order: Order) -> Order:
        return order.track(event, when, location, now, actor_id=f"carrier:{carrier_id}", by="carrier")

    def save(order: Order, changed: Order) -> Order:
        kind = "order.delivered" if event == "delivered" and order.status == "shipped" else "order.tracked"
        return repo.save_order(changed, order.version, event=kind)

    return order_lifecycle.apply_change(repo, load, change, "order.tracked", save=save)


def change_address(repo: BuyingRepository, actor: Actor, order_id: str, address: JSON, *, now: str) -> Order:
    """The buyer sends an order not yet shipped somewhere else: its delivery promise no longer holds (void: no
    compensation), since the zone and the route change."""
    require_role(actor, Role.BUYER)

    def load() -> Order:
        order = repo.get_order(order_id)
        if order is None or order.buyer_id != actor.user_id:
            raise NotFound("order not found", code="order_not_found")
        return order

    def change(order: Order) -> Order:
        if order.status not in ("pending_payment", "paid"):
            raise Conflict(
                f"a {order.status} order's address cannot change (only before it ships)", code="address_locked"
            )
        moved = order.noted("address_changed", "buyer", now, note=address.get("city"), actor_id=actor.user_id)
        return replace(moved, delivery=address).promise_voided("address_changed", now)

    return order_lifecycle.apply_change(repo, load, change, "order.address_changed")


# --- the compensation job -------------------------------------------------------------------------------


def compensate_due(
    repo: BuyingRepository,
    ledger: Ledger,
    trust: TrustRepository,
    *,
    now: str,
    coupons: CouponsRepository | None = None,
    limit: int = 500,
    page_size: int = 50,
) -> JSON:
    """Every order whose delivery promise passed without a delivery (schedule-index, job `promise`, sharded)
    gets its compensation once: the posting id (a coupon's code) is derived from the order and the order's
    change rides in the same transaction, so a second run, a retry or a concurrent run finds it done."""
    return order_lifecycle.run_scheduled(
        repo,
        PROMISE,
        lambda order: _compensate(repo, ledger, trust, order, now, coupons),
        now=now,
        limit=limit,
        page_size=page_size,
    )


def _compensate(
    repo: BuyingRepository,
    ledger: Ledger,
    trust: TrustRepository,
    order: Order,
    now: str,
    coupons: CouponsRepository | None = None,
) -> bool:
    for _ in range(3):
        if not order.promise_open or order.status == "cancelled":
            return False
        if parse_time(now) < parse_time(str(order.promise_passes_at)):
            return False
        try:
            _issue(repo, ledger, trust, order, now, coupons)
            return True
        except PreconditionFailed:
            fresh = repo.get_order(order.order_id)  # changed meanwhile (delivered in time?): look again
            if fresh is None:
                return False
            order = fresh
        except Conflict as exc:
            if exc.code in ("posting_replayed", "already_compensated", "coupon_exists"):
                return False
            raise
    return False


def _issue(
    repo: BuyingRepository,
    ledger: Ledger,
    trust: TrustRepository,
    order: Order,
    now: str,
    coupons: CouponsRepository | None = None,
) -> None:
    promise = order.delivery_promise or {}
    terms = promise.get("compensation") or {"type": "none", "value": 0, "funded_by": "platform"}
    posting_id = f"compensation:{order.order_id}"
    kind, value = terms["type"], int(terms["value"])
    if kind == "points":
        # Issue 13's points service grants them (with their lot, so they expire like any points), once per
        # compensation: its posting id is derived from the order, so a second run grants nothing; the order's
        # change follows (a run stopped in between finds the promise still open and completes it).
        record = {"type": "points", "value": value, "points": value * POINTS_PER_UNIT, "posting_id": posting_id}
        changed = order.compensated(record, now)
        points.grant(trust, ledger, order.buyer_id, value * POINTS_PER_UNIT, order.order_id, now=now)
        repo.save_order(changed, order.version, event="order.compensated")
        return
    if kind == "coupon":
        if coupons is None:
            raise RuntimeError("coupon compensation needs the coupons repository")
        # A coupon in the currency the buyer was charged in (roubles in ru), its code derived from the order:
        # its put (refused if it exists) rides in the order's transaction, so it is issued exactly once.
        currency = str(order.market["currency"]) if order.market else order.currency
        coupon = coupon_rules.issue(order.order_id, order.buyer_id, value, currency, now)
        record = {
            "type": "coupon",
            "value": value,
            "code": coupon.code,
            "amount": value,
            "currency": currency,
            "expires_at": coupon.expires_at,
        }
        changed = order.compensated(record, now)
        repo.commit(
            [*repo.order_writes(changed, order.version, event="order.compensated"), coupons.issue_write(coupon)]
        )
        return
    if kind == "percent_refund":
        amount = min(basis_points(order.total, value * 100), max(order.total - order.refunded, 0))
        record = {"type": kind, "value": value, "amount": amount, "currency": order.currency, "posting_id": posting_id}
        changed = order.compensated(record, now).with_refund("compensation", amount, now)
        writes = repo.order_writes(changed, order.version, event="order.compensated")
        if terms.get("funded_by") == "seller":
            settlement.debit_compensation(ledger, changed, order.order_id, amount, now=now, alongside=writes)
            return
        posted = ledger.post(
            transfer(
                posting_id,
                "delivery.compensated",
                now,
                source=Account.platform("compensation"),
                destination=Account.external("buyer-payments"),
                amount=amount,
                currency=order.currency,
                refs={"order_id": order.order_id, **changed.charge_refs("compensation")},
                memo=f"Delivery promise missed on order {order.order_id}",
            ),
            alongside=writes,
        )
        if posted.replayed:
            raise Conflict("already compensated", code="already_compensated")
        return
    changed = order.compensated({"type": "none", "value": 0}, now)  # the market set no compensation
    repo.commit(repo.order_writes(changed, order.version, event="order.compensated"))


def promise_public(order: Order) -> JSON | None:
    p = order.delivery_promise
    if not p:
        return None
    out: dict[str, Any] = {k: p.get(k) for k in ("zone", "city", "promise_days", "processing_days", "status")}
    out["promised_by"] = p.get("promised_by")
    if p.get("compensated"):
        out["compensation"] = p["compensated"]
    if p.get("void_reason"):
        out["void_reason"] = p["void_reason"]
    return out
