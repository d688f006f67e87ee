"""Scheduled payouts (issue 17): the weekly payout run and the poll of payouts the bank has not settled yet."""

from __future__ import annotations

from chalice import Blueprint, Cron, Rate

from ..bootstrap import container

bp = Blueprint(__name__)


@bp.schedule(Cron(0, 2, "?", "*", "MON", "*"), name="run_payouts")
def run_payouts(event):
    """Mondays 02:00 UTC (domain/seller_money.PAYOUT_WEEKDAY/HOUR): one payout per seller above the threshold."""
    from ..services import payouts

    c = container()
    payouts.require_bank(c.settings.payout_provider_url)
    report = payouts.run_payouts(c.catalog, c.finance, c.ledger, c.payouts, c.buying, now=c.clock())
    return report.to_dict()


@bp.schedule(Rate(30, unit=Rate.MINUTES), name="poll_payouts")
def poll_payouts(event):
    """Payouts whose callback has not arrived: asks the bank (and sends again what a crash left unsent)."""
    from ..services import payouts

    c = container()
    return dict(payouts.poll_open_payouts(c.finance, c.ledger, c.payouts, c.buying, now=c.clock()))
