"""What the services need from the outside world. Adapters implement these; tests/fakes.py fakes them.

`make lint` type-checks that the DynamoDB/S3/Cognito/SQS adapters (through bootstrap.Container) and the
in-memory fakes (tests/fakes.py) satisfy these protocols; tests/unit/test_ports.py compares their signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..domain.buying import Cart, CheckoutClaim
from ..domain.catalog import Product, Shop
from ..domain.dashboards import AggregateUpdate
from ..domain.errors import DomainError
from ..domain.images import IMMUTABLE_CACHE_CONTROL
from ..domain.ledger import Account, Balance, BookedEntry, Posted, Posting, Statement
from ..domain.orders import Order, Return
from ..domain.seller_money import CommissionRule, Payout, PayoutAccount
from ..domain.trust import Dispute, PartnerBank, PointsLot, PointsRules, RatingSummary, Review

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
    def update_shop(self, shop: Shop, expected_version: int) -> Shop: ...
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


class MediaStore(Protocol):
    def presigned_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int, redirect: str | None = None
    ) -> JSON: ...
    def head(self, key: str) -> JSON | None: ...
    def read(self, key: str, max_bytes: int) -> bytes: ...
    def write(self, key: str, body: bytes, content_type: str, cache_control: str = IMMUTABLE_CACHE_CONTROL) -> None: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...


class IdentityProvider(Protocol):
    def register(self, email: str, password: str, role: str) -> JSON: ...
    def login(self, email: str, password: str) -> JSON: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> JSON: ...


class BuyingRepository(Protocol):
    def get_cart(self, buyer_id: str) -> Cart: ...
    def save_cart(self, cart: Cart, now: str) -> Cart: ...
    def clear_cart(self, buyer_id: str) -> None: ...
    def get_products(self, product_ids: list[str]) -> dict[str, Product]: ...
    def checkout_reads(self, buyer_id: str, claim_key: str) -> tuple[Cart, CheckoutClaim | None]: ...
    def get_claim(self, claim_key: str) -> CheckoutClaim | None: ...
    def checkout_writes(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        cart: Cart,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
    ) -> tuple[list[Write], Callable[[list[int]], DomainError]]: ...
    def place_orders(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        cart: Cart,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
    ) -> None: ...
    def get_order(self, order_id: str) -> Order | None: ...
    def get_orders(self, order_ids: list[str]) -> list[Order]: ...
    def buyer_orders(self, buyer_id: str, limit: int, start: Position | None) -> Page[Order]: ...
    def shop_orders(self, shop_id: str, status: str | None, limit: int, start: Position | None) -> Page[Order]: ...
    def due_orders(self, now: str, limit: int) -> list[Order]: ...
    def save_order(
        self,
        order: Order,
        expected_version: int,
        *,
        restock: dict[str, int] | None = None,
        claim_key: str | None = None,
        extra: list[JSON] | None = None,
    ) -> Order: ...
    def order_writes(
        self,
        order: Order,
        expected_version: int,
        *,
        restock: dict[str, int] | None = None,
        claim_key: str | None = None,
        ret: Return | None = None,
        expected_return_version: int | None = None,
    ) -> list[Write]:
        """What `save_order` (with a return created, or a return's version-checked update) would write, as
        Writes for `Ledger.post(..., alongside=...)`: the order change and its money movement in one transaction.
        The order is written with version `expected_version + 1`."""
        ...

    def commit(self, writes: Sequence[Write]) -> None:
        """`order_writes` in one transaction without a posting (a change that moves no money)."""
        ...

    def create_return(self, ret: Return, order: Order, expected_order_version: int) -> Order: ...
    def receive_return(
        self, ret: Return, expected_version: int, order: Order, expected_order_version: int, restock: dict[str, int]
    ) -> Order: ...
    def get_return(self, return_id: str) -> Return | None: ...
    def shop_returns(self, shop_id: str, limit: int, start: Position | None) -> Page[Return]: ...
    def add_notification(self, user_id: str, created_key: str, body: JSON) -> bool: ...
    def notifications(self, user_id: str, limit: int, start: Position | None) -> Page[JSON]: ...


class EventPublisher(Protocol):
    def publish(self, events: list[JSON]) -> None: ...


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


class TrustRepository(Protocol):
    """Buyer trust (issue 13): disputes, reviews and ratings, points lots and rules (adapters/trust.py).
    Methods named `*_writes` build `Write`s that a service commits with an order or a ledger posting."""

    def dispute_open_writes(self, dispute: Dispute) -> list[Write]: ...
    def delivered_write(self, shop_id: str, at: str) -> Write: ...
    def dispute_writes(self, dispute: Dispute, expected_version: int) -> list[Write]: ...
    def get_dispute(self, dispute_id: str) -> Dispute | None: ...
    def order_disputes(self, order_id: str, limit: int, start: Position | None) -> Page[Dispute]: ...
    def shop_disputes(self, shop_id: str, status: str | None, limit: int, start: Position | None) -> Page[Dispute]: ...
    def disputes_by_status(self, status: str, limit: int, start: Position | None) -> Page[Dispute]: ...
    def due_disputes(self, shard: int, now: str, limit: int) -> list[Dispute]: ...
    def shop_trust(self, shop_id: str) -> tuple[RatingSummary, dict[str, int], dict[str, int]]: ...
    def review_writes(self, review: Review) -> list[Write]: ...
    def review_update_writes(self, review: Review, expected_version: int, rating_change: int = 0) -> list[Write]: ...
    def get_review(self, review_id: str) -> Review | None: ...
    def get_reviews(self, review_ids: Sequence[str]) -> dict[str, Review]: ...
    def product_reviews(self, product_id: str, sort: str, limit: int, start: Position | None) -> Page[Review]: ...
    def shop_reviews(self, shop_id: str, limit: int, start: Position | None) -> Page[Review]: ...
    def product_rating(self, product_id: str) -> RatingSummary: ...
    def points_credited(self, user_id: str) -> int: ...
    def lot_writes(self, lot: PointsLot, credited_before: int) -> list[Write]: ...
    def lot_expired_write(self, lot: PointsLot, expired: int) -> Write: ...
    def due_lots(self, shard: int, now: str, limit: int) -> list[PointsLot]: ...
    def lots_earned_between(self, user_id: str, start_at: str, end_at: str, limit: int) -> list[PointsLot]: ...
    def points_config(self) -> tuple[PointsRules, PartnerBank | None]: ...
    def save_points_rules(self, rules: PointsRules) -> None: ...
    def save_partner_bank(self, bank: PartnerBank) -> None: ...
    def save_evidence(self, record: JSON) -> None: ...
    def get_evidence(self, media_ids: Sequence[str]) -> dict[str, JSON]: ...
