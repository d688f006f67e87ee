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
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain.catalog import Product, Shop
from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.search import title_words
from chalicelib.services.ports import CatalogRepository, MediaStore, Page, PendingMedia


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

    def update_shop(self, shop: Shop, expected_version: int) -> Shop:
        with self._lock:
            current = self.shops.get(shop.shop_id)
            if current is None or current.version != expected_version:
                raise Conflict("the shop was changed by someone else; reload and retry", code="stale_shop")
            new = replace(shop, version=expected_version + 1)
            self.shops[shop.shop_id] = copy.deepcopy(new)
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
            new = replace(product, version=(expected_version or 0) + 1, listing_keys=tuple(new_keys))
            sort_key = f"{product.created_at}#{product.product_id}"
            old_keys = set(current.listing_keys) if current is not None else set()
            for facet in old_keys - set(new_keys):
                self.listings_by_facet.get(facet, {}).pop(sort_key, None)
            entry = {
                "newest_key": sort_key,
                "price_key": f"{new.price_amount:015d}#{new.product_id}",
                "product_id": new.product_id,
                "words": title_words(new.title),
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


class InMemoryMediaStore:
    """A MediaStore in a dict. `presigned_upload` returns the form a client would post; `put` plays the client."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, dict] = {}

    def presigned_upload(self, key: str, content_type: str, max_size: int, expires_in: int) -> dict:
        self.uploads[key] = {"content_type": content_type, "max_size": max_size, "expires_in": expires_in}
        return {"url": "memory://media/", "fields": {"key": key, "Content-Type": content_type}}

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = (body, content_type)

    def head(self, key: str) -> dict | None:
        if key not in self.objects:
            return None
        body, content_type = self.objects[key]
        return {"size": len(body), "content_type": content_type}

    def read(self, key: str, max_bytes: int) -> bytes:
        return self.objects[key][0][:max_bytes]

    def write(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = (body, content_type)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def url(self, key: str) -> str:
        return f"memory://media/{key}"


if TYPE_CHECKING:  # mypy: the fakes satisfy the ports they stand in for
    _catalog: CatalogRepository = InMemoryCatalogRepository()
    _media: MediaStore = InMemoryMediaStore()
