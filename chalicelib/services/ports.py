"""What the services need from the outside world. Adapters implement these; tests/fakes.py fakes them.

`make lint` type-checks that the DynamoDB/S3/Cognito/SQS adapters (through bootstrap.Container) and the
in-memory fakes (tests/fakes.py) satisfy these protocols; tests/unit/test_ports.py compares their signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..domain.buying import Cart, CheckoutClaim, UnpaidHolds
from ..domain.catalog import Product, Shop
from ..domain.dashboards import AggregateUpdate
from ..domain.errors import DomainError
from ..domain.events import OutboxBatch
from ..domain.images import IMMUTABLE_CACHE_CONTROL
from ..domain.ledger import Account, Balance, BookedEntry, Posted, Posting, Statement
from ..domain.markets import FxRate
from ..domain.orders import Order, Return, TimelineEntry
from ..domain.provenance import GiClaim, Maker, ShopUpload
from ..domain.seller_money import CommissionRule, Payout, PayoutAccount
from ..domain.trade import Business, Invoice, Quote, QuoteMessage, Rfq, Supplier

T = TypeVar("T")

JSON = dict[str, Any]  # a JSON object: an event, a notification, a storefront card, an API shape
Position = dict[str, Any]  # where a page stops: opaque to the services; the API signs it into a cursor


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: Position | None  # None on the last page


@dataclass(frozen=True)
class PendingMedia:
    media_id: str
    shop_id: str
    product_id: str
    key: str
    content_type: str
    size: int
    created_at: str


class CatalogRepository(Protocol):
    def create_shop(self, shop: Shop) -> None: ...
    def get_shop(self, shop_id: str) -> Shop | None: ...
    def get_shop_by_slug(self, storefront: str, slug: str) -> Shop | None: ...
    def update_shop(self, shop: Shop, expected_version: int, *, events: Sequence[JSON] = ()) -> Shop:
        """Version-checked; `events` go to the outbox in the same transaction (a moderation's product job)."""
        ...

    def shops_by_owner(self, owner_id: str, limit: int, start: Position | None) -> Page[Shop]: ...
    def shops_by_status(self, status: str, limit: int, start: Position | None) -> Page[Shop]: ...
    def active_shops(self, storefront: str, limit: int, start: Position | None) -> Page[Shop]: ...

    def save_product(self, product: Product, expected_version: int | None, shop_status: str) -> Product: ...
    def get_product(self, product_id: str) -> Product | None: ...
    def shop_products(
        self, shop_id: str, limit: int, start: Position | None, archived: bool = False
    ) -> Page[Product]: ...
    def all_live_shop_products(self, shop_id: str) -> list[Product]: ...
    def scan_products(self, limit: int, start: Position | None) -> Page[Product]: ...  # maintenance only (reindex)
    def listings(
        self, facet: str, sort: str, limit: int, start: Position | None, must_contain: list[str]
    ) -> Page[JSON]: ...

    def add_pending_media(self, media: PendingMedia) -> None: ...
    def get_pending_media(self, media_id: str) -> PendingMedia | None: ...
    def delete_pending_media(self, media_id: str) -> None: ...

    # issue 15
    def get_products(self, product_ids: list[str]) -> dict[str, Product]: ...
    def season_due(self, day: str, limit: int) -> list[str]: ...  # products whose season changes by `day`


class ProvenanceRepository(Protocol):
    """Makers, geographic-indication claims, the files a shop uploads for them, origin counts (issue 15)."""

    def add_upload(self, upload: ShopUpload) -> None: ...
    def get_upload(self, upload_id: str) -> ShopUpload | None: ...
    def save_upload(self, upload: ShopUpload) -> None: ...

    def create_maker(self, maker: Maker) -> Maker: ...
    def get_maker(self, maker_id: str) -> Maker | None: ...
    def update_maker(self, maker: Maker, expected_version: int) -> Maker: ...
    def shop_makers(self, shop_id: str, limit: int, start: Position | None) -> Page[Maker]: ...
    def maker_page(
        self, storefront: str, maker_id: str, limit: int, start: Position | None
    ) -> tuple[JSON | None, Page[JSON]]: ...

    def create_claim(self, claim: GiClaim) -> GiClaim: ...
    def get_claim(self, claim_id: str) -> GiClaim | None: ...
    def update_claim(self, claim: GiClaim, expected_version: int) -> GiClaim: ...
    def shop_claims(self, shop_id: str, limit: int, start: Position | None) -> Page[GiClaim]: ...
    def claims_by_status(self, status: str, limit: int, start: Position | None) -> Page[GiClaim]: ...

    def origin_counts(self, storefront: str) -> list[JSON]: ...


class MediaStore(Protocol):
    def presigned_upload(self, key: str, content_type: str, max_size: int, expires_in: int) -> JSON: ...
    def head(self, key: str) -> JSON | None: ...
    def read(self, key: str, max_bytes: int) -> bytes: ...
    def write(self, key: str, body: bytes, content_type: str, cache_control: str = IMMUTABLE_CACHE_CONTROL) -> None: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...
    def download_url(self, key: str, expires_in: int) -> str:
        """A short-lived signed link to a private object (issue 14: business documents, RFQ attachments)."""
        ...


class IdentityProvider(Protocol):
    def register(self, email: str, password: str, role: str) -> JSON: ...
    def login(self, email: str, password: str) -> JSON: ...
    def confirm(self, email: str, code: str) -> None: ...
    def resend_code(self, email: str) -> JSON: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> JSON: ...


class BuyingRepository(Protocol):
    def get_cart(self, buyer_id: str) -> Cart: ...
    def save_cart(self, cart: Cart, now: str) -> Cart: ...
    def clear_cart(self, buyer_id: str) -> None: ...
    def get_products(self, product_ids: list[str]) -> dict[str, Product]: ...
    def checkout_reads(
        self, buyer_id: str, claim_key: str, business_id: str | None = None
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None]: ...
    def checkout_reads_in_market(
        self, buyer_id: str, claim_key: str, business_id: str | None, fx_pairs: Sequence[str], market: str
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None, dict[str, FxRate], JSON]:
        """Issue 12: checkout_reads plus the pairs' current rates and the market's delivery terms, in the same
        BatchGetItem."""
        ...

    def get_claim(self, claim_key: str) -> CheckoutClaim | None: ...
    def place_orders(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        cart: Cart,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
        sample_claims: tuple[str, ...] = (),
        *,
        holds: UnpaidHolds,
        hold_stock: dict[str, int],
        fx: FxRate | None = None,
    ) -> None:
        """`fx` (issue 12): the transaction also checks that this rate is still in force (else Conflict
        `fx_rate_changed`)."""
        ...

    def placement_writes(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        cart: Cart,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
        sample_claims: tuple[str, ...] = (),
        *,
        holds: UnpaidHolds,
        hold_stock: dict[str, int],
    ) -> tuple[list[Write], Callable[[list[int]], DomainError]]:
        """place_orders' writes (the orders' events included), to commit alongside a ledger posting (net terms),
        and what refusals mean."""
        ...

    def new_order_write(self, order: Order) -> Write: ...
    def order_created_write(self, order: Order, also: Sequence[JSON] = ()) -> Write:
        """The `order.created` event of an order put by `new_order_write` (and `also` events of the same change),
        for the same transaction."""
        ...

    def stock_take_write(self, product_id: str, quantity: int) -> Write: ...
    def claim_write(self, claim_key: str, owner: str, claim: CheckoutClaim, now: str) -> Write: ...
    def get_order(self, order_id: str) -> Order | None: ...
    def get_orders(self, order_ids: list[str]) -> list[Order]: ...
    def buyer_orders(self, buyer_id: str, limit: int, start: Position | None) -> Page[Order]: ...
    def shop_orders(self, shop_id: str, status: str | None, limit: int, start: Position | None) -> Page[Order]: ...
    def scheduled_orders(
        self, job: str, shard: str, due_by: str, limit: int, start: Position | None
    ) -> Page[Order]: ...
    def legacy_due_orders(self, due_by: str, limit: int, start: Position | None) -> Page[Order]: ...
    def save_order(
        self,
        order: Order,
        expected_version: int,
        *,
        event: str,
        restock: dict[str, int] | None = None,
        claim_key: str | None = None,
        extra: Sequence[Write] = (),
    ) -> Order:
        """Every change of an order goes through here (or `order_writes` + `commit`/a ledger posting): the
        change, its event `event` (outbox), its side effects, one transaction. No caller publishes events."""
        ...

    def order_writes(
        self,
        order: Order,
        expected_version: int,
        *,
        event: str,
        restock: dict[str, int] | None = None,
        claim_key: str | None = None,
        ret: Return | None = None,
        expected_return_version: int | None = None,
        extra: Sequence[Write] = (),
    ) -> list[Write]:
        """What `save_order` (with a return created, or a return's version-checked update) would write, its
        event `event` included, as Writes for `Ledger.post(..., alongside=...)`: the order change, its event and
        its money movement in one transaction. The order is written as `order.as_saved(expected_version)`."""
        ...

    def commit(self, writes: Sequence[Write]) -> None:
        """`order_writes` in one transaction without a posting (a change that moves no money)."""
        ...

    def order_history(self, order_id: str, before_seq: int, limit: int) -> list[tuple[str, str, TimelineEntry]]: ...
    def create_return(self, ret: Return, order: Order, expected_order_version: int, *, event: str) -> Order: ...
    def get_return(self, return_id: str) -> Return | None: ...
    def shop_returns(self, shop_id: str, limit: int, start: Position | None) -> Page[Return]: ...
    def add_notification(self, user_id: str, created_key: str, body: JSON) -> bool: ...
    def notifications(self, user_id: str, limit: int, start: Position | None) -> Page[JSON]: ...


class EventPublisher(Protocol):
    def publish(self, events: list[JSON]) -> None: ...


class Outbox(Protocol):
    """The outbox items that repositories write inside their transactions (adapters/outbox.outbox_put), as the
    relay and the sweeper see them."""

    def add(self, batch: OutboxBatch) -> bool: ...
    def pending(self, shard: str, created_before: str, limit: int, start: Position | None) -> Page[OutboxBatch]: ...
    def mark_published(self, outbox_id: str, now: str) -> None: ...


class Metrics(Protocol):
    def gauge(self, name: str, value: float, unit: str, dimensions: dict[str, str]) -> None: ...


class PaymentProvider(Protocol):
    """The card payment provider (adapters/payments.py; devtools/card_provider.py simulates it locally).

    `refund` gives back `amount` (minor units of `currency`, any part of a payment: full or partial) of the
    payment `payment_ref` and returns the provider's refund id. Repeating it with the same `idempotency_key`
    returns the same refund, never a second one. Failures are domain errors: ServiceUnavailable when the
    provider could not be reached or answered 5xx after the adapter's own retries (try again later),
    Unprocessable when it refused the refund (nothing to retry).
    """

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str: ...


@dataclass(frozen=True)
class Write:
    """One of the caller's own writes, committed in the same transaction as a ledger posting (`Ledger.post`).

    `action` is what the ledger's backend executes: for the DynamoDB ledger one TransactWriteItems action
    (`{"Put": ...}`, `{"Update": ...}`, `{"Delete": ...}` or `{"ConditionCheck": ...}`, usually with a
    ConditionExpression), built by the caller's repository; for the in-memory fake a `tests.fakes.InMemoryWrite`.
    `refused` is the domain error raised when that action's condition fails; nothing at all is written then.
    Services treat a Write as opaque: their repository builds it, the ledger executes it.
    """

    action: Any
    refused: DomainError | None = None


class Ledger(Protocol):
    """The one double-entry ledger (docs/ledger.md). Accounts and postings: chalicelib/domain/ledger.py."""

    def post(
        self,
        posting: Posting,
        *,
        alongside: Sequence[Write] = (),
        explain: Callable[[list[int]], DomainError] | None = None,
    ) -> Posted:
        """Applies `posting` and the caller's `alongside` writes atomically, once per posting id.

        A posting id already applied -> its stored result with `replayed=True`, and nothing written (the
        alongside writes neither). Raises InsufficientFunds (409) when a guarded account would go below zero;
        the refused write's error (or `explain(indexes of the refused writes)`) when an alongside condition
        fails; Conflict `posting_id_reused` when the id was used for a different posting; ServiceUnavailable
        when the accounts stay too busy to post after retries.
        """
        ...

    def get_posting(self, posting_id: str) -> Posted | None: ...
    def balance(self, account: str | Account, currency: str) -> Balance: ...
    def balances(self, keys: Sequence[tuple[str | Account, str]]) -> dict[tuple[str, str], Balance]: ...

    def entries(
        self,
        account: str | Account,
        currency: str,
        *,
        start_at: str | None = None,
        end_at: str | None = None,
        newest_first: bool = True,
        limit: int = 20,
        start: Position | None = None,
    ) -> Page[BookedEntry]:
        """Entries (BookedEntry) booked in `[start_at, end_at)`, one page; `Page.last_key` resumes."""
        ...

    def statement(
        self,
        account: str | Account,
        currency: str,
        start_at: str,
        end_at: str,
        *,
        limit: int = 100,
        start: Position | None = None,
    ) -> Statement:
        """The period `[start_at, end_at)` of an owned account: opening, closing, one page of entries."""
        ...


# --- sellers' money (issue 17) ------------------------------------------------------------------------------


class FinanceRepository(Protocol):
    """Commission rules, payout accounts, payouts and payout runs (the Finance table, docs/data-model.md)."""

    def commission_rules(self) -> dict[str, CommissionRule]: ...
    def save_commission_rule(self, rule: CommissionRule) -> CommissionRule:
        """Conditional on the rule's version (0: new); 409 stale_commission when someone saved it meanwhile."""
        ...

    def get_payout_account(self, shop_id: str) -> PayoutAccount | None: ...
    def save_payout_account(self, account: PayoutAccount) -> PayoutAccount: ...
    def payout_accounts(self, shop_ids: list[str]) -> dict[str, PayoutAccount]: ...
    def shop_with_balances(
        self, shop_id: str, keys: Sequence[tuple[str | Account, str]]
    ) -> tuple[Shop | None, dict[tuple[str, str], Balance]]:
        """The shop and running balances of the ledger in one read (a BatchGetItem across both tables)."""
        ...

    def payout_write(self, payout: Payout, expected_version: int | None) -> Write:
        """The payout's put (new: `expected_version` None), for a posting's `alongside`."""
        ...

    def save_payout(self, payout: Payout, expected_version: int) -> Payout: ...
    def get_payout(self, payout_id: str) -> Payout | None: ...
    def run_payouts(self, run_id: str, shop_ids: list[str]) -> dict[str, Payout]: ...
    def shop_payouts(self, shop_id: str, limit: int, start: Position | None) -> Page[Payout]: ...
    def open_payouts(self, limit: int, start: Position | None) -> Page[Payout]: ...
    def get_run(self, run_id: str) -> JSON | None: ...
    def save_run(self, run_id: str, record: JSON) -> None: ...


class AggregatesRepository(Protocol):
    """The dashboards' counters (the Aggregates table; domain/dashboards.py says what they hold)."""

    def apply(self, event_id: str, updates: Sequence[AggregateUpdate], *, at: str) -> bool:
        """Adds `updates` once per event id (claimed in the same transaction). False: applied before."""
        ...

    def shop_items(self, shop_id: str, first_day: str) -> list[JSON]: ...
    def dimension_items(self, dimension: str, first_week: str, last_week: str) -> list[JSON]: ...


@dataclass(frozen=True)
class TransferRequest:
    """A bank transfer to send; the bank pays one transfer per idempotency key, whatever the retries."""

    idempotency_key: str
    reference: str
    amount: int
    currency: str
    destination: JSON  # holder_name, bank_name, account_number, bank_code


@dataclass(frozen=True)
class TransferStatus:
    transfer_id: str
    status: str  # "processing" | "paid" | "failed"
    failure_reason: str | None = None


class PayoutProvider(Protocol):
    """The bank that pays sellers (adapters/payouts_bank.py; devtools/bank_simulator.py locally). Raises
    ServiceUnavailable when it cannot be reached or is busy, PayoutRejected (422) when it refuses a transfer."""

    def send(self, request: TransferRequest) -> TransferStatus: ...
    def status(self, transfer_id: str) -> TransferStatus: ...


class TradeRepository(Protocol):
    """Bulk trade (issue 14): businesses, suppliers, RFQs, quotes and their messages, invoices (the Trade table).

    Methods returning a `Write` build one action of a transaction the service commits (`commit`, or alongside a
    ledger posting); nothing is written until then.
    """

    def commit(self, writes: Sequence[Write], explain: Callable[[list[int]], DomainError] | None = None) -> None: ...

    def get_business(self, business_id: str) -> Business | None: ...
    def business_write(self, business: Business, expected_version: int | None) -> Write: ...
    def save_business(self, business: Business, expected_version: int | None) -> Business: ...
    def net_terms_check(self, business: Business) -> Write: ...
    def overdue_change(self, business_id: str, delta: int) -> Write: ...
    def businesses_by_status(self, status: str, limit: int, start: Position | None) -> Page[Business]: ...
    def add_upload(self, business_id: str, upload: JSON) -> None: ...
    def business_and_uploads(
        self, business_id: str, media_ids: list[str]
    ) -> tuple[Business | None, dict[str, JSON]]: ...

    def get_supplier(self, shop_id: str) -> Supplier: ...
    def shop_and_supplier(self, shop_id: str) -> tuple[Shop | None, Supplier]: ...
    def set_supplier_categories(self, shop_id: str, categories: list[str], now: str) -> Supplier: ...
    def set_supplier_quota(self, shop_id: str, monthly_quota: int | None, now: str) -> Supplier: ...

    def create_rfq(self, rfq: Rfq) -> None: ...
    def get_rfq(self, rfq_id: str) -> Rfq | None: ...
    def rfq_write(self, rfq: Rfq, expected_version: int) -> Write: ...
    def buyer_rfqs(self, buyer_id: str, limit: int, start: Position | None) -> Page[Rfq]: ...
    def open_rfqs(self, categories: list[str], now: str, limit: int, start: Position | None) -> Page[Rfq]: ...
    def quote_context(
        self, rfq_id: str, shop_id: str, quote_id: str
    ) -> tuple[Rfq | None, Shop | None, Supplier, Quote | None]: ...
    def save_quote(self, quote: Quote, expected_version: int | None, supplier: Supplier, rfq: Rfq) -> Quote: ...
    def get_quote(self, rfq_id: str, quote_id: str) -> Quote | None: ...
    def quote_write(self, quote: Quote, expected_version: int) -> Write: ...
    def rfq_quotes(self, rfq_id: str, sort: str, limit: int, start: Position | None) -> Page[Quote]: ...
    def all_quotes(self, rfq_id: str) -> list[Quote]: ...
    def shop_quotes(self, shop_id: str, limit: int, start: Position | None) -> Page[Quote]: ...
    def acceptance_reads(
        self, rfq_id: str, quote_id: str, claim_key: str, business_id: str
    ) -> tuple[Rfq | None, Quote | None, CheckoutClaim | None, Business | None]: ...

    def add_message(self, message: QuoteMessage, quote: Quote) -> None: ...
    def messages(self, rfq_id: str, quote_id: str, limit: int, start: Position | None) -> Page[JSON]: ...

    def invoicing_reads(self, shop_id: str, product_ids: list[str]) -> tuple[Supplier, dict[str, Product]]: ...
    def invoice_writes(self, invoice: Invoice, previous_seq: int) -> list[Write]: ...
    def get_invoice(self, invoice_id: str) -> Invoice | None: ...
    def invoice_write(self, invoice: Invoice, expected_version: int) -> Write: ...
    def shop_invoices(self, shop_id: str, limit: int, start: Position | None) -> Page[Invoice]: ...
    def business_invoices(
        self, business_id: str, status: str | None, limit: int, start: Position | None
    ) -> Page[Invoice]: ...

    def due(self, kind: str, day: str, now: str, limit: int, start: Position | None) -> Page[Any]: ...


# --- markets (issue 12) ---------------------------------------------------------------------------------


class MarketsRepository(Protocol):
    """Exchange rates (the Finance table's `fx#<pair>` items, docs/data-model.md)."""

    def record_rate(self, rate: FxRate) -> FxRate:
        """History + current in one transaction; 409 rate_out_of_order when a later `as_of` is in force."""
        ...

    def current_rate(self, pair: str, *, fresh: bool = False) -> FxRate | None:
        """The rate in force; cached per warm instance for a short while unless `fresh`."""
        ...

    def remember_rate(self, pair: str, rate: FxRate | None) -> None: ...
    def delivery_terms(self, market: str, *, fresh: bool = False) -> JSON:
        """Issue 12: {"zones": [...], "compensation": {...} | None} of a market (cached like the rates)."""
        ...

    def save_delivery_terms(
        self, market: str, *, zones: list[JSON] | None = None, compensation: JSON | None = None
    ) -> JSON: ...
    def rate_history(self, pair: str, limit: int, start: Position | None) -> Page[FxRate]: ...


@dataclass(frozen=True)
class AcquirerPayment:
    """A payment started at the Russian acquirer: its id, the hosted payment page, and for SBP the QR payload."""

    payment_id: str
    payment_url: str
    sbp_payload: str | None = None


class RuAcquirer(Protocol):
    """Issue 12: the Russian acquirer (adapters/ru_acquirer.py; devtools/ru_acquirer.py simulates it).

    `init_payment` starts a payment of `amount` kopecks for `order_id` (Init; with `sbp`, also GetQr).
    `refund` is the PaymentProvider's refund through `Cancel` (full or partial; the idempotency key is the
    acquirer's ExternalRequestId, so asking again never refunds twice)."""

    def init_payment(
        self,
        order_id: str,
        amount: int,
        description: str,
        *,
        notification_url: str,
        success_url: str,
        fail_url: str,
        sbp: bool,
    ) -> AcquirerPayment: ...

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str: ...
