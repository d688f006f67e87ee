"""Group buys (issue 19) on DynamoDB: items of the Trade table (docs/data-model.md "Group buys").

`group#<id>` / `group`: the group, with its committed total and participant count as top-level numbers
(ADDed by each commitment, so the group page is one read); `group#<id>` / `c#<user_id>`: one commitment.
Orders, stock and idempotency claims are the buying repository's (same transactions as checkout's).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..domain.assisted import FeeRule
from ..domain.buying import CheckoutClaim
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.group_buys import Commitment, GroupBuy, group_shard, participant_key
from ..domain.network import Village
from ..domain.orders import Order
from ..domain.villagers import Villager
from ..services.ports import Page, Position, Write
from .models import ProductModel, TradeModel, UniqueModel
from .orders import DynamoBuyingRepository, TransactionCancelled, _busy, _shop_active
from .outbox import outbox_put


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _body(data: dict) -> dict:
    return {"S": json.dumps(data, separators=(",", ":"), ensure_ascii=False)}


def group_key(group_id: str) -> dict:
    return {"pk": _s(f"group#{group_id}"), "sk": _s("group")}


def commitment_key(group_id: str, participant: str) -> dict:
    """`participant`: a buyer's user id, or "<partner_id>#v#<villager_id>" (Commitment.participant)."""
    return {"pk": _s(f"group#{group_id}"), "sk": _s(f"c#{participant}")}


def user_commitments_partition(user_id: str) -> str:
    return f"user#{user_id}#groups"


def product_groups_partition(product_id: str) -> str:
    return f"product#{product_id}#groups"


def due_partition(group_id: str) -> str:
    return f"due#group#{group_shard(group_id)}"


def group_item(group: GroupBuy, *, due_now: str | None = None) -> dict:
    """The group's item. While open it is in gsi1 (the product's open groups) and in the due index (its shard's
    partition) under its deadline; while closing, under `due_now` (the job resumes it). Closed or failed, it
    leaves both."""
    item: dict[str, Any] = {
        **group_key(group.group_id),
        "body": _body(group.to_dict()),
        "status": _s(group.status),
        "committed": _n(group.committed),
        "participants": _n(group.participants),
        "deadline": _s(group.deadline),
        "version": _n(group.version),
    }
    if group.is_open:
        item["gsi1pk"] = _s(product_groups_partition(group.product_id))
        item["gsi1sk"] = _s(f"{group.deadline}#{group.group_id}")
        item["due_pk"] = _s(due_partition(group.group_id))
        item["due_sk"] = _s(f"{group.deadline}#{group.group_id}")
    elif group.status == "closing":
        at = due_now or group.deadline
        item["due_pk"] = _s(due_partition(group.group_id))
        item["due_sk"] = _s(f"{at}#{group.group_id}")
    return item


def group_from_item(item: dict) -> GroupBuy:
    data = json.loads(item["body"]["S"])
    # the counters are ADDed to the top-level numbers; the body's copies are as of the last full write
    data["committed"] = int(item["committed"]["N"])
    data["participants"] = int(item["participants"]["N"])
    data["version"] = int(item["version"]["N"])
    return GroupBuy.from_dict(data)


def commitment_from_item(item: dict) -> Commitment:
    return Commitment.from_dict(json.loads(item["body"]["S"]))


class DynamoGroupBuyRepository:
    """services.ports.GroupBuyRepository on DynamoDB."""

    def __init__(self, buying: DynamoBuyingRepository) -> None:
        self._store = buying  # its client, error mapping and conflict-retrying transactions

    @property
    def _table(self) -> str:
        return TradeModel.Meta.table_name

    def _call(self, operation: str, **kwargs: Any) -> dict:
        return self._store._call(operation, **kwargs)

    def commit(self, writes: Sequence[Write]) -> None:
        """The writes in one transaction (TransactionConflict retried); a refused condition raises its error."""
        actions = [w.action for w in writes]
        try:
            self._store._transact(actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
            refused = [i for i, r in enumerate(reasons) if r == "ConditionalCheckFailed"]
            if refused and writes[refused[0]].refused is not None:
                raise writes[refused[0]].refused from exc  # type: ignore[misc]
            raise _busy(exc) from exc

    # --- reads ---------------------------------------------------------------------------------------------

    def get_group(self, group_id: str) -> GroupBuy | None:
        raw = self._call("get_item", TableName=self._table, Key=group_key(group_id), ConsistentRead=True)
        return group_from_item(raw["Item"]) if raw.get("Item") else None

    def group_and_commitment(self, group_id: str, user_id: str | None) -> tuple[GroupBuy | None, Commitment | None]:
        """One GetItem (anonymous) or one BatchGetItem (the group and the caller's own commitment)."""
        if user_id is None:
            return self.get_group(group_id), None
        keys = [group_key(group_id), commitment_key(group_id, user_id)]
        items = self._batch_get({self._table: keys})[self._table]
        group = next((group_from_item(i) for i in items if i["sk"]["S"] == "group"), None)
        mine = next((commitment_from_item(i) for i in items if i["sk"]["S"].startswith("c#")), None)
        return group, mine

    def _batch_get(self, request: dict[str, list[dict]]) -> dict[str, list[dict]]:
        pending = {table: {"Keys": keys, "ConsistentRead": True} for table, keys in request.items() if keys}
        found: dict[str, list[dict]] = {table: [] for table in request}
        while pending:
            raw = self._call("batch_get_item", RequestItems=pending)
            for table, items in raw.get("Responses", {}).items():
                found[table].extend(items)
            pending = raw.get("UnprocessedKeys") or {}
        return found

    def join_reads(
        self, group_id: str, user_id: str, claim_key: str
    ) -> tuple[GroupBuy | None, Commitment | None, CheckoutClaim | None]:
        """One BatchGetItem: the group, the caller's commitment and any earlier use of the Idempotency-Key."""
        uniques = UniqueModel.Meta.table_name
        keys = [group_key(group_id), commitment_key(group_id, user_id)]
        found = self._batch_get({self._table: keys, uniques: [{"key": _s(claim_key)}]})
        group = next((group_from_item(i) for i in found[self._table] if i["sk"]["S"] == "group"), None)
        mine = next((commitment_from_item(i) for i in found[self._table] if i["sk"]["S"].startswith("c#")), None)
        claim = self._store._claim(found[uniques][0]) if found[uniques] else None
        return group, mine, claim

    # --- a partner's commitments for villagers (issue 19 with issues 10-11) -----------------------------------

    def villager_join_reads(
        self, group_id: str, partner_id: str, villager_id: str, claim_key: str
    ) -> tuple[GroupBuy | None, Commitment | None, CheckoutClaim | None, str | None, Villager | None]:
        """One BatchGetItem: the group, the partner's commitment for this villager, the Idempotency-Key's claim,
        the partner's village membership (the village they run) and the villager."""
        from .models import NetworkModel
        from .network import villager_from_item

        uniques, network = UniqueModel.Meta.table_name, NetworkModel.Meta.table_name
        keys = [group_key(group_id), commitment_key(group_id, participant_key(partner_id, villager_id))]
        found = self._batch_get(
            {
                self._table: keys,
                uniques: [{"key": _s(claim_key)}],
                network: [
                    {"pk": _s(f"member#{partner_id}"), "sk": _s("village")},
                    {"pk": _s(f"villager#{villager_id}"), "sk": _s("villager")},
                ],
            }
        )
        group = next((group_from_item(i) for i in found[self._table] if i["sk"]["S"] == "group"), None)
        mine = next((commitment_from_item(i) for i in found[self._table] if i["sk"]["S"].startswith("c#")), None)
        claim = self._store._claim(found[uniques][0]) if found[uniques] else None
        member = next((i["place_id"]["S"] for i in found[network] if i["sk"]["S"] == "village"), None)
        villager = next((villager_from_item(i) for i in found[network] if i["sk"]["S"] == "villager"), None)
        return group, mine, claim, member, villager

    def village_and_stock(self, village_id: str, product_id: str) -> tuple[Village | None, int | None]:
        """One BatchGetItem: the village (its pickup point) and the product's stock."""
        from .models import NetworkModel
        from .network import village_from_item

        network, products = NetworkModel.Meta.table_name, ProductModel.Meta.table_name
        found = self._batch_get(
            {
                network: [{"pk": _s(f"village#{village_id}"), "sk": _s("village")}],
                products: [{"product_id": _s(product_id)}],
            }
        )
        village = village_from_item(found[network][0]) if found[network] else None
        stock = int(found[products][0]["stock"]["N"]) if found[products] else None
        return village, stock

    def own_commitments(self, group_id: str, user_id: str, limit: int, start: Position | None) -> Page[Commitment]:
        """The user's commitments in this group: `c#<user_id>` (a buyer's) and `c#<user_id>#v#...` (a partner's
        for villagers). One Query of the key prefix; another user whose id would extend this one is filtered
        out by its user id (ids are fixed-length UUIDs: it does not happen)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :c)",
            "ExpressionAttributeValues": {":pk": _s(f"group#{group_id}"), ":c": _s(f"c#{user_id}")},
            "ConsistentRead": True,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        items = [commitment_from_item(i) for i in raw.get("Items", [])]
        return Page([c for c in items if c.user_id == user_id], raw.get("LastEvaluatedKey"))

    def fee_rules(self, county_ids: list[str]) -> dict[str, FeeRule]:
        """The counties' service fee rules (issue 11) in one BatchGetItem (a group's villagers are in a few)."""
        from .models import NetworkModel

        if not county_ids:
            return {}
        network = NetworkModel.Meta.table_name
        keys = [{"pk": _s(f"county#{c}"), "sk": _s("fee-rule")} for c in dict.fromkeys(county_ids)]
        found = self._batch_get({network: keys})[network]
        rules = [FeeRule(**json.loads(i["body"]["S"])) for i in found]
        return {r.county_id: r for r in rules}

    def product_stock(self, product_id: str) -> int | None:
        raw = self._call(
            "get_item",
            TableName=ProductModel.Meta.table_name,
            Key={"product_id": _s(product_id)},
            ProjectionExpression="stock",
            ConsistentRead=True,
        )
        item = raw.get("Item")
        return int(item["stock"]["N"]) if item else None

    def commitments(self, group_id: str) -> list[Commitment]:
        """Every commitment of the group (the closing reads them all: at most MAX_PARTICIPANTS, a few pages)."""
        out: list[Commitment] = []
        start: dict | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :c)",
                "ExpressionAttributeValues": {":pk": _s(f"group#{group_id}"), ":c": _s("c#")},
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            raw = self._call("query", **kwargs)
            out += [commitment_from_item(i) for i in raw.get("Items", [])]
            start = raw.get("LastEvaluatedKey")
            if not start:
                return out

    def product_groups(self, product_id: str, limit: int, start: Position | None) -> Page[GroupBuy]:
        """The product's open groups, soonest deadline first: one Query of gsi1."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": _s(product_groups_partition(product_id))},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([group_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def user_commitments(self, user_id: str, limit: int, start: Position | None) -> Page[Commitment]:
        """The user's commitments (withdrawn ones are deleted), newest first: one Query of gsi2."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :p",
            "ExpressionAttributeValues": {":p": _s(user_commitments_partition(user_id))},
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([commitment_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def due_groups(self, shard: str, now: str, limit: int, start: Position | None) -> Page[GroupBuy]:
        """Groups of the due index's `shard` partition due at `now` (open past their deadline or at their target,
        or closing), earliest first: one Query."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "due-index",
            "KeyConditionExpression": "due_pk = :p AND due_sk <= :hi",
            "ExpressionAttributeValues": {":p": _s(f"due#group#{shard}"), ":hi": _s(f"{now}#~")},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([group_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    # --- writes (built here, committed by the service) -----------------------------------------------------

    def new_group_write(self, group: GroupBuy) -> Write:
        return Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": group_item(group),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            Conflict("this group exists already", code="group_exists"),
        )

    def commitment_put(self, commitment: Commitment) -> Write:
        item = {
            **commitment_key(commitment.group_id, commitment.participant),
            "body": _body(commitment.to_dict()),
            # gsi2: the user's commitments, newest first (GET /v1/me/group-buys)
            "gsi2pk": _s(user_commitments_partition(commitment.user_id)),
            "gsi2sk": _s(f"{commitment.committed_at}#{commitment.group_id}"),
        }
        return Write(
            {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            Conflict("you have committed to this group already; withdraw first to change it", code="already_committed"),
        )

    def commitment_delete(self, group_id: str, participant: str) -> Write:
        return Write(
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": commitment_key(group_id, participant),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            NotFound("you have no commitment in this group", code="commitment_not_found"),
        )

    def counters_change(
        self,
        group_id: str,
        quantity: int,
        participants: int,
        *,
        now: str,
        room: int | None,
        refused: DomainError,
        due_now: bool = False,
    ) -> Write:
        """ADD to the group's committed total and participant count while it is open and before its deadline;
        `room`: the total may not exceed it afterwards (stock seen, checked in the same transaction). `due_now`:
        the commitment reaches the target, so the group is put in the due index at `now` (if closing it in the
        same request fails, the clock's job closes it on its next run, not at the deadline)."""
        condition = "#status = :open AND deadline > :now"
        values: dict[str, Any] = {
            ":q": _n(quantity),
            ":p": _n(participants),
            ":one": _n(1),
            ":open": _s("open"),
            ":now": _s(now),
        }
        if room is not None:
            condition += " AND committed <= :room"
            values[":room"] = _n(room - quantity)
        update = "ADD committed :q, participants :p, version :one"
        if due_now:
            update += " SET due_sk = :ds"
            values[":ds"] = _s(f"{now}#{group_id}")
        return Write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": group_key(group_id),
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            refused,
        )

    def stock_at_least(self, product_id: str, stock: int, price_fp: str) -> Write:
        """The product still listed, at the group's price terms, with at least `stock` units."""
        return Write(
            {
                "ConditionCheck": {
                    "TableName": ProductModel.Meta.table_name,
                    "Key": {"product_id": _s(product_id)},
                    "ConditionExpression": "stock >= :need AND listed = :yes AND price_fp = :fp",
                    "ExpressionAttributeValues": {":need": _n(stock), ":yes": {"BOOL": True}, ":fp": _s(price_fp)},
                }
            },
            Conflict("the product does not have that many units in stock", code="insufficient_stock"),
        )

    def group_write(self, group: GroupBuy, *, expected_status: str, expected_committed: int, now: str) -> Write:
        """The group in its new state, only if it is still in `expected_status` with `expected_committed` units
        (so no commitment came or went between reading the commitments and closing on them)."""
        return Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": group_item(group, due_now=now),
                    "ConditionExpression": "#status = :st AND committed = :c",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":st": _s(expected_status), ":c": _n(expected_committed)},
                }
            },
            Conflict("the group changed meanwhile", code="group_changed"),
        )

    def existing_orders(self, order_ids: list[str]) -> set[str]:
        """Which of these orders exist (BatchGetItem of their keys, 100 at a time)."""
        return {o.order_id for o in self._store.get_orders(order_ids)} if order_ids else set()

    def order_put(self, order: Order) -> Write:
        return self._store.new_order_write(order)

    def stock_take(self, product_id: str, quantity: int) -> Write:
        """The whole group's units taken from the product's stock, while it is still listed (for sale)."""
        update = self._store.stock_take_write(product_id, quantity).action["Update"]
        update["ConditionExpression"] = "attribute_exists(product_id) AND stock >= :need AND listed = :yes"
        update["ExpressionAttributeValues"][":yes"] = {"BOOL": True}
        return Write({"Update": update}, Conflict("the stock cannot cover the group", code="insufficient_stock"))

    def shop_active(self, shop_id: str) -> Write:
        """The group's shop is still active (not suspended): checkout's per-shop check (issue 9)."""
        return Write(_shop_active(shop_id), Conflict("the shop is not selling at the moment", code="shop_unavailable"))

    def events_write(self, outbox_id: str, events: list[dict[str, Any]], now: str) -> Write:
        """One outbox item carrying `events`: it commits with the change they announce, or not at all."""
        return Write(outbox_put(outbox_id, events, now), Conflict("these events were written already", code="replayed"))
