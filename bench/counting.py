"""Counts AWS calls by wrapping botocore's `BaseClient._make_api_call` (sees PynamoDB and boto3 alike).

    with CallRecorder() as rec:
        api.get("/v1/storefronts/handicrafts/products")
    rec.dynamodb().calls, rec.dynamodb().items_read, ...

Per call it records the service, the operation and, for DynamoDB:
- items read: Query/Scan `ScannedCount`; GetItem 1 if an item came back; BatchGetItem the items returned;
  TransactGetItems the responses that hold an item;
- items returned: Query/Scan `Count`, and the same figure as items read for the key-value reads;
- items written: Put/Update/Delete 1, BatchWriteItem its requests, TransactWriteItems its Put/Update/Delete
  (ConditionCheck entries are counted separately as `condition_checks`).
S3 and Cognito calls are recorded too (service + operation) but left out of the DynamoDB figures.
Failed calls are recorded with their error code.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from botocore.client import BaseClient
from botocore.exceptions import ClientError

_lock = threading.RLock()
_active: list[CallRecorder] = []
_original = None

_WRITE_ONE = {"PutItem", "UpdateItem", "DeleteItem"}


@dataclass
class Call:
    service: str
    operation: str
    items_read: int = 0
    items_returned: int = 0
    items_written: int = 0
    condition_checks: int = 0
    table: str | None = None
    index: str | None = None
    error: str | None = None
    written_by_table: Counter = field(default_factory=Counter)  # table -> items put/updated/deleted
    written: list = field(default_factory=list)  # (table, the Item or Key written) per write action


@dataclass
class Totals:
    calls: int = 0
    items_read: int = 0
    items_returned: int = 0
    items_written: int = 0
    condition_checks: int = 0
    operations: Counter = field(default_factory=Counter)

    @property
    def read_amplification(self) -> float | None:
        """items read / items returned (None when nothing was returned)."""
        return self.items_read / self.items_returned if self.items_returned else None

    def describe_operations(self) -> str:
        return ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(self.operations.items())) or "-"


def _dynamodb_figures(call: Call, operation: str, params: dict, response: dict) -> None:
    call.table = params.get("TableName")
    call.index = params.get("IndexName")
    if operation in ("Query", "Scan"):
        call.items_read = int(response.get("ScannedCount", 0))
        call.items_returned = int(response.get("Count", 0))
    elif operation == "GetItem":
        call.items_read = call.items_returned = 1 if response.get("Item") else 0
    elif operation == "BatchGetItem":
        n = sum(len(items) for items in response.get("Responses", {}).values())
        call.items_read = call.items_returned = n
    elif operation == "TransactGetItems":
        n = sum(1 for r in response.get("Responses", []) if r.get("Item"))
        call.items_read = call.items_returned = n
    elif operation in _WRITE_ONE:
        call.items_written = 1
        call.written_by_table[call.table] += 1
        call.written.append((call.table, params.get("Item") or params.get("Key") or {}))
    elif operation == "BatchWriteItem":
        for table, reqs in params.get("RequestItems", {}).items():
            call.written_by_table[table] += len(reqs)
            for req in reqs:
                action = req.get("PutRequest") or req.get("DeleteRequest") or {}
                call.written.append((table, action.get("Item") or action.get("Key") or {}))
        call.items_written = sum(call.written_by_table.values())
    elif operation == "TransactWriteItems":
        items = params.get("TransactItems", [])
        call.condition_checks = sum(1 for i in items if "ConditionCheck" in i)
        call.items_written = len(items) - call.condition_checks
        for item in items:
            for kind, action in item.items():
                if kind != "ConditionCheck":
                    call.written_by_table[action.get("TableName")] += 1
                    call.written.append((action.get("TableName"), action.get("Item") or action.get("Key") or {}))


def _counting_make_api_call(self, operation_name, api_params):
    service = self.meta.service_model.service_name
    call = Call(service=service, operation=operation_name)
    try:
        response = _original(self, operation_name, api_params)
    except ClientError as exc:
        call.error = exc.response.get("Error", {}).get("Code", "ClientError")
        if service == "dynamodb":
            _dynamodb_figures(call, operation_name, api_params, {})  # writes attempted; nothing read
        _record(call)
        raise
    if service == "dynamodb":
        _dynamodb_figures(call, operation_name, api_params, response)
    _record(call)
    return response


def _record(call: Call) -> None:
    with _lock:
        for recorder in _active:
            recorder.calls.append(call)


class CallRecorder:
    """Context manager: records every AWS call made (by any client) while it is open. Nestable."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def __enter__(self) -> CallRecorder:
        global _original
        with _lock:
            if not _active:
                _original = BaseClient._make_api_call
                BaseClient._make_api_call = _counting_make_api_call
            _active.append(self)
        return self

    def __exit__(self, *exc) -> None:
        global _original
        with _lock:
            _active.remove(self)
            if not _active:
                BaseClient._make_api_call = _original
                _original = None

    def reset(self) -> None:
        with _lock:
            self.calls.clear()

    def totals(self, service: str = "dynamodb") -> Totals:
        t = Totals()
        for c in self.calls:
            if c.service != service:
                continue
            t.calls += 1
            t.items_read += c.items_read
            t.items_returned += c.items_returned
            t.items_written += c.items_written
            t.condition_checks += c.condition_checks
            t.operations[c.operation] += 1
        return t

    def written_to(self, table: str, *, succeeded_only: bool = True) -> int:
        """Items put/updated/deleted in `table` (by calls that succeeded, unless told otherwise)."""
        return sum(
            c.written_by_table.get(table, 0)
            for c in self.calls
            if c.service == "dynamodb" and (c.error is None or not succeeded_only)
        )

    def writes_to(self, table: str) -> list[dict]:
        """The Item (put) or Key (update/delete) of every write to `table` by calls that succeeded."""
        return [
            item
            for c in self.calls
            if c.service == "dynamodb" and c.error is None
            for name, item in c.written
            if name == table
        ]

    def dynamodb(self) -> Totals:
        return self.totals("dynamodb")

    def other_services(self) -> Counter:
        """(service, operation) -> calls, for everything but DynamoDB (S3, Cognito, ...)."""
        return Counter((c.service, c.operation) for c in self.calls if c.service != "dynamodb")
