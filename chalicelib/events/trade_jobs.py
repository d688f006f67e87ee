"""Bulk trade's clock (issue 14): quoting deadlines and quote validity expire hourly, invoices past their due
date become overdue daily. Both find their work through the Trade table's due index (one partition per UTC
day), never a scan; `make run` runs them locally too (devtools/local_stack.py)."""

from __future__ import annotations

from chalice import Blueprint, Cron, Rate

from ..bootstrap import container

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS), name="expire_quotations")
def expire_quotations(event):
    from ..services import rfq

    c = container()
    return rfq.expire_due(c.trade, c.buying, now=c.clock())


@bp.schedule(Cron(5, 0, "*", "*", "?", "*"), name="mark_overdue_invoices")
def mark_overdue_invoices(event):
    """Daily at 00:05 UTC: an invoice is due at the end of its terms; from then on it is overdue."""
    from ..services import terms

    c = container()
    return {"overdue": terms.mark_overdue(c.trade, c.buying, now=c.clock())}
