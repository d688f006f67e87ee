"""An order after checkout: reading it, and its lifecycle (cancel, pay, ship, deliver, complete)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import Order, Refund
from ..domain.seller_money import terms_for
from . import settlement, terms
from .notifications import announce
from .ports import (
    BuyingRepository,
    CatalogRepository,
    EventPublisher,
    FinanceRepository,
    Ledger,
    Page,
    Position,
    TradeRepository,
)
from .shops import owned_shop

# --- buyer ----------------------------------------------------------------------------------------


def buyer_order(repo: BuyingRepository, actor: Actor, order_id: str) -> Order:
    require_role(actor, Role.BUYER)
    order = repo.get_order(order_id)
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def buyer_orders(repo: BuyingRepository, actor: Actor, limit: int, start: Position | None) -> Page[Order]:
    require_role(actor, Role.BUYER)
    return repo.buyer_orders(actor.user_id, limit, start)


def cancel(
    repo: BuyingRepository, ledger: Ledger, publisher: EventPublisher, actor: Actor, order_id: str, *, now: str
) -> Order:
    """Before shipment only. The version condition makes concurrent cancels restore stock exactly once; a paid
    order's money goes back to the buyer from the shop's pending balance in the same transaction. An order on
    net terms (issue 14; never paid before it ships) gives its credit back in the same transaction instead."""
    order = buyer_order(repo, actor, order_id)
    cancelled = order.cancel("buyer", now, actor_id=actor.user_id)
    if order.payment_method == "net_terms":
        return terms.cancel_on_terms(repo, ledger, publisher, order, cancelled, now=now)
    restock: Counter[str] = Counter()
    for line in order.lines:
        restock[line.product_id] += line.quantity
    paid = order.amount_paid  # everything paid so far: the whole order, or a pre-sale's deposit (issue 15)
    if paid:
        cancelled = replace(cancelled, refunds=(*cancelled.refunds, Refund("cancellation", paid, now)))
        saved = settlement.record_refund(
            repo, ledger, order, cancelled, paid, "cancellation", now=now, restock=dict(restock)
        )
    else:
        saved = repo.save_order(cancelled, order.version, restock=dict(restock))
    announce(publisher, saved, "order.cancelled")
    return saved


# --- seller ---------------------------------------------------------------------------------------


def shop_order(catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, order_id: str) -> Order:
    """One read when the order's seller snapshot names `actor` (shops never change owner); anything else also
    reads the shop, for the usual 403/404."""
    require_role(actor, Role.SELLER)
    order = repo.get_order(order_id)
    if order is not None and order.shop_id == shop_id and order.seller_id == actor.user_id:
        return order
    owned_shop(catalog, actor, shop_id)
    if order is None or order.shop_id != shop_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def shop_orders(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    status: str | None,
    limit: int,
    start: Position | None,
) -> Page[Order]:
    """One Query when the page's orders prove ownership (seller snapshot); an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    page = repo.shop_orders(shop_id, status, limit, start)
    if not page.items or not all(o.seller_id == actor.user_id for o in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def _seller_change(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    order_id: str,
    change: Callable[[Order], Order],
    kind: str,
) -> Order:
    order = shop_order(catalog, repo, actor, shop_id, order_id)
    saved = repo.save_order(change(order), order.version)
    announce(publisher, saved, kind)
    return saved


def ship(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    order_id: str,
    carrier: str,
    tracking: str,
    *,
    now: str,
    trade: TradeRepository | None = None,
    ledger: Ledger | None = None,
    invoice_id: str | None = None,
) -> Order:
    """An order on net terms is invoiced as it ships, in the same transaction (issue 14: services/terms.py)."""
    order = shop_order(catalog, repo, actor, shop_id, order_id)
    shipped = order.ship(carrier, tracking, now, actor_id=actor.user_id)
    if order.payment_method == "net_terms":
        if trade is None or ledger is None or invoice_id is None:
            raise RuntimeError("shipping an order on net terms needs the trade repository and the ledger")
        saved = terms.ship_with_invoice(repo, trade, ledger, order, shipped, invoice_id=invoice_id, now=now)
    else:
        saved = repo.save_order(shipped, order.version)
    announce(publisher, saved, "order.shipped")
    return saved


def deliver(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    order_id: str,
    *,
    now: str,
) -> Order:
    return _seller_change(
        catalog,
        repo,
        publisher,
        actor,
        shop_id,
        order_id,
        lambda o: o.deliver(now, actor_id=actor.user_id),
        "order.delivered",
    )


def mark_paid(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    ledger: Ledger,
    publisher: EventPublisher,
    actor: Actor,
    shop_id: str,
    order_id: str,
    *,
    now: str,
) -> Order:
    """A bank transfer or cash on delivery, recorded by the seller (card payments come from the provider). The
    money is posted into the shop's pending balance in the same transaction."""
    order = shop_order(catalog, repo, actor, shop_id, order_id)
    if order.payment_method == "card":
        raise Conflict("card payments are confirmed by the payment provider", code="card_payment")
    saved = settlement.record_payment(
        repo, ledger, order, order.mark_paid("seller", now, actor_id=actor.user_id), now=now
    )
    announce(publisher, saved, "order.paid")
    return saved


# --- schedule -------------------------------------------------------------------------------------


def complete_due(
    repo: BuyingRepository,
    ledger: Ledger,
    finance: FinanceRepository,
    publisher: EventPublisher,
    *,
    now: str,
    limit: int = 100,
) -> int:
    """Completes delivered, paid orders whose return window has closed (run on a schedule), each in one
    transaction with its seller's credit net of the commission in force when the order was placed."""
    done = 0
    due = [order for order in repo.due_orders(now, limit) if order.paid_at]
    rules = finance.commission_rules() if due else {}
    for order in due:
        terms = terms_for(rules, order.storefront, getattr(order, "market", None), order.currency, order.created_at)
        try:
            saved = settlement.complete(repo, ledger, order, terms, now=now)
        except DomainError:
            continue
        if saved is None:
            continue
        announce(publisher, saved, "order.completed")
        done += 1
    return done
