"""Returns: a buyer asks within the return window; the seller receives the goods, refunds and restocks.

A return is its own item (Returns table); the order keeps only the quantities returned per line, its newest
timeline entries and refunds (domain.orders.TIMELINE_ON_ORDER), so any number of returns fits an order.
Only money that was received is refunded: a cash-on-delivery order returned before anyone paid gets its goods
back and nothing refunded. Card money goes back through the payment provider (services/refunds.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain import platform_funding
from ..domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Posting
from ..domain.network import check_seller_can_receive
from ..domain.orders import Order, Return
from . import points, settlement
from .order_lifecycle import CHANGE_ATTEMPTS, REPLAYED_POSTING, buyer_order
from .ports import BuyingRepository, CatalogRepository, Ledger, Page, Position, TrustRepository
from .shops import owned_shop


def request_return(
    repo: BuyingRepository,
    actor: Actor,
    order_id: str,
    lines: list[dict[str, Any]],
    reason: str | None,
    *,
    now: str,
    return_id: str,
    if_match: int | None = None,
) -> Return:
    return open_return(
        repo, lambda: buyer_order(repo, actor, order_id), lines, reason, now=now, return_id=return_id,
        actor="buyer", actor_id=actor.user_id, if_match=if_match,
    )  # fmt: skip


def open_return(
    repo: BuyingRepository,
    load: Callable[[], Order],
    lines: list[dict[str, Any]],
    reason: str | None,
    *,
    now: str,
    return_id: str,
    actor: str,
    actor_id: str,
    network: Callable[[Order], dict[str, Any]] | None = None,
    if_match: int | None = None,
    ledger: Ledger | None = None,
    fee_back: Callable[[Order, dict[str, int]], Posting | None] | None = None,
) -> Return:
    """A return of the order `load` reads (and checks access to), within its window, by its buyer or (issue 10:
    `network`, the parcel's way back from the order) at its village service centre by the village's partner.
    `fee_back` (issue 11): the share of an assisted order's service fee the goods give back, given the order and
    its returned quantities with this return, posted in the return's own transaction."""
    if not lines:
        raise ValidationFailed("name at least one line", details=[{"field": "lines", "message": "is empty"}])
    for _ in range(CHANGE_ATTEMPTS):
        order = load()
        if if_match is not None and order.version != if_match:
            raise PreconditionFailed("the order was changed since you read it", code="stale_order")
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
            network=network(order) if network is not None else None,
        )
        ret = replace(ret, refund_estimate=platform_funding.settle_return(order, ret.amount)[0])
        updated = order.noted("return_requested", actor, now, note=return_id, actor_id=actor_id, returned=returned)
        posting = fee_back(order, returned) if fee_back else None
        try:
            if posting is None:
                repo.create_return(ret, updated, order.version, event="order.return_requested")
            elif ledger is None:
                raise RuntimeError("giving a service fee back needs the ledger")
            else:
                writes = repo.order_writes(updated, order.version, event="order.return_requested", ret=ret)
                ledger.post(posting, alongside=writes)
            return ret
        except PreconditionFailed:
            if if_match is not None:
                raise
    raise Conflict("the order kept changing while this request ran; reload it and retry", code="order_busy")


def buyer_return(repo: BuyingRepository, actor: Actor, order_id: str, return_id: str) -> Return | None:
    """One of the buyer's returns of `order_id` (one GetItem); None when it is not theirs or not of that order."""
    ret = repo.get_return(return_id)
    if ret is None or ret.buyer_id != actor.user_id or ret.order_id != order_id:
        return None
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


def _received(order: Order, ret: Return, actor: Actor, now: str) -> tuple[Order, Return, str, dict[str, int]]:
    """The order and return once the goods are back, the event, and the platform's funded discounts on these
    goods that go back to it (domain/platform_funding.py): refund what was paid for these lines, as far as the
    money received still covers it (`order.received` - refunds so far); nothing when nothing was paid (a
    cash-on-delivery order returned unpaid: "goods back, nothing to refund")."""
    refund, funded_back, funded_record = platform_funding.settle_return(order, ret.amount)
    received = replace(ret, status="received", updated_at=now, refunded=refund)
    if funded_back:
        order = replace(order, funded_returned=funded_record)
    if refund:
        noted = order.noted("refunded", "seller", now, note=ret.return_id, actor_id=actor.user_id)
        return noted.with_refund(ret.return_id, refund, now), received, "order.refunded", funded_back
    noted = order.noted(
        "returned_nothing_to_refund",
        "seller",
        now,
        note=f"{ret.return_id}: goods back, nothing to refund",
        actor_id=actor.user_id,
    )
    return noted, received, "order.returned", funded_back


def receive_return(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str,
    return_id: str,
    *,
    now: str,
    if_match: int | None = None,
    trust: TrustRepository | None = None,
) -> Return:
    """The goods are back: the refund (if any) is recorded on the order and the stock restored, once; the money
    goes back to the buyer from the shop's pending balance (or, after completion, its available balance) with it.
    Points the buyer spent on these goods come back to them just after (their share, platform_funding.points_back;
    the return's event carries it, so the order-events consumer gives them if this stops in between)."""
    require_role(actor, Role.SELLER)
    load: Callable[[], Return] = lambda: _shop_return(catalog, repo, actor, shop_id, return_id)  # noqa: E731
    for _ in range(CHANGE_ATTEMPTS):
        ret = load()
        if if_match is not None and ret.version != if_match:
            raise PreconditionFailed("the return was changed since you read it", code="stale_return")
        if ret.status != "requested":
            raise Conflict(f"a {ret.status} return cannot be received", code="illegal_return_transition")
        check_seller_can_receive(ret)  # issue 10: a return opened at a village must reach the seller first
        order = repo.get_order(ret.order_id)
        if order is None:  # orders are never deleted; a return without its order is corrupt data
            raise NotFound("order not found", code="order_not_found")
        updated, received, event, funded_back = _received(order, ret, actor, now)
        points_back = platform_funding.points_back(order, updated.funded_returned)
        facts = {"return_id": return_id, "points_returned": points_back} if points_back else None
        restock: dict[str, int] = {}
        for line in ret.lines:
            restock[line["product_id"]] = restock.get(line["product_id"], 0) + line["quantity"]
        try:
            settlement.record_refund(
                repo,
                ledger,
                order,
                updated,
                received.refunded or 0,
                return_id,
                now=now,
                event=event,
                restock=restock,
                ret=received,
                expected_return_version=ret.version,
                funded_back=funded_back,
                event_facts=facts,
            )
            if trust is not None and points_back:  # the points spent on these goods (the event's safety net)
                points.return_for_goods(
                    trust, ledger, order.buyer_id, order.order_id, return_id, points_back, now=now
                )  # fmt: skip
            if trust is not None and received.refunded:  # issue 13: points earned on the goods (after completion)
                points.reverse_for_refund(ledger, order, return_id, received.refunded, now=now)
            return replace(received, version=ret.version + 1)
        except PreconditionFailed:
            if if_match is not None:
                raise
        except Conflict as exc:  # the same receipt, made meanwhile by another request: look again
            if exc.code not in REPLAYED_POSTING:
                raise
            if if_match is not None:
                raise PreconditionFailed("the return was changed since you read it", code="stale_return") from exc
    raise Conflict("the return kept changing while this request ran; reload it and retry", code="order_busy")


def _shop_return(
    catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, return_id: str
) -> Return:
    ret = repo.get_return(return_id)
    if ret is None or ret.shop_id != shop_id or ret.seller_id != actor.user_id:
        owned_shop(catalog, actor, shop_id)
        if ret is None or ret.shop_id != shop_id:
            raise NotFound("return not found", code="return_not_found")
    return ret
