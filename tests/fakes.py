"""In-memory fakes of the ports in chalicelib/services/ports.py.

`InMemoryCatalogRepository` has the same observable semantics as `DynamoCatalogRepository`;
tests/integration/test_repository_contract.py runs one suite against both, so the fake cannot drift. Their
types cannot drift either: `make lint` (mypy) checks the assignments at the end of this file against the
ports, and tests/unit/test_ports.py compares every signature.

What it mirrors, deliberately:
- conditional creates and version checks raise the same domain errors with the same codes;
- every write is all-or-nothing (checks first, then mutate), like a DynamoDB transaction;
- pages are ordered like the indexes (newest first; price ascending/descending) and resume from an opaque,
  JSON-serialisable `last_key`; `limit` is applied BEFORE the `must_contain` filter, as DynamoDB applies
  `Limit` before a FilterExpression, so a filtered page may hold fewer than `limit` items;
- stored objects are copies: mutating what you passed in or got back never changes the store.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain.catalog import Product, Shop
from chalicelib.domain.dashboards import COUNTERS_SK, AggregateUpdate, day_sk, dimension_pk, shop_pk, week_sk
from chalicelib.domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ValidationFailed
from chalicelib.domain.events import OutboxBatch
from chalicelib.domain.images import IMMUTABLE_CACHE_CONTROL
from chalicelib.domain.ledger import (
    Account,
    Balance,
    BookedEntry,
    Posted,
    Posting,
    RunningState,
    Statement,
    account_rules,
    book,
    check_currency,
    check_limit,
    check_period,
    check_transaction_size,
    replay_of,
    require_running_balance,
)
from chalicelib.domain.markets import FxRate
from chalicelib.domain.provenance import GiClaim, Maker, ShopUpload
from chalicelib.domain.seller_money import CommissionRule, Payout, PayoutAccount
from chalicelib.services.ports import (
    AggregatesRepository,
    CatalogRepository,
    FinanceRepository,
    Ledger,
    MediaStore,
    Outbox,
    Page,
    PayoutProvider,
    PendingMedia,
    Position,
    ProvenanceRepository,
    TransferRequest,
    TransferStatus,
    Write,
)


def _page(
    items: Iterable[Any],
    sort_key: Callable[[Any], str],
    descending: bool,
    limit: int,
    start: dict | None,
    key_of: Callable[[Any], dict],
) -> tuple[list, dict | None]:
    """One page of `items` in index order, resuming strictly after `start` (the last key of the previous page)."""
    ordered = sorted(items, key=sort_key, reverse=descending)
    if start is not None:
        after = start["sort"]
        ordered = [i for i in ordered if (sort_key(i) < after if descending else sort_key(i) > after)]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return chunk, (key_of(chunk[-1]) if more and chunk else None)


class InMemoryCatalogRepository:
    """A CatalogRepository held in dicts. Thread-safe (one lock), so it can back race tests too."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.shops: dict[str, Shop] = {}
        self.slugs: dict[tuple[str, str], str] = {}  # (storefront, slug) -> shop_id
        self.products: dict[str, Product] = {}
        self.listings_by_facet: dict[str, dict[str, dict]] = {}  # facet -> newest_key -> entry
        self.pending: dict[str, PendingMedia] = {}
        self.outbox: list[dict] = []  # events written with shop changes (update_shop), in order
        # issue 15: origin counts, as the product transaction keeps them (storefront, key) -> count and names
        self.origin_counts: dict[tuple[str, str], dict] = {}

    # --- shops ------------------------------------------------------------------------------------

    def create_shop(self, shop: Shop) -> None:
        with self._lock:
            if (shop.storefront, shop.slug) in self.slugs:
                raise Conflict(f"the slug {shop.slug!r} is already taken in {shop.storefront}", code="slug_taken")
            if shop.shop_id in self.shops:
                raise Conflict("shop already exists", code="shop_exists")
            self.shops[shop.shop_id] = copy.deepcopy(shop)
            self.slugs[(shop.storefront, shop.slug)] = shop.shop_id

    def get_shop(self, shop_id: str) -> Shop | None:
        with self._lock:
            shop = self.shops.get(shop_id)
            return copy.deepcopy(shop) if shop else None

    def get_shop_by_slug(self, storefront: str, slug: str) -> Shop | None:
        with self._lock:
            shop_id = self.slugs.get((storefront, slug))
            return self.get_shop(shop_id) if shop_id else None

    def update_shop(self, shop: Shop, expected_version: int, *, events: Sequence[dict] = ()) -> Shop:
        with self._lock:
            current = self.shops.get(shop.shop_id)
            if current is None or current.version != expected_version:
                raise Conflict("the shop was changed by someone else; reload and retry", code="stale_shop")
            new = replace(shop, version=expected_version + 1)
            self.shops[shop.shop_id] = copy.deepcopy(new)
            self.outbox.extend(copy.deepcopy(list(events)))  # what the outbox would relay
            return new

    def _shop_page(self, match: Callable[[Shop], bool], limit: int, start: dict | None) -> Page:
        with self._lock:
            chosen = [copy.deepcopy(s) for s in self.shops.values() if match(s)]
        items, last = _page(
            chosen,
            lambda s: f"{s.created_at}#{s.shop_id}",
            True,
            limit,
            start,
            lambda s: {"sort": f"{s.created_at}#{s.shop_id}", "shop_id": s.shop_id},
        )
        return Page(items, last)

    def shops_by_owner(self, owner_id: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(lambda s: s.owner_id == owner_id, limit, start)

    def shops_by_status(self, status: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(lambda s: s.status == status, limit, start)

    def active_shops(self, storefront: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(lambda s: s.storefront == storefront and s.status == "active", limit, start)

    # --- products ---------------------------------------------------------------------------------

    def save_product(self, product: Product, expected_version: int | None, shop_status: str) -> Product:
        with self._lock:
            current = self.products.get(product.product_id)
            if expected_version is None:
                if current is not None:
                    raise Conflict("product already exists", code="product_exists")
            elif current is None or current.version != expected_version:
                raise PreconditionFailed(
                    "the product was changed by someone else; reload and retry", code="stale_product"
                )
            shop = self.shops.get(product.shop_id)
            if shop is None or shop.status != shop_status:
                raise Conflict("the shop changed status meanwhile; retry", code="shop_changed")

            new_keys = product.facets()
            new = replace(
                product,
                version=(expected_version or 0) + 1,
                listing_keys=tuple(new_keys),
                listing_digest=product.listing_content_digest(),
                counted_origin=product.origin_key,
            )
            old_origin = current.counted_origin if current is not None else None
            if old_origin != new.counted_origin:
                if old_origin:
                    self.origin_counts[(new.storefront, old_origin)]["count"] -= 1
                if new.counted_origin:
                    origin = new.attributes["origin"]
                    row = self.origin_counts.setdefault(
                        (new.storefront, new.counted_origin),
                        {"key": new.counted_origin, **{k: origin[k] for k in ("province", "prefecture", "county")}},
                    )
                    row["count"] = row.get("count", 0) + 1
            sort_key = f"{product.created_at}#{product.product_id}"
            old_keys = set(current.listing_keys) if current is not None else set()
            for facet in old_keys - set(new_keys):
                self.listings_by_facet.get(facet, {}).pop(sort_key, None)
            entry = {
                "newest_key": sort_key,
                "price_key": f"{new.price_amount:015d}#{new.product_id}",
                "product_id": new.product_id,
                "words": new.search_tokens(),
                "card": new.card(),
            }
            for facet in new_keys:
                self.listings_by_facet.setdefault(facet, {})[sort_key] = copy.deepcopy(entry)
            self.products[new.product_id] = copy.deepcopy(new)
            return new

    def get_product(self, product_id: str) -> Product | None:
        with self._lock:
            product = self.products.get(product_id)
            return copy.deepcopy(product) if product else None

    def get_products(self, product_ids: list[str]) -> dict[str, Product]:
        with self._lock:
            return {pid: copy.deepcopy(self.products[pid]) for pid in product_ids if pid in self.products}

    def season_due(self, day: str, limit: int) -> list[str]:
        with self._lock:
            due = sorted((p.season_next, p.product_id) for p in self.products.values() if p.season_next)
            return [pid for at, pid in due if at <= day][:limit]

    def shop_products(self, shop_id: str, limit: int, start: dict | None, archived: bool = False) -> Page:
        group = "archived" if archived else "live"

        def shop_sort(p: Product) -> str:
            return f"{'archived' if p.status == 'archived' else 'live'}#{p.created_at}#{p.product_id}"

        with self._lock:
            chosen = [
                copy.deepcopy(p)
                for p in self.products.values()
                if p.shop_id == shop_id and shop_sort(p).startswith(group + "#")
            ]
        items, last = _page(
            chosen, shop_sort, True, limit, start, lambda p: {"sort": shop_sort(p), "product_id": p.product_id}
        )
        return Page(items, last)

    def scan_products(self, limit: int, start: dict | None) -> Page:
        """Maintenance only (services.catalog.reindex), as the adapter's Scan."""
        with self._lock:
            chunk, last = _page(
                self.products.values(),
                lambda p: p.product_id,
                False,
                limit,
                start,
                lambda p: {"sort": p.product_id},
            )
            return Page(chunk, last)

    def all_live_shop_products(self, shop_id: str) -> list[Product]:
        out: list[Product] = []
        start = None
        while True:
            page = self.shop_products(shop_id, 100, start)
            out.extend(page.items)
            if not page.last_key:
                return out
            start = page.last_key

    def listings(self, facet: str, sort: str, limit: int, start: dict | None, must_contain: list[str]) -> Page:
        field = "newest_key" if sort == "newest" else "price_key"
        with self._lock:
            entries = [copy.deepcopy(e) for e in self.listings_by_facet.get(facet, {}).values()]
        chunk, last = _page(
            entries,
            lambda e: e[field],
            sort != "price_asc",
            limit,
            start,
            lambda e: {"sort": e[field], "facet": facet, "newest_key": e["newest_key"]},
        )
        # like a DynamoDB FilterExpression: applied to the page that Limit already cut
        items = [e["card"] for e in chunk if all(w in e["words"] for w in must_contain)]
        return Page(items, last)

    # --- media ------------------------------------------------------------------------------------

    def add_pending_media(self, media: PendingMedia) -> None:
        with self._lock:
            if media.media_id in self.pending:
                raise Conflict("media already exists", code="media_exists")
            self.pending[media.media_id] = media

    def get_pending_media(self, media_id: str) -> PendingMedia | None:
        with self._lock:
            return self.pending.get(media_id)

    def delete_pending_media(self, media_id: str) -> None:
        with self._lock:
            self.pending.pop(media_id, None)


class InMemoryProvenanceRepository:
    """A ProvenanceRepository in dicts, with the DynamoDB adapter's observable semantics (version checks, holds
    on claimed products, the maker page's profile first). Origin counts are the catalog fake's: they are kept
    by its product writes, as the DynamoDB product transaction keeps them."""

    def __init__(self, catalog: InMemoryCatalogRepository | None = None) -> None:
        self._lock = threading.RLock()
        self.catalog = catalog or InMemoryCatalogRepository()
        self.uploads: dict[str, ShopUpload] = {}
        self.makers: dict[str, Maker] = {}
        self.claims: dict[str, GiClaim] = {}
        self.holds: dict[str, str] = {}  # product_id -> claim_id

    def add_upload(self, upload: ShopUpload) -> None:
        with self._lock:
            if upload.upload_id in self.uploads:
                raise Conflict("upload already exists", code="upload_exists")
            self.uploads[upload.upload_id] = copy.deepcopy(upload)

    def get_upload(self, upload_id: str) -> ShopUpload | None:
        with self._lock:
            return copy.deepcopy(self.uploads.get(upload_id))

    def save_upload(self, upload: ShopUpload) -> None:
        with self._lock:
            current = self.uploads.get(upload.upload_id)
            if current is None or current.status != "pending":
                raise Conflict("the upload was completed meanwhile", code="upload_completed")
            self.uploads[upload.upload_id] = copy.deepcopy(upload)

    def create_maker(self, maker: Maker) -> Maker:
        with self._lock:
            if maker.maker_id in self.makers:
                raise Conflict("maker already exists", code="maker_exists")
            new = replace(maker, version=1)
            self.makers[maker.maker_id] = copy.deepcopy(new)
            return new

    def get_maker(self, maker_id: str) -> Maker | None:
        with self._lock:
            return copy.deepcopy(self.makers.get(maker_id))

    def update_maker(self, maker: Maker, expected_version: int) -> Maker:
        with self._lock:
            current = self.makers.get(maker.maker_id)
            if current is None or current.version != expected_version:
                raise PreconditionFailed("the maker was changed meanwhile; reload it", code="stale_maker")
            new = replace(maker, version=expected_version + 1)
            self.makers[maker.maker_id] = copy.deepcopy(new)
            return new

    def _by_created(self, items: list, id_of: Callable[[Any], str], limit: int, start: dict | None) -> Page:
        chunk, last = _page(
            items,
            lambda x: f"{x.created_at}#{id_of(x)}",
            True,
            limit,
            start,
            lambda x: {"sort": f"{x.created_at}#{id_of(x)}"},
        )
        return Page([copy.deepcopy(x) for x in chunk], last)

    def shop_makers(self, shop_id: str, limit: int, start: dict | None) -> Page[Maker]:
        with self._lock:
            chosen = [m for m in self.makers.values() if m.shop_id == shop_id]
        return self._by_created(chosen, lambda m: m.maker_id, limit, start)

    def maker_page(
        self, storefront: str, maker_id: str, limit: int, start: dict | None
    ) -> tuple[dict | None, Page[dict]]:
        from chalicelib.adapters.provenance import maker_profile
        from chalicelib.domain.search import maker_facet

        with self._lock:
            maker = self.makers.get(maker_id)
            profile = maker_profile(maker) if maker is not None and maker.storefront == storefront else None
        page = self.catalog.listings(maker_facet(storefront, maker_id), "newest", limit, start, [])
        return (None if start else profile), page

    def create_claim(self, claim: GiClaim) -> GiClaim:
        with self._lock:
            held = [pid for pid in claim.product_ids if pid in self.holds]
            if held:
                raise Conflict(
                    "some products are already in a pending or verified claim",
                    code="product_already_claimed",
                    details=[{"field": "product_ids", "message": f"{pid} is already claimed"} for pid in held],
                )
            if claim.claim_id in self.claims:
                raise Conflict("claim already exists", code="claim_exists")
            new = replace(claim, version=1)
            self.claims[claim.claim_id] = copy.deepcopy(new)
            self.holds.update({pid: claim.claim_id for pid in claim.product_ids})
            return new

    def get_claim(self, claim_id: str) -> GiClaim | None:
        with self._lock:
            return copy.deepcopy(self.claims.get(claim_id))

    def update_claim(self, claim: GiClaim, expected_version: int) -> GiClaim:
        with self._lock:
            current = self.claims.get(claim.claim_id)
            if current is None or current.version != expected_version:
                raise PreconditionFailed("the claim was decided meanwhile; reload it", code="stale_claim")
            new = replace(claim, version=expected_version + 1)
            self.claims[claim.claim_id] = copy.deepcopy(new)
            if not new.holds_products:
                for pid in new.product_ids:
                    self.holds.pop(pid, None)
            return new

    def shop_claims(self, shop_id: str, limit: int, start: dict | None) -> Page[GiClaim]:
        with self._lock:
            chosen = [c for c in self.claims.values() if c.shop_id == shop_id]
        return self._by_created(chosen, lambda c: c.claim_id, limit, start)

    def claims_by_status(self, status: str, limit: int, start: dict | None) -> Page[GiClaim]:
        with self._lock:
            chosen = [c for c in self.claims.values() if c.status == status]
        return self._by_created(chosen, lambda c: c.claim_id, limit, start)

    def origin_counts(self, storefront: str) -> list[dict]:
        with self.catalog._lock:
            return [copy.deepcopy(row) for (sf, _), row in self.catalog.origin_counts.items() if sf == storefront]


class InMemoryMediaStore:
    """A MediaStore in a dict. `presigned_upload` returns the form a client would post; `put` plays the client."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, dict] = {}

    def presigned_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int, redirect: str | None = None
    ) -> dict:
        self.uploads[key] = {"content_type": content_type, "max_size": max_size, "expires_in": expires_in}
        fields = {"key": key, "Content-Type": content_type}
        if redirect:
            fields["success_action_redirect"] = redirect
        return {"url": "memory://media/", "fields": fields}

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = (body, content_type)

    def head(self, key: str) -> dict | None:
        if key not in self.objects:
            return None
        body, content_type = self.objects[key]
        return {"size": len(body), "content_type": content_type}

    def read(self, key: str, max_bytes: int) -> bytes:
        return self.objects[key][0][:max_bytes]

    def write(self, key: str, body: bytes, content_type: str, cache_control: str = IMMUTABLE_CACHE_CONTROL) -> None:
        self.objects[key] = (body, content_type)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def url(self, key: str) -> str:
        return f"memory://media/{key}"

    def download_url(self, key: str, expires_in: int) -> str:
        return f"memory://media/{key}?expires_in={expires_in}"


# --- outbox ---------------------------------------------------------------------------------------------


class InMemoryOutbox:
    """services.ports.Outbox in a list: `batches` in the order written; `published` the ids marked published.
    `sink`, when given, also receives each added batch's events (e.g. the catalog fake's `outbox` list, so that
    a job's next step joins the events its first step came with)."""

    def __init__(self, sink: list[dict] | None = None) -> None:
        self.batches: dict[str, OutboxBatch] = {}
        self.published: set[str] = set()
        self.sink = sink

    def add(self, batch: OutboxBatch) -> bool:
        if batch.outbox_id in self.batches:
            return False
        self.batches[batch.outbox_id] = batch
        if self.sink is not None:
            self.sink.extend(copy.deepcopy(list(batch.events)))
        return True

    def pending(self, shard: str, created_before: str, limit: int, start: dict | None) -> Page:
        chosen = [
            b
            for b in self.batches.values()
            if b.outbox_id not in self.published and b.shard == shard and b.created_at < created_before
        ]
        items, last = _page(
            chosen,
            lambda b: f"{b.created_at}#{b.outbox_id}",
            False,
            limit,
            start,
            lambda b: {"sort": f"{b.created_at}#{b.outbox_id}"},
        )
        return Page(items, last)

    def mark_published(self, outbox_id: str, now: str) -> None:
        self.published.add(outbox_id)


# --- ledger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InMemoryWrite:
    """The fake's form of a caller's own write (`Write.action`): `check()` is its condition (False refuses the
    whole transaction), `apply()` its effect, run only when every check and the posting passed."""

    check: Callable[[], bool]
    apply: Callable[[], None]


class InMemoryLedger:
    """services.ports.Ledger in dicts, with the DynamoDB ledger's observable semantics (the contract suite in
    tests/integration/test_ledger_contract.py runs against both): the same booking (domain.ledger.book), the
    same order of answers (replay, then overdraft, then a refused alongside write), pages in the same order
    with an opaque `last_key`, and all-or-nothing posts. One lock: posts are serialised."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._postings: dict[str, tuple[Posted, str]] = {}
        self._running: dict[tuple[str, str], RunningState] = {}
        self._system: dict[tuple[str, str], int] = {}
        self._entries: dict[tuple[str, str], dict[str, BookedEntry]] = {}

    def post(
        self,
        posting: Posting,
        *,
        alongside: Sequence[Write] = (),
        explain: Callable[[list[int]], DomainError] | None = None,
    ) -> Posted:
        alongside = tuple(alongside)
        check_transaction_size(posting, len(alongside))
        with self._lock:
            if posting.posting_id in self._postings:
                return replay_of(*self._postings[posting.posting_id], posting)
            running = {e.key: self._running.get(e.key, RunningState()) for e in posting.entries}
            booked, new_states = book(posting, running)
            refused = [i for i, w in enumerate(alongside) if not w.action.check()]
            if refused:
                if explain is not None:
                    raise explain(refused)
                error = alongside[refused[0]].refused
                if error is None:
                    raise RuntimeError(f"alongside write {refused[0]} was refused and names no error")
                raise error
            for write in alongside:
                write.action.apply()
            posted = Posted(posting, booked)
            self._postings[posting.posting_id] = (posted, posting.fingerprint())
            self._running.update(new_states)
            for entry in booked:
                key = (entry.account, entry.currency)
                if key not in new_states:
                    self._system[key] = self._system.get(key, 0) + entry.amount
                self._entries.setdefault(key, {})[entry.sort_key] = entry
            return posted

    def get_posting(self, posting_id: str) -> Posted | None:
        with self._lock:
            stored = self._postings.get(posting_id)
            return None if stored is None else stored[0]

    def balance(self, account: str | Account, currency: str) -> Balance:
        account = str(account)
        check_currency(currency, account)
        with self._lock:
            if account_rules(account).running_balance:
                state = self._running.get((account, currency), RunningState())
                return Balance(account, currency, state.balance, state.seq, state.booked_at or None)
            return Balance(account, currency, self._system.get((account, currency), 0))

    def balances(self, keys: Sequence[tuple[str | Account, str]]) -> dict[tuple[str, str], Balance]:
        wanted = list(dict.fromkeys((str(a), c) for a, c in keys))
        size = sum(1 if account_rules(a).running_balance else 16 for a, _ in wanted)
        if size > 100:
            raise ValidationFailed("too many balances for one read", code="too_many_balances")
        return {(a, c): self.balance(a, c) for a, c in wanted}

    def entries(
        self,
        account: str | Account,
        currency: str,
        *,
        start_at: str | None = None,
        end_at: str | None = None,
        newest_first: bool = True,
        limit: int = 20,
        start: dict | None = None,
    ) -> Page:
        account = str(account)
        check_currency(currency, account)
        start_at, end_at = check_period(start_at, end_at)
        return self._page(account, currency, start_at, end_at, newest_first, check_limit(limit), start)

    def statement(
        self,
        account: str | Account,
        currency: str,
        start_at: str,
        end_at: str,
        *,
        limit: int = 100,
        start: dict | None = None,
    ) -> Statement:
        account = str(account)
        check_currency(currency, account)
        require_running_balance(account)
        period_start, period_end = check_period(start_at, end_at)
        if period_start is None or period_end is None:
            raise ValidationFailed("a statement needs a period", code="invalid_period")
        start_at, end_at = period_start, period_end
        limit = check_limit(limit)
        with self._lock:
            opening = self._balance_before(account, currency, start_at)
            closing = self._balance_before(account, currency, end_at)
            page = self._page(account, currency, start_at, end_at, False, limit, start)
        return Statement(account, currency, start_at, end_at, opening, closing, tuple(page.items), page.last_key)

    def _balance_before(self, account: str, currency: str, at: str) -> int:
        before = [e for e in self._entries.get((account, currency), {}).values() if e.booked_at < at]
        return (max(before, key=lambda e: e.sort_key).balance_after or 0) if before else 0

    def _page(
        self,
        account: str,
        currency: str,
        start_at: str | None,
        end_at: str | None,
        newest_first: bool,
        limit: int,
        start: dict | None,
    ) -> Page:
        with self._lock:
            chosen = [
                e
                for e in self._entries.get((account, currency), {}).values()
                if (start_at is None or e.booked_at >= start_at) and (end_at is None or e.booked_at < end_at)
            ]
        if start is not None and (
            not isinstance(start, dict) or start.get("account") != [account, currency] or "sort" not in start
        ):
            raise ValidationFailed("this page position belongs to another account or period", code="invalid_cursor")
        items, last = _page(
            chosen,
            lambda e: e.sort_key,
            newest_first,
            limit,
            start,
            lambda e: {"sort": e.sort_key, "account": [account, currency]},
        )
        return Page(items, last)


# --- sellers' money (issue 17) -------------------------------------------------------------------------------


class InMemoryFinanceRepository:
    """services.ports.FinanceRepository in dicts (the same conditions and errors as adapters/finance.py).
    `shop_with_balances` reads the given catalog and ledger fakes."""

    def __init__(self, catalog: InMemoryCatalogRepository | None = None, ledger: InMemoryLedger | None = None) -> None:
        self._lock = threading.RLock()
        self._catalog = catalog
        self._ledger = ledger
        self.rules: dict[str, CommissionRule] = {}
        self.accounts: dict[str, PayoutAccount] = {}
        self.payouts: dict[str, Payout] = {}  # payout_id -> payout
        self.runs: dict[str, dict] = {}

    def commission_rules(self, *, producers: bool = False) -> dict[str, CommissionRule]:
        with self._lock:  # issue 11: a county's producer commission is kept apart from the storefronts' rules
            return {k: r for k, r in self.rules.items() if (r.storefront == "producers") == producers}

    def save_commission_rule(self, rule: CommissionRule) -> CommissionRule:
        with self._lock:
            current = self.rules.get(rule.key)
            if (current.version if current else 0) != rule.version:
                raise Conflict("the commission was changed meanwhile; read it and retry", code="stale_commission")
            new = replace(rule, version=rule.version + 1)
            self.rules[rule.key] = new
            return new

    def get_payout_account(self, shop_id: str) -> PayoutAccount | None:
        with self._lock:
            return self.accounts.get(shop_id)

    def save_payout_account(self, account: PayoutAccount) -> PayoutAccount:
        with self._lock:
            current = self.accounts.get(account.shop_id)
            if (current.version if current else 0) != account.version:
                raise PreconditionFailed("the payout details changed meanwhile; retry", code="stale_payout_account")
            new = replace(account, version=account.version + 1)
            self.accounts[account.shop_id] = new
            return new

    def payout_accounts(self, shop_ids: list[str]) -> dict[str, PayoutAccount]:
        with self._lock:
            return {i: self.accounts[i] for i in shop_ids if i in self.accounts}

    def shop_with_balances(
        self, shop_id: str, keys: Sequence[tuple[str | Account, str]]
    ) -> tuple[Shop | None, dict[tuple[str, str], Balance]]:
        assert self._catalog is not None and self._ledger is not None, "give the fake a catalog and a ledger"
        return self._catalog.get_shop(shop_id), self._ledger.balances(keys)

    def _put_payout(self, payout: Payout, expected_version: int | None) -> Payout:
        current = self.payouts.get(payout.payout_id)
        if expected_version is None:
            if current is not None:
                raise Conflict("this payout exists already", code="payout_exists")
            stored = payout
        else:
            if current is None or current.version != expected_version:
                raise PreconditionFailed("the payout changed meanwhile", code="stale_payout")
            stored = replace(payout, version=expected_version + 1)
        self.payouts[payout.payout_id] = stored
        return stored

    def payout_write(self, payout: Payout, expected_version: int | None) -> Write:
        def check() -> bool:
            current = self.payouts.get(payout.payout_id)
            if expected_version is None:
                return current is None
            return current is not None and current.version == expected_version

        refused: DomainError = (
            Conflict("this payout exists already", code="payout_exists")
            if expected_version is None
            else PreconditionFailed("the payout changed meanwhile", code="stale_payout")
        )

        def apply() -> None:
            self._put_payout(payout, expected_version)

        return Write(InMemoryWrite(check, apply), refused)

    def save_payout(self, payout: Payout, expected_version: int) -> Payout:
        with self._lock:
            return self._put_payout(payout, expected_version)

    def get_payout(self, payout_id: str) -> Payout | None:
        with self._lock:
            return self.payouts.get(payout_id)

    def run_payouts(self, run_id: str, shop_ids: list[str]) -> dict[str, Payout]:
        with self._lock:
            return {p.shop_id: p for p in self.payouts.values() if p.run_id == run_id and p.shop_id in shop_ids}

    def shop_payouts(self, shop_id: str, limit: int, start: dict | None) -> Page:
        with self._lock:
            chosen = [p for p in self.payouts.values() if p.shop_id == shop_id]
        items, last = _page(chosen, lambda p: p.run_id, True, limit, start, lambda p: {"sort": p.run_id})
        return Page(items, last)

    def open_payouts(self, limit: int, start: dict | None) -> Page:
        with self._lock:
            chosen = [p for p in self.payouts.values() if p.is_open]
        key = lambda p: f"{p.created_at}#{p.payout_id}"  # noqa: E731
        items, last = _page(chosen, key, False, limit, start, lambda p: {"sort": key(p)})
        return Page(items, last)

    def get_run(self, run_id: str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self.runs.get(run_id))

    def save_run(self, run_id: str, record: dict) -> None:
        with self._lock:
            self.runs[run_id] = copy.deepcopy(record)


class InMemoryAggregatesRepository:
    """services.ports.AggregatesRepository in dicts: counters added once per event id."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.applied: set[str] = set()

    def apply(self, event_id: str, updates: Sequence[AggregateUpdate], *, at: str) -> bool:
        with self._lock:
            if not updates or event_id in self.applied:
                return False
            self.applied.add(event_id)
            for u in updates:
                item = self.items.setdefault((u.pk, u.sk), {"pk": u.pk, "sk": u.sk})
                for name, amount in u.add.items():
                    item[name] = item.get(name, 0) + amount
                item.update(u.put)
            return True

    def _between(self, pk: str, low: str, high: str) -> list[dict]:
        with self._lock:
            return [dict(v) for (p, sk), v in sorted(self.items.items()) if p == pk and low <= sk <= high]

    def shop_items(self, shop_id: str, first_day: str) -> list[dict]:
        return self._between(shop_pk(shop_id), day_sk(first_day), COUNTERS_SK)

    def dimension_items(self, dimension: str, first_week: str, last_week: str) -> list[dict]:
        return self._between(dimension_pk(dimension), week_sk(first_week, ""), week_sk(last_week, "\uffff"))


class InMemoryBank:
    """services.ports.PayoutProvider: one transfer per idempotency key; `settle()` pays (or, for accounts ending
    in 0000, fails) the processing ones, as devtools/bank_simulator.py does."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.transfers: dict[str, dict] = {}  # idempotency key -> transfer
        self.sends = 0

    def send(self, request: TransferRequest) -> TransferStatus:
        with self._lock:
            self.sends += 1
            transfer = self.transfers.setdefault(
                request.idempotency_key,
                {
                    "transfer_id": f"tr_{len(self.transfers) + 1}",
                    "amount": request.amount,
                    "account": request.destination.get("account_number"),
                    "status": "processing",
                },
            )
            return TransferStatus(transfer["transfer_id"], transfer["status"], transfer.get("reason"))

    def status(self, transfer_id: str) -> TransferStatus:
        with self._lock:
            for transfer in self.transfers.values():
                if transfer["transfer_id"] == transfer_id:
                    return TransferStatus(transfer_id, transfer["status"], transfer.get("reason"))
        raise NotFound("no such transfer", code="transfer_not_found")

    def settle(self) -> list[tuple[str, TransferStatus]]:
        """(idempotency key, final status) of every transfer settled now."""
        settled = []
        with self._lock:
            for key, transfer in self.transfers.items():
                if transfer["status"] == "processing":
                    failing = str(transfer["account"]).endswith("0000")
                    transfer["status"] = "failed" if failing else "paid"
                    transfer["reason"] = "account_closed" if failing else None
                    final = TransferStatus(transfer["transfer_id"], transfer["status"], transfer["reason"])
                    settled.append((key, final))
        return settled

    @property
    def paid(self) -> int:
        with self._lock:
            return sum(t["amount"] for t in self.transfers.values() if t["status"] == "paid")


if TYPE_CHECKING:  # mypy: the fakes satisfy the ports they stand in for
    _catalog: CatalogRepository = InMemoryCatalogRepository()
    _media: MediaStore = InMemoryMediaStore()
    _ledger: Ledger = InMemoryLedger()
    _outbox: Outbox = InMemoryOutbox()
    _provenance: ProvenanceRepository = InMemoryProvenanceRepository()
    _finance: FinanceRepository = InMemoryFinanceRepository()
    _aggregates: AggregatesRepository = InMemoryAggregatesRepository()
    _bank: PayoutProvider = InMemoryBank()


# --- markets (issue 12) ----------------------------------------------------------------------------------


class InMemoryMarketsRepository:
    """services.ports.MarketsRepository in dicts (the same ordering rule as adapters/markets.py; no cache)."""

    def __init__(self) -> None:
        self.current: dict[str, FxRate] = {}
        self.history: dict[str, list[FxRate]] = {}
        self.terms: dict[str, dict] = {}

    def record_rate(self, rate: FxRate) -> FxRate:
        now = self.current.get(rate.pair)
        if now is not None and now.as_of > rate.as_of:
            raise Conflict("a later rate is in force", code="rate_out_of_order")
        self.history.setdefault(rate.pair, []).append(rate)
        self.current[rate.pair] = rate
        return rate

    def current_rate(self, pair: str, *, fresh: bool = False) -> FxRate | None:
        return self.current.get(pair)

    def remember_rate(self, pair: str, rate: FxRate | None) -> None:
        return None

    def delivery_terms(self, market: str, *, fresh: bool = False) -> dict:
        return self.terms.get(market, {"zones": [], "compensation": None})

    def save_delivery_terms(
        self, market: str, *, zones: list[dict] | None = None, compensation: dict | None = None
    ) -> dict:
        terms = dict(self.delivery_terms(market))
        if zones is not None:
            terms["zones"] = zones
        if compensation is not None:
            terms["compensation"] = compensation
        self.terms[market] = terms
        return terms

    def rate_history(self, pair: str, limit: int, start: Position | None) -> Page[FxRate]:
        ordered = sorted(self.history.get(pair, []), key=lambda r: (r.as_of, r.rate_id), reverse=True)
        offset = int((start or {}).get("offset", 0))
        items = ordered[offset : offset + limit]
        more = offset + limit < len(ordered)
        return Page(items, {"offset": offset + limit} if more else None)
