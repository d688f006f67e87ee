"""The one speed-up of moto's TransactWriteItems, used by the local moto server, the tests and the bench.

moto 5.2 backs a transaction up by `copy.deepcopy` of a table once per *item* of the transaction that
touches it, so a product write with ~30 listing entries copied the listings table ~30 times (and a 10k
product bench deep-copied millions of items per write). Here each table is snapshotted once per
transaction: the same pre-transaction state and the same rollback, a fraction of the work.

The snapshot is a structural copy of the table's item index (new dicts, the same Item objects): Put and
Delete only replace or remove Item objects, never edit one. An Update edits its Item in place, so the
partitions the transaction updates (by hash key) are deep-copied into the snapshot as well: a ledger posting
that adds to a system account's balance shard copies that one small partition, not the whole ledger.

Only moto's speed changes: requests and responses, and so every count the bench reports, are the same.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

_MARK = "_bazaar_single_snapshot"


class _SnapshotOncePerTable:
    """Stands in for the `copy` module inside moto.dynamodb.models during one transaction."""

    def __init__(self, table_type: type, updated: dict[str, set]) -> None:
        self._table_type = table_type
        self._updated = updated  # table name -> hash keys (DynamoType) of the partitions the transaction updates
        self._snapshots: dict[int, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if not isinstance(obj, self._table_type):
            return copy.deepcopy(obj, memo)
        if id(obj) not in self._snapshots:
            snap = copy.copy(obj)
            snap.items = defaultdict(dict, {h: (dict(v) if isinstance(v, dict) else v) for h, v in obj.items.items()})
            for h in self._updated.get(obj.name, ()):
                if h in obj.items:
                    snap.items[h] = copy.deepcopy(obj.items[h])
            self._snapshots[id(obj)] = snap
        return self._snapshots[id(obj)]


def _updated_partitions(backend: Any, transact_items: list[dict]) -> dict[str, set]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    updated: dict[str, set] = defaultdict(set)
    for item in transact_items:
        op = item.get("Update")
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is not None and table.hash_key_attr in (op.get("Key") or {}):
            updated[table.name].add(DynamoType(op["Key"][table.hash_key_attr]))
    return updated


def _patched(original):
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    @functools.wraps(original)
    def transact_write_items(self, transact_items, *args: Any, **kwargs: Any):
        saved = models.copy
        models.copy = _SnapshotOncePerTable(Table, _updated_partitions(self, transact_items))  # type: ignore[assignment]
        try:
            return original(self, transact_items, *args, **kwargs)
        finally:
            models.copy = saved  # type: ignore[assignment]

    setattr(transact_write_items, _MARK, True)
    return transact_write_items


def install_fast_transactions() -> None:
    """For the whole process (the local moto server). Idempotent."""
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    if not getattr(original, _MARK, False):
        models.DynamoDBBackend.transact_write_items = _patched(original)  # type: ignore[method-assign]


@contextlib.contextmanager
def fast_moto_transactions() -> Iterator[None]:
    """For a block (tests, the bench); restores moto's own behaviour afterwards."""
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, _MARK, False):
        yield  # already fast
        return
    models.DynamoDBBackend.transact_write_items = _patched(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]
