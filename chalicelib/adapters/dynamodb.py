"""The catalog repository on DynamoDB (PynamoDB). Provider failures become domain errors here."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.catalog import MediaRef, Product, Shop
from ..domain.errors import Conflict, PreconditionFailed, ServiceUnavailable
from ..domain.events import outbox_shard
from ..services.ports import Page, PendingMedia
from .models import (
    ListingModel,
    MediaModel,
    OutboxModel,
    ProductModel,
    ProvenanceModel,
    ShopModel,
    UniqueModel,
    shared_connection,
)

log = logging.getLogger(__name__)

# DynamoDB answers that mean "busy, try again": they become 503 + Retry-After, never a 500.
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
RETRYABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Throttling and outages become ServiceUnavailable (503 + Retry-After) instead of a 500."""
    try:
        yield
    except TransactWriteError:
        raise
    except PynamoDBException as exc:
        if exc.cause_response_code in RETRYABLE_CODES:
            raise ServiceUnavailable("the catalog is busy, please retry", retry_after=1) from exc
        raise


def _cancelled_codes(exc: TransactWriteError) -> list[str | None]:
    return [getattr(r, "code", None) if r else None for r in (exc.cancellation_reasons or [])]


def _slug_claim(storefront: str, slug: str) -> str:
    return f"shop-slug#{storefront}#{slug}"


def shop_from_item(m: ShopModel) -> Shop:
    return Shop(
        shop_id=m.shop_id,
        owner_id=m.owner_id,
        name=m.name,
        slug=m.slug,
        storefront=m.storefront,
        description=m.description or "",
        region=dict(m.region),
        status=m.status,
        created_at=m.created_at,
        updated_at=m.updated_at,
        version=int(m.version),
        export_markets=tuple(m.export_markets or ()),
        managed_by=m.managed_by,
    )


def _shop_item(shop: Shop) -> ShopModel:
    return ShopModel(
        shop.shop_id,
        owner_id=shop.owner_id,
        name=shop.name,
        slug=shop.slug,
        storefront=shop.storefront,
        description=shop.description,
        region=shop.region,
        status=shop.status,
        storefront_status=f"{shop.storefront}#{shop.status}",
        created_at=shop.created_at,
        updated_at=shop.updated_at,
        created_key=f"{shop.created_at}#{shop.shop_id}",
        version=shop.version,
        export_markets=list(shop.export_markets) or None,
        managed_by=shop.managed_by,
    )


def product_from_item(m: ProductModel) -> Product:
    return Product(
        product_id=m.product_id,
        shop_id=m.shop_id,
        storefront=m.storefront,
        title=m.title,
        description=m.description or "",
        category=m.category,
        price_amount=int(m.price_amount),
        currency=m.currency,
        stock=int(m.stock),
        status=m.status,
        attributes=m.attributes,
        shop=m.shop,
        created_at=m.created_at,
        updated_at=m.updated_at,
        media=tuple(MediaRef(**x) for x in (m.media or [])),
        version=int(m.version),
        listing_keys=tuple(m.listing_keys or ()),
        listing_digest=m.listing_digest or "",
        gi=m.gi or None,
        in_season=bool(m.in_season),
        season_next=m.season_next or None,
        counted_origin=m.origin_key or None,
        shipping=m.shipping or None,
        translations=m.translations or {},
        rating_count=int(m.rating_count or 0),
        rating_total=int(m.rating_total or 0),
    )


def _product_item(p: Product) -> ProductModel:
    group = "archived" if p.status == "archived" else "live"
    return ProductModel(
        p.product_id,
        shop_id=p.shop_id,
        shop_sort=f"{group}#{p.created_at}#{p.product_id}",
        storefront=p.storefront,
        title=p.title,
        description=p.description,
        category=p.category,
        price_amount=p.price_amount,
        currency=p.currency,
        stock=p.stock,
        status=p.status,
        attributes=p.attributes,
        shop=p.shop,
        media=[m.__dict__ for m in p.media],
        listing_keys=list(p.listing_keys),
        listing_digest=p.listing_digest or None,
        listed=p.is_listed,
        price_fp=p.price_fingerprint,
        created_at=p.created_at,
        updated_at=p.updated_at,
        version=p.version,
        gi=p.gi,
        shipping=p.shipping,
        translations=p.translations or None,
        in_season=p.in_season or None,
        origin_key=p.counted_origin,
        season_due="due" if p.season_next else None,
        season_next=p.season_next,
        rating_count=p.rating_count or None,
        rating_total=p.rating_total or None,
    )


def _listing_item(p: Product, facet: str, card: dict, words: list[str]) -> ListingModel:
    """One storefront entry; `words` are the product's search tokens (a multi-token query filters on them)."""
    return ListingModel(
        facet,
        f"{p.created_at}#{p.product_id}",
        price_key=f"{p.price_amount:015d}#{p.product_id}",
        product_id=p.product_id,
        words=words,
        card=card,
    )


def _page(raw: dict, convert) -> tuple[list, dict | None]:
    return [convert(item) for item in raw.get("Items", [])], raw.get("LastEvaluatedKey")


class DynamoCatalogRepository:
    def __init__(self, region: str, host: str | None) -> None:
        self._region = region
        self._host = host

    def _transaction(self) -> TransactWrite:
        # One shared Connection (so one botocore client): a new one per write built a new botocore session
        # and client each time (service-model JSON parsed again, ~50-250 ms).
        return TransactWrite(connection=shared_connection(self._region, self._host))

    # --- shops ------------------------------------------------------------------------------------

    def create_shop(self, shop: Shop) -> None:
        claim = UniqueModel(_slug_claim(shop.storefront, shop.slug), owner=shop.shop_id, created_at=shop.created_at)
        try:
            with _translated(), self._transaction() as tx:
                tx.save(_shop_item(shop), condition=ShopModel.shop_id.does_not_exist())
                tx.save(claim, condition=UniqueModel.key.does_not_exist())
        except TransactWriteError as exc:
            codes = _cancelled_codes(exc)
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise Conflict(
                    f"the slug {shop.slug!r} is already taken in {shop.storefront}", code="slug_taken"
                ) from exc
            if codes and codes[0] == "ConditionalCheckFailed":
                raise Conflict("shop already exists", code="shop_exists") from exc
            _raise_transaction_failure(exc)

    def get_shop(self, shop_id: str) -> Shop | None:
        with _translated():
            try:
                return shop_from_item(ShopModel.get(shop_id))
            except ShopModel.DoesNotExist:
                return None

    def get_shop_by_slug(self, storefront: str, slug: str) -> Shop | None:
        with _translated():
            try:
                claim = UniqueModel.get(_slug_claim(storefront, slug))
            except UniqueModel.DoesNotExist:
                return None
        return self.get_shop(claim.owner)

    def update_shop(self, shop: Shop, expected_version: int, *, events: Sequence[dict] = ()) -> Shop:
        """Version-checked. With `events`, one transaction: the shop and one outbox item holding them."""
        new = replace(shop, version=expected_version + 1)
        stale = Conflict("the shop was changed by someone else; reload and retry", code="stale_shop")
        if events:
            outbox = OutboxModel(
                events[0]["event_id"],
                events=list(events),
                created_at=shop.updated_at,
                pending_shard=outbox_shard(events[0]["event_id"]),
            )
            try:
                with _translated(), self._transaction() as tx:
                    tx.save(_shop_item(new), condition=ShopModel.version == expected_version)
                    tx.save(outbox, condition=OutboxModel.outbox_id.does_not_exist())
            except TransactWriteError as exc:
                codes = _cancelled_codes(exc)
                if codes and codes[0] == "ConditionalCheckFailed":
                    raise stale from exc
                _raise_transaction_failure(exc)
            return new
        try:
            with _translated():
                _shop_item(new).save(condition=ShopModel.version == expected_version)
        except PynamoDBException as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise stale from exc
            raise
        return new

    def _shop_page(self, index, hash_key: str, limit: int, start: dict | None) -> Page:
        with _translated():
            raw = ShopModel._get_connection().query(
                hash_key,
                index_name=index.Meta.index_name,
                limit=limit,
                exclusive_start_key=start,
                scan_index_forward=False,
            )
        items, last = _page(raw, lambda i: shop_from_item(ShopModel.from_raw_data(i)))
        return Page(items, last)

    def shops_by_owner(self, owner_id: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(ShopModel.owner_index, owner_id, limit, start)

    def shops_by_status(self, status: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(ShopModel.status_index, status, limit, start)

    def active_shops(self, storefront: str, limit: int, start: dict | None) -> Page:
        return self._shop_page(ShopModel.storefront_index, f"{storefront}#active", limit, start)

    # --- products ---------------------------------------------------------------------------------

    def save_product(self, product: Product, expected_version: int | None, shop_status: str) -> Product:
        """Writes the product and the storefront listing entries that change, in one transaction.

        `expected_version` None means create. The shop's status is checked in the same transaction, so a
        product cannot be listed under a shop that was suspended meanwhile. Listing entries are written only
        where they change: when what they hold (card, tokens, price; `listing_content_digest`) is unchanged,
        only the entries of added facets are put and those of removed facets deleted, so a stock change that
        crosses no threshold, or a description edit, writes no listing entry at all.

        Issue 15: the origin counts follow in the same transaction (the count the product was counted in goes
        down by one, the one it is counted in now up by one: `counted_origin` -> `origin_key`). A change too big
        for one transaction (more than 100 actions: a GI product in season whose title, category and origin all
        change at once) commits everything but the deletes of its old entries first (the product keeps listing
        their keys), then deletes them with a second transaction; `_finish_removal`.
        """
        new_keys = product.facets()
        digest = product.listing_content_digest()
        new_origin = product.origin_key
        new = replace(
            product,
            version=(expected_version or 0) + 1,
            listing_keys=tuple(new_keys),
            listing_digest=digest,
            counted_origin=new_origin,
        )
        # The version condition below guarantees `product.listing_keys` / `listing_digest` are what is stored now.
        old_keys = set(product.listing_keys) if expected_version is not None else set()
        old_digest = product.listing_digest if expected_version is not None else ""
        old_origin = product.counted_origin if expected_version is not None else None
        written = [k for k in new_keys if k not in old_keys] if digest == old_digest else new_keys
        card = new.card()
        words = new.search_tokens()
        condition = (
            ProductModel.product_id.does_not_exist()
            if expected_version is None
            else ProductModel.version == expected_version
        )
        removed = sorted(old_keys - set(new_keys))
        counts = _origin_changes(new.storefront, old_origin, new_origin, new.attributes)
        later: list[str] = []
        if 2 + len(removed) + len(written) + len(counts) > MAX_TRANSACTION_ACTIONS:
            later, removed = removed, []
            stored = replace(new, listing_keys=tuple(new_keys) + tuple(later))
        else:
            stored = new
        # PynamoDB sends condition checks, then deletes, then puts, then updates (whatever the call order), and
        # the cancellation reasons come back in that order: shop check first, the product put after the deletes.
        shop_at, product_at = 0, 1 + len(removed)
        try:
            with _translated(), self._transaction() as tx:
                tx.save(_product_item(stored), condition=condition)
                tx.condition_check(ShopModel, product.shop_id, condition=ShopModel.status == shop_status)
                for facet in removed:
                    tx.delete(ListingModel(facet, f"{product.created_at}#{product.product_id}"))
                for facet in written:
                    tx.save(_listing_item(new, facet, card, words))
                for origin_key, delta, origin in counts:
                    tx.update(
                        ProvenanceModel(f"origin#{new.storefront}", origin_key),
                        actions=[
                            ProvenanceModel.count.add(delta),
                            ProvenanceModel.province.set(ProvenanceModel.province | origin["province"]),
                            ProvenanceModel.prefecture.set(ProvenanceModel.prefecture | origin["prefecture"]),
                            ProvenanceModel.county.set(ProvenanceModel.county | origin["county"]),
                        ],
                    )
        except TransactWriteError as exc:
            codes = _cancelled_codes(exc)
            if len(codes) > product_at and codes[product_at] == "ConditionalCheckFailed":
                if expected_version is None:
                    raise Conflict("product already exists", code="product_exists") from exc
                raise PreconditionFailed(
                    "the product was changed by someone else; reload and retry", code="stale_product"
                ) from exc
            if len(codes) > shop_at and codes[shop_at] == "ConditionalCheckFailed":
                raise Conflict("the shop changed status meanwhile; retry", code="shop_changed") from exc
            _raise_transaction_failure(exc)
        if later:
            self._finish_removal(stored, later, tuple(new_keys))
        return new

    def _finish_removal(self, stored: Product, stale: list[str], keys: tuple[str, ...]) -> None:
        """The second half of a change too big for one transaction: the old entries go, and the product stops
        listing them. If the product changed meanwhile, that save already took them over (it read them in
        `listing_keys`) and this does nothing; if this fails, the next save of the product deletes them."""
        try:
            with _translated(), self._transaction() as tx:
                for facet in stale:
                    tx.delete(ListingModel(facet, f"{stored.created_at}#{stored.product_id}"))
                tx.update(
                    ProductModel(stored.product_id),
                    actions=[ProductModel.listing_keys.set(list(keys))],
                    condition=ProductModel.version == stored.version,
                )
        except (TransactWriteError, ServiceUnavailable):
            log.warning("old listing entries left for the next save", extra={"product_id": stored.product_id})

    def get_products(self, product_ids: list[str]) -> dict[str, Product]:
        """One BatchGetItem per 100 ids (PynamoDB retries unprocessed keys)."""
        with _translated():
            return {
                p.product_id: p
                for p in (product_from_item(m) for m in ProductModel.batch_get(list(dict.fromkeys(product_ids))))
            }

    def season_due(self, day: str, limit: int) -> list[str]:
        """Products whose season changes on or before `day` (issue 15): one Query of the keys-only season-index."""
        with _translated():
            raw = ProductModel._get_connection().query(
                "due",
                range_key_condition=ProductModel.season_next <= day,
                index_name="season-index",
                limit=limit,
            )
        return [item["product_id"]["S"] for item in raw.get("Items", [])]

    def get_product(self, product_id: str) -> Product | None:
        with _translated():
            try:
                return product_from_item(ProductModel.get(product_id))
            except ProductModel.DoesNotExist:
                return None

    def shop_products(self, shop_id: str, limit: int, start: dict | None, archived: bool = False) -> Page:
        prefix = "archived#" if archived else "live#"
        with _translated():
            raw = ProductModel._get_connection().query(
                shop_id,
                range_key_condition=ProductModel.shop_sort.startswith(prefix),
                index_name="shop-index",
                limit=limit,
                exclusive_start_key=start,
                scan_index_forward=False,
            )
        items, last = _page(raw, lambda i: product_from_item(ProductModel.from_raw_data(i)))
        return Page(items, last)

    def scan_products(self, limit: int, start: dict | None) -> Page:
        """Maintenance only (re-indexing after a change of the listing format): a Scan page of Products.
        No user-facing route may call it."""
        with _translated():
            raw = ProductModel._get_connection().scan(limit=limit, exclusive_start_key=start)
        items, last = _page(raw, lambda i: product_from_item(ProductModel.from_raw_data(i)))
        return Page(items, last)

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
        filter_condition = None
        for word in must_contain:
            cond = ListingModel.words.contains(word)
            filter_condition = cond if filter_condition is None else filter_condition & cond
        with _translated():
            raw = ListingModel._get_connection().query(
                facet,
                index_name=None if sort == "newest" else "price-index",
                filter_condition=filter_condition,
                limit=limit,
                exclusive_start_key=start,
                scan_index_forward=sort == "price_asc",
            )
        items, last = _page(raw, lambda i: ListingModel.from_raw_data(i).card)
        return Page(items, last)

    # --- media ------------------------------------------------------------------------------------

    def add_pending_media(self, media: PendingMedia) -> None:
        try:
            with _translated():
                MediaModel(media.media_id, **{k: v for k, v in media.__dict__.items() if k != "media_id"}).save(
                    condition=MediaModel.media_id.does_not_exist()
                )
        except PynamoDBException as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("media already exists", code="media_exists") from exc
            raise

    def get_pending_media(self, media_id: str) -> PendingMedia | None:
        with _translated():
            try:
                m = MediaModel.get(media_id, consistent_read=True)
            except MediaModel.DoesNotExist:
                return None
        return PendingMedia(
            media_id=m.media_id,
            shop_id=m.shop_id,
            product_id=m.product_id,
            key=m.key,
            content_type=m.content_type,
            size=int(m.size),
            created_at=m.created_at,
        )

    def delete_pending_media(self, media_id: str) -> None:
        with _translated():
            MediaModel(media_id).delete()


# --- issue 15: origin counts in the product's transaction ---------------------------------------------------

MAX_TRANSACTION_ACTIONS = 100


def _origin_changes(storefront: str, old: str | None, new: str | None, attributes: dict) -> list[tuple[str, int, dict]]:
    """(count key, +1/-1, display names) for a product leaving the count `old` and joining `new`."""
    if old == new:
        return []
    origin = attributes.get("origin") or {}
    names = {k: str(origin.get(k, "")) for k in ("province", "prefecture", "county")}
    out = []
    if old:
        out.append((old, -1, dict(zip(("province", "prefecture", "county"), old.split("|"), strict=True))))
    if new:
        out.append((new, 1, names))
    return out


def _raise_transaction_failure(exc: TransactWriteError) -> None:
    codes = _cancelled_codes(exc)
    if exc.cause_response_code in RETRYABLE_CODES or any(c in RETRYABLE_REASONS for c in codes):
        raise ServiceUnavailable("the catalog is busy, please retry", retry_after=1) from exc
    raise exc
