"""Operators set each storefront's commission (issue 17); order completion charges it (services/settlement.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import Conflict, ValidationFailed
from ..domain.identity import Actor, Role, require_role
from ..domain.seller_money import CommissionRule, CommissionTerms, check_terms, default_terms, rule_key
from ..domain.storefronts import STOREFRONTS, get_storefront
from .ports import FinanceRepository

ATTEMPTS = 3


@dataclass(frozen=True)
class CommissionView:
    storefront: str
    market: str | None
    current: CommissionTerms
    history: tuple[CommissionTerms, ...]
    is_default: bool


def _view(storefront: str, market: str | None, rule: CommissionRule | None) -> CommissionView:
    if rule is None:
        terms = default_terms(get_storefront(storefront).currency)
        return CommissionView(storefront, market, terms, (terms,), True)
    return CommissionView(storefront, market, rule.current, rule.versions, False)


def set_commission(
    finance: FinanceRepository,
    actor: Actor,
    storefront: str,
    percent_bp: int,
    min_amount: int,
    currency: str,
    *,
    now: str,
    market: str | None = None,
) -> CommissionView:
    """The storefront's commission from now on: orders placed from now on pay it at completion; orders placed
    before keep the terms of their time. `min_amount` is in the storefront's currency."""
    require_role(actor, Role.OPERATOR)
    front = get_storefront(storefront)
    if currency != front.currency:
        raise ValidationFailed(
            f"the minimum is in the storefront's currency, {front.currency}",
            code="currency_mismatch",
            details=[{"field": "min_amount.currency", "message": f"must be {front.currency}"}],
        )
    terms = check_terms(percent_bp, min_amount, front.currency, now)
    for attempt in range(ATTEMPTS):
        rule = finance.commission_rules().get(rule_key(front.key, market))
        if rule is None:
            rule = CommissionRule(front.key, market, ())
        try:
            saved = finance.save_commission_rule(rule.changed(terms))
            return _view(front.key, market, saved)
        except Conflict as exc:
            if exc.code != "stale_commission" or attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def commissions(finance: FinanceRepository, actor: Actor) -> list[CommissionView]:
    """Every storefront's commission (the default where none was set), and any market's."""
    require_role(actor, Role.OPERATOR)
    rules = finance.commission_rules()
    views = [_view(key, None, rules.get(rule_key(key))) for key in STOREFRONTS]
    views += [_view(r.storefront, r.market, r) for r in rules.values() if r.market is not None]
    return views
