"""Dashboards people read at a glance (issue 17): `/seller` for sellers, `/admin` for operators.

Server-rendered like the storefront, charts as SVG (web/charts.py). The figures come from the counters kept
from order events (services/dashboards.py), one read per chart; balances from the ledger.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ..api.presenters import payout_public, seller_order_public
from ..api.routing import Budget
from ..bootstrap import container
from ..domain.dashboards import METRICS, MONEY_METRICS, OTHER
from ..domain.errors import Forbidden, NotFound, Unauthenticated
from ..domain.identity import Actor, Role
from ..services import dashboards
from . import charts, formatting, i18n, render
from .routing import looks_like_id, page
from .session import WebContext

bp = Blueprint(__name__)


def _signed_in(ctx: WebContext, role: Role, code: str) -> Actor:
    actor = ctx.actor
    if actor is None:
        raise Unauthenticated("sign in first")
    if not actor.has(role):
        raise Forbidden(f"this page needs the {role.value} role", code=code)
    return actor


def _money_text(ctx: WebContext, currency: str):
    return lambda amount: formatting.format_money(amount, currency, ctx.lang)


def _axis_money(ctx: WebContext, currency: str):
    return lambda amount: formatting.format_money_short(amount, currency, ctx.lang)


def _short_day(ctx: WebContext, day: str) -> str:
    """`2026-03-04` -> "4 Mar" / "3月4日" / "4.03" / "4-مارت"."""
    month, date = int(day[5:7]), int(day[8:10])
    if ctx.lang == "zh":
        return f"{month}月{date}日"
    if ctx.lang == "ru":
        return f"{date:02d}.{month:02d}"
    if ctx.lang == "ug":
        return f"{date}-{formatting.month_name(month, 'ug')}"
    return f"{date} {formatting.month_name(month, 'en')[:3]}"


@page(
    bp,
    "GET",
    "/seller",
    budget=Budget(
        5,
        "Query of the seller's shops (owner-index: proves the chosen one is theirs) + BatchGetItem of its balances + "
        "one Query of its counters (the 90-day chart, top products, what waits) + Query of its newest orders + "
        "Query of its newest payouts",
    ),
)
def seller_page(ctx: WebContext) -> Response:
    actor = _signed_in(ctx, Role.SELLER, "sellers_only")
    shop_id = ctx.query.get("shop") or None
    if shop_id is not None and not looks_like_id(shop_id):
        shop_id = None
    c = container()
    try:
        board = dashboards.seller_dashboard(
            c.catalog, c.buying, c.finance, c.aggregates, c.ledger, actor, shop_id, now=c.clock()
        )
    except NotFound as exc:
        if exc.code != "no_shop":
            raise
        return render.page(ctx, "seller.html", title=ctx.t("seller.title"), board=None)
    f = board.figures
    money = _money_text(ctx, board.currency)
    labels = [_short_day(ctx, d) for d in f.days]
    chart = charts.mirrored_bars(
        labels,
        f.sales,
        f.refunds,
        chart_id="sales90",
        title=ctx.t("seller.chart_title"),
        description=ctx.t(
            "seller.chart_desc", sales=money(f.total_sales), refunds=money(f.total_refunds), days=len(f.days)
        ),
        up_name=ctx.t("seller.sales"),
        down_name=ctx.t("seller.refunds"),
        value_text=money,
        axis_text=_axis_money(ctx, board.currency),
    )
    weeks = _weekly(f.days, f.sales, f.refunds, f.orders)
    return render.page(
        ctx,
        "seller.html",
        title=ctx.t("seller.title"),
        board=board,
        chart=chart,
        weeks=weeks,
        orders=[seller_order_public(o) for o in board.recent_orders],
        payouts=[payout_public(p) for p in board.payouts],
        currency=board.currency,
    )


def _weekly(days: list[str], sales: list[int], refunds: list[int], orders: list[int]) -> list[dict[str, Any]]:
    """The chart's figures by week, newest first, for the table under it."""
    out: list[dict[str, Any]] = []
    for i in range(len(days) - 1, -1, -7):
        start = max(0, i - 6)
        out.append(
            {
                "from": days[start],
                "to": days[i],
                "sales": sum(sales[start : i + 1]),
                "refunds": sum(refunds[start : i + 1]),
                "orders": sum(orders[start : i + 1]),
            }
        )
    return out


@page(
    bp,
    "GET",
    "/admin",
    budget=Budget(
        6,
        "one Query per dimension's 12 weeks (storefront, county, market) + Query of the shops awaiting approval + "
        "TransactGetItems of the platform's commission balance + GetItem of this week's payout run",
    ),
)
def admin_page(ctx: WebContext) -> Response:
    actor = _signed_in(ctx, Role.OPERATOR, "operators_only")
    c = container()
    board = dashboards.operator_dashboard(c.catalog, c.finance, c.aggregates, c.ledger, actor, now=c.clock())
    money = _money_text(ctx, board.currency)
    sections = []
    for figures in board.dimensions:
        labels = [_short_day(ctx, w) for w in figures.weeks]
        names = {key: _key_name(ctx, figures.dimension, key) for key in figures.keys}
        metric_charts = []
        for metric in METRICS:
            text = money if metric in MONEY_METRICS else (lambda n: formatting.format_number(n, ctx.lang))
            axis = _axis_money(ctx, board.currency) if metric in MONEY_METRICS else text
            series = [(names[k], figures.series[metric][k]) for k in figures.keys]
            total = sum(figures.totals[k][metric] for k in figures.keys)
            metric_charts.append(
                {
                    "metric": metric,
                    "svg": charts.lines(
                        labels,
                        series,
                        chart_id=f"{figures.dimension}-{metric}",
                        title=ctx.t(f"admin.metric.{metric}"),
                        description=ctx.t(
                            "admin.chart_desc",
                            metric=ctx.t(f"admin.metric.{metric}"),
                            dimension=ctx.t(f"admin.dimension.{figures.dimension}"),
                            weeks=len(labels),
                            total=text(total),
                        ),
                        value_text=text,
                        axis_text=axis,
                    )
                    if not figures.empty
                    else None,
                }
            )
        sections.append(
            {
                "dimension": figures.dimension,
                "empty": figures.empty,
                "legend": [(charts.swatch(i), names[k]) for i, k in enumerate(figures.keys)],
                "charts": metric_charts,
                "rows": [
                    {
                        "name": names[k],
                        "gmv": money(figures.totals[k]["gmv"]),
                        "orders": formatting.format_number(figures.totals[k]["orders"], ctx.lang),
                        "commission": money(figures.totals[k]["commission"]),
                        "refunds": money(figures.totals[k]["refunds"]),
                    }
                    for k in figures.keys
                ],
            }
        )
    return render.page(
        ctx,
        "admin.html",
        title=ctx.t("admin.title"),
        board=board,
        sections=sections,
        first_week=board.dimensions[0].weeks[0],
        last_week=board.dimensions[0].weeks[-1],
    )


def _key_name(ctx: WebContext, dimension: str, key: str) -> str:
    if key == OTHER:
        return ctx.t("admin.other")
    if dimension == "storefront" and i18n.has(f"sf.{key}.name"):
        return ctx.t(f"sf.{key}.name")
    return key
