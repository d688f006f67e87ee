"""The one speed-up of moto's TransactWriteItems, used by the local moto server, the tests and the bench.

moto 5.2 backs a transaction up by `copy.deepcopy` of a table once per *item* of the transaction that
touches it, so a product write with ~30 listing entries copied the listings table ~30 times (and a 10k
product bench deep-copied millions of items per write). Here each table is snapshotted once per
transaction: the same pre-transaction state and the same rollback, a fraction of the work.

The snapshot is a structural copy of the table's item index (a new top-level dict, the same Item objects): Put
and Delete only replace or remove Item objects, never edit one. A table with a sort key keeps a dict per
partition, and only the partitions the transaction writes get their own copy (the others are shared: nothing
in the transaction changes them). An Update edits its Item in place, so the items the transaction's Updates
name are deep-copied into the snapshot (only those: a transaction of 100 actions on a table of 10,000 items
copies at most 100 items, not the table). The table's stream is snapshotted too (its
records list), so a rolled-back transaction leaves no stream record behind: moto applies every action of a
failed transaction before it rolls back, and the outbox relay (devtools/outbox_stream.py) reads that stream.

The snapshots are made without moto's instance tracking: every moto model object made through its class
(`copy.copy` included) is appended to a class-wide list that lives until the mock ends, so each transaction's
snapshot (the table's whole index and its stream's record list) would be kept for good: memory quadratic in
the number of transactions (bench/jobs_bench.py at 1,000 orders peaked at 650 MB; at 5,000 now 570 MB).

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

    def __init__(self, table_type: type, written: dict[str, list[dict]], updated: dict[str, list[dict]]) -> None:
        self._table_type = table_type
        self._written = written  # table name -> the keys (or whole items) its Put, Update and Delete actions name
        self._updated = updated  # table name -> the keys its Update actions name
        self._snapshots: dict[int, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if not isinstance(obj, self._table_type):
            return copy.deepcopy(obj, memo)
        if id(obj) not in self._snapshots:
            snap = _untracked_copy(obj)
            snap.items = defaultdict(dict, obj.items)  # a C-level copy: no key is hashed again
            if obj.range_key_attr is not None:
                _copy_partitions(obj, snap, self._written.get(obj.name, ()))
            for key in self._updated.get(obj.name, ()):
                _copy_item(obj, snap, key)
            if obj.stream_shard is not None:
                shard = _untracked_copy(obj.stream_shard)
                shard.items = list(obj.stream_shard.items)
                snap.stream_shard = shard
            self._snapshots[id(obj)] = snap
        return self._snapshots[id(obj)]


def _untracked_copy(obj: Any) -> Any:
    """`copy.copy` of a moto model that moto's class-wide instance list does not keep alive after the transaction
    (`BaseModel.__new__` appends every new instance to `instances_tracked`; `object.__new__` does not)."""
    clone = object.__new__(type(obj))
    clone.__dict__.update(obj.__dict__)
    return clone


def _copy_partitions(table: Any, snap: Any, keys: Any) -> None:
    """Gives the snapshot its own dict of each partition that `keys` write to (a sort-key table's index is a dict of
    partitions, each a dict of items)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    for key in keys:
        if table.hash_key_attr not in key:
            continue  # moto refuses the action itself
        hash_value = DynamoType(key[table.hash_key_attr])
        if hash_value in table.items and snap.items[hash_value] is table.items[hash_value]:
            snap.items[hash_value] = dict(table.items[hash_value])


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
        written: dict[str, list[dict]] = {}
        updated: dict[str, list[dict]] = {}
        for item in transact_items:
            for kind, action in item.items():
                if kind in ("Put", "Update", "Delete") and isinstance(action, dict) and "TableName" in action:
                    key = action.get("Item") if kind == "Put" else action.get("Key")
                    if isinstance(key, dict):
                        written.setdefault(action["TableName"], []).append(key)
                        if kind == "Update":
                            updated.setdefault(action["TableName"], []).append(key)
        saved = models.copy
        models.copy = _SnapshotOncePerTable(Table, written, updated)  # type: ignore[assignment]
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
