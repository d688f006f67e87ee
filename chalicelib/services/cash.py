"""A village partner's cash (issue 11): remittances to the county centre, the county's confirmation (with a
variance when the count differs), the partner's statement. Every movement is a posting in the one ledger, in
the same transaction as the remittance it records (domain/remittances.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..domain.errors import NotFound
from ..domain.identity import Actor
from ..domain.ledger import Account, Statement
from ..domain.network import Village
from ..domain.remittances import (
    NETWORK_CURRENCY,
    Remittance,
    confirmed,
    confirmed_posting,
    new_remittance,
    sent_posting,
)
from .network import county_access, village_access
from .ports import Ledger, NetworkRepository, Page, Position

VILLAGE_ACCOUNTS = ("cash", "fees", "remittances", "goods", "commissions")  # goods, commissions: issue 11


def remit(
    network: NetworkRepository, ledger: Ledger, actor: Actor, village_id: str, amount: int, *, now: str,
    remittance_id: str,
) -> Remittance:  # fmt: skip
    """`amount` of the partner's cash on its way to the county centre (409 insufficient_balance beyond it)."""
    village = village_access(network, actor, village_id)
    assert village is not None  # no proof given: the village was read
    r = new_remittance(
        remittance_id, village_id, village.county_id, village.partner_id, village.name, amount,
        currency=NETWORK_CURRENCY, now=now,
    )  # fmt: skip
    ledger.post(sent_posting(r), alongside=[network.new_remittance_write(r)])
    return r


def village_remittances(
    network: NetworkRepository, actor: Actor, village_id: str, limit: int, start: Position | None, *,
    known: Village | None = None,
) -> Page[Remittance]:  # fmt: skip
    page = network.village_remittances(village_id, limit, start)
    village_access(network, actor, village_id, [r.partner_id for r in page.items], known=known)
    return page


def county_remittances(
    network: NetworkRepository, actor: Actor, county_id: str, status: str, limit: int, start: Position | None
) -> Page[Remittance]:
    county_access(network, actor, county_id)
    return network.county_remittances(county_id, status, limit, start)


def confirm(
    network: NetworkRepository, ledger: Ledger, actor: Actor, county_id: str, remittance_id: str,
    amount_received: int, *, now: str,
) -> Remittance:  # fmt: skip
    """The county counted the cash: confirmed, a difference recorded as a variance (409 if confirmed already)."""
    county_access(network, actor, county_id)
    r = network.get_remittance(remittance_id)
    if r is None or r.county_id != county_id:
        raise NotFound("this county centre has no such remittance", code="remittance_not_found")
    done = confirmed(r, amount_received, actor.user_id, now)
    ledger.post(confirmed_posting(done), alongside=[network.remittance_write(done, r.version)])
    return replace(done, version=r.version + 1)


@dataclass(frozen=True)
class VillageStatement:
    village_id: str
    account: str  # cash | fees | remittances
    statement: Statement
    cash_on_hand: int
    fees_earned: int
    in_transit: int
    goods_paid: int = 0  # goods the partner paid for villagers (paid_by_partner assisted orders)
    commissions_earned: int = 0  # the partner's commission on the sales of the producers they sell for


def village_statement(
    network: NetworkRepository, ledger: Ledger, actor: Actor, village_id: str, account: str, start_at: str,
    end_at: str, limit: int, start: Position | None, *, known: Village | None = None,
) -> VillageStatement:  # fmt: skip
    """One of the village's accounts over `[start_at, end_at)`: opening, movements, closing; with what the
    partner holds now (cash to remit), has earned in fees, and has on its way to the county."""
    village_access(network, actor, village_id, known=known)
    statement = ledger.statement(
        Account.village(village_id, account), NETWORK_CURRENCY, start_at, end_at, limit=limit, start=start
    )
    keys = [(Account.village(village_id, purpose), NETWORK_CURRENCY) for purpose in VILLAGE_ACCOUNTS]
    found = ledger.balances(keys)

    def now_in(purpose: str) -> int:
        balance = found.get((str(Account.village(village_id, purpose)), NETWORK_CURRENCY))
        return balance.amount if balance else 0

    return VillageStatement(
        village_id, account, statement, now_in("cash"), now_in("fees"), now_in("remittances"),
        goods_paid=now_in("goods"), commissions_earned=now_in("commissions"),
    )  # fmt: skip
