"""The dashboards (issue 17): counters kept from order events, and what the seller and operator pages show.

The counters are added by the order-events consumer (events/order_events.py), once per event; the pages read
them one partition per chart (domain/dashboards.py). Nothing here scans orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.catalog import Shop
from ..domain.dashboards import (
    DIMENSIONS,
    SHOP_DAYS,
    WEEKS,
    DimensionFigures,
    ShopFigures,
    day_of,
    days_back,
    dimension_figures,
    shop_figures,
    updates_for_event,
    week_of,
    weeks_back,
)
from ..domain.errors import NotFound
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, Balance
from ..domain.orders import Order
from ..domain.seller_money import (
    Payout,
    available,
    next_payout_at,
    payout_threshold,
    pending,
    run_id_at,
)
from ..domain.storefronts import get_storefront
from .ports import JSON, AggregatesRepository, BuyingRepository, CatalogRepository, FinanceRepository, Ledger

MAX_SHOPS = 50  # shops a seller can switch between on the dashboard
RECENT_ORDERS = 8
RECENT_PAYOUTS = 5
QUEUE_PAGE = 100


def record_event(aggregates: AggregatesRepository, event: dict[str, Any]) -> bool:
    """Adds an order event to the dashboards' counters, once per event id. False: nothing to add, or added
    before (events are delivered at least once)."""
    updates = updates_for_event(event)
    if not updates:
        return False
    return aggregates.apply(str(event["event_id"]), updates, at=str(event["at"]))


@dataclass(frozen=True)
class SellerDashboard:
    shops: list[Shop]
    shop: Shop
    currency: str
    available: int
    pending: int
    next_payout_at: str
    payout_threshold: int
    figures: ShopFigures
    recent_orders: list[Order]
    payouts: list[Payout]


def seller_dashboard(
    catalog: CatalogRepository,
    buying: BuyingRepository,
    finance: FinanceRepository,
    aggregates: AggregatesRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str | None,
    *,
    now: str,
) -> SellerDashboard:
    """Five reads: the seller's shops (which proves the chosen one is theirs), its balances, its counters (the
    90-day chart, top products and what waits: one Query), its newest orders and its newest payouts."""
    require_role(actor, Role.SELLER)
    shops = catalog.shops_by_owner(actor.user_id, MAX_SHOPS, None).items
    if not shops:
        raise NotFound("open a shop first", code="no_shop")
    if shop_id:
        shop = next((s for s in shops if s.shop_id == shop_id), None)
    else:  # the newest shop that sells, else the newest
        shop = next((s for s in shops if s.status == "active"), shops[0])
    if shop is None:
        raise NotFound("shop not found", code="shop_not_found")
    currency = get_storefront(shop.storefront).currency
    balances: dict[tuple[str, str], Balance] = ledger.balances(
        [(available(shop.shop_id), currency), (pending(shop.shop_id), currency)]
    )
    days = days_back(day_of(now), SHOP_DAYS)
    figures = shop_figures(aggregates.shop_items(shop.shop_id, days[0]), days, currency)
    orders = buying.shop_orders(shop.shop_id, None, RECENT_ORDERS, None).items
    payouts = finance.shop_payouts(shop.shop_id, RECENT_PAYOUTS, None).items
    return SellerDashboard(
        shops=shops,
        shop=shop,
        currency=currency,
        available=balances[(str(available(shop.shop_id)), currency)].amount,
        pending=balances[(str(pending(shop.shop_id)), currency)].amount,
        next_payout_at=next_payout_at(now),
        payout_threshold=payout_threshold(currency),
        figures=figures,
        recent_orders=orders,
        payouts=payouts,
    )


@dataclass(frozen=True)
class Queue:
    name: str  # "shops" (issue 17); GI claims, businesses and disputes join when their features exist
    count: int
    more: bool  # at least `count`: the queue has more than one page


@dataclass(frozen=True)
class OperatorDashboard:
    currency: str
    dimensions: list[DimensionFigures]
    queues: list[Queue]
    pending_shops: list[Shop]
    commission_to_date: int
    last_run: JSON | None


def operator_dashboard(
    catalog: CatalogRepository,
    finance: FinanceRepository,
    aggregates: AggregatesRepository,
    ledger: Ledger,
    actor: Actor,
    *,
    now: str,
    currency: str = "CNY",
) -> OperatorDashboard:
    """One Query per dimension (storefront, county, market: each chart's weeks), the shops' moderation queue,
    the platform's commission balance and this week's (or last week's) payout run."""
    require_role(actor, Role.OPERATOR)
    weeks = weeks_back(week_of(now), WEEKS)
    dimensions = [
        dimension_figures(d, aggregates.dimension_items(d, weeks[0], weeks[-1]), weeks, currency) for d in DIMENSIONS
    ]
    waiting = catalog.shops_by_status("pending", QUEUE_PAGE, None)
    commission = ledger.balance(Account.platform("commission"), currency).amount
    run = finance.get_run(run_id_at(now))
    return OperatorDashboard(
        currency=currency,
        dimensions=dimensions,
        queues=[Queue("shops", len(waiting.items), waiting.last_key is not None)],
        pending_shops=waiting.items[:10],
        commission_to_date=commission,
        last_run=run,
    )
