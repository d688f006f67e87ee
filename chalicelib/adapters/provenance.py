"""Makers, geographic-indication claims, shop uploads and origin counts on DynamoDB (the Provenance table, and
each maker's public profile in the Listings table, where the maker page reads it with the maker's products).
Provider failures become domain errors here."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from ..domain import search
from ..domain.errors import Conflict, PreconditionFailed
from ..domain.provenance import GiClaim, Maker, ShopUpload
from ..services.ports import Page
from .dynamodb import _cancelled_codes, _raise_transaction_failure, _translated
from .models import ListingModel, ProvenanceModel, shared_connection

MAKER_PROFILE_SORT = "~maker"  # sorts before every "<created_at>#<product_id>" when the partition is read newest first


def _maker_key(maker_id: str) -> tuple[str, str]:
    return f"maker#{maker_id}", "maker"


def _claim_key(claim_id: str) -> tuple[str, str]:
    return f"gi-claim#{claim_id}", "claim"


def _hold_key(product_id: str) -> tuple[str, str]:
    return f"gi-product#{product_id}", "hold"


def _upload_key(upload_id: str) -> tuple[str, str]:
    return f"upload#{upload_id}", "upload"


def _maker_item(maker: Maker) -> ProvenanceModel:
    return ProvenanceModel(
        *_maker_key(maker.maker_id),
        owner_key=f"{maker.shop_id}#maker",
        created_key=f"{maker.created_at}#{maker.maker_id}",
        body=asdict(maker),
        version=maker.version,
    )


def maker_profile(maker: Maker) -> dict[str, Any]:
    """What the public maker page shows of the maker (stored first in the maker's listing partition)."""
    return {
        "maker_id": maker.maker_id,
        "storefront": maker.storefront,
        "name": maker.name,
        "story": maker.story,
        "workshop": maker.workshop,
        "region": maker.region,
        "craft": maker.craft,
        "photo": maker.photo,
        "shop_id": maker.shop_id,
        "updated_at": maker.updated_at,
    }


def _profile_item(maker: Maker) -> ListingModel:
    return ListingModel(
        search.maker_facet(maker.storefront, maker.maker_id),
        MAKER_PROFILE_SORT,
        product_id=maker.maker_id,
        words=[],
        card=maker_profile(maker),
    )


def _claim_item(claim: GiClaim) -> ProvenanceModel:
    return ProvenanceModel(
        *_claim_key(claim.claim_id),
        owner_key=f"{claim.shop_id}#gi-claim",
        queue_key=f"gi-claim#{claim.status}",
        created_key=f"{claim.created_at}#{claim.claim_id}",
        body={**asdict(claim), "product_ids": list(claim.product_ids)},
        version=claim.version,
    )


def _claim(body: dict[str, Any]) -> GiClaim:
    return GiClaim(**{**body, "product_ids": tuple(body["product_ids"])})


def _body(raw: dict) -> dict[str, Any]:
    return ProvenanceModel.from_raw_data(raw).body or {}


class DynamoProvenanceRepository:
    def __init__(self, region: str, host: str | None) -> None:
        self._region = region
        self._host = host

    def _transaction(self):
        from pynamodb.transactions import TransactWrite

        return TransactWrite(connection=shared_connection(self._region, self._host))

    def _get(self, pk: str, sk: str) -> ProvenanceModel | None:
        with _translated():
            try:
                return ProvenanceModel.get(pk, sk, consistent_read=True)
            except ProvenanceModel.DoesNotExist:
                return None

    def _index_page(
        self, index: str, hash_value: str, limit: int, start: dict | None
    ) -> tuple[list[dict], dict | None]:
        with _translated():
            raw = ProvenanceModel._get_connection().query(
                hash_value, index_name=index, limit=limit, exclusive_start_key=start, scan_index_forward=False
            )
        return [_body(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey")

    # --- uploads ------------------------------------------------------------------------------------

    def add_upload(self, upload: ShopUpload) -> None:
        item = ProvenanceModel(*_upload_key(upload.upload_id), body=asdict(upload), version=1)
        try:
            with _translated():
                item.save(condition=ProvenanceModel.pk.does_not_exist())
        except PynamoDBException as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("upload already exists", code="upload_exists") from exc
            raise

    def get_upload(self, upload_id: str) -> ShopUpload | None:
        item = self._get(*_upload_key(upload_id))
        return ShopUpload(**item.body) if item is not None and item.body else None

    def save_upload(self, upload: ShopUpload) -> None:
        """Marks an announced upload ready (once: a second completion changes nothing)."""
        item = ProvenanceModel(*_upload_key(upload.upload_id), body=asdict(upload), version=2)
        try:
            with _translated():
                item.save(condition=ProvenanceModel.version == 1)
        except PynamoDBException as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("the upload was completed meanwhile", code="upload_completed") from exc
            raise

    # --- makers -------------------------------------------------------------------------------------

    def create_maker(self, maker: Maker) -> Maker:
        new = replace(maker, version=1)
        try:
            with _translated(), self._transaction() as tx:
                tx.save(_maker_item(new), condition=ProvenanceModel.pk.does_not_exist())
                tx.save(_profile_item(new))
        except TransactWriteError as exc:
            if _cancelled_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("maker already exists", code="maker_exists") from exc
            _raise_transaction_failure(exc)
        return new

    def get_maker(self, maker_id: str) -> Maker | None:
        item = self._get(*_maker_key(maker_id))
        return Maker(**item.body) if item is not None and item.body else None

    def update_maker(self, maker: Maker, expected_version: int) -> Maker:
        new = replace(maker, version=expected_version + 1)
        try:
            with _translated(), self._transaction() as tx:
                tx.save(_maker_item(new), condition=ProvenanceModel.version == expected_version)
                tx.save(_profile_item(new))
        except TransactWriteError as exc:
            if _cancelled_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                raise PreconditionFailed("the maker was changed meanwhile; reload it", code="stale_maker") from exc
            _raise_transaction_failure(exc)
        return new

    def shop_makers(self, shop_id: str, limit: int, start: dict | None) -> Page[Maker]:
        items, last = self._index_page("owner-index", f"{shop_id}#maker", limit, start)
        return Page([Maker(**b) for b in items], last)

    def maker_page(
        self, storefront: str, maker_id: str, limit: int, start: dict | None
    ) -> tuple[dict[str, Any] | None, Page[dict[str, Any]]]:
        """One Query of the maker's listing partition, newest first: the profile (first page only), then the
        cards of the maker's listed products."""
        with _translated():
            raw = ListingModel._get_connection().query(
                search.maker_facet(storefront, maker_id),
                limit=limit if start else limit + 1,
                exclusive_start_key=start,
                scan_index_forward=False,
            )
        profile, cards = None, []
        for item in raw.get("Items", []):
            entry = ListingModel.from_raw_data(item)
            if entry.newest_key == MAKER_PROFILE_SORT:
                profile = entry.card
            else:
                cards.append(entry.card)
        return profile, Page(cards, raw.get("LastEvaluatedKey"))

    # --- geographic-indication claims ---------------------------------------------------------------

    def create_claim(self, claim: GiClaim) -> GiClaim:
        """The claim and a hold on each of its products, in one transaction: a product is in one pending or
        verified claim at a time (409 product_already_claimed naming the ones that are)."""
        new = replace(claim, version=1)
        try:
            with _translated(), self._transaction() as tx:
                tx.save(_claim_item(new), condition=ProvenanceModel.pk.does_not_exist())
                for product_id in new.product_ids:
                    hold = ProvenanceModel(*_hold_key(product_id), body={"claim_id": new.claim_id})
                    tx.save(hold, condition=ProvenanceModel.pk.does_not_exist())
        except TransactWriteError as exc:
            codes = _cancelled_codes(exc)
            held = [
                pid for pid, code in zip(new.product_ids, codes[1:], strict=False) if code == "ConditionalCheckFailed"
            ]
            if held:
                raise Conflict(
                    "some products are already in a pending or verified claim",
                    code="product_already_claimed",
                    details=[{"field": "product_ids", "message": f"{pid} is already claimed"} for pid in held],
                ) from exc
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("claim already exists", code="claim_exists") from exc
            _raise_transaction_failure(exc)
        return new

    def get_claim(self, claim_id: str) -> GiClaim | None:
        item = self._get(*_claim_key(claim_id))
        return _claim(item.body) if item is not None and item.body else None

    def update_claim(self, claim: GiClaim, expected_version: int) -> GiClaim:
        """A decision, version-checked; a claim that stops holding its products releases them in the same
        transaction."""
        new = replace(claim, version=expected_version + 1)
        try:
            with _translated(), self._transaction() as tx:
                if not new.holds_products:
                    for product_id in new.product_ids:
                        tx.delete(ProvenanceModel(*_hold_key(product_id)))
                tx.save(_claim_item(new), condition=ProvenanceModel.version == expected_version)
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in _cancelled_codes(exc):
                raise PreconditionFailed("the claim was decided meanwhile; reload it", code="stale_claim") from exc
            _raise_transaction_failure(exc)
        return new

    def shop_claims(self, shop_id: str, limit: int, start: dict | None) -> Page[GiClaim]:
        items, last = self._index_page("owner-index", f"{shop_id}#gi-claim", limit, start)
        return Page([_claim(b) for b in items], last)

    def claims_by_status(self, status: str, limit: int, start: dict | None) -> Page[GiClaim]:
        items, last = self._index_page("queue-index", f"gi-claim#{status}", limit, start)
        return Page([_claim(b) for b in items], last)

    # --- origin counts ------------------------------------------------------------------------------

    def origin_counts(self, storefront: str) -> list[dict[str, Any]]:
        """Every county count of the storefront: one Query (a few thousand counties fit in its 1 MB)."""
        rows: list[dict[str, Any]] = []
        start = None
        while True:
            with _translated():
                raw = ProvenanceModel._get_connection().query(
                    f"origin#{storefront}", exclusive_start_key=start, consistent_read=True
                )
            for item in raw.get("Items", []):
                m = ProvenanceModel.from_raw_data(item)
                rows.append(
                    {
                        "key": m.sk,
                        "province": m.province,
                        "prefecture": m.prefecture,
                        "county": m.county,
                        "count": int(m.count or 0),
                    }
                )
            start = raw.get("LastEvaluatedKey")
            if not start:
                return rows
