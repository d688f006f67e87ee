"""Dashboard figures (issue 17): counters kept incrementally from order events, read one partition per chart.

Every order event (domain/events.order_event) adds to a few counters; nothing ever scans orders. The
counters are sums, so events may arrive in any order; each event is applied once (its id is claimed in the same
transaction as its counters: adapters/aggregates.py).

    shop#<shop_id>   d#<yyyy-mm-dd>          a shop's day: orders, sales, refunds, commission, per-product units
    shop#<shop_id>   now                     a shop's current counters: orders to ship, open returns, disputes
    dim#<dimension>  w#<monday>#<value>      a week of one storefront / county / market: orders, GMV, ...

`now` sorts after every `d#...` key, so a seller's chart, top products and counters are one Query
(`d#<first day>` .. `now`). An operator chart is one Query of its dimension's partition over the weeks shown.
Counties (issue 10) and markets (issue 12) are taken from the event when the order has one.

Money counters carry their currency in the name (`gmv:CNY`), counts have none (`orders`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

DIMENSIONS = ("storefront", "county", "market")
SHOP_DAYS = 90  # the seller's chart
WEEKS = 12  # the operator's charts
TOP_PRODUCTS = 5
COUNTERS = ("to_ship", "open_returns", "open_disputes")
COD = "cash_on_delivery"


@dataclass(frozen=True)
class AggregateUpdate:
    """Adds to numeric attributes (`add`) and sets text attributes (`put`) of one item."""

    pk: str
    sk: str
    add: dict[str, int] = field(default_factory=dict)
    put: dict[str, str] = field(default_factory=dict)


def day_of(at: str) -> str:
    return _parse(at).date().isoformat()


def week_of(at: str) -> str:
    """The Monday (UTC) of the week of `at`, `yyyy-mm-dd`."""
    day = _parse(at).date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def _parse(at: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def shop_pk(shop_id: str) -> str:
    return f"shop#{shop_id}"


def day_sk(day: str) -> str:
    return f"d#{day}"


COUNTERS_SK = "now"


def dimension_pk(dimension: str) -> str:
    return f"dim#{dimension}"


def week_sk(week: str, value: str) -> str:
    return f"w#{week}#{value}"


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float | str) and str(value).lstrip("-").isdigit() else 0


def updates_for_event(event: dict[str, Any]) -> list[AggregateUpdate]:
    """The counters one order event adds to (empty for kinds that change no figure)."""
    kind = event.get("type")
    shop_id, at = event.get("shop_id"), event.get("at")
    currency = event.get("currency") or (event.get("total") or {}).get("currency")
    if not shop_id or not at or not currency:
        return []
    total = _int((event.get("total") or {}).get("amount"))
    refund = _int(event.get("refund"))
    figures: dict[str, int] = {}  # what the shop's day and the dimensions' weeks add
    products: dict[str, int] = {}
    titles: dict[str, str] = {}
    counters: dict[str, int] = {}
    cod = event.get("payment_method") == COD
    if kind == "order.created":
        figures = {"orders": 1, f"gmv:{currency}": total}
        for line in event.get("lines") or []:
            pid = str(line.get("product_id") or "")
            if not pid:
                continue
            products[f"u:{pid}"] = products.get(f"u:{pid}", 0) + _int(line.get("quantity"))
            products[f"r:{pid}"] = products.get(f"r:{pid}", 0) + _int(line.get("amount"))
            titles[f"t:{pid}"] = str(line.get("title") or pid)[:120]
        if cod:
            counters["to_ship"] = 1
    elif kind == "order.paid":
        if not cod:
            counters["to_ship"] = 1
    elif kind == "order.shipped":
        counters["to_ship"] = -1
    elif kind in ("order.cancelled", "order.expired"):  # expired: an unpaid order cancelled by its schedule
        figures = {"cancelled": 1}
        if refund:
            figures[f"refunds:{currency}"] = refund
        if cod or event.get("paid"):
            counters["to_ship"] = -1
    elif kind == "order.return_requested":
        figures = {"returns": 1}
        counters["open_returns"] = 1
    elif kind in ("order.refunded", "order.returned"):  # returned: goods back, nothing was paid to refund
        figures = {f"refunds:{currency}": refund} if refund else {}
        if "commission_returned" in event:  # after completion: less commission kept, less credited to the seller
            returned = _int(event.get("commission_returned"))
            figures[f"commission:{currency}"] = -returned
            figures[f"net:{currency}"] = -(refund - returned)
        counters["open_returns"] = -1
    elif kind == "order.completed":
        commission = _int(event.get("commission"))
        base = _int(event.get("settled"))
        figures = {"completed": 1, f"commission:{currency}": commission, f"net:{currency}": base - commission}
    elif kind in ("dispute.opened", "dispute.closed"):
        counters["open_disputes"] = 1 if kind == "dispute.opened" else -1
    elif kind == "order.dispute_opened":  # issue 13: a dispute opened, and the steps that end one
        counters["open_disputes"] = 1
    elif kind in ("order.dispute_accepted", "order.dispute_decided"):
        counters["open_disputes"] = -1
    elif kind == "order.dispute_refunded":
        figures = {f"refunds:{currency}": refund} if refund else {}
        if "commission_returned" in event:
            returned = _int(event.get("commission_returned"))
            figures[f"commission:{currency}"] = -returned
            figures[f"net:{currency}"] = -(refund - returned)
    figures = {k: v for k, v in figures.items() if v}
    out = []
    if figures or products:
        out.append(AggregateUpdate(shop_pk(shop_id), day_sk(day_of(at)), {**figures, **products}, titles))
    if counters:
        out.append(AggregateUpdate(shop_pk(shop_id), COUNTERS_SK, counters))
    if figures:
        week = week_of(at)
        for dimension in DIMENSIONS:
            value = event.get(dimension)
            if isinstance(value, str) and value:
                out.append(AggregateUpdate(dimension_pk(dimension), week_sk(week, value), dict(figures)))
    return out


# --- reading -------------------------------------------------------------------------------------------------


def days_back(today: str, count: int) -> list[str]:
    end = dt.date.fromisoformat(today)
    return [(end - dt.timedelta(days=count - 1 - i)).isoformat() for i in range(count)]


def weeks_back(this_week: str, count: int) -> list[str]:
    end = dt.date.fromisoformat(this_week)
    return [(end - dt.timedelta(weeks=count - 1 - i)).isoformat() for i in range(count)]


@dataclass(frozen=True)
class ShopFigures:
    """What a seller's dashboard shows: days (oldest first) with sales and refunds, totals, top products and
    the current counters."""

    currency: str
    days: list[str]
    sales: list[int]
    refunds: list[int]
    orders: list[int]
    commission: int
    net: int
    top_products: list[dict[str, Any]]
    counters: dict[str, int]

    @property
    def total_sales(self) -> int:
        return sum(self.sales)

    @property
    def total_refunds(self) -> int:
        return sum(self.refunds)

    @property
    def total_orders(self) -> int:
        return sum(self.orders)


def shop_figures(items: list[dict[str, Any]], days: list[str], currency: str) -> ShopFigures:
    """`items`: the shop partition's items from `d#<days[0]>` to `now` (what one Query returns)."""
    by_day = {str(i["sk"])[2:]: i for i in items if str(i.get("sk", "")).startswith("d#")}
    counters_item = next((i for i in items if i.get("sk") == COUNTERS_SK), {})
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, int] = defaultdict(int)
    titles: dict[str, str] = {}
    commission = net = 0
    for day in days:
        item = by_day.get(day, {})
        commission += _int(item.get(f"commission:{currency}"))
        net += _int(item.get(f"net:{currency}"))
        for name, value in item.items():
            if name.startswith("u:"):
                units[name[2:]] += _int(value)
            elif name.startswith("r:"):
                revenue[name[2:]] += _int(value)
            elif name.startswith("t:"):
                titles[name[2:]] = str(value)
    ranked = sorted(units, key=lambda pid: (-units[pid], -revenue[pid], pid))[:TOP_PRODUCTS]
    return ShopFigures(
        currency=currency,
        days=days,
        sales=[_int(by_day.get(d, {}).get(f"gmv:{currency}")) for d in days],
        refunds=[_int(by_day.get(d, {}).get(f"refunds:{currency}")) for d in days],
        orders=[_int(by_day.get(d, {}).get("orders")) for d in days],
        commission=commission,
        net=net,
        top_products=[
            {"product_id": pid, "title": titles.get(pid, pid), "units": units[pid], "revenue": revenue[pid]}
            for pid in ranked
        ],
        counters={name: max(0, _int(counters_item.get(name))) for name in COUNTERS},
    )


METRICS = ("gmv", "orders", "commission", "refunds")
MONEY_METRICS = frozenset({"gmv", "commission", "refunds", "net"})
MAX_SERIES = 6  # keys drawn per chart; the others are summed as "other"
OTHER = "other"


@dataclass(frozen=True)
class DimensionFigures:
    """One dimension's weeks: per metric, one series per key (the biggest by GMV; the rest as `other`)."""

    dimension: str
    currency: str
    weeks: list[str]
    keys: list[str]
    series: dict[str, dict[str, list[int]]]  # metric -> key -> values per week
    totals: dict[str, dict[str, int]]  # key -> metric -> total over the weeks

    @property
    def empty(self) -> bool:
        return not self.keys


def dimension_figures(dimension: str, items: list[dict[str, Any]], weeks: list[str], currency: str) -> DimensionFigures:
    """`items`: the dimension partition's items over `weeks` (what one Query returns)."""
    values: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))  # key -> week -> figures
    for item in items:
        parts = str(item.get("sk", "")).split("#", 2)
        if len(parts) != 3 or parts[1] not in weeks:
            continue
        week, key = parts[1], parts[2]
        values[key][week] = {
            metric: _int(item.get(f"{metric}:{currency}" if metric in MONEY_METRICS else metric)) for metric in METRICS
        }
    totals = {key: {m: sum(w.get(m, 0) for w in weeks_.values()) for m in METRICS} for key, weeks_ in values.items()}
    ranked = sorted(totals, key=lambda k: (-totals[k]["gmv"], -totals[k]["orders"], k))
    shown, rest = ranked[:MAX_SERIES], ranked[MAX_SERIES:]
    keys = shown + ([OTHER] if rest else [])
    series: dict[str, dict[str, list[int]]] = {}
    for metric in METRICS:
        series[metric] = {key: [values[key].get(w, {}).get(metric, 0) for w in weeks] for key in shown}
        if rest:
            series[metric][OTHER] = [sum(values[k].get(w, {}).get(metric, 0) for k in rest) for w in weeks]
    if rest:
        totals[OTHER] = {m: sum(totals[k][m] for k in rest) for m in METRICS}
    return DimensionFigures(dimension, currency, weeks, keys, series, {k: totals[k] for k in keys})
