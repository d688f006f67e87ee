"""The one speed-up of moto's TransactWriteItems, used by the local moto server, the tests and the bench.

moto 5.2 backs a transaction up by `copy.deepcopy` of a table once per *item* of the transaction that
touches it, so a product write with ~30 listing entries copied the listings table ~30 times (and a 10k
product bench deep-copied millions of items per write). Here each table is snapshotted once per
transaction: the same pre-transaction state and the same rollback, a fraction of the work.

The snapshot is a structural copy of the table's item index (new dicts, the same Item objects): Put and Delete
only replace or remove Item objects, never edit one. An Update edits its Item in place, so the items the
transaction's Updates name are deep-copied into the snapshot (only those: a transaction of 100 actions on a
table of 10,000 items copies at most 100 items, not the table). The table's stream is snapshotted too (its
records list), so a rolled-back transaction leaves no stream record behind: moto applies every action of a
failed transaction before it rolls back, and the outbox relay (devtools/outbox_stream.py) reads that stream.

Only moto's speed changes: requests and responses, and so every count the bench reports, are the same
(tests/integration/test_moto_patches.py compares rollbacks with and without the patch).
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

    def __init__(self, table_type: type, updated: dict[str, list[dict]]) -> None:
        self._table_type = table_type
        self._updated = updated  # table name -> the keys its Update actions name
        self._snapshots: dict[int, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if not isinstance(obj, self._table_type):
            return copy.deepcopy(obj, memo)
        if id(obj) not in self._snapshots:
            snap = copy.copy(obj)
            snap.items = defaultdict(dict, {h: (dict(v) if isinstance(v, dict) else v) for h, v in obj.items.items()})
            for key in self._updated.get(obj.name, ()):
                _copy_item(obj, snap, key)
            if obj.stream_shard is not None:
                shard = copy.copy(obj.stream_shard)
                shard.items = list(obj.stream_shard.items)
                snap.stream_shard = shard
            self._snapshots[id(obj)] = snap
        return self._snapshots[id(obj)]


def _copy_item(table: Any, snap: Any, key: dict) -> None:
    """Puts a deep copy of the item `key` names (if it exists) in the snapshot, in place of the shared one."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        if hash_value in table.items:
            snap.items[hash_value] = copy.deepcopy(table.items[hash_value])
        return
    range_value = DynamoType(key[table.range_key_attr])
    if range_value in table.items.get(hash_value, {}):
        snap.items[hash_value][range_value] = copy.deepcopy(table.items[hash_value][range_value])


def _patched(original):
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    @functools.wraps(original)
    def transact_write_items(self, transact_items, *args: Any, **kwargs: Any):
        updated: dict[str, list[dict]] = {}
        for item in transact_items:
            if "Update" in item:
                updated.setdefault(item["Update"]["TableName"], []).append(item["Update"]["Key"])
        saved = models.copy
        models.copy = _SnapshotOncePerTable(Table, updated)  # type: ignore[assignment]
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
