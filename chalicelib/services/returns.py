"""Returns: a buyer asks within the return window; the seller receives the goods, refunds and restocks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Posting
from ..domain.network import check_seller_can_receive
from ..domain.orders import Order, Refund, Return, TimelineEntry
from . import settlement
from .notifications import announce
from .order_lifecycle import buyer_order
from .ports import BuyingRepository, CatalogRepository, EventPublisher, Ledger, Page, Position
from .shops import owned_shop


def request_return(
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    order_id: str,
    lines: list[dict[str, Any]],
    reason: str | None,
    *,
    now: str,
    return_id: str,
) -> Return:
    order = buyer_order(repo, actor, order_id)
    return open_return(
        repo, publisher, order, lines, reason, now=now, return_id=return_id, actor="buyer", actor_id=actor.user_id
    )


def open_return(
    repo: BuyingRepository,
    publisher: EventPublisher,
    order: Order,
    lines: list[dict[str, Any]],
    reason: str | None,
    *,
    now: str,
    return_id: str,
    actor: str,
    actor_id: str,
    network: dict[str, Any] | None = None,
    ledger: Ledger | None = None,
    fee_back: Callable[[dict[str, int]], Posting | None] | None = None,
) -> Return:
    """A return of `order` within its window, by its buyer or (`network`) at its village service centre.
    `fee_back` (issue 11): the share of an assisted order's service fee the goods give back, given the order's
    returned quantities with this return, posted in the return's own transaction."""
    if not lines:
        raise ValidationFailed("name at least one line", details=[{"field": "lines", "message": "is empty"}])
    returned_lines = order.check_return(lines, now)
    returned = dict(order.returned)
    for line in returned_lines:
        returned[line["line_id"]] = returned.get(line["line_id"], 0) + line["quantity"]
    ret = Return(
        return_id=return_id,
        order_id=order.order_id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        lines=tuple(returned_lines),
        reason=reason,
        status="requested",
        currency=order.currency,
        created_at=now,
        updated_at=now,
        network=network,
    )
    entry = TimelineEntry(
        at=now, actor=actor, action="return_requested", status=order.status, note=return_id, actor_id=actor_id
    )
    updated = replace(order, returned=returned, updated_at=now, timeline=(*order.timeline, entry))
    posting = fee_back(returned) if fee_back else None
    if posting is None:
        saved = repo.create_return(ret, updated, order.version)
    else:
        if ledger is None:
            raise RuntimeError("giving a service fee back needs the ledger")
        ledger.post(posting, alongside=repo.order_writes(updated, order.version, ret=ret))
        saved = replace(updated, version=order.version + 1)
    announce(publisher, saved, "order.return_requested")
    return ret


def shop_returns(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    limit: int,
    start: Position | None,
) -> Page[Return]:
    """One Query when the page's returns prove ownership (seller snapshot); an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    page = repo.shop_returns(shop_id, limit, start)
    if not page.items or not all(r.seller_id == actor.user_id for r in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def receive_return(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    return_id: str,
    *,
    now: str,
) -> Return:
    """The goods are back: the refund is recorded on the order and the stock restored, once; the money goes back
    to the buyer from the shop's pending balance (or, after completion, its available balance) with it."""
    require_role(actor, Role.SELLER)
    ret = repo.get_return(return_id)
    if ret is None or ret.shop_id != shop_id or ret.seller_id != actor.user_id:
        owned_shop(catalog, actor, shop_id)
        if ret is None or ret.shop_id != shop_id:
            raise NotFound("return not found", code="return_not_found")
    if ret.status != "requested":
        raise Conflict(f"a {ret.status} return cannot be received", code="illegal_return_transition")
    check_seller_can_receive(ret)
    order = repo.get_order(ret.order_id)
    if order is None:  # orders are never deleted; a return without its order is corrupt data
        raise NotFound("order not found", code="order_not_found")
    received = replace(ret, status="received", updated_at=now)
    entry = TimelineEntry(
        at=now, actor="seller", action="refunded", status=order.status, note=return_id, actor_id=actor.user_id
    )
    refunded = replace(
        order,
        refunds=(*order.refunds, Refund(return_id, ret.amount, now)),
        updated_at=now,
        timeline=(*order.timeline, entry),
    )
    restock: Counter[str] = Counter()
    for line in ret.lines:
        restock[line["product_id"]] += line["quantity"]
    saved = settlement.record_refund(
        repo,
        ledger,
        order,
        refunded,
        ret.amount,
        return_id,
        now=now,
        restock=dict(restock),
        ret=received,
        expected_return_version=ret.version,
    )
    announce(publisher, saved, "order.refunded")
    return replace(received, version=ret.version + 1)
