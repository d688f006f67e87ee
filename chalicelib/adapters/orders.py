"""Carts, checkout, orders, returns and notifications on DynamoDB.

Multi-item writes are built as raw TransactWriteItems so the position of each action is known when
DynamoDB reports which condition failed (PynamoDB's TransactWrite reorders actions).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.buying import (
    Cart,
    CheckoutClaim,
    LinesRefused,
    ShopsUnavailable,
    UnpaidHolds,
    order_from_dict,
    order_to_dict,
    return_from_dict,
    return_to_dict,
)
from ..domain.catalog import Product
from ..domain.errors import Conflict, DomainError, NotFound, PreconditionFailed, ServiceUnavailable
from ..domain.events import order_event
from ..domain.ids import utc_now
from ..domain.markets import FxRate
from ..domain.network import Village
from ..domain.orders import Order, Return, TimelineEntry, parse_time, schedule_shard
from ..domain.trade import Business
from ..domain.villagers import Villager
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES, RETRYABLE_REASONS, product_from_item
from .models import (
    CartModel,
    NotificationModel,
    OrderHistoryModel,
    OrderModel,
    ProductModel,
    ReturnModel,
    ShopModel,
    TradeModel,
    UniqueModel,
    shared_connection,
)
from .outbox import outbox_put

# TransactionConflict: another transaction held one of the items (a flash sale: many buyers, one product).
# Retried here with full-jitter exponential backoff, within a small part of the request's time budget
# (Lambda timeout 20 s): at most CONFLICT_ATTEMPTS tries and CONFLICT_BUDGET_SECONDS of waiting, then 503.
CONFLICT_ATTEMPTS = 6
CONFLICT_BASE_SECONDS = 0.025
CONFLICT_CAP_SECONDS = 0.4
CONFLICT_BUDGET_SECONDS = 2.0
_JITTER = secrets.SystemRandom()

# Time-to-live (DynamoDB TTL, declared in infra/data-stack.json). TTL deletes lapsed items some time later, or
# never (moto): every read and condition below treats a lapsed item as absent, so nothing depends on TTL running.
CHECKOUT_CLAIM_DAYS = 1  # an Idempotency-Key answers replays for 24 hours after its checkout
PAYMENT_EVENT_CLAIM_DAYS = 30  # a provider event id is remembered 30 days
IDLE_CART_DAYS = 90
NOTIFICATION_DAYS = 180
_LAPSED = "(attribute_not_exists(#k) OR expires_at < :now_epoch)"


def _epoch(at: str, days: int = 0) -> int:
    return int((parse_time(at) + dt.timedelta(days=days)).timestamp())


def _lapsed(item: dict | None, now: str) -> bool:
    """A TTL'd item whose time has passed (TTL may not have deleted it yet)."""
    return bool(item) and "expires_at" in item and int(item["expires_at"]["N"]) < _epoch(now)


def _hold_key(buyer_id: str) -> str:
    return f"hold#{buyer_id}"


def _hold_attribute(product_id: str) -> str:
    return f"q_{product_id}"


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
    """The stored order; `schedule_key`/`due_at` put it in schedule-index while a job is due on it."""
    schedule = order.schedule()
    return OrderModel(
        order.order_id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        shop_status=f"{order.shop_id}#{order.status}",
        created_key=f"{order.created_at}#{order.order_id}",
        schedule_key=f"{schedule[0]}#{schedule_shard(order.order_id)}" if schedule else None,
        due_at=schedule[1] if schedule else None,
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


def _history_put(order: Order, entry: TimelineEntry) -> dict:
    return _put(
        OrderHistoryModel(
            order.order_id,
            f"{entry.seq:08d}",
            buyer_id=order.buyer_id,
            seller_id=order.seller_id,
            entry=entry.__dict__,
        )
    )


def _hold_change(buyer_id: str, units: dict[str, int], *, held: UnpaidHolds | None = None) -> dict:
    """One Update of the buyer's unpaid-hold item: + units per product at checkout (each conditioned on the
    count read, so two checkouts of one buyer cannot both pass the cap; zeros read are tidied away), or
    - units when an order stops waiting for payment (never conditioned: it must not fail)."""
    names: dict = {}
    values: dict = {":zero": {"N": "0"}}
    sets, removes, conditions = [], [], []
    for i, (product_id, quantity) in enumerate(sorted(units.items())):
        names[f"#q{i}"] = _hold_attribute(product_id)
        values[f":n{i}"] = {"N": str(abs(quantity))}
        sign = "+" if quantity > 0 else "-"
        sets.append(f"#q{i} = if_not_exists(#q{i}, :zero) {sign} :n{i}")
        if held is not None:
            values[f":h{i}"] = {"N": str(held.units.get(product_id, 0))}
            conditions.append(f"(attribute_not_exists(#q{i}) OR #q{i} <= :h{i})")
    if held is not None:
        zeros = [pid for pid, n in sorted(held.units.items()) if n == 0 and pid not in units]
        for j, product_id in enumerate(zeros):
            names[f"#z{j}"] = _hold_attribute(product_id)
            removes.append(f"#z{j}")
            conditions.append(f"(attribute_not_exists(#z{j}) OR #z{j} = :zero)")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    update: dict = {
        "TableName": UniqueModel.Meta.table_name,
        "Key": {"key": {"S": _hold_key(buyer_id)}},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if conditions:
        update["ConditionExpression"] = " AND ".join(conditions)
    return {"Update": update}


def _holds(item: dict | None) -> UnpaidHolds:
    if not item:
        return UnpaidHolds()
    return UnpaidHolds(
        {name[2:]: int(value["N"]) for name, value in item.items() if name.startswith("q_") and "N" in value}
    )


def _stock_change(
    product_id: str,
    delta: int,
    *,
    require_listed: bool,
    price_fp: str | None = None,
    min_stock: int | None = None,
) -> dict:
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
        if min_stock is not None:  # the buyer's unpaid hold is within its cap at this stock (domain.storefronts)
            update["ConditionExpression"] += " AND stock >= :hold_stock"
            update["ExpressionAttributeValues"][":hold_stock"] = {"N": str(min_stock)}
    else:
        update["ConditionExpression"] = "attribute_exists(product_id)"
    return {"Update": update}


def _shop_ids(orders: list[Order]) -> list[str]:
    """The shops of a checkout's orders, each once."""
    return list(dict.fromkeys(order.shop_id for order in orders))


def _shop_active(shop_id: str) -> dict:
    return {
        "ConditionCheck": {
            "TableName": ShopModel.Meta.table_name,
            "Key": {"shop_id": {"S": shop_id}},
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":active": {"S": "active"}},
        }
    }


class DynamoBuyingRepository:
    def __init__(self, region: str, host: str | None, *, sleep=time.sleep, clock: Callable[[], str] = utc_now) -> None:
        self._connection = shared_connection(region, host)
        self._sleep = sleep
        self._clock = clock  # the container's clock: what "lapsed" means for TTL'd items
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

    def _cart(self, buyer_id: str, item: dict | None) -> Cart:
        if not item:
            return Cart(buyer_id)
        model = CartModel.from_raw_data(item)
        if _lapsed(item, self._clock()):  # idle for IDLE_CART_DAYS: empty (its version still guards the next save)
            return Cart(buyer_id, {}, int(model.version))
        return Cart(buyer_id, dict(model.lines or {}), int(model.version))

    def save_cart(self, cart: Cart, now: str) -> Cart:
        new = replace(cart, version=cart.version + 1)
        model = CartModel(
            cart.buyer_id, lines=new.lines, updated_at=now, version=new.version, expires_at=_epoch(now, IDLE_CART_DAYS)
        )
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
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None]:
        """The cart, any earlier use of this Idempotency-Key, the buyer's unpaid holds and the buyer's business
        (issue 14: its badge and net terms go on the orders), in one BatchGetItem."""
        return self._checkout_reads(buyer_id, claim_key, business_id, (), None)[:4]  # type: ignore[return-value]

    def checkout_reads_in_market(
        self, buyer_id: str, claim_key: str, business_id: str | None, fx_pairs: Sequence[str], market: str
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None, dict[str, FxRate], dict]:
        """Issue 12: the same, plus the current rates of `fx_pairs` and the market's delivery terms (consistent
        reads, never the cache)."""
        return self._checkout_reads(buyer_id, claim_key, business_id, fx_pairs, market)

    def _checkout_reads(
        self, buyer_id: str, claim_key: str, business_id: str | None, fx_pairs: Sequence[str], market: str | None
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None, dict[str, FxRate], dict]:
        from .markets import current_rate_key, delivery_from_item, delivery_key, rate_from_item
        from .models import FinanceModel
        from .trade import business_from_item, business_key

        carts, uniques, trade = CartModel.Meta.table_name, UniqueModel.Meta.table_name, TradeModel.Meta.table_name
        request = {
            carts: {"Keys": [{"buyer_id": {"S": buyer_id}}], "ConsistentRead": True},
            uniques: {"Keys": [{"key": {"S": claim_key}}, {"key": {"S": _hold_key(buyer_id)}}], "ConsistentRead": True},
        }
        if business_id:
            request[trade] = {"Keys": [business_key(business_id)], "ConsistentRead": True}
        finance = FinanceModel.Meta.table_name
        if fx_pairs:
            keys = [current_rate_key(p) for p in fx_pairs] + ([delivery_key(market)] if market else [])
            request[finance] = {"Keys": keys, "ConsistentRead": True}
        responses: dict = {carts: [], uniques: [], trade: [], finance: []}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for table, items in raw.get("Responses", {}).items():
                responses[table].extend(items)
            request = raw.get("UnprocessedKeys") or {}
        cart = self._cart(buyer_id, responses[carts][0] if responses[carts] else None)
        by_key = {item["key"]["S"]: item for item in responses[uniques]}
        business = business_from_item(responses[trade][0]) if responses[trade] else None
        rate_items = [item for item in responses[finance] if item["pk"]["S"].startswith("fx#")]
        rates = {r.pair: r for r in (rate_from_item(item) for item in rate_items) if r is not None}
        terms = delivery_from_item(next((i for i in responses[finance] if i["sk"]["S"] == "delivery"), None))
        return cart, self._claim(by_key.get(claim_key)), _holds(by_key.get(_hold_key(buyer_id))), business, rates, terms

    def _claim(self, item: dict | None) -> CheckoutClaim | None:
        if not item or _lapsed(item, self._clock()):
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
        holds: UnpaidHolds,
        hold_stock: dict[str, int],
    ) -> list[dict]:
        """The placement's actions: the idempotency claim, the cart, the buyer's unpaid holds, each line's stock
        (conditional on stock, listing, the price fingerprint the buyer was shown and, per `hold_stock`, the
        stock the buyer's unpaid hold needs), each shop still active, each order, each sample's once-per-buyer
        claim (issue 14), and the orders' events (one outbox item): 4 + lines + 2 x shops + samples actions."""
        return [
            _put(
                UniqueModel(
                    claim_key,
                    owner=cart.buyer_id,
                    created_at=now,
                    digest=claim.digest,
                    result=claim.result,
                    expires_at=_epoch(now, CHECKOUT_CLAIM_DAYS),
                ),
                _LAPSED,
                names={"#k": "key"},
                values={":now_epoch": {"N": str(_epoch(now))}},
            ),
            {
                "Delete": {
                    "TableName": CartModel.Meta.table_name,
                    "Key": {"buyer_id": {"S": cart.buyer_id}},
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(cart.version)}},
                }
            },
            _hold_change(cart.buyer_id, stock, held=holds),
            *(
                _stock_change(
                    pid, -stock[pid], require_listed=True, price_fp=price_fps.get(pid), min_stock=hold_stock.get(pid)
                )
                for pid in stock
            ),
            *(_shop_active(shop_id) for shop_id in _shop_ids(orders)),
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
            outbox_put(f"checkout:{orders[0].checkout_id}", [order_event(o, "order.created") for o in orders], now),
        ]

    @staticmethod
    def _placement_error(
        reasons: list[str | None],
        product_ids: list[str],
        shop_ids: list[str],
        orders: int,
        sample_claims: tuple[str, ...],
    ) -> DomainError:
        if reasons[0] == "ConditionalCheckFailed":
            return Conflict("this Idempotency-Key was used meanwhile", code="idempotency_race")
        if reasons[1] == "ConditionalCheckFailed":
            return Conflict("the cart changed during checkout; review it and retry", code="cart_changed")
        if reasons[2] == "ConditionalCheckFailed":
            return Conflict(
                "another of your checkouts ran at the same moment; review your orders and retry",
                code="checkout_race",
            )
        at = 3
        sold_out = [
            pid
            for pid, reason in zip(product_ids, reasons[at : at + len(product_ids)], strict=True)
            if reason == "ConditionalCheckFailed"
        ]
        at += len(product_ids)
        closed = [
            sid
            for sid, reason in zip(shop_ids, reasons[at : at + len(shop_ids)], strict=True)
            if reason == "ConditionalCheckFailed"
        ]
        if closed:
            return ShopsUnavailable(closed)
        if sold_out:
            return LinesRefused(sold_out)
        first_sample = at + len(shop_ids) + orders
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
        *,
        holds: UnpaidHolds,
        hold_stock: dict[str, int],
        fx: FxRate | None = None,
        extra: Sequence[Write] = (),
    ) -> None:
        """One transaction of `_placement_actions`.

        Raises LinesRefused naming the products whose condition failed, ShopsUnavailable naming the shops.
        Issue 12: with `fx`, the last action checks the rate is still in force (Conflict fx_rate_changed);
        `extra` (a coupon spent) come just before it, each raising its own error when refused.
        """
        from .markets import rate_unchanged_check
        from .models import FinanceModel

        actions = self._placement_actions(
            orders, stock, price_fps, cart, claim_key, claim, now, sample_claims, holds, hold_stock
        )
        first_extra = len(actions)
        actions.extend(w.action for w in extra)
        if fx is not None:
            actions.append(rate_unchanged_check(FinanceModel.Meta.table_name, fx))
        try:
            self._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            for i, write in enumerate(extra):
                if reasons[first_extra + i] == "ConditionalCheckFailed" and write.refused is not None:
                    raise write.refused from exc
            if fx is not None and reasons[-1] == "ConditionalCheckFailed":
                raise Conflict("the exchange rate changed during checkout", code="fx_rate_changed") from exc
            raise self._placement_error(reasons, list(stock), _shop_ids(orders), len(orders), sample_claims) from exc

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
        """place_orders' actions as Writes (to ride in a ledger posting: net terms), the orders' events
        included, and what a refusal of some of them means (the errors place_orders raises)."""
        actions = self._placement_actions(
            orders, stock, price_fps, cart, claim_key, claim, now, sample_claims, holds, hold_stock
        )

        def explain(refused: list[int]) -> DomainError:
            reasons: list[str | None] = [None] * len(actions)
            for i in refused:
                reasons[i] = "ConditionalCheckFailed"
            return self._placement_error(reasons, list(stock), _shop_ids(orders), len(orders), sample_claims)

        return [Write(action) for action in actions], explain

    def new_order_write(self, order: Order) -> Write:
        """A new order's put (an accepted quote's order rides in the RFQ's transaction)."""
        return Write(
            _put(_order_item(order), "attribute_not_exists(order_id)"),
            Conflict("this order exists already", code="order_exists"),
        )

    def order_created_write(self, order: Order, also: Sequence[dict] = ()) -> Write:
        """The event of a new order put by `new_order_write`, and any events `also` announcing the same change
        (one outbox item: it rides in the same transaction, so they are published if and only if it commits)."""
        events = [order_event(order, "order.created"), *also]
        return Write(outbox_put(f"new-order:{order.order_id}", events, order.created_at))

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
                UniqueModel(
                    claim_key,
                    owner=owner,
                    created_at=now,
                    digest=claim.digest,
                    result=claim.result,
                    expires_at=_epoch(now, CHECKOUT_CLAIM_DAYS),
                ),
                _LAPSED,
                names={"#k": "key"},
                values={":now_epoch": {"N": str(_epoch(now))}},
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

    def scheduled_orders(self, job: str, shard: str, due_by: str, limit: int, start: dict | None) -> Page:
        """One Query of a schedule-index partition ("<job>#<shard>"): orders whose `job` is due by `due_by`,
        earliest first."""
        kwargs = {
            "TableName": OrderModel.Meta.table_name,
            "IndexName": "schedule-index",
            "KeyConditionExpression": "schedule_key = :k AND due_at <= :due",
            "ExpressionAttributeValues": {":k": {"S": f"{job}#{shard}"}, ":due": {"S": due_by}},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    def legacy_due_orders(self, due_by: str, limit: int, start: dict | None) -> Page:
        """Delivered orders stored before schedule-index existed, in the old single "due" partition of
        due-index. Nothing writes it any more; the completion job drains it (saving an order moves it over)."""
        kwargs = {
            "TableName": OrderModel.Meta.table_name,
            "IndexName": "due-index",
            "KeyConditionExpression": "due_key = :due AND window_closes <= :now",
            "ExpressionAttributeValues": {":due": {"S": "due"}, ":now": {"S": due_by}},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [order_from_dict(OrderModel.from_raw_data(i).body) for i in raw.get("Items", [])]
        return Page(items, raw.get("LastEvaluatedKey"))

    def _order_put(self, order: Order, expected_version: int) -> dict:
        return _put(_order_item(order), "version = :expected", values={":expected": {"N": str(expected_version)}})

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
        """Writes a new state of an order (version-checked) with its side effects and its event, in one
        transaction (`order_writes`); a refused condition raises its write's error."""
        self.commit(
            self.order_writes(order, expected_version, event=event, restock=restock, claim_key=claim_key, extra=extra)
        )
        return order.as_saved(expected_version)

    def order_history(self, order_id: str, before_seq: int, limit: int) -> list[tuple[str, str, TimelineEntry]]:
        """Timeline entries moved off the order with `seq` < `before_seq`, newest first: one Query. Each with
        the order's buyer and seller ids (so a reader's access is checked without reading the order)."""
        raw = self._call(
            "query",
            TableName=OrderHistoryModel.Meta.table_name,
            KeyConditionExpression="order_id = :o AND seq < :before",
            ExpressionAttributeValues={":o": {"S": order_id}, ":before": {"S": f"{before_seq:08d}"}},
            Limit=limit,
            ScanIndexForward=False,
        )
        out = []
        for item in raw.get("Items", []):
            model = OrderHistoryModel.from_raw_data(item)
            out.append((model.buyer_id, model.seller_id, TimelineEntry(**model.entry)))
        return out

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
        event_facts: Mapping[str, Any] | None = None,
    ) -> list[Write]:
        """Every action of saving a new state of an order, as Writes (each with the error its condition means),
        for one transaction (`commit`, or a ledger posting's `alongside`): the order (version-checked); a
        provider event's claim; restocking; the buyer's unpaid hold given back when the order stops waiting for
        payment; the timeline entries pushed off the order (OrderHistory); a return's put (new, or
        version-checked); the caller's `extra` writes; and the event `event` announcing the change, with the caller's
        `event_facts` (an outbox item: it is published if and only if the change commits). No order change can go
        unannounced."""
        stored, moved = replace(order, version=expected_version + 1, hold_released=False).bounded()
        writes = [
            Write(
                self._order_put(stored, expected_version),
                PreconditionFailed("the order changed meanwhile; reload it", code="stale_order"),
            )
        ]
        if claim_key:
            claim = UniqueModel(
                claim_key,
                owner=order.order_id,
                created_at=order.updated_at,
                expires_at=_epoch(order.updated_at, PAYMENT_EVENT_CLAIM_DAYS),
            )
            writes.append(
                Write(
                    _put(
                        claim, _LAPSED, names={"#k": "key"}, values={":now_epoch": {"N": str(_epoch(order.updated_at))}}
                    ),
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
        if order.hold_released:
            writes.append(Write(_hold_change(order.buyer_id, {pid: -n for pid, n in order.quantities().items()})))
        writes += [Write(_history_put(stored, entry)) for entry in moved]
        if ret is not None:
            if expected_return_version is None:
                put = _put(self._return_item(ret), "attribute_not_exists(return_id)")
                writes.append(Write(put, Conflict("this return exists already", code="return_exists")))
            else:
                put = _put(
                    self._return_item(replace(ret, version=expected_return_version + 1)),
                    "version = :rv",
                    values={":rv": {"N": str(expected_return_version)}},
                )
                writes.append(
                    Write(put, PreconditionFailed("the return changed meanwhile; reload it", code="stale_return"))
                )
        writes += list(extra)
        announced = {**order_event(stored, event), **(event_facts or {})}
        writes.append(Write(outbox_put(f"{stored.order_id}:{stored.version}", [announced], stored.updated_at)))
        return writes

    def commit(self, writes: Sequence[Write]) -> None:
        """One transaction of `writes`; the first refused condition raises its write's error (else 503)."""
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

    def create_return(self, ret: Return, order: Order, expected_order_version: int, *, event: str) -> Order:
        self.commit(self.order_writes(order, expected_order_version, event=event, ret=ret))
        return order.as_saved(expected_order_version)

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
        model = NotificationModel(user_id, created_key, body=body, expires_at=_epoch(body["at"], NOTIFICATION_DAYS))
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
        """Newest first; notifications older than NOTIFICATION_DAYS are left out (whether TTL deleted them yet
        or not), so a page may hold fewer than `limit`."""
        kwargs = {
            "TableName": NotificationModel.Meta.table_name,
            "KeyConditionExpression": "user_id = :u",
            "FilterExpression": "attribute_not_exists(expires_at) OR expires_at >= :now",
            "ExpressionAttributeValues": {":u": {"S": user_id}, ":now": {"N": str(_epoch(self._clock()))}},
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
        on stock, listing and the price fingerprint the partner was quoted), each shop still active, each order,
        and the orders' events (one outbox item). Raises LinesRefused naming the products whose condition
        failed, ShopsUnavailable naming the shops."""
        writes, explain = self.assisted_order_writes(orders, stock, price_fps, owner, claim_key, claim, now)
        try:
            self._transact([w.action for w in writes])
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(writes) - len(exc.reasons))
            refused = [i for i, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"]
            if refused:
                raise explain(refused) from exc
            raise _busy(RuntimeError(str(reasons))) from exc

    def assisted_order_writes(
        self,
        orders: list[Order],
        stock: dict[str, int],
        price_fps: dict[str, str],
        owner: str,
        claim_key: str,
        claim: CheckoutClaim,
        now: str,
    ) -> tuple[list[Write], Callable[[list[int]], DomainError]]:
        """The writes of `place_assisted_orders`, to commit alongside a ledger posting (issue 11: the goods an
        assisted order paid by the partner records), and what explains the refusal of some of them."""
        shop_ids = _shop_ids(orders)
        actions = [
            _put(
                UniqueModel(
                    claim_key,
                    owner=owner,
                    created_at=now,
                    digest=claim.digest,
                    result=claim.result,
                    expires_at=_epoch(now, CHECKOUT_CLAIM_DAYS),
                ),
                _LAPSED,
                names={"#k": "key"},
                values={":now_epoch": {"N": str(_epoch(now))}},
            ),
            *(_stock_change(pid, -stock[pid], require_listed=True, price_fp=price_fps.get(pid)) for pid in stock),
            *(_shop_active(shop_id) for shop_id in shop_ids),
            *(_put(_order_item(order), "attribute_not_exists(order_id)") for order in orders),
            outbox_put(f"assisted:{orders[0].checkout_id}", [order_event(o, "order.created") for o in orders], now),
        ]

        def explain(refused: list[int]) -> DomainError:
            if 0 in refused:
                return Conflict("this Idempotency-Key was used meanwhile", code="idempotency_race")
            at = 1 + len(stock)
            products = list(stock)
            closed = [shop_ids[i - at] for i in refused if at <= i < at + len(shop_ids)]
            if closed:
                return ShopsUnavailable(closed)
            sold_out = [products[i - 1] for i in refused if 1 <= i < at]
            if sold_out:
                return LinesRefused(sold_out)
            return Conflict("an order of this checkout exists already", code="order_exists")

        return [Write(a) for a in actions], explain

    # --- the rural service network (issue 10) -------------------------------------------------------

    def pickup_checkout_reads(
        self, buyer_id: str, claim_key: str, village_id: str, business_id: str | None = None
    ) -> tuple[Cart, CheckoutClaim | None, UnpaidHolds, Business | None, Village | None]:
        """checkout_reads for a checkout to a pickup point: the cart, the claim, the buyer's unpaid holds, the
        buyer's business (issue 14) and the village, in one BatchGetItem (checkout stays at 2 calls)."""
        from .models import NetworkModel
        from .network import village_from_item
        from .trade import business_from_item, business_key

        carts, uniques, network = CartModel.Meta.table_name, UniqueModel.Meta.table_name, NetworkModel.Meta.table_name
        trade = TradeModel.Meta.table_name
        request = {
            carts: {"Keys": [{"buyer_id": {"S": buyer_id}}], "ConsistentRead": True},
            uniques: {"Keys": [{"key": {"S": claim_key}}, {"key": {"S": _hold_key(buyer_id)}}], "ConsistentRead": True},
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
        by_key = {item["key"]["S"]: item for item in responses[uniques]}
        business = business_from_item(responses[trade][0]) if responses[trade] else None
        village = village_from_item(responses[network][0]) if responses[network] else None
        holds = _holds(by_key.get(_hold_key(buyer_id)))
        return cart, self._claim(by_key.get(claim_key)), holds, business, village

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
        events: Sequence[str] = (),
        returns: list[tuple[Return, int]] | None = None,
        alongside: list[Write] | None = None,
    ) -> tuple[list[Order], list[Return]]:
        """New states of several orders and returns (each version-checked), the timeline entries pushed off the
        orders (OrderHistory), the caller's own writes and the orders' events (`events[i]` announces `orders[i]`;
        one outbox item), in ONE transaction (at most 100 actions): a manifest step. Nothing is written (and
        nothing announced) if any condition fails."""
        returns, alongside = returns or [], alongside or []
        if len(events) != len(orders):
            raise ValueError("one event per order")
        bounded = [replace(order, version=expected + 1, hold_released=False).bounded() for order, expected in orders]
        new_orders = [stored for stored, _ in bounded]
        new_returns = [replace(ret, version=expected + 1) for ret, expected in returns]
        actions = [self._order_put(new, expected) for new, (_, expected) in zip(new_orders, orders, strict=True)]
        actions += [
            _put(self._return_item(new), "version = :rv", values={":rv": {"N": str(expected)}})
            for new, (_, expected) in zip(new_returns, returns, strict=True)
        ]
        actions += [write.action for write in alongside]
        actions += [_history_put(stored, entry) for stored, moved in bounded for entry in moved]
        if new_orders:
            first = new_orders[0]
            announced = [order_event(order, kind) for order, kind in zip(new_orders, events, strict=True)]
            actions.append(outbox_put(f"{first.order_id}:{first.version}", announced, first.updated_at))
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
                if index < len(orders) + len(returns) + len(alongside):
                    refused = alongside[index - len(orders) - len(returns)].refused
                    raise (refused or Conflict("the change could not be applied; retry", code="conflict")) from exc
                raise Conflict("the change was announced already; retry", code="conflict") from exc
            raise _busy(exc) from exc
        return new_orders, new_returns
