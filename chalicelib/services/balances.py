"""What a seller has earned (issue 17): balances, the ledger's entries, monthly statements. Reads only.

The balances live in the one ledger (docs/ledger.md): `shop:<id>:pending` (paid orders not completed yet) and
`shop:<id>:available` (what the platform owes the seller, paid out weekly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain.errors import NotFound, ValidationFailed
from ..domain.identity import Actor, Role, ensure_shop_owner, require_role
from ..domain.ledger import BookedEntry, Statement, canonical_time
from ..domain.seller_money import available, month_period, next_payout_at, payout_threshold, pending
from ..domain.storefronts import STOREFRONTS, get_storefront
from .ports import CatalogRepository, FinanceRepository, Ledger, Page, Position
from .shops import owned_shop

# The currencies a shop can hold (its storefront's; issue 12's markets add theirs here).
CURRENCIES = tuple(sorted({front.currency for front in STOREFRONTS.values()}))
PURPOSES = ("available", "pending")
CSV_MAX_PAGES = 50  # a month's statement as CSV: at most 5,000 lines (JSON pages any number)


@dataclass(frozen=True)
class ShopBalance:
    shop_id: str
    currency: str
    available: int
    pending: int
    next_payout_at: str
    payout_threshold: int
    others: dict[str, tuple[int, int]]  # other currencies held: currency -> (available, pending)


_SHOP_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def _existing_shape(shop_id: str) -> None:
    """An id no shop can have (nor any ledger account) is a shop that does not exist."""
    if not _SHOP_ID.match(shop_id or ""):
        raise NotFound("shop not found", code="shop_not_found")


def shop_balance(finance: FinanceRepository, actor: Actor, shop_id: str, *, now: str) -> ShopBalance:
    """One read: the shop and its balances in every currency, together."""
    require_role(actor, Role.SELLER)
    _existing_shape(shop_id)
    keys = [(str(account(shop_id)), c) for c in CURRENCIES for account in (available, pending)]
    shop, balances = finance.shop_with_balances(shop_id, keys)
    if shop is None:
        raise NotFound("shop not found", code="shop_not_found")
    ensure_shop_owner(actor, shop)
    currency = get_storefront(shop.storefront).currency

    def of(purpose_account: str, cur: str) -> int:
        return balances[(purpose_account, cur)].amount

    others = {
        c: (of(str(available(shop_id)), c), of(str(pending(shop_id)), c))
        for c in CURRENCIES
        if c != currency and (of(str(available(shop_id)), c) or of(str(pending(shop_id)), c))
    }
    return ShopBalance(
        shop_id=shop_id,
        currency=currency,
        available=of(str(available(shop_id)), currency),
        pending=of(str(pending(shop_id)), currency),
        next_payout_at=next_payout_at(now),
        payout_threshold=payout_threshold(currency),
        others=others,
    )


def _account(shop_id: str, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValidationFailed(
            "account is not valid", details=[{"field": "account", "message": "available or pending"}]
        )
    return str(available(shop_id) if purpose == "available" else pending(shop_id))


def _bound(value: str | None, name: str) -> str | None:
    """A date (`2026-03-01`, midnight UTC) or an ISO-8601 time with a zone."""
    if value is None:
        return None
    text = value.strip()
    if len(text) == 10:
        text += "T00:00:00Z"
    try:
        return canonical_time(text, name)
    except ValidationFailed:
        raise ValidationFailed(
            f"{name} is not a date",
            code="invalid_period",
            details=[{"field": name, "message": "a date (yyyy-mm-dd) or an ISO-8601 time with a zone"}],
        ) from None


def _owns_entries(actor: Actor, entries: list[BookedEntry]) -> bool:
    """The postings of a shop's accounts name the shop's seller (refs.seller_id): a page that proves it needs
    no read of the shop."""
    return bool(entries) and all(e.refs.get("seller_id") == actor.user_id for e in entries)


def shop_ledger(
    catalog: CatalogRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str,
    *,
    purpose: str,
    currency: str,
    start_at: str | None,
    end_at: str | None,
    limit: int,
    start: Position | None,
) -> Page[BookedEntry]:
    """The entries of the shop's `available` (or `pending`) account booked in `[from, to)`, newest first: one
    Query when the page's entries name the caller as their seller; an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    _existing_shape(shop_id)
    account = _account(shop_id, purpose)
    low, high = _bound(start_at, "from"), _bound(end_at, "to")
    if low is not None and high is not None and high < low:
        raise ValidationFailed(
            "the period ends before it starts",
            code="invalid_period",
            details=[{"field": "to", "message": "after from"}],
        )
    page = ledger.entries(account, currency, start_at=low, end_at=high, newest_first=True, limit=limit, start=start)
    if not _owns_entries(actor, page.items):
        owned_shop(catalog, actor, shop_id)
    return page


def shop_statement(
    catalog: CatalogRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str,
    month: str,
    *,
    currency: str,
    now: str,
    limit: int = 100,
    start: Position | None = None,
) -> Statement:
    """The month's statement of the shop's available balance: opening, closing, one page of lines (oldest
    first). The lines of all pages sum to closing - opening."""
    owned_shop(catalog, actor, shop_id)
    start_at, end_at = month_period(month, now)
    return ledger.statement(str(available(shop_id)), currency, start_at, end_at, limit=limit, start=start)


def whole_statement(
    catalog: CatalogRepository, ledger: Ledger, actor: Actor, shop_id: str, month: str, *, currency: str, now: str
) -> Statement:
    """The whole month in one Statement (every line; for CSV): the first page and the following ones."""
    first = shop_statement(catalog, ledger, actor, shop_id, month, currency=currency, now=now)
    entries, last = list(first.entries), first.last_key
    pages = 1
    while last is not None:
        pages += 1
        if pages > CSV_MAX_PAGES:
            raise ValidationFailed(
                f"this month has more than {CSV_MAX_PAGES * 100} lines: page through it as JSON",
                code="statement_too_long",
            )
        page = ledger.entries(
            first.account, currency, start_at=first.start_at, end_at=first.end_at, newest_first=False,
            limit=100, start=last,
        )  # fmt: skip
        entries += page.items
        last = page.last_key
    return Statement(
        first.account, currency, first.start_at, first.end_at, first.opening, first.closing, tuple(entries), None
    )
