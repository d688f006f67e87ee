"""Sellers get paid (issue 17): payout details, the weekly payout run, the bank's status reports.

A payout moves through three steps, each safe to repeat:

1. one transaction: the posting `payout:<payout_id>` (available -> external:bank-payouts, never overdrawing
   `available`) and the payout's record, `pending`. The payout id is derived from the run (the ISO week) and
   the shop, so the same run creates at most one payout per shop, whatever crashes and re-runs;
2. the transfer is sent to the bank with the payout id as its idempotency key: asking again pays nothing twice;
3. the bank's answer is recorded: `sent`, then `paid`, or `failed` with the posting reversed in the same
   transaction (the money is back in `available`) and the seller notified.

A run that stops between 2 and 3 leaves the payout `pending`; the next run (or the status poll) sends it again
with the same key, the bank answers with the transfer it already has, and step 3 completes.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..domain.catalog import Shop
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ServiceUnavailable
from ..domain.identity import Actor, Role, require_role
from ..domain.ledger import InsufficientFunds
from ..domain.seller_money import (
    Payout,
    PayoutAccount,
    PayoutRejected,
    available,
    check_payout_details,
    new_payout,
    payout_failed_posting,
    payout_posting,
    payout_threshold,
    run_id_at,
    run_starts_at,
)
from ..domain.storefronts import get_storefront
from .ports import (
    BuyingRepository,
    CatalogRepository,
    FinanceRepository,
    Ledger,
    Page,
    PayoutProvider,
    Position,
    TransferRequest,
    TransferStatus,
)
from .shops import owned_shop

SHOPS_PAGE = 100  # shops per page of the run: one Query, one BatchGetItem of their balances
OPEN_PAGE = 100
ATTEMPTS = 3
CALLBACK_TYPES = {"transfer.processing": "processing", "transfer.paid": "paid", "transfer.failed": "failed"}


# --- payout details -----------------------------------------------------------------------------------------


def set_payout_account(
    catalog: CatalogRepository,
    finance: FinanceRepository,
    actor: Actor,
    shop_id: str,
    details: dict[str, Any],
    *,
    now: str,
) -> PayoutAccount:
    """Where the shop's payouts go from the next run on. Answers (and never logs) the details masked only."""
    shop = owned_shop(catalog, actor, shop_id)
    clean = check_payout_details(details)
    for attempt in range(ATTEMPTS):
        current = finance.get_payout_account(shop_id)
        account = PayoutAccount(
            shop_id=shop_id,
            owner_id=shop.owner_id,
            holder_name=clean["holder_name"],
            bank_name=clean["bank_name"],
            account_number=clean["account_number"],
            bank_code=clean["bank_code"],
            updated_at=now,
            version=current.version if current else 0,
        )
        try:
            return finance.save_payout_account(account)
        except PreconditionFailed:
            if attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def payout_account(catalog: CatalogRepository, finance: FinanceRepository, actor: Actor, shop_id: str) -> PayoutAccount:
    """One read when the details' owner is the caller; otherwise the shop is read for the usual 403/404."""
    require_role(actor, Role.SELLER)
    account = finance.get_payout_account(shop_id)
    if account is not None and account.owner_id == actor.user_id:
        return account
    owned_shop(catalog, actor, shop_id)
    if account is None:
        raise NotFound("no payout details yet: PUT them first", code="payout_account_not_found")
    return account


def shop_payouts(
    catalog: CatalogRepository,
    finance: FinanceRepository,
    actor: Actor,
    shop_id: str,
    limit: int,
    start: Position | None,
) -> Page[Payout]:
    """Newest first. One Query when the page's payouts are the caller's; an empty page also reads the shop."""
    require_role(actor, Role.SELLER)
    page = finance.shop_payouts(shop_id, limit, start)
    if not page.items or not all(p.seller_id == actor.user_id for p in page.items):
        owned_shop(catalog, actor, shop_id)
    return page


# --- the run ------------------------------------------------------------------------------------------------


def require_bank(provider_url: str | None) -> None:
    """A stage without the bank's URL makes no payout at all (rather than payouts that wait for a bank)."""
    if not provider_url:
        raise ServiceUnavailable("payouts are not configured on this stage (PAYOUT_PROVIDER_URL)", retry_after=3600)


@dataclass
class RunReport:
    """What a run did, over all its passes and slices (kept in the Finance table: `run#<run_id>`)."""

    run_id: str
    started_at: str
    updated_at: str
    complete: bool = False
    cursor: Position | None = None  # where the next slice resumes among the active shops
    counts: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "complete": self.complete,
            "cursor": self.cursor,
            "counts": dict(sorted(self.counts.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        return cls(
            data["run_id"],
            data["started_at"],
            data.get("updated_at") or data["started_at"],
            bool(data.get("complete")),
            data.get("cursor"),
            Counter({k: int(v) for k, v in (data.get("counts") or {}).items()}),
        )


def run_payouts(
    catalog: CatalogRepository,
    finance: FinanceRepository,
    ledger: Ledger,
    provider: PayoutProvider,
    repo: BuyingRepository,
    *,
    now: str,
    actor: Actor | None = None,
    run_id: str | None = None,
    page_size: int = SHOPS_PAGE,
    max_pages: int | None = None,
) -> RunReport:
    """This week's payout run: first the payouts that earlier passes left unsent or unsettled, then one payout per
    active shop whose available balance reaches the threshold and that this run has not paid yet.

    The schedule runs it whole (`max_pages=None`); an operator's request runs one slice of `max_pages` pages of
    shops (no request runs long) and calls again while `complete` is false. Where a slice stopped is kept with
    the run, so the next slice (or a re-run after a crash) carries on from there; once every shop was looked at,
    the next call starts another pass, which pays only the shops this run has not paid."""
    if actor is not None:
        require_role(actor, Role.OPERATOR)
    run_id = run_id or run_id_at(now)
    stored = finance.get_run(run_id)
    report = RunReport.from_dict(stored) if stored else RunReport(run_id, now, now)
    if report.complete:  # another pass over every shop
        report.complete, report.cursor = False, None
        report.counts["passes"] += 1
    report.counts.update(poll_open_payouts(finance, ledger, provider, repo, now=now, only_pending=True))
    pages = 0
    while True:
        page = catalog.shops_by_status("active", page_size, report.cursor)
        _pay_shops(page.items, finance, ledger, provider, repo, report, now=now)
        report.cursor = page.last_key
        report.updated_at = now
        pages += 1
        if report.cursor is None:
            report.complete = True
            break
        if max_pages is not None and pages >= max_pages:
            break
        finance.save_run(run_id, report.to_dict())  # a crash from here on resumes after this page
    finance.save_run(run_id, report.to_dict())
    return report


def _pay_shops(
    shops: list[Shop],
    finance: FinanceRepository,
    ledger: Ledger,
    provider: PayoutProvider,
    repo: BuyingRepository,
    report: RunReport,
    *,
    now: str,
) -> None:
    currency = {s.shop_id: get_storefront(s.storefront).currency for s in shops}
    keys = [(str(available(s.shop_id)), currency[s.shop_id]) for s in shops]
    balances = ledger.balances(keys) if keys else {}
    report.counts["shops_checked"] += len(shops)
    due = [
        s
        for s in shops
        if balances[(str(available(s.shop_id)), currency[s.shop_id])].amount >= payout_threshold(currency[s.shop_id])
    ]
    report.counts["below_threshold"] += len(shops) - len(due)
    if not due:
        return
    done = finance.run_payouts(report.run_id, [s.shop_id for s in due])
    accounts = finance.payout_accounts([s.shop_id for s in due if s.shop_id not in done])
    for shop in due:
        if shop.shop_id in done:
            report.counts["already_in_this_run"] += 1
            continue
        account = accounts.get(shop.shop_id)
        if account is None:
            report.counts["no_payout_account"] += 1
            _notify_missing_account(repo, shop, report.run_id)
            continue
        amount = balances[(str(available(shop.shop_id)), currency[shop.shop_id])].amount
        payout = new_payout(
            report.run_id, shop.shop_id, shop.owner_id, amount, currency[shop.shop_id], account.destination(), now
        )
        try:
            posted = ledger.post(payout_posting(payout), alongside=[finance.payout_write(payout, None)])
        except InsufficientFunds:  # a refund took money out meanwhile: next week
            report.counts["balance_changed"] += 1
            continue
        except Conflict as exc:  # another run is paying this shop at this very moment
            if exc.code not in ("posting_id_reused", "payout_exists"):
                raise
            report.counts["already_in_this_run"] += 1
            continue
        if posted.replayed:
            report.counts["already_in_this_run"] += 1
            continue
        report.counts["created"] += 1
        report.counts[_send(finance, ledger, provider, repo, payout, now=now).status] += 1


def _send(
    finance: FinanceRepository,
    ledger: Ledger,
    provider: PayoutProvider,
    repo: BuyingRepository,
    payout: Payout,
    *,
    now: str,
) -> Payout:
    """Asks the bank for the transfer (again: the payout id is the idempotency key) and records its answer. A
    bank that cannot be reached leaves the payout pending for the next pass."""
    request = TransferRequest(
        idempotency_key=payout.payout_id,
        reference=payout.payout_id,
        amount=payout.amount,
        currency=payout.currency,
        destination=dict(payout.destination),
    )
    try:
        status = provider.send(request)
    except PayoutRejected as exc:
        return apply_status(finance, ledger, repo, payout, TransferStatus("", "failed", exc.message), now=now)
    except ServiceUnavailable:
        return payout
    return apply_status(finance, ledger, repo, payout, status, now=now)


def apply_status(
    finance: FinanceRepository,
    ledger: Ledger,
    repo: BuyingRepository,
    payout: Payout,
    status: TransferStatus,
    *,
    now: str,
) -> Payout:
    """Records what the bank says about a payout, once: processing -> sent; paid -> paid; failed -> failed with
    its posting reversed in the same transaction (the money back in `available`) and the seller notified."""
    for _ in range(ATTEMPTS):
        if not payout.is_open:
            if payout.status == "failed":
                _notify(repo, payout, "payout.failed")  # again, harmlessly, in case that step was cut short
            return payout
        try:
            if status.status == "processing":
                if payout.status == "sent":
                    return payout
                return finance.save_payout(payout.sent(status.transfer_id, now), payout.version)
            if status.status == "paid":
                paid = finance.save_payout(payout.paid(status.transfer_id, now), payout.version)
                _notify(repo, paid, "payout.paid")
                return paid
            failed = payout.failed(status.failure_reason or "rejected by the bank", now, status.transfer_id or None)
            ledger.post(payout_failed_posting(failed, now), alongside=[finance.payout_write(failed, payout.version)])
            failed = finance.get_payout(payout.payout_id) or failed
            _notify(repo, failed, "payout.failed")
            return failed
        except PreconditionFailed:  # the bank's callback and the run (or the poll) met: look again
            fresh = finance.get_payout(payout.payout_id)
            if fresh is None:
                raise
            payout = fresh
    raise ServiceUnavailable("the payout keeps changing, please retry", retry_after=5)


def poll_open_payouts(
    finance: FinanceRepository,
    ledger: Ledger,
    provider: PayoutProvider,
    repo: BuyingRepository,
    *,
    now: str,
    only_pending: bool = False,
) -> Counter[str]:
    """The payouts not settled yet: a pending one is sent again (same key: the bank pays once), a sent one is
    asked about (in case its callback was lost). Runs on a schedule; every run starts by sending the pending
    ones (`only_pending`)."""
    counts: Counter[str] = Counter()
    start: Position | None = None
    while True:
        page = finance.open_payouts(OPEN_PAGE, start)
        for payout in page.items:
            try:
                if payout.status == "pending":
                    counts["resumed"] += 1
                    after = _send(finance, ledger, provider, repo, payout, now=now)
                elif payout.transfer_id and not only_pending:
                    after = apply_status(finance, ledger, repo, payout, provider.status(payout.transfer_id), now=now)
                else:
                    continue
            except ServiceUnavailable:
                counts["bank_unavailable"] += 1
                continue
            except DomainError:  # the bank does not know the transfer, or the payout changed meanwhile: next time
                counts["unresolved"] += 1
                continue
            if after.status != payout.status:
                counts[after.status] += 1
        start = page.last_key
        if start is None:
            return counts


def payout_callback(
    finance: FinanceRepository, ledger: Ledger, repo: BuyingRepository, event: dict[str, Any], *, now: str
) -> dict[str, str]:
    """A verified status report from the bank. A report repeated (the bank retries until it gets a 2xx) changes
    nothing."""
    status = CALLBACK_TYPES.get(event["type"])
    if status is None:
        return {"status": "ignored"}
    payout = finance.get_payout(event["reference"])
    if payout is None:
        raise NotFound("payout not found", code="payout_not_found")
    if payout.transfer_id and payout.transfer_id != event["transfer_id"]:
        raise Conflict("this transfer is not the payout's", code="transfer_mismatch")
    if not payout.is_open:
        return {"status": "duplicate"}
    reported = TransferStatus(event["transfer_id"], status, event.get("failure_reason"))
    after = apply_status(finance, ledger, repo, payout, reported, now=now)
    return {"status": "applied" if after.version != payout.version else "duplicate"}


# --- notifications ------------------------------------------------------------------------------------------

_TEXTS = {
    "payout.paid": "Payout {payout_id} of {amount} {currency} was paid to the account ending {last4}",
    "payout.failed": "Payout {payout_id} failed ({reason}); the money is back in your balance",
    "payout.account_missing": "Register your payout details: your balance is ready to be paid out",
}


def _notify(repo: BuyingRepository, payout: Payout, kind: str) -> None:
    """Once per payout and kind: the notification's key is the payout's own time of that step."""
    at = (payout.paid_at if kind == "payout.paid" else payout.failed_at) or payout.updated_at
    message = _TEXTS[kind].format(
        payout_id=payout.payout_id,
        amount=f"{payout.amount // 100}.{payout.amount % 100:02d}",
        currency=payout.currency,
        last4=str(payout.destination.get("account_number") or "")[-4:],
        reason=payout.failure_reason or "rejected by the bank",
    )
    notification_id = f"{kind}:{payout.payout_id}"
    body = {
        "notification_id": notification_id,
        "type": kind,
        "shop_id": payout.shop_id,
        "payout_id": payout.payout_id,
        "message": message,
        "at": at,
    }
    with contextlib.suppress(DomainError):  # the payout is settled either way; its status shows it
        repo.add_notification(payout.seller_id, f"{at}#{notification_id}", body)


def _notify_missing_account(repo: BuyingRepository, shop: Shop, run_id: str) -> None:
    """Once per run: the notification's key is the run's scheduled time."""
    notification_id = f"payout.account_missing:{run_id}:{shop.shop_id}"
    body = {
        "notification_id": notification_id,
        "type": "payout.account_missing",
        "shop_id": shop.shop_id,
        "message": _TEXTS["payout.account_missing"],
        "at": run_starts_at(run_id),
    }
    with contextlib.suppress(DomainError):
        repo.add_notification(shop.owner_id, f"{body['at']}#{notification_id}", body)
