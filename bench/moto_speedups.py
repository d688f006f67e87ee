"""Makes moto's TransactWriteItems cost O(items in the transaction) instead of O(tables), for the bench only.

moto 5.2 backs up a transaction by `copy.deepcopy` of every table it touches, once per item in the
transaction (moto/dynamodb/models/__init__.py, `transact_write_items`). A product save is one transaction
of ~14 items on the Listings table, which at 10k products holds ~120k listing items: each seller write
then deep-copies >1.5 million items. This replaces that backup with a structural copy of the table's
item index (new dicts, the same Item objects), taken once per table per transaction. That is still a
correct backup, because Put and Delete only replace or remove Item objects in those dicts; a transaction
with an Update (which edits an Item in place) falls back to moto's own deep copy.

Only moto's speed changes: the requests botocore sends and the responses it gets, and so every count the
bench reports, are the same with or without this.
"""

from __future__ import annotations

import contextlib
import copy
from collections import defaultdict
from collections.abc import Iterator


class _CopyWithCheapTableSnapshots:
    """Stands in for the `copy` module inside moto.dynamodb.models during one transaction."""

    def __init__(self, table_type) -> None:
        self._table_type = table_type
        self._snapshots: dict[int, object] = {}

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, obj, memo=None):
        if not isinstance(obj, self._table_type):
            return copy.deepcopy(obj, memo)
        snap = self._snapshots.get(id(obj))
        if snap is None:
            snap = copy.copy(obj)
            snap.items = defaultdict(dict, {h: (dict(v) if isinstance(v, dict) else v) for h, v in obj.items.items()})
            self._snapshots[id(obj)] = snap
        return snap


@contextlib.contextmanager
def fast_moto_transactions() -> Iterator[None]:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        if any("Update" in item for item in transact_items):
            return original(self, transact_items)
        saved = models.copy
        models.copy = _CopyWithCheapTableSnapshots(Table)
        try:
            return original(self, transact_items)
        finally:
            models.copy = saved

    models.DynamoDBBackend.transact_write_items = transact_write_items
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = original
