"""Carts, checkout, orders, returns and notifications on DynamoDB.

Multi-item writes are built as raw TransactWriteItems so the position of each action is known when
DynamoDB reports which condition failed (PynamoDB's TransactWrite reorders actions).
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.buying import (
    Cart,
    CheckoutClaim,
    LinesRefused,
    order_from_dict,
    order_to_dict,
    return_from_dict,
    return_to_dict,
)
from ..domain.catalog import Product
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ServiceUnavailable
from ..domain.network import Village
from ..domain.orders import Order, Return
from ..domain.trade import Business
from ..domain.villagers import Villager
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES, RETRYABLE_REASONS, product_from_item
from .models import (
    CartModel,
    NotificationModel,
    OrderModel,
    ProductModel,
    ReturnModel,
    TradeModel,
    UniqueModel,
    shared_connection,
)

# TransactionConflict: another transaction held one of the items (a flash sale: many buyers, one product).
# Retried here with full-jitter exponential backoff, within a small part of the request's time budget
# (Lambda timeout 20 s): at most CONFLICT_ATTEMPTS tries and CONFLICT_BUDGET_SECONDS of waiting, then 503.
CONFLICT_ATTEMPTS = 6
CONFLICT_BASE_SECONDS = 0.025
CONFLICT_CAP_SECONDS = 0.4
CONFLICT_BUDGET_SECONDS = 2.0
_JITTER = secrets.SystemRandom()


class TransactionCancelled(Exception):
    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


class _Conflicted(Exception):
    """Cancelled only because another transaction held an item: worth trying again."""


def _busy(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable("the store is busy, please retry", retry_after=1)


def _put(model, condition: str | None = None, names: dict | None = None, values: dict | None = None) -> dict:
    action: dict = {"TableName": model.Meta.table_name, "Item": model.serialize()}
    if condition:
        action["ConditionExpression"] = condition
    if names:
        action["ExpressionAttributeNames"] = names
    if values:
        action["ExpressionAttributeValues"] = values
    return {"Put": action}


def _order_item(order: Order) -> OrderModel:
    due = order.status == "delivered"
    return OrderModel(
        order.order_id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        shop_status=f"{order.shop_id}#{order.status}",
        created_key=f"{order.created_at}#{order.order_id}",
        due_key="due" if due else None,
        window_closes=order.return_window_closes() if due else None,
        status=order.status,
        body=order_to_dict(order),
        version=order.version,
        **_pickup_keys(order),
    )


def _pickup_keys(order: Order) -> dict:
    """The sparse index attributes of an order collected at a village (issue 10; docs/data-model.md)."""
    pickup = order.pickup
    if not pickup:
        return {}
    since = f"{order.status_since()}#{order.order_id}"
    if order.status == "at_county":
        manifest_id = pickup.get("manifest_id")
        village_sort = f"manifest#{manifest_id}#{since}" if manifest_id else f"open#{since}"
    else:
        village_sort = since
    tracking = (order.shipment or {}).get("tracking_number")
    return {
        "county_status": f"{pickup['county_id']}#{order.status}",
        "status_key": since,
        "village_status": f"{pickup['village_id']}#{order.status}",
        "village_sort": village_sort,
        "tracking_key": f"{pickup['county_id']}#{tracking.upper()}" if tracking else None,
    }


def _return_keys(ret: Return) -> dict:
    """The sparse leg index attributes of a return opened at a village (issue 10)."""
    network = ret.network
    if not network:
        return {}
    leg = network["leg"]
    place = network["village_id"] if leg == "at_village" else network["county_id"]
    history = network.get("history") or []
    since = f"{history[-1]['at'] if history else ret.updated_at}#{ret.return_id}"
    manifest_id = network.get("manifest_id")
    leg_sort = since
    if leg == "at_village":
        leg_sort = f"manifest#{manifest_id}#{since}" if manifest_id else f"open#{since}"
    return {"network_leg": f"{place}#{leg}", "leg_sort": leg_sort}


def _stock_change(product_id: str, delta: int, *, require_listed: bool, price_fp: str | None = None) -> dict:
    update: dict = {
        "TableName": ProductModel.Meta.table_name,
        "Key": {"product_id": {"S": product_id}},
        "UpdateExpression": "SET stock = stock + :delta, version = version + :one",
        "ExpressionAttributeValues": {":delta": {"N": str(delta)}, ":one": {"N": "1"}},
    }
    if require_listed:
        # Listed (active, of an active shop) and still at the price the buyer was shown. Products stored
        # before `listed` / `price_fp` existed are held to what checkout checked then: active and in stock.
        update["ConditionExpression"] = (
            "stock >= :need"
            " AND (listed = :yes OR (attribute_not_exists(listed) AND #status = :active))"
            " AND (price_fp = :fp OR attribute_not_exists(price_fp))"
        )
        update["ExpressionAttributeNames"] = {"#status": "status"}
        update["ExpressionAttributeValues"].update(
            {
                ":need": {"N": str(-delta)},
                ":active": {"S": "active"},
                ":yes": {"BOOL": True},
                ":fp": {"S": price_fp or ""},
            }
        )
    else:
        update["ConditionExpression"] = "attribute_exists(product_id)"
    return {"Update": update}


class DynamoBuyingRepository:
    def __init__(self, region: str, host: str | None, *, sleep=time.sleep) -> None:
        self._connection = shared_connection(region, host)
        self._sleep = sleep
        # transactions sent, conflicts met, retries made, conflicts given up on (503): the flash-sale bench
        self.transaction_stats: Counter = Counter()

    @property
    def _client(self):
        return self._connection.client

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "TransactionCanceledException":
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    raise TransactionCancelled(reasons) from exc  # a definite answer, whatever else happened
                if "TransactionConflict" in reasons and operation == "transact_write_items":
                    raise _Conflicted() from exc
                if any(r in RETRYABLE_REASONS for r in reasons):
                    raise _busy(exc) from exc
                raise TransactionCancelled(reasons) from exc
            if code in RETRYABLE_CODES:
                raise _busy(exc) from exc
            raise
        except BotoCoreError as exc:
            raise _busy(exc) from exc

    def _transact(self, actions: list[dict]) -> dict:
        """One TransactWriteItems; a cancellation by TransactionConflict is tried again after a jittered,
        exponentially growing pause (full jitter), until CONFLICT_ATTEMPTS or CONFLICT_BUDGET_SECONDS, then 503."""
        waited = 0.0
        for attempt in range(CONFLICT_ATTEMPTS):
            self.transaction_stats["sent"] += 1
            try:
                return self._call("transact_write_items", TransactItems=actions)
            except _Conflicted:
                self.transaction_stats["conflicts"] += 1
                pause = _JITTER.uniform(0, min(CONFLICT_CAP_SECONDS, CONFLICT_BASE_SECONDS * 2**attempt))
                if attempt + 1 == CONFLICT_ATTEMPTS or waited + pause > CONFLICT_BUDGET_SECONDS:
                    break
                self.transaction_stats["retries"] += 1
                self._sleep(pause)
                waited += pause
        self.transaction_stats["gave_up"] += 1
        raise ServiceUnavailable("the store is busy, please retry", retry_after=1)

    # --- cart -------------------------------------------------------------------------------------

    def get_cart(self, buyer_id: str) -> Cart:
        raw = self._call(
            "get_item", TableName=CartModel.Meta.table_name, Key={"buyer_id": {"S": buyer_id}}, ConsistentRead=True
        )
        return self._cart(buyer_id, raw.get("Item"))

    @staticmethod
    def _cart(buyer_id: str, item: dict | None) -> Cart:
        if not item:
            return Cart(buyer_id)
        model = CartModel.from_raw_data(item)
        return Cart(buyer_id, dict(model.lines or {}), int(model.version))

    def save_cart(self, cart: Cart, now: str) -> Cart:
        new = replace(cart, version=cart.version + 1)
        model = CartModel(cart.buyer_id, lines=new.lines, updated_at=now, version=new.version)
        condition = "attribute_not_exists(buyer_id)" if cart.version == 0 else "version = :expected"
        values = None if cart.version == 0 else {":expected": {"N": str(cart.version)}}
        try:
            self._transact([_put(model, condition, values=values)])
        except TransactionCancelled as exc:
            raise Conflict("the cart changed meanwhile; retry", code="cart_changed") from exc
        return new

    def clear_cart(self, buyer_id: str) -> None:
        self._call("delete_item", TableName=CartModel.Meta.table_name, Key={"buyer_id": {"S": buyer_id}})

    def get_products(self, product_ids: list[str]) -> dict[str, Product]:
        """One BatchGetItem (up to 100 ids); unprocessed keys are retried."""
        found: dict[str, Product] = {}
        keys = [{"product_id": {"S": pid}} for pid in dict.fromkeys(product_ids)]
        table = ProductModel.Meta.table_name
        while keys:
            raw = self._call("batch_get_item", RequestItems={table: {"Keys": keys[:100]}})
            for item in raw.get("Responses", {}).get(table, []):
                product = product_from_item(ProductModel.from_raw_data(item))
                found[product.product_id] = product
            keys = keys[100:] + raw.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        return found

    # --- checkout ---------------------------------------------------------------------------------

    def checkout_reads(
        self, buyer_id: str, claim_key: str, business_id: str | None = None
    ) -> tuple[Cart, CheckoutClaim | None, Business | None]:
        """The cart, any earlier use of this Idempotency-Key and the buyer's business (issue 14: its badge and
        net terms go on the orders), in one BatchGetItem."""
        from .trade import business_from_item, business_key

        carts, uniques, trade = CartModel.Meta.table_name, UniqueModel.Meta.table_name, TradeModel.Meta.table_name
        request = {
            carts: {"Keys": [{"buyer_id": {"S": buyer_id}}], "ConsistentRead": True},
            uniques: {"Keys": [{"key": {"S": claim_key}}], "ConsistentRead": True},
        }
        if business_id:
            request[trade] = {"Keys": [business_key(business_id)], "ConsistentRead": True}
        responses: dict = {carts: [], uniques: [], trade: []}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for table, items in raw.get("Responses", {}).items():
                responses[table].extend(items)
            request = raw.get("UnprocessedKeys") or {}
        cart = self._cart(buyer_id, responses[carts][0] if responses[carts] else None)
        business = business_from_item(responses[trade][0]) if responses[trade] else None
        return cart, self._claim(responses[uniques][0] if responses[uniques] else None), business

    @staticmethod
    def _claim(item: dict | None) -> CheckoutClaim | None:
        if not item:
            return None
        model = UniqueModel.from_raw_data(item)
        return CheckoutClaim(digest=model.digest or "", result=model.result or {})

    def get_claim(self, claim_key: str) -> CheckoutClaim | None:
        raw = self._call(
            "get_item", TableName=UniqueModel.Meta.table_name, Key={"key": {"S": claim_key}}, ConsistentRead=True
        )
        return self._claim(raw.get("Item"))

    def _placement_actions(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        cart: Cart,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
        sample_claims: tuple[str, ...],
    ) -> list[dict]:
        return [
            _put(
                UniqueModel(claim_key, owner=cart.buyer_id, created_at=now, digest=claim.digest, result=claim.result),
                "attribute_not_exists(#k)",
                names={"#k": "key"},
            ),
            {
                "Delete": {
                    "TableName": CartModel.Meta.table_name,
                    "Key": {"buyer_id": {"S": cart.buyer_id}},
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(cart.version)}},
                }
            },
            *(_stock_change(pid, -stock[pid], require_listed=True, price_fp=price_fps.get(pid)) for pid in stock),
            *(_put(_order_item(order), "attribute_not_exists(order_id)") for order in orders),
            # issue 14: a sample is bought once per buyer and product (the claim refuses a second one)
            *(
                _put(
                    UniqueModel(key, owner=cart.buyer_id, created_at=now),
                    "attribute_not_exists(#k)",
                    names={"#k": "key"},
                )
                for key in sample_claims
            ),
        ]

    @staticmethod
    def _placement_error(
        reasons: list[str | None], product_ids: list[str], orders: int, sample_claims: tuple[str, ...]
    ) -> DomainError:
        if reasons[0] == "ConditionalCheckFailed":
            return Conflict("this Idempotency-Key was used meanwhile", code="idempotency_race")
        if reasons[1] == "ConditionalCheckFailed":
            return Conflict("the cart changed during checkout; review it and retry", code="cart_changed")
        sold_out = [
            pid
            for pid, reason in zip(product_ids, reasons[2 : 2 + len(product_ids)], strict=True)
            if reason == "ConditionalCheckFailed"
        ]
        if sold_out:
            return LinesRefused(sold_out)
        first_sample = 2 + len(product_ids) + orders
        taken = [
            key.split("#")[-1]
            for key, reason in zip(sample_claims, reasons[first_sample:], strict=False)
            if reason == "ConditionalCheckFailed"
        ]
        if taken:
            return Conflict(
                "a sample of this product was bought already: one per buyer",
                code="sample_already_bought",
                details=[{"field": f"lines.{pid}", "message": "one sample per buyer and product"} for pid in taken],
            )
        return _busy(RuntimeError(str(reasons)))

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
    ) -> None:
        """One transaction: the idempotency claim, the cart, each line's stock (conditional on stock, listing
        and the price fingerprint the buyer was shown), each order, each sample's once-per-buyer claim.

        Raises LinesRefused naming the products whose condition failed.
        """
        actions = self._placement_actions(orders, stock, price_fps, cart, claim_key, claim, now, sample_claims)
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            raise self._placement_error(reasons, list(stock), len(orders), sample_claims) from exc

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
    ) -> tuple[list[Write], Callable[[list[int]], DomainError]]:
        """place_orders' actions as Writes (to ride in a ledger posting: net terms), and what a refusal of
        some of them means (the errors place_orders raises)."""
        actions = self._placement_actions(orders, stock, price_fps, cart, claim_key, claim, now, sample_claims)

        def explain(refused: list[int]) -> DomainError:
            reasons: list[str | None] = [None] * len(actions)
            for i in refused:
                reasons[i] = "ConditionalCheckFailed"
            return self._placement_error(reasons, list(stock), len(orders), sample_claims)

        return [Write(action) for action in actions], explain

    def new_order_write(self, order: Order) -> Write:
        """A new order's put (an accepted quote's order rides in the RFQ's transaction)."""
        return Write(
            _put(_order_item(order), "attribute_not_exists(order_id)"),
            Conflict("this order exists already", code="order_exists"),
        )

    def stock_take_write(self, product_id: str, quantity: int) -> Write:
        """`quantity` units of a product taken from its stock, refused when fewer are left."""
        update = _stock_change(product_id, -quantity, require_listed=False)["Update"]
        update["ConditionExpression"] = "attribute_exists(product_id) AND stock >= :need"
        update["ExpressionAttributeValues"][":need"] = {"N": str(quantity)}
        return Write(
            {"Update": update},
            Conflict("the quoted product does not have that many units in stock", code="out_of_stock"),
        )

    def claim_write(self, claim_key: str, owner: str, claim: CheckoutClaim, now: str) -> Write:
        """An Idempotency-Key's claim with the answer it got (written with what it answers)."""
        return Write(
            _put(
                UniqueModel(claim_key, owner=owner, created_at=now, digest=claim.digest, result=claim.result),
                "attribute_not_exists(#k)",
                names={"#k": "key"},
            ),
            Conflict("this Idempotency-Key was used meanwhile", code="idempotency_race"),
        )

    # --- orders -----------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> Order | None:
        raw = self._call("get_item", TableName=OrderModel.Meta.table_name, Key={"order_id": {"S": order_id}})
        return order_from_dict(OrderModel.from_raw_data(raw["Item"]).body) if raw.get("Item") else None

    def get_orders(self, order_ids: list[str]) -> list[Order]:
        """One BatchGetItem (a checkout has at most 40 orders); unprocessed keys are retried."""
        table = OrderModel.Meta.table_name
        keys = [{"order_id": {"S": oid}} for oid in dict.fromkeys(order_ids)]
        found = []
        while keys:
            raw = self._call("batch_get_item", RequestItems={table: {"Keys": keys[:100]}})
            found += [
                order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Responses", {}).get(table, [])
            ]
            keys = keys[100:] + raw.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        return found

    def _order_page(self, index: str, hash_name: str, hash_value: str, limit: int, start: dict | None) -> Page:
        kwargs = {
            "TableName": OrderModel.Meta.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": hash_name},
            "ExpressionAttributeValues": {":h": {"S": hash_value}},
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    def buyer_orders(self, buyer_id: str, limit: int, start: dict | None) -> Page:
        return self._order_page("buyer-index", "buyer_id", buyer_id, limit, start)

    def shop_orders(self, shop_id: str, status: str | None, limit: int, start: dict | None) -> Page:
        if status:
            return self._order_page("shop-status-index", "shop_status", f"{shop_id}#{status}", limit, start)
        return self._order_page("shop-index", "shop_id", shop_id, limit, start)

    def due_orders(self, now: str, limit: int) -> list[Order]:
        raw = self._call(
            "query",
            TableName=OrderModel.Meta.table_name,
            IndexName="due-index",
            KeyConditionExpression="due_key = :due AND window_closes <= :now",
            ExpressionAttributeValues={":due": {"S": "due"}, ":now": {"S": now}},
            Limit=limit,
        )
        return [order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Items", [])]

    def _order_put(self, order: Order, expected_version: int) -> dict:
        return _put(_order_item(order), "version = :expected", values={":expected": {"N": str(expected_version)}})

    def save_order(
        self,
        order: Order,
        expected_version: int,
        *,
        restock: dict[str, int] | None = None,
        claim_key: str | None = None,
        extra: list[dict] | None = None,
    ) -> Order:
        """Writes a new state of an order (version-checked) with its side effects in one transaction."""
        new = replace(order, version=expected_version + 1)
        actions = [self._order_put(new, expected_version)]
        if claim_key:
            actions.append(
                _put(
                    UniqueModel(claim_key, owner=order.order_id, created_at=order.updated_at),
                    "attribute_not_exists(#k)",
                    names={"#k": "key"},
                )
            )
        # lines without a catalog product (a quote for a custom lot, issue 14) have no stock to restore
        actions += [_stock_change(pid, qty, require_listed=False) for pid, qty in (restock or {}).items() if pid]
        actions += extra or []
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                raise PreconditionFailed("the order changed meanwhile; reload it", code="stale_order") from exc
            if claim_key and len(exc.reasons) > 1 and exc.reasons[1] == "ConditionalCheckFailed":
                raise Conflict("this event was already processed", code="duplicate_event") from exc
            raise _busy(exc) from exc
        return new

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
        """save_order's actions (and a return's put) as Writes, each with the error its condition means."""
        new = replace(order, version=expected_version + 1)
        writes = [
            Write(
                self._order_put(new, expected_version),
                PreconditionFailed("the order changed meanwhile; reload it", code="stale_order"),
            )
        ]
        if claim_key:
            claim = UniqueModel(claim_key, owner=order.order_id, created_at=order.updated_at)
            writes.append(
                Write(
                    _put(claim, "attribute_not_exists(#k)", names={"#k": "key"}),
                    Conflict("this event was already processed", code="duplicate_event"),
                )
            )
        for pid, qty in (restock or {}).items():
            if not pid:  # a line without a catalog product (issue 14: a quote for a custom lot)
                continue
            writes.append(
                Write(
                    _stock_change(pid, qty, require_listed=False),
                    NotFound("a product of this order no longer exists", code="product_not_found"),
                )
            )
        if ret is not None:
            if expected_return_version is None:
                put = _put(self._return_item(ret), "attribute_not_exists(return_id)")
                refused = Conflict("this return exists already", code="return_exists")
            else:
                put = _put(
                    self._return_item(replace(ret, version=expected_return_version + 1)),
                    "version = :rv",
                    values={":rv": {"N": str(expected_return_version)}},
                )
                refused = PreconditionFailed("the return changed meanwhile; reload it", code="stale_return")
            writes.append(Write(put, refused))
        return writes

    def commit(self, writes) -> None:
        actions = [w.action for w in writes]
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            refused = next((i for i, r in enumerate(reasons) if r == "ConditionalCheckFailed"), None)
            if refused is not None and writes[refused].refused is not None:
                raise writes[refused].refused from exc
            raise _busy(exc) from exc

    # --- returns ----------------------------------------------------------------------------------

    def _return_item(self, ret: Return) -> ReturnModel:
        return ReturnModel(
            ret.return_id,
            shop_id=ret.shop_id,
            created_key=f"{ret.created_at}#{ret.return_id}",
            status=ret.status,
            body=return_to_dict(ret),
            version=ret.version,
            **_return_keys(ret),
        )

    def create_return(self, ret: Return, order: Order, expected_order_version: int) -> Order:
        put = _put(self._return_item(ret), "attribute_not_exists(return_id)")
        return self.save_order(order, expected_order_version, extra=[put])

    def receive_return(
        self, ret: Return, expected_version: int, order: Order, expected_order_version: int, restock: dict[str, int]
    ) -> Order:
        new_return = replace(ret, version=expected_version + 1)
        put = _put(self._return_item(new_return), "version = :rv", values={":rv": {"N": str(expected_version)}})
        return self.save_order(order, expected_order_version, restock=restock, extra=[put])

    def get_return(self, return_id: str) -> Return | None:
        raw = self._call("get_item", TableName=ReturnModel.Meta.table_name, Key={"return_id": {"S": return_id}})
        return return_from_dict(ReturnModel.from_raw_data(raw["Item"]).body) if raw.get("Item") else None

    def shop_returns(self, shop_id: str, limit: int, start: dict | None) -> Page:
        kwargs = {
            "TableName": ReturnModel.Meta.table_name,
            "IndexName": "shop-index",
            "KeyConditionExpression": "shop_id = :s",
            "ExpressionAttributeValues": {":s": {"S": shop_id}},
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [return_from_dict(ReturnModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    # --- notifications ----------------------------------------------------------------------------

    def add_notification(self, user_id: str, created_key: str, body: dict) -> bool:
        """False when this notification already exists (events are delivered at least once)."""
        model = NotificationModel(user_id, created_key, body=body)
        try:
            self._call(
                "put_item",
                TableName=NotificationModel.Meta.table_name,
                Item=model.serialize(),
                ConditionExpression="attribute_not_exists(user_id)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def notifications(self, user_id: str, limit: int, start: dict | None) -> Page:
        kwargs = {
            "TableName": NotificationModel.Meta.table_name,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([json.loads(i["body"]["S"]) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    # --- assisted orders (issue 11) -----------------------------------------------------------------

    def assisted_reads(
        self, claim_key: str | None, village_id: str, villager_id: str, product_ids: list[str]
    ) -> tuple[CheckoutClaim | None, Village | None, Villager | None, dict[str, Product]]:
        """What a partner's quote or order for a villager needs, in one BatchGetItem: the Idempotency-Key's
        claim (orders only), the village, the villager and every product (at most 40 lines)."""
        from .models import NetworkModel
        from .network import village_from_item, villager_from_item

        uniques, network, products = (
            UniqueModel.Meta.table_name,
            NetworkModel.Meta.table_name,
            ProductModel.Meta.table_name,
        )
        request: dict[str, Any] = {
            network: {
                "Keys": [
                    {"pk": {"S": f"village#{village_id}"}, "sk": {"S": "village"}},
                    {"pk": {"S": f"villager#{villager_id}"}, "sk": {"S": "villager"}},
                ],
                "ConsistentRead": True,
            },
            products: {"Keys": [{"product_id": {"S": pid}} for pid in dict.fromkeys(product_ids)]},
        }
        if claim_key:
            request[uniques] = {"Keys": [{"key": {"S": claim_key}}], "ConsistentRead": True}
        responses: dict = {uniques: [], network: [], products: []}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for table, items in raw.get("Responses", {}).items():
                responses[table].extend(items)
            request = raw.get("UnprocessedKeys") or {}
        claim = self._claim(responses[uniques][0] if responses[uniques] else None)
        village = villager = None
        for item in responses[network]:
            if item["sk"]["S"] == "village":
                village = village_from_item(item)
            else:
                villager = villager_from_item(item)
        found = {}
        for item in responses[products]:
            product = product_from_item(ProductModel.from_raw_data(item))
            found[product.product_id] = product
        return claim, village, villager, found

    def place_assisted_orders(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        owner: str,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
    ) -> None:
        """Checkout's transaction without a cart: the Idempotency-Key's claim, each product's stock (conditional
        on stock, listing and the price fingerprint the partner was quoted), each order. Raises LinesRefused
        naming the products whose condition failed."""
        actions = [
            _put(
                UniqueModel(claim_key, owner=owner, created_at=now, digest=claim.digest, result=claim.result),
                "attribute_not_exists(#k)",
                names={"#k": "key"},
            ),
            *(_stock_change(pid, -stock[pid], require_listed=True, price_fp=price_fps.get(pid)) for pid in stock),
            *(_put(_order_item(order), "attribute_not_exists(order_id)") for order in orders),
        ]
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            if reasons[0] == "ConditionalCheckFailed":
                raise Conflict("this Idempotency-Key was used meanwhile", code="idempotency_race") from exc
            sold_out = [
                pid
                for pid, reason in zip(stock, reasons[1 : 1 + len(stock)], strict=True)
                if reason == "ConditionalCheckFailed"
            ]
            if sold_out:
                raise LinesRefused(sold_out) from exc
            raise _busy(RuntimeError(str(reasons))) from exc

    # --- the rural service network (issue 10) -------------------------------------------------------

    def pickup_checkout_reads(
        self, buyer_id: str, claim_key: str, village_id: str, business_id: str | None = None
    ) -> tuple[Cart, CheckoutClaim | None, Business | None, Village | None]:
        """checkout_reads for a checkout to a pickup point: the cart, the claim, the buyer's business (issue 14)
        and the village, in one BatchGetItem (checkout stays at 2 calls)."""
        from .models import NetworkModel
        from .network import village_from_item
        from .trade import business_from_item, business_key

        carts, uniques, network = CartModel.Meta.table_name, UniqueModel.Meta.table_name, NetworkModel.Meta.table_name
        trade = TradeModel.Meta.table_name
        request = {
            carts: {"Keys": [{"buyer_id": {"S": buyer_id}}], "ConsistentRead": True},
            uniques: {"Keys": [{"key": {"S": claim_key}}], "ConsistentRead": True},
            network: {"Keys": [{"pk": {"S": f"village#{village_id}"}, "sk": {"S": "village"}}]},
        }
        if business_id:
            request[trade] = {"Keys": [business_key(business_id)], "ConsistentRead": True}
        responses: dict = {carts: [], uniques: [], network: [], trade: []}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for table, items in raw.get("Responses", {}).items():
                responses[table].extend(items)
            request = raw.get("UnprocessedKeys") or {}
        cart = self._cart(buyer_id, responses[carts][0] if responses[carts] else None)
        claim = self._claim(responses[uniques][0] if responses[uniques] else None)
        business = business_from_item(responses[trade][0]) if responses[trade] else None
        village = village_from_item(responses[network][0]) if responses[network] else None
        return cart, claim, business, village

    def _index_page(
        self, table: str, index: str, hash_name: str, hash_value: str, limit: int, start: dict | None,
        *, newest_first: bool, sort_prefix: tuple[str, str] | None = None,
    ) -> dict:  # fmt: skip
        condition = "#h = :h"
        names = {"#h": hash_name}
        values: dict = {":h": {"S": hash_value}}
        if sort_prefix:
            condition += " AND begins_with(#r, :r)"
            names["#r"] = sort_prefix[0]
            values[":r"] = {"S": sort_prefix[1]}
        kwargs = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        return self._call("query", **kwargs)

    def _orders_of(self, raw: dict) -> Page:
        items = [order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    def county_parcels(self, county_id: str, status: str, limit: int, start: dict | None) -> Page:
        """A county's parcels in one status, the latest to enter it first (one Query)."""
        raw = self._index_page(
            OrderModel.Meta.table_name, "county-status-index", "county_status", f"{county_id}#{status}",
            limit, start, newest_first=True,
        )  # fmt: skip
        return self._orders_of(raw)

    def village_parcels(
        self, village_id: str, status: str, limit: int, start: dict | None, *, waiting_only: bool = False
    ) -> Page:
        """A village's parcels in one status (one Query). `waiting_only`: at the county and on no manifest
        yet, the longest waiting first (what a manifest takes); otherwise the latest first."""
        prefix = ("village_sort", "open#") if waiting_only else None
        raw = self._index_page(
            OrderModel.Meta.table_name, "village-status-index", "village_status", f"{village_id}#{status}",
            limit, start, newest_first=not waiting_only, sort_prefix=prefix,
        )  # fmt: skip
        return self._orders_of(raw)

    def orders_by_tracking(self, county_id: str, tracking_number: str) -> list[Order]:
        """The county's shipped parcels with this tracking number (one Query; usually one)."""
        raw = self._index_page(
            OrderModel.Meta.table_name, "tracking-index", "tracking_key", f"{county_id}#{tracking_number.upper()}",
            10, None, newest_first=True,
        )  # fmt: skip
        return self._orders_of(raw).items

    def get_returns(self, return_ids: list[str]) -> list[Return]:
        """One BatchGetItem per 100 returns; unprocessed keys are retried."""
        table = ReturnModel.Meta.table_name
        keys = [{"return_id": {"S": rid}} for rid in dict.fromkeys(return_ids)]
        found = []
        while keys:
            raw = self._call("batch_get_item", RequestItems={table: {"Keys": keys[:100]}})
            found += [
                return_from_dict(ReturnModel.from_raw_data(i).body) for i in raw.get("Responses", {}).get(table, [])
            ]
            keys = keys[100:] + raw.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        return found

    def network_returns(
        self, place_id: str, leg: str, limit: int, start: dict | None, *, waiting_only: bool = False
    ) -> Page:
        """Returns opened at a village, by the village (leg at_village) or the county (other legs) where they
        are (one Query). `waiting_only`: at the village and on no manifest yet, the longest waiting first."""
        raw = self._index_page(
            ReturnModel.Meta.table_name, "leg-index", "network_leg", f"{place_id}#{leg}", limit, start,
            newest_first=not waiting_only, sort_prefix=("leg_sort", "open#") if waiting_only else None,
        )  # fmt: skip
        items = [return_from_dict(ReturnModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    def save_orders(
        self,
        orders: list[tuple[Order, int]],
        *,
        returns: list[tuple[Return, int]] | None = None,
        alongside: list[Write] | None = None,
    ) -> tuple[list[Order], list[Return]]:
        """New states of several orders and returns (each version-checked) and the caller's own writes, in
        ONE transaction (at most 100 actions): a manifest step. Nothing is written if any condition fails."""
        returns, alongside = returns or [], alongside or []
        new_orders = [replace(order, version=expected + 1) for order, expected in orders]
        new_returns = [replace(ret, version=expected + 1) for ret, expected in returns]
        actions = [self._order_put(new, expected) for new, (_, expected) in zip(new_orders, orders, strict=True)]
        actions += [
            _put(self._return_item(new), "version = :rv", values={":rv": {"N": str(expected)}})
            for new, (_, expected) in zip(new_returns, returns, strict=True)
        ]
        actions += [write.action for write in alongside]
        if not actions:
            return [], []
        if len(actions) > 100:
            raise ValueError(f"one transaction holds at most 100 actions, not {len(actions)}")
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            for index, reason in enumerate(reasons):
                if reason != "ConditionalCheckFailed":
                    continue
                if index < len(orders):
                    raise PreconditionFailed("an order changed meanwhile; reload it", code="stale_order") from exc
                if index < len(orders) + len(returns):
                    raise PreconditionFailed("a return changed meanwhile; reload it", code="stale_return") from exc
                refused = alongside[index - len(orders) - len(returns)].refused
                raise (refused or Conflict("the change could not be applied; retry", code="conflict")) from exc
            raise _busy(exc) from exc
        return new_orders, new_returns
