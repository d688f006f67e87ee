"""Bulk trade on DynamoDB: the Trade table (businesses, suppliers, RFQs with their quotes and messages,
invoices). docs/data-model.md ("Trade") lists every item and index; in short:

- business `biz#<id>` / `business`: gsi1 `businesses#<status>` / created (the verification queue);
  its announced uploads `biz#<id>` / `upload#<media_id>`;
- supplier `supplier#<shop_id>` / `supplier`: categories, quote quota and usage, the invoice counter;
- RFQ `rfq#<id>` / `rfq`: gsi1 `buyer#<buyer>#rfqs` / created; while open gsi2 `rfqs#open` / created (the
  opportunities) and due-index `due#rfq#<day>` / `<closes_at>#<id>`;
- quote `rfq#<rfq_id>` / `quote#<id>` (in its RFQ's partition): gsi1 `shop#<shop>#quotes` / created, gsi2 and
  gsi3 `rfq#<id>#quotes` / by price and by lead time; while live due-index `due#quote#<day>`;
- message `rfq#<rfq_id>` / `msg#<quote_id>#<at>#<id>` (the RFQ's partition, after its quotes);
- invoice `invoice#<id>` / `invoice`: gsi1 `shop#<shop>#invoices` / number, gsi2 `biz#<b>#invoices#<status>` /
  issued, gsi3 `biz#<b>#invoices` / issued; while open due-index `due#invoice#<day>`.

Items are read and written raw (like adapters/orders.py): whole entities as a JSON `body`, the keys and a few
attributes that conditions and filters need at the top level. Multi-item changes are TransactWriteItems
built from `Write`s (services/ports.py), so a change here can ride in a ledger posting's transaction or in
the same transaction as an order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..domain.buying import CheckoutClaim
from ..domain.catalog import Product, Shop
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed
from ..domain.trade import (
    Business,
    Invoice,
    Quote,
    QuoteMessage,
    Rfq,
    Supplier,
    business_from_dict,
    business_to_dict,
    due_day,
    invoice_from_dict,
    invoice_to_dict,
    quota_month,
    quote_from_dict,
    quote_to_dict,
    rfq_from_dict,
    rfq_to_dict,
)
from ..services.ports import Page, Write
from .dynamodb import product_from_item, shop_from_item
from .models import ProductModel, ShopModel, TradeModel, UniqueModel
from .orders import DynamoBuyingRepository, TransactionCancelled

OPEN_RFQS = "rfqs#open"


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _body(data: dict) -> dict:
    return {"S": json.dumps(data, separators=(",", ":"), ensure_ascii=False)}


def _load(item: dict) -> dict:
    return json.loads(item["body"]["S"])


def _key(pk: str, sk: str) -> dict:
    return {"pk": _s(pk), "sk": _s(sk)}


def business_key(business_id: str) -> dict:
    return _key(f"biz#{business_id}", "business")


def supplier_key(shop_id: str) -> dict:
    return _key(f"supplier#{shop_id}", "supplier")


def rfq_key(rfq_id: str) -> dict:
    return _key(f"rfq#{rfq_id}", "rfq")


def quote_key(rfq_id: str, quote_id: str) -> dict:
    return _key(f"rfq#{rfq_id}", f"quote#{quote_id}")


def invoice_key(invoice_id: str) -> dict:
    return _key(f"invoice#{invoice_id}", "invoice")


def _used_attr(month: str) -> str:
    return "used_" + month.replace("-", "")


# --- items --------------------------------------------------------------------------------------------------


def business_item(business: Business) -> dict:
    item = {
        **business_key(business.business_id),
        "gsi1pk": _s(f"businesses#{business.status}"),
        "gsi1sk": _s(f"{business.created_at}#{business.business_id}"),
        "owner_id": _s(business.owner_id),
        "status": _s(business.status),
        "terms_version": _n(business.terms.version if business.terms else 0),
        "overdue_invoices": _n(business.overdue_invoices),
        "body": _body(business_to_dict(business)),
        "version": _n(business.version),
    }
    return item


def business_from_item(item: dict) -> Business:
    data = _load(item)
    # the overdue count is changed by ADD (the overdue job, a payment): the attribute is the truth
    data["overdue_invoices"] = int(item.get("overdue_invoices", {}).get("N", data.get("overdue_invoices", 0)))
    data["version"] = int(item["version"]["N"])
    return business_from_dict(data)


def rfq_item(rfq: Rfq) -> dict:
    item = {
        **rfq_key(rfq.rfq_id),
        "gsi1pk": _s(f"buyer#{rfq.buyer_id}#rfqs"),
        "gsi1sk": _s(f"{rfq.created_at}#{rfq.rfq_id}"),
        "category": _s(rfq.category),
        "quote_deadline": _s(rfq.quote_deadline),
        "status": _s(rfq.status),
        "buyer_id": _s(rfq.buyer_id),
        "quote_count": _n(rfq.quote_count),
        "body": _body(rfq_to_dict(rfq)),
        "version": _n(rfq.version),
    }
    if rfq.status == "open":
        item["gsi2pk"] = _s(OPEN_RFQS)
        item["gsi2sk"] = _s(f"{rfq.created_at}#{rfq.rfq_id}")
        if rfq.closes_at:
            item["due_pk"] = _s(f"due#rfq#{due_day(rfq.closes_at)}")
            item["due_sk"] = _s(f"{rfq.closes_at}#{rfq.rfq_id}")
    return item


def rfq_from_item(item: dict) -> Rfq:
    count = int(item.get("quote_count", {}).get("N", "0"))
    return rfq_from_dict({**_load(item), "quote_count": count, "version": int(item["version"]["N"])})


def quote_item(quote: Quote) -> dict:
    group = f"rfq#{quote.rfq_id}#quotes"
    item = {
        **quote_key(quote.rfq_id, quote.quote_id),
        "gsi1pk": _s(f"shop#{quote.shop_id}#quotes"),
        "gsi1sk": _s(f"{quote.created_at}#{quote.quote_id}"),
        "gsi2pk": _s(group),
        "gsi2sk": _s(f"{quote.unit_amount:015d}#{quote.lead_time_days:04d}#{quote.quote_id}"),
        "gsi3pk": _s(group),
        "gsi3sk": _s(f"{quote.lead_time_days:04d}#{quote.unit_amount:015d}#{quote.quote_id}"),
        "status": _s(quote.status),
        "valid_until": _s(quote.valid_until),
        "buyer_id": _s(quote.buyer_id),
        "seller_id": _s(quote.seller_id),
        "shop_id": _s(quote.shop_id),
        "body": _body(quote_to_dict(quote)),
        "version": _n(quote.version),
    }
    if quote.status == "live":
        item["due_pk"] = _s(f"due#quote#{due_day(quote.valid_until)}")
        item["due_sk"] = _s(f"{quote.valid_until}#{quote.rfq_id}#{quote.quote_id}")
    return item


def quote_from_item(item: dict) -> Quote:
    return quote_from_dict({**_load(item), "version": int(item["version"]["N"])})


def message_item(message: QuoteMessage, quote: Quote) -> dict:
    return {
        **_key(f"rfq#{message.rfq_id}", f"msg#{message.quote_id}#{message.at}#{message.message_id}"),
        "buyer_id": _s(quote.buyer_id),
        "seller_id": _s(quote.seller_id),
        "shop_id": _s(quote.shop_id),
        "body": _body(
            {
                "message_id": message.message_id,
                "rfq_id": message.rfq_id,
                "quote_id": message.quote_id,
                "author": message.author,
                "author_id": message.author_id,
                "text": message.text,
                "at": message.at,
            }
        ),
    }


def invoice_item(invoice: Invoice) -> dict:
    item = {
        **invoice_key(invoice.invoice_id),
        "gsi1pk": _s(f"shop#{invoice.shop_id}#invoices"),
        "gsi1sk": _s(f"{invoice.seq:010d}"),
        "gsi2pk": _s(f"biz#{invoice.business_id}#invoices#{invoice.status}"),
        "gsi2sk": _s(f"{invoice.issued_at}#{invoice.invoice_id}"),
        "gsi3pk": _s(f"biz#{invoice.business_id}#invoices"),
        "gsi3sk": _s(f"{invoice.issued_at}#{invoice.invoice_id}"),
        "status": _s(invoice.status),
        "shop_id": _s(invoice.shop_id),
        "seller_id": _s(invoice.seller_id),
        "buyer_id": _s(invoice.buyer_id),
        "body": _body(invoice_to_dict(invoice)),
        "version": _n(invoice.version),
    }
    if invoice.status == "open":
        item["due_pk"] = _s(f"due#invoice#{due_day(invoice.due_at)}")
        item["due_sk"] = _s(f"{invoice.due_at}#{invoice.invoice_id}")
    return item


def invoice_from_item(item: dict) -> Invoice:
    return invoice_from_dict({**_load(item), "version": int(item["version"]["N"])})


def supplier_from_item(shop_id: str, item: dict | None) -> Supplier:
    if not item:
        return Supplier(shop_id)
    used = {f"{k[5:9]}-{k[9:11]}": int(v["N"]) for k, v in item.items() if k.startswith("used_") and "N" in v}
    return Supplier(
        shop_id=shop_id,
        categories=tuple(c["S"] for c in item.get("categories", {}).get("L", [])),
        monthly_quota=int(item["monthly_quota"]["N"]) if "monthly_quota" in item else None,
        quotes_used=used,
        invoice_seq=int(item.get("invoice_seq", {}).get("N", "0")),
        version=int(item.get("version", {}).get("N", "0")),
    )


def _message_from_item(item: dict) -> QuoteMessage:
    return QuoteMessage(**_load(item))


class DynamoTradeRepository:
    """services.ports.TradeRepository on DynamoDB."""

    def __init__(self, region: str, host: str | None, *, sleep: Callable[[float], None] = time.sleep) -> None:
        # The buying repository's client, error mapping and conflict-retrying transactions (one implementation).
        self._store = DynamoBuyingRepository(region, host, sleep=sleep)

    @property
    def _table(self) -> str:
        return TradeModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        return self._store._call(operation, **kwargs)

    def _put(self, item: dict, condition: str, values: dict | None = None, names: dict | None = None) -> dict:
        put: dict[str, Any] = {"TableName": self._table, "Item": item, "ConditionExpression": condition}
        if values:
            put["ExpressionAttributeValues"] = values
        if names:
            put["ExpressionAttributeNames"] = names
        return {"Put": put}

    def _versioned_put(self, item: dict, expected_version: int | None) -> dict:
        if expected_version is None:
            return self._put(item, "attribute_not_exists(pk)")
        return self._put(item, "version = :v", {":v": _n(expected_version)})

    def _get(self, key: dict) -> dict | None:
        raw = self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True)
        return raw.get("Item")

    def _batch_get(self, request: dict[str, list[dict]]) -> dict[str, list[dict]]:
        """One BatchGetItem over several tables (consistent reads); unprocessed keys are fetched again."""
        pending = {table: {"Keys": keys, "ConsistentRead": True} for table, keys in request.items() if keys}
        found: dict[str, list[dict]] = {table: [] for table in request}
        while pending:
            raw = self._call("batch_get_item", RequestItems=pending)
            for table, items in raw.get("Responses", {}).items():
                found[table].extend(items)
            pending = raw.get("UnprocessedKeys") or {}
        return found

    def _query(self, index: str | None, key_condition: str, values: dict, limit: int, start: dict | None, **extra):
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
            "ScanIndexForward": extra.pop("forward", False),
            **extra,
        }
        if index:
            kwargs["IndexName"] = index
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return raw.get("Items", []), raw.get("LastEvaluatedKey")

    def commit(self, writes: Sequence[Write], explain: Callable[[list[int]], DomainError] | None = None) -> None:
        """The writes in one transaction (retried on TransactionConflict). A refused condition raises that
        write's error, or `explain(indexes of the refused writes)`."""
        actions = [w.action for w in writes]
        try:
            self._store._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            refused = [i for i, r in enumerate(reasons) if r == "ConditionalCheckFailed"]
            if refused and explain is not None:
                raise explain(refused) from exc
            if refused and writes[refused[0]].refused is not None:
                raise writes[refused[0]].refused from exc
            raise

    # --- businesses -----------------------------------------------------------------------------------------

    def get_business(self, business_id: str) -> Business | None:
        item = self._get(business_key(business_id))
        return business_from_item(item) if item else None

    def business_write(self, business: Business, expected_version: int | None) -> Write:
        """The business written with version `expected_version + 1` (a new one: must not exist yet)."""
        new = replace(business, version=(expected_version or 0) + 1)
        return Write(
            self._versioned_put(business_item(new), expected_version),
            PreconditionFailed("the business changed meanwhile; reload it", code="stale_business")
            if expected_version is not None
            else Conflict("this account has applied already", code="business_exists"),
        )

    def save_business(self, business: Business, expected_version: int | None) -> Business:
        self.commit([self.business_write(business, expected_version)])
        return replace(business, version=(expected_version or 0) + 1)

    def net_terms_check(self, business: Business) -> Write:
        """Net terms at the moment of the order: the business is still verified, its credit line unchanged and
        none of its invoices overdue (a ConditionCheck in the order's transaction)."""
        return Write(
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": business_key(business.business_id),
                    "ConditionExpression": "#st = :verified AND overdue_invoices = :zero AND terms_version = :tv",
                    "ExpressionAttributeNames": {"#st": "status"},
                    "ExpressionAttributeValues": {
                        ":verified": _s("verified"),
                        ":zero": _n(0),
                        ":tv": _n(business.terms.version if business.terms else 0),
                    },
                }
            },
            Conflict(
                "the business's net terms changed meanwhile (verification, credit line or an overdue invoice)",
                code="net_terms_changed",
            ),
        )

    def overdue_change(self, business_id: str, delta: int) -> Write:
        """One more (or one fewer) overdue invoice on the business: ADD, in the invoice's transaction."""
        return Write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": business_key(business_id),
                    "UpdateExpression": "ADD overdue_invoices :d, version :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":d": _n(delta), ":one": _n(1)},
                }
            },
            NotFound("business not found", code="business_not_found"),
        )

    def businesses_by_status(self, status: str, limit: int, start: dict | None) -> Page[Business]:
        items, last = self._query("gsi1", "gsi1pk = :p", {":p": _s(f"businesses#{status}")}, limit, start)
        return Page([business_from_item(i) for i in items], last)

    def add_upload(self, business_id: str, upload: dict[str, Any]) -> None:
        item = {**_key(f"biz#{business_id}", f"upload#{upload['media_id']}"), "body": _body(upload)}
        self.commit(
            [Write(self._put(item, "attribute_not_exists(pk)"), Conflict("upload exists", code="upload_exists"))]
        )

    def business_and_uploads(self, business_id: str, media_ids: list[str]) -> tuple[Business | None, dict[str, dict]]:
        """The business (if any) and the announced uploads named, in one BatchGetItem."""
        keys = [business_key(business_id)] + [
            _key(f"biz#{business_id}", f"upload#{m}") for m in dict.fromkeys(media_ids)
        ]
        items = self._batch_get({self._table: keys})[self._table]
        business = next((business_from_item(i) for i in items if i["sk"]["S"] == "business"), None)
        uploads = {i["sk"]["S"][7:]: _load(i) for i in items if i["sk"]["S"].startswith("upload#")}
        return business, uploads

    # --- suppliers ------------------------------------------------------------------------------------------

    def get_supplier(self, shop_id: str) -> Supplier:
        return supplier_from_item(shop_id, self._get(supplier_key(shop_id)))

    def shop_and_supplier(self, shop_id: str) -> tuple[Shop | None, Supplier]:
        shops = ShopModel.Meta.table_name
        found = self._batch_get({shops: [{"shop_id": _s(shop_id)}], self._table: [supplier_key(shop_id)]})
        shop = shop_from_item(ShopModel.from_raw_data(found[shops][0])) if found[shops] else None
        return shop, supplier_from_item(shop_id, found[self._table][0] if found[self._table] else None)

    def set_supplier_categories(self, shop_id: str, categories: list[str], now: str) -> Supplier:
        raw = self._call(
            "update_item",
            TableName=self._table,
            Key=supplier_key(shop_id),
            UpdateExpression="SET categories = :c, updated_at = :now ADD version :one",
            ExpressionAttributeValues={":c": {"L": [_s(c) for c in categories]}, ":now": _s(now), ":one": _n(1)},
            ReturnValues="ALL_NEW",
        )
        return supplier_from_item(shop_id, raw["Attributes"])

    def set_supplier_quota(self, shop_id: str, monthly_quota: int | None, now: str) -> Supplier:
        if monthly_quota is None:
            expression, values = "REMOVE monthly_quota SET updated_at = :now ADD version :one", {}
        else:
            expression = "SET monthly_quota = :q, updated_at = :now ADD version :one"
            values = {":q": _n(monthly_quota)}
        raw = self._call(
            "update_item",
            TableName=self._table,
            Key=supplier_key(shop_id),
            UpdateExpression=expression,
            ExpressionAttributeValues={**values, ":now": _s(now), ":one": _n(1)},
            ReturnValues="ALL_NEW",
        )
        return supplier_from_item(shop_id, raw["Attributes"])

    # --- RFQs -----------------------------------------------------------------------------------------------

    def create_rfq(self, rfq: Rfq) -> None:
        self.commit(
            [Write(self._put(rfq_item(rfq), "attribute_not_exists(pk)"), Conflict("rfq exists", code="rfq_exists"))]
        )

    def get_rfq(self, rfq_id: str) -> Rfq | None:
        item = self._get(rfq_key(rfq_id))
        return rfq_from_item(item) if item else None

    def rfq_write(self, rfq: Rfq, expected_version: int) -> Write:
        """`rfq` (already at its new version) replacing version `expected_version`."""
        return Write(
            self._put(rfq_item(rfq), "version = :v", {":v": _n(expected_version)}),
            PreconditionFailed("the request for quotation changed meanwhile; reload it", code="stale_rfq"),
        )

    def buyer_rfqs(self, buyer_id: str, limit: int, start: dict | None) -> Page[Rfq]:
        items, last = self._query("gsi1", "gsi1pk = :p", {":p": _s(f"buyer#{buyer_id}#rfqs")}, limit, start)
        return Page([rfq_from_item(i) for i in items], last)

    def open_rfqs(self, categories: list[str], now: str, limit: int, start: dict | None) -> Page[Rfq]:
        """One Query of the open RFQs, newest first, keeping those in `categories` still before their quoting
        deadline (a FilterExpression: a page may hold fewer than `limit`)."""
        names = {f":c{i}": _s(c) for i, c in enumerate(categories)}
        items, last = self._query(
            "gsi2",
            "gsi2pk = :p",
            {":p": _s(OPEN_RFQS), ":now": _s(now), **names},
            limit,
            start,
            FilterExpression=f"category IN ({', '.join(names)}) AND quote_deadline > :now",
        )
        return Page([rfq_from_item(i) for i in items], last)

    def quote_context(
        self, rfq_id: str, shop_id: str, quote_id: str
    ) -> tuple[Rfq | None, Shop | None, Supplier, Quote | None]:
        """What quoting needs, in one BatchGetItem: the RFQ, the shop, its supplier record, its quote if any."""
        shops = ShopModel.Meta.table_name
        found = self._batch_get(
            {
                shops: [{"shop_id": _s(shop_id)}],
                self._table: [rfq_key(rfq_id), supplier_key(shop_id), quote_key(rfq_id, quote_id)],
            }
        )
        shop = shop_from_item(ShopModel.from_raw_data(found[shops][0])) if found[shops] else None
        by_sk = {i["sk"]["S"]: i for i in found[self._table]}
        rfq = rfq_from_item(by_sk["rfq"]) if "rfq" in by_sk else None
        quote = quote_from_item(by_sk[f"quote#{quote_id}"]) if f"quote#{quote_id}" in by_sk else None
        return rfq, shop, supplier_from_item(shop_id, by_sk.get("supplier")), quote

    def save_quote(self, quote: Quote, expected_version: int | None, supplier: Supplier, rfq: Rfq) -> Quote:
        """A new quote (counted against the shop's monthly quota, atomically) or a revision (version-checked),
        with the RFQ still open before its deadline, in one transaction."""
        writes = [
            Write(
                self._versioned_put(quote_item(quote), expected_version),
                Conflict("this shop has quoted already; revise that quote", code="quote_exists")
                if expected_version is None
                else PreconditionFailed("the quote changed meanwhile; reload it", code="stale_quote"),
            ),
        ]
        rfq_change: dict[str, Any] = {
            "TableName": self._table,
            "Key": rfq_key(rfq.rfq_id),
            "ConditionExpression": "#st = :open AND quote_deadline > :now",
            "ExpressionAttributeNames": {"#st": "status"},
            "ExpressionAttributeValues": {":open": _s("open"), ":now": _s(quote.updated_at)},
        }
        closed = Conflict("the request for quotation is closed to quotes", code="rfq_closed")
        if expected_version is None:
            used = _used_attr(quota_month(quote.created_at))
            writes.append(
                Write(
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": supplier_key(supplier.shop_id),
                            "UpdateExpression": "ADD #used :one",
                            "ConditionExpression": "attribute_not_exists(#used) OR #used < :quota",
                            "ExpressionAttributeNames": {"#used": used},
                            "ExpressionAttributeValues": {":one": _n(1), ":quota": _n(supplier.quota)},
                        }
                    },
                    Conflict(
                        f"this shop has used its {supplier.quota} quotes for the month", code="quote_quota_exhausted"
                    ),
                )
            )
            # quote_count and version are attributes (the body's copies are overridden on read): two shops
            # quoting at once both count, and an award that read the RFQ before a new quote is refused (stale)
            rfq_change["UpdateExpression"] = "ADD quote_count :one, version :one"
            rfq_change["ExpressionAttributeValues"][":one"] = _n(1)
            writes.append(Write({"Update": rfq_change}, closed))
        else:
            writes.append(Write({"ConditionCheck": rfq_change}, closed))
        self.commit(writes)
        return quote

    def get_quote(self, rfq_id: str, quote_id: str) -> Quote | None:
        item = self._get(quote_key(rfq_id, quote_id))
        return quote_from_item(item) if item else None

    def quote_write(self, quote: Quote, expected_version: int) -> Write:
        return Write(
            self._put(quote_item(quote), "version = :v", {":v": _n(expected_version)}),
            PreconditionFailed("the quote changed meanwhile; reload it", code="stale_quote"),
        )

    def rfq_quotes(self, rfq_id: str, sort: str, limit: int, start: dict | None) -> Page[Quote]:
        index = "gsi3" if sort == "lead_time" else "gsi2"
        items, last = self._query(
            index, f"{index}pk = :p", {":p": _s(f"rfq#{rfq_id}#quotes")}, limit, start, forward=True
        )
        return Page([quote_from_item(i) for i in items], last)

    def all_quotes(self, rfq_id: str) -> list[Quote]:
        """Every quote of an RFQ (the jobs and the award's follow-up), page by page of the RFQ's partition."""
        out, start = [], None
        while True:
            items, start = self._query(
                None,
                "pk = :p AND begins_with(sk, :q)",
                {":p": _s(f"rfq#{rfq_id}"), ":q": _s("quote#")},
                100,
                start,
                forward=True,
                ConsistentRead=True,
            )
            out += [quote_from_item(i) for i in items]
            if not start:
                return out

    def shop_quotes(self, shop_id: str, limit: int, start: dict | None) -> Page[Quote]:
        items, last = self._query("gsi1", "gsi1pk = :p", {":p": _s(f"shop#{shop_id}#quotes")}, limit, start)
        return Page([quote_from_item(i) for i in items], last)

    def acceptance_reads(
        self, rfq_id: str, quote_id: str, claim_key: str, business_id: str
    ) -> tuple[Rfq | None, Quote | None, CheckoutClaim | None, Business | None]:
        """What accepting a quote needs, in one BatchGetItem: the RFQ, the quote, an earlier use of the
        Idempotency-Key, the buyer's business."""
        uniques = UniqueModel.Meta.table_name
        found = self._batch_get(
            {
                self._table: [rfq_key(rfq_id), quote_key(rfq_id, quote_id), business_key(business_id)],
                uniques: [{"key": _s(claim_key)}],
            }
        )
        by_pk = {(i["pk"]["S"], i["sk"]["S"]): i for i in found[self._table]}
        rfq_item_ = by_pk.get((f"rfq#{rfq_id}", "rfq"))
        quote_item_ = by_pk.get((f"rfq#{rfq_id}", f"quote#{quote_id}"))
        business = by_pk.get((f"biz#{business_id}", "business"))
        claim = None
        if found[uniques]:
            model = UniqueModel.from_raw_data(found[uniques][0])
            claim = CheckoutClaim(digest=model.digest or "", result=model.result or {})
        return (
            rfq_from_item(rfq_item_) if rfq_item_ else None,
            quote_from_item(quote_item_) if quote_item_ else None,
            claim,
            business_from_item(business) if business else None,
        )

    # --- messages -------------------------------------------------------------------------------------------

    def add_message(self, message: QuoteMessage, quote: Quote) -> None:
        self.commit(
            [Write(self._put(message_item(message, quote), "attribute_not_exists(sk)"), Conflict("duplicate message"))]
        )

    def messages(self, rfq_id: str, quote_id: str, limit: int, start: dict | None) -> Page[dict[str, Any]]:
        """Oldest first. Each item names the quote's buyer, seller and shop (ownership without another read)."""
        items, last = self._query(
            None,
            "pk = :p AND begins_with(sk, :m)",
            {":p": _s(f"rfq#{rfq_id}"), ":m": _s(f"msg#{quote_id}#")},
            limit,
            start,
            forward=True,
            ConsistentRead=True,
        )
        out = [
            {
                "message": _message_from_item(i),
                "buyer_id": i["buyer_id"]["S"],
                "seller_id": i["seller_id"]["S"],
                "shop_id": i["shop_id"]["S"],
            }
            for i in items
        ]
        return Page(out, last)

    # --- invoices -------------------------------------------------------------------------------------------

    def invoicing_reads(self, shop_id: str, product_ids: list[str]) -> tuple[Supplier, dict[str, Product]]:
        """The supplier record (the last invoice number) and the order's products (their categories decide the
        VAT rate), in one BatchGetItem."""
        products = ProductModel.Meta.table_name
        found = self._batch_get(
            {
                self._table: [supplier_key(shop_id)],
                products: [{"product_id": _s(pid)} for pid in dict.fromkeys(p for p in product_ids if p)],
            }
        )
        by_id = {}
        for item in found[products]:
            product = product_from_item(ProductModel.from_raw_data(item))
            by_id[product.product_id] = product
        supplier = supplier_from_item(shop_id, found[self._table][0] if found[self._table] else None)
        return supplier, by_id

    def invoice_writes(self, invoice: Invoice, previous_seq: int) -> list[Write]:
        """The invoice and the seller's counter, compare-and-set: the counter moves from `previous_seq` to the
        invoice's number in the same transaction, so numbers are unique and leave no gap (a lost race is a
        refused transaction, retried with the next number)."""
        taken = Conflict("another invoice took this number meanwhile", code="invoice_number_taken")
        condition = "attribute_not_exists(invoice_seq)" if previous_seq == 0 else "invoice_seq = :prev"
        values: dict[str, Any] = {":seq": _n(invoice.seq), ":shop": _s(invoice.shop_id)}
        if previous_seq:
            values[":prev"] = _n(previous_seq)
        counter = {
            "Update": {
                "TableName": self._table,
                "Key": supplier_key(invoice.shop_id),
                "UpdateExpression": "SET invoice_seq = :seq, shop_id = :shop",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }
        return [Write(counter, taken), Write(self._put(invoice_item(invoice), "attribute_not_exists(pk)"), taken)]

    def get_invoice(self, invoice_id: str) -> Invoice | None:
        item = self._get(invoice_key(invoice_id))
        return invoice_from_item(item) if item else None

    def invoice_write(self, invoice: Invoice, expected_version: int) -> Write:
        return Write(
            self._put(invoice_item(invoice), "version = :v", {":v": _n(expected_version)}),
            PreconditionFailed("the invoice changed meanwhile; reload it", code="stale_invoice"),
        )

    def shop_invoices(self, shop_id: str, limit: int, start: dict | None) -> Page[Invoice]:
        items, last = self._query("gsi1", "gsi1pk = :p", {":p": _s(f"shop#{shop_id}#invoices")}, limit, start)
        return Page([invoice_from_item(i) for i in items], last)

    def business_invoices(self, business_id: str, status: str | None, limit: int, start: dict | None) -> Page[Invoice]:
        if status:
            index, value = "gsi2", f"biz#{business_id}#invoices#{status}"
        else:
            index, value = "gsi3", f"biz#{business_id}#invoices"
        items, last = self._query(index, f"{index}pk = :p", {":p": _s(value)}, limit, start)
        return Page([invoice_from_item(i) for i in items], last)

    # --- the clock's jobs -----------------------------------------------------------------------------------

    def due(self, kind: str, day: str, now: str, limit: int, start: dict | None) -> Page[dict]:
        """One page of the `kind` ("rfq", "quote", "invoice") items of the due index's `day` partition that are
        due at `now`, oldest first: raw entities, read by their kind."""
        items, last = self._query(
            "due-index",
            "due_pk = :p AND due_sk <= :hi",
            {":p": _s(f"due#{kind}#{day}"), ":hi": _s(f"{now}#~")},
            limit,
            start,
            forward=True,
        )
        readers = {"rfq": rfq_from_item, "quote": quote_from_item, "invoice": invoice_from_item}
        return Page([readers[kind](i) for i in items], last)
