"""Producers a village partner sells for (issue 11, domain/producers.py): add one with their consent, list and
read them, erase one, open their shop (owned by the producer, managed by the partner, pending approval like any
shop), read their account's statement; operators set the partner's commission per county; completion asks
`producer_share` what a producer's sale pays whom.

Only the village's partner, and never another village's: a producer is written with the partner's id, so a
read proves the partner without reading the village (services/network.village_access).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.errors import Conflict, NotFound
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import Account, Statement, check_currency
from ..domain.producers import PRODUCER_RULE, Producer, erased, new_producer, producer_rule_key, with_shop
from ..domain.remittances import NETWORK_CURRENCY
from ..domain.seller_money import CommissionRule, CommissionTerms, ProducerShare, check_terms
from .network import village_access
from .ports import CatalogRepository, FinanceRepository, Ledger, NetworkRepository, Page, Position
from .shops import create_shop

ATTEMPTS = 3


def add_producer(
    network: NetworkRepository, actor: Actor, village_id: str, fields: dict[str, Any], *, now: str, producer_id: str
) -> Producer:
    """A producer's profile, with their consent and how they are paid."""
    village = village_access(network, actor, village_id)
    assert village is not None  # no proof given: the village was read
    producer = new_producer(producer_id, village_id, village.county_id, village.partner_id, fields, now=now)
    network.create_producer(producer)
    return producer


def producers(
    network: NetworkRepository, actor: Actor, village_id: str, limit: int, start: Position | None
) -> Page[Producer]:
    """The village's producers, newest first. One Query (an empty page also reads the village)."""
    page = network.producers(village_id, limit, start)
    village_access(network, actor, village_id, [p.partner_id for p in page.items])
    return page


def producer(
    network: NetworkRepository, actor: Actor, village_id: str, producer_id: str, *, consistent: bool = False
) -> Producer:
    found = network.get_producer(producer_id, consistent=consistent)
    if found is not None and found.village_id == village_id:
        village_access(network, actor, village_id, [found.partner_id])
        return found
    village_access(network, actor, village_id)
    raise NotFound("this village service centre sells for no such producer", code="producer_not_found")


def erase_producer(
    network: NetworkRepository, actor: Actor, village_id: str, producer_id: str, *, now: str
) -> Producer:
    """The producer asked to be forgotten: name, phone, witness and bank details go; the shop and money stay."""
    before = producer(network, actor, village_id, producer_id, consistent=True)
    return network.save_producer(before, erased(before, now=now))


def open_producer_shop(
    network: NetworkRepository,
    catalog: CatalogRepository,
    actor: Actor,
    village_id: str,
    producer_id: str,
    data: dict[str, Any],
    *,
    now: str,
    shop_id: str,
) -> tuple[Producer, Any]:
    """The producer's shop: owned by the producer, managed by the partner, pending the operators' approval
    (services/shops.create_shop, as any shop). Its region is the village's county unless given. One shop per
    producer (409 producer_has_shop)."""
    before = producer(network, actor, village_id, producer_id, consistent=True)
    after = with_shop(before, shop_id, now=now)  # 409 before anything is written
    fields = dict(data)
    if not fields.get("region"):
        county = network.get_county(before.county_id)
        if county is None:
            raise NotFound("the village's county centre is gone", code="county_not_found")
        fields["region"] = {"province": county.province, "prefecture": county.prefecture, "county": county.county}
    shop = create_shop(catalog, before.producer_id, fields, now=now, shop_id=shop_id, managed_by=before.partner_id)
    # The shop exists from here; if the producer changed meanwhile the shop stays, pending and managed by the
    # partner (a retry then answers 409 producer_has_shop only once the profile names it).
    return network.save_producer(before, after), shop


@dataclass(frozen=True)
class ProducerStatement:
    producer: Producer
    statement: Statement


def producer_statement(
    network: NetworkRepository,
    ledger: Ledger,
    actor: Actor,
    village_id: str,
    producer_id: str,
    start_at: str,
    end_at: str,
    limit: int,
    start: Position | None,
) -> ProducerStatement:
    """`producer:<id>:payable` over `[start_at, end_at)`: opening, each sale credited net of both commissions,
    refunds, closing."""
    found = producer(network, actor, village_id, producer_id)
    statement = ledger.statement(
        Account.producer(found.producer_id), NETWORK_CURRENCY, start_at, end_at, limit=limit, start=start
    )
    return ProducerStatement(found, statement)


# --- the partner's commission on producers' sales, per county (operators) ----------------------------------


@dataclass(frozen=True)
class ProducerCommissionView:
    county_id: str
    current: CommissionTerms
    history: tuple[CommissionTerms, ...]


def set_producer_commission(
    finance: FinanceRepository,
    network: NetworkRepository,
    actor: Actor,
    county_id: str,
    percent_bp: int,
    currency: str,
    *,
    now: str,
) -> ProducerCommissionView:
    """The commission a county's village partners earn on the sales of the producers they sell for, from now
    on (orders placed before keep the terms of their time, as storefront commissions do)."""
    require_role(actor, Role.OPERATOR)
    if network.get_county(county_id) is None:
        raise NotFound("no such county centre", code="county_not_found")
    check_currency(currency)
    terms = check_terms(percent_bp, 0, currency, now)
    for attempt in range(ATTEMPTS):
        rule = finance.commission_rules(producers=True).get(producer_rule_key(county_id))
        if rule is None:
            rule = CommissionRule(PRODUCER_RULE, county_id, ())
        try:
            saved = finance.save_commission_rule(rule.changed(terms))
            return ProducerCommissionView(county_id, saved.current, saved.versions)
        except Conflict as exc:
            if exc.code != "stale_commission" or attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def producer_share(
    producer: Producer | None, producer_id: str, rules: dict[str, CommissionRule], currency: str, placed_at: str
) -> ProducerShare:
    """What a producer's sale placed at `placed_at` pays their partner: the county's rule as it stood then;
    nothing where no rule was in force yet."""
    if producer is None:
        raise NotFound(f"producer {producer_id} is not known", code="producer_not_found")
    rule = rules.get(producer_rule_key(producer.county_id))
    terms = rule.terms_at(placed_at) if rule is not None else None
    return ProducerShare(producer.producer_id, producer.village_id, terms or CommissionTerms(0, 0, currency))
