"""An order after checkout: reading it, and its lifecycle (cancel, pay, ship, deliver, expire, complete).

Every change is saved through `BuyingRepository.save_order(..., event=...)`, which writes the change's event to
the outbox in the same transaction: nothing here publishes anything, and nothing can be committed unannounced.

Concurrency: a change is computed from the order as read and saved conditioned on its version. When the
caller sent `If-Match` (the version they saw), a changed order is 412. When they did not, the change is
computed again from the order as it is now (a few times), so two requests that touch the same order both apply
when both still can; a change that no longer applies gets its own 409 (e.g. a second cancel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ServiceUnavailable
from ..domain.identity import Actor, Role, require_role
from ..domain.orders import COMPLETE, EXPIRE, PROVIDER_PAID, SCHEDULE_SHARDS, Order, TimelineEntry
from ..domain.producers import Producer, is_producer
from ..domain.seller_money import CommissionRule, CommissionTerms, ProducerShare, terms_for
from . import coupons, points, settlement, terms
from .ports import (
    BuyingRepository,
    CatalogRepository,
    CouponsRepository,
    FinanceRepository,
    Ledger,
    NetworkRepository,
    Page,
    Position,
    TradeRepository,
    TrustRepository,
    Write,
)
from .producers import producer_share
from .shops import owned_shop

CHANGE_ATTEMPTS = 4
# A change's posting was already made (services/settlement.py): another request made the same change meanwhile
# (its id is derived from the order), so the change is computed again on the order as it now is.
REPLAYED_POSTING = frozenset({"already_paid", "already_refunded"})
# Issue 12: the coupon the order used was changed meanwhile by a cancellation of another order of its checkout
# (adapters/coupons.py): the order itself did not change, so the change is computed again, If-Match or not. Each
# such retry means another order's cancellation won, so there are at most as many as orders in a checkout.
COUPON_BUSY = "coupon_busy"
COUPON_RACES = 30


def apply_change(
    repo: BuyingRepository,
    load: Callable[[], Order],
    change: Callable[[Order], Order],
    event: str,
    *,
    if_match: int | None = None,
    restock: Callable[[Order], dict[str, int]] | None = None,
    save: Callable[[Order, Order], Order] | None = None,
) -> Order:
    """Loads the order, applies `change` and saves it with `event` (or with `save(order, changed)`, for a
    change that moves money: services/settlement.py); see the module's note on concurrency."""
    attempts = coupon_races = 0
    while attempts < CHANGE_ATTEMPTS:
        attempts += 1
        order = load()
        if if_match is not None and order.version != if_match:
            raise PreconditionFailed("the order was changed since you read it", code="stale_order")
        changed = change(order)
        try:
            if save is not None:
                return save(order, changed)
            return repo.save_order(changed, order.version, event=event, restock=restock(order) if restock else None)
        except PreconditionFailed as exc:
            if exc.code != "stale_order":
                raise
            if if_match is not None:
                raise
        except Conflict as exc:
            if exc.code == COUPON_BUSY and coupon_races < COUPON_RACES:
                coupon_races, attempts = coupon_races + 1, attempts - 1
                continue
            if exc.code not in REPLAYED_POSTING:
                raise
            if if_match is not None:
                raise PreconditionFailed("the order was changed since you read it", code="stale_order") from exc
    raise Conflict("the order kept changing while this request ran; reload it and retry", code="order_busy")


# --- buyer ----------------------------------------------------------------------------------------


def buyer_order(repo: BuyingRepository, actor: Actor, order_id: str) -> Order:
    require_role(actor, Role.BUYER)
    order = repo.get_order(order_id)
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def buyer_orders(repo: BuyingRepository, actor: Actor, limit: int, start: Position | None) -> Page[Order]:
    require_role(actor, Role.BUYER)
    return repo.buyer_orders(actor.user_id, limit, start)


def cancel(
    repo: BuyingRepository,
    ledger: Ledger,
    actor: Actor,
    order_id: str,
    *,
    now: str,
    if_match: int | None = None,
    trust: TrustRepository | None = None,
    coupon_store: CouponsRepository | None = None,
) -> Order:
    """Before shipment only. The version condition makes concurrent cancels restore stock exactly once; money
    paid goes back: from the shop's pending balance in the same transaction (a ledger posting), and a card
    payment to the buyer through the provider (services/refunds.py). An order on net terms (issue 14; never paid
    before it ships) gives its credit back in the same transaction instead. With `trust` (issue 13) the points
    redeemed on it come back (services/points.return_redemption: once, however often it is asked). With
    `coupon_store` (issue 12) an order that used a coupon drops out of it in the same transaction, and the last
    order of its checkout gives the coupon back (services/coupons.cancellation_writes: one GetItem more)."""

    def save(order: Order, cancelled: Order) -> Order:
        if order.payment_method == "net_terms":
            return terms.cancel_on_terms(repo, ledger, order, cancelled, now=now)
        cancelled, coupon_writes = (
            coupons.cancellation_writes(coupon_store, order, cancelled, now=now)
            if coupon_store is not None
            else (cancelled, [])
        )
        paid = order.amount_paid  # everything paid so far: the whole order, or a pre-sale's deposit (issue 15)
        if not paid:
            return repo.save_order(
                cancelled, order.version, event="order.cancelled", restock=order.quantities(), extra=coupon_writes
            )
        return settlement.record_refund(
            repo,
            ledger,
            order,
            cancelled,
            paid,
            "cancellation",
            now=now,
            event="order.cancelled",
            restock=order.quantities(),
            alongside=coupon_writes,
        )

    saved = apply_change(
        repo,
        lambda: buyer_order(repo, actor, order_id),
        lambda order: order.cancel("buyer", now, actor_id=actor.user_id),
        "order.cancelled",
        if_match=if_match,
        save=save,
    )
    if trust is not None:
        points.return_redemption(trust, repo, ledger, saved, now=now)
    coupons.return_discount(ledger, saved, now=now)  # issue 12: the platform's coupon share, once
    return saved


def history_page(
    repo: BuyingRepository,
    order_id: str,
    limit: int,
    position: Position | None,
    load_order: Callable[[], Order],
    may_see: Callable[[str, str], bool],
) -> tuple[list[TimelineEntry], Position | None]:
    """One page of an order's whole timeline, newest first, and where the next page starts (None at the end).

    The first pages are the newest entries, on the order item (`load_order()` reads it and checks the caller
    may see it: one GetItem). Then the entries moved to their own items: one Query per page, whose items carry
    the order's buyer and seller, checked with `may_see(buyer_id, seller_id)` (only an empty or foreign page
    reads the order, for the usual 403/404). A page may hold fewer than `limit` where the two meet.
    """
    before = position.get("before") if position else None
    if position is None or not position.get("stored"):
        order = load_order()
        kept = [e for e in reversed(order.timeline) if before is None or e.seq < before]
        page = kept[:limit]
        if len(kept) > limit:
            return page, {"before": page[-1].seq, "stored": False}
        oldest = order.timeline[0].seq if order.timeline else 1
        return page, ({"before": oldest, "stored": True} if oldest > 1 else None)
    if not isinstance(before, int):
        raise ValueError("not a timeline position")
    stored = repo.order_history(order_id, before, limit)
    if not stored or not all(may_see(buyer_id, seller_id) for buyer_id, seller_id, _ in stored):
        load_order()
    entries = [entry for _, _, entry in stored]
    last = entries[-1].seq if entries else 1
    return entries, ({"before": last, "stored": True} if last > 1 else None)


# --- seller ---------------------------------------------------------------------------------------


def shop_order(catalog: CatalogRepository, repo: BuyingRepository, actor: Actor, shop_id: str, order_id: str) -> Order:
    """One read when the order's seller snapshot names `actor` (shops never change owner); anything else also
    reads the shop, for the usual 403/404."""
    require_role(actor, Role.SELLER, Role.PARTNER)
    order = repo.get_order(order_id)
    if order is not None and order.shop_id == shop_id and order.seller_id == actor.user_id:
        return order
    owned_shop(catalog, actor, shop_id, managed=True)  # issue 11: the partner managing a producer's shop too
    if order is None or order.shop_id != shop_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def shop_orders(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    status: str | None,
    limit: int,
    start: Position | None,
) -> Page[Order]:
    """One Query when the page's orders prove ownership (seller snapshot); an empty page also reads the shop."""
    require_role(actor, Role.SELLER, Role.PARTNER)
    page = repo.shop_orders(shop_id, status, limit, start)
    if not page.items or not all(o.seller_id == actor.user_id for o in page.items):
        owned_shop(catalog, actor, shop_id, managed=True)
    return page


def _seller_change(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    order_id: str,
    change: Callable[[Order], Order],
    event: str,
    if_match: int | None,
    extra: Sequence[Write] = (),
) -> Order:
    """`extra`: the caller's own writes in the change's transaction (issue 13: the shop's delivery counter)."""
    return apply_change(
        repo,
        lambda: shop_order(catalog, repo, actor, shop_id, order_id),
        change,
        event,
        if_match=if_match,
        save=(lambda order, changed: repo.save_order(changed, order.version, event=event, extra=extra))
        if extra
        else None,
    )


def ship(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    order_id: str,
    carrier: str,
    tracking: str,
    *,
    now: str,
    if_match: int | None = None,
    trade: TradeRepository | None = None,
    ledger: Ledger | None = None,
    invoice_id: str | None = None,
) -> Order:
    """An order on net terms is invoiced as it ships, in the same transaction (issue 14: services/terms.py)."""

    def save(order: Order, shipped: Order) -> Order:
        if order.payment_method != "net_terms":
            return repo.save_order(shipped, order.version, event="order.shipped")
        if trade is None or ledger is None or invoice_id is None:
            raise RuntimeError("shipping an order on net terms needs the trade repository and the ledger")
        return terms.ship_with_invoice(repo, trade, ledger, order, shipped, invoice_id=invoice_id, now=now)

    return apply_change(
        repo,
        lambda: shop_order(catalog, repo, actor, shop_id, order_id),
        lambda o: o.ship(carrier, tracking, now, actor_id=actor.user_id),
        "order.shipped",
        if_match=if_match,
        save=save,
    )


def deliver(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    actor: Actor,
    shop_id: str,
    order_id: str,
    *,
    now: str,
    if_match: int | None = None,
    trust: TrustRepository | None = None,
) -> Order:
    """With `trust` (issue 13) the delivery is counted on the shop's day (its dispute rate) in the same write."""
    counted = [trust.delivered_write(shop_id, now)] if trust is not None else []
    return _seller_change(
        catalog,
        repo,
        actor,
        shop_id,
        order_id,
        lambda o: o.deliver(now, actor_id=actor.user_id),
        "order.delivered",
        if_match,
        counted,
    )


def mark_paid(
    catalog: CatalogRepository,
    repo: BuyingRepository,
    ledger: Ledger,
    actor: Actor,
    shop_id: str,
    order_id: str,
    *,
    now: str,
    if_match: int | None = None,
) -> Order:
    """A bank transfer or cash on delivery, recorded by the seller (card payments come from the provider). The
    money is posted into the shop's pending balance in the same transaction."""

    def pay(order: Order) -> Order:
        if order.payment_method in PROVIDER_PAID:
            raise Conflict("card payments are confirmed by the payment provider", code="card_payment")
        return order.mark_paid("seller", now, actor_id=actor.user_id)

    return apply_change(
        repo,
        lambda: shop_order(catalog, repo, actor, shop_id, order_id),
        pay,
        "order.paid",
        if_match=if_match,
        save=lambda order, paid: settlement.record_payment(repo, ledger, order, paid, now=now),
    )


# --- schedule -------------------------------------------------------------------------------------


def run_scheduled(
    repo: BuyingRepository,
    job: str,
    act: Callable[[Order], bool],
    *,
    now: str,
    limit: int,
    page_size: int,
) -> dict[str, int]:
    """Runs `act` on the orders whose `job` is due, shard by shard, page by page (one Query per page of up to
    `page_size` due orders). An order `act` cannot handle (it raises) is counted and passed over: the pages
    move on past it, so it never holds up the orders after it; it is still due, and the next run tries again.
    Stops after `limit` orders."""
    done = failed = queries = 0
    for shard in range(SCHEDULE_SHARDS):
        start: Position | None = None
        while done + failed < limit:
            page = repo.scheduled_orders(job, f"{shard:02d}", now, min(page_size, limit - done - failed), start)
            queries += 1
            for order in page.items:
                try:
                    if act(order):
                        done += 1
                except DomainError:
                    failed += 1
            start = page.last_key
            if not start:
                break
    return {"done": done, "failed": failed, "queries": queries}


def _save_due(
    repo: BuyingRepository,
    order: Order,
    change: Callable[[Order], Order],
    event: str,
    save: Callable[[Order, Order], Order | None] | None = None,
) -> bool:
    """Applies a scheduled change to the order as read from the index (GSIs lag: the version condition catches
    an order changed meanwhile, which is then read again); False if the change no longer applies. `save(order,
    changed)` saves a change that moves money (None: the order changed meanwhile)."""
    for attempt in range(2):
        try:
            changed = change(order)
        except Conflict:
            return False
        try:
            if save is None:
                repo.save_order(changed, order.version, event=event, restock=_restock_of(order, changed))
                return True
            if save(order, changed) is not None:
                return True
        except PreconditionFailed as exc:
            if exc.code != "stale_order":
                raise
        except Conflict as exc:  # issue 12: another order of its checkout changed its coupon meanwhile
            if exc.code != COUPON_BUSY:
                raise
        fresh = repo.get_order(order.order_id) if attempt == 0 else None
        if fresh is None:
            raise PreconditionFailed("the order kept changing; the next run looks at it again", code="stale_order")
        order = fresh
    return False


def _restock_of(before: Order, after: Order) -> dict[str, int] | None:
    return before.quantities() if after.stock_restored and not before.stock_restored else None


def expire_due(
    repo: BuyingRepository,
    *,
    now: str,
    limit: int = 1000,
    page_size: int = 100,
    trust: TrustRepository | None = None,
    ledger: Ledger | None = None,
    coupon_store: CouponsRepository | None = None,
) -> dict[str, int]:
    """Cancels unpaid card and bank-transfer orders whose payment window closed (a schedule): stock goes back
    exactly once (version-checked, like a cancel), the buyer is notified (order.expired). With `trust` and
    `ledger` (issue 13) the points the order redeemed come back, once (the posting's id is the order's; the
    order-events consumer asks again on order.expired, in case this run stopped in between). With
    `coupon_store` (issue 12) a coupon it used is released or given back in the same transaction, as a cancel
    does (never charged, it owes the platform nothing back)."""

    def save(order: Order, expired: Order) -> Order:  # only for an order that used a coupon
        assert coupon_store is not None
        expired, coupon_writes = coupons.cancellation_writes(coupon_store, order, expired, now=now)
        return repo.save_order(
            expired, order.version, event="order.expired", restock=_restock_of(order, expired), extra=coupon_writes
        )

    def expire(order: Order) -> bool:
        saving = save if coupon_store is not None and order.coupon else None
        if not _save_due(repo, order, lambda o: o.expire(now), "order.expired", save=saving):
            return False
        if trust is not None and ledger is not None:
            points.return_redemption(trust, repo, ledger, order, now=now)
        return True

    return run_scheduled(repo, EXPIRE, expire, now=now, limit=limit, page_size=page_size)


def complete_due(
    repo: BuyingRepository,
    ledger: Ledger,
    finance: FinanceRepository,
    *,
    now: str,
    limit: int = 5000,
    page_size: int = 100,
    trust: TrustRepository | None = None,
    network: NetworkRepository | None = None,
) -> dict[str, int]:
    """Completes delivered, paid orders whose return window has closed (a schedule), each in one transaction
    with its seller's credit net of the commission in force when the order was placed (services/settlement.py)
    and its event. Also drains the legacy single-partition index (orders delivered before schedule-index
    existed). The commission rules are read once per run, and only when an order is due. With `trust` (issue
    13) the buyer then earns the order's points (idempotent per order: services/points.earn_for_order)."""
    rules: list[dict[str, CommissionRule]] = []  # read lazily, once

    def terms(order: Order) -> CommissionTerms:
        if not rules:
            rules.append(finance.commission_rules())
        market = getattr(order, "market", None)
        return terms_for(rules[0], order.storefront, market, order.currency, order.created_at)

    producers: dict[str, Producer | None] = {}  # issue 11: a producer's sales pay their partner too (read once)
    producer_rules: list[dict[str, CommissionRule]] = []  # the counties' producer commissions, read lazily, once

    def share(order: Order) -> ProducerShare | None:
        if not is_producer(order.seller_id):
            return None
        if network is None:
            raise ServiceUnavailable("a producer's sale completes with the network store", retry_after=60)
        if order.seller_id not in producers:
            producers[order.seller_id] = network.get_producer(order.seller_id)
        if not producer_rules:
            producer_rules.append(finance.commission_rules(producers=True))
        found = producers[order.seller_id]
        return producer_share(found, order.seller_id, producer_rules[0], order.currency, order.created_at)

    def complete(order: Order) -> bool:
        return _save_due(
            repo,
            order,
            lambda o: o.complete(now),
            "order.completed",
            save=lambda before, _: earn(
                settlement.complete(repo, ledger, before, terms(before), now=now, producer=share(before))
            ),
        )

    def earn(saved: Order | None) -> Order | None:
        if saved is not None and trust is not None:
            points.earn_for_order(trust, ledger, saved, now=now)
        return saved

    result = run_scheduled(repo, COMPLETE, complete, now=now, limit=limit, page_size=page_size)
    start: Position | None = None
    while result["done"] + result["failed"] < limit:
        page = repo.legacy_due_orders(now, page_size, start)
        result["queries"] += 1
        for order in page.items:
            if order.paid_at:
                try:
                    result["done"] += int(complete(order))
                except DomainError:
                    result["failed"] += 1
        start = page.last_key
        if not start:
            break
    return result
