"""The double-entry ledger on DynamoDB (one table, `LedgerModel`; docs/ledger.md, docs/data-model.md).

A posting is at most two calls: one BatchGetItem (the posting's idempotency record + the running-balance items
of the accounts it touches), then one TransactWriteItems:

- `posting#<id>`: the posting as applied, `attribute_not_exists`: a posting applies once;
- per running-balance account: its balance item, Put conditional on the sequence number read
  (`seq = :seq`, and `balance >= :need` when the account may not go below zero), and the entry, which carries
  the balance after it and that sequence number. Two postings to one account are thereby serialised: the
  second one's condition fails, it re-reads and retries, so running balances stay exact;
- per system account (`platform:*`, `external:*`): an `ADD` to one of `SHARDS` balance items (picked from the
  posting id; no condition, so unrelated postings never contend) and the entry, without a running balance.
- the caller's own writes (`alongside`), first, in the same transaction.

Items are written and read raw (like adapters/orders.py) so amounts stay exact ints and the position of each
action is known when DynamoDB reports which condition failed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import DomainError, ServiceUnavailable, ValidationFailed
from ..domain.ledger import (
    Account,
    Balance,
    BookedEntry,
    Posted,
    Posting,
    RunningState,
    Statement,
    account_rules,
    book,
    check_currency,
    check_limit,
    check_period,
    check_transaction_size,
    posted_from_dict,
    posted_to_dict,
    replay_of,
    require_running_balance,
)
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES, RETRYABLE_REASONS
from .models import LedgerModel, shared_connection

SHARDS = 16  # balance items per system account
# A posting retries while other postings to its running-balance accounts win the race: each lost attempt is
# another posting applied, so 20 postings racing for one account all get through.
MAX_ATTEMPTS = 32
CONDITION_FAILED = "ConditionalCheckFailed"
_RETRY = frozenset({CONDITION_FAILED}) | RETRYABLE_REASONS
_IGNORED = frozenset({None, "None"})


def account_pk(account: str, currency: str) -> str:
    return f"acct#{account}#{currency}"


def shard_pk(account: str, currency: str, shard: int) -> str:
    return f"acct#{account}#{currency}#s{shard:02d}"


def posting_key(posting_id: str) -> dict:
    return {"pk": {"S": f"posting#{posting_id}"}, "sk": {"S": "posting"}}


def balance_key(account: str, currency: str) -> dict:
    return {"pk": {"S": account_pk(account, currency)}, "sk": {"S": "balance"}}


def shard_key(account: str, currency: str, shard: int) -> dict:
    return {"pk": {"S": shard_pk(account, currency, shard)}, "sk": {"S": "balance"}}


def shard_of(posting_id: str, account: str) -> int:
    return int(hashlib.sha256(f"{posting_id}|{account}".encode()).hexdigest()[:8], 16) % SHARDS


def _n(value: int) -> dict:
    return {"N": str(value)}


def entry_item(entry: BookedEntry) -> dict:
    """The stored form of one entry (also used by the bench to seed long histories)."""
    item = {
        "pk": {"S": account_pk(entry.account, entry.currency)},
        "sk": {"S": f"e#{entry.sort_key}"},
        "account": {"S": entry.account},
        "currency": {"S": entry.currency},
        "amount": _n(entry.amount),
        "posting_id": {"S": entry.posting_id},
        "kind": {"S": entry.kind},
        "at": {"S": entry.at},
        "booked_at": {"S": entry.booked_at},
        "refs": {"M": {k: {"S": v} for k, v in entry.refs.items()}},
        "counterparts": {"L": [{"S": a} for a in entry.counterparts]},
    }
    if entry.memo:
        item["memo"] = {"S": entry.memo}
    if entry.seq is not None:
        item["seq"] = _n(entry.seq)
        item["balance_after"] = _n(entry.balance_after)
    return item


def entry_from_item(item: dict) -> BookedEntry:
    return BookedEntry(
        account=item["account"]["S"],
        currency=item["currency"]["S"],
        amount=int(item["amount"]["N"]),
        posting_id=item["posting_id"]["S"],
        kind=item["kind"]["S"],
        at=item["at"]["S"],
        booked_at=item["booked_at"]["S"],
        seq=int(item["seq"]["N"]) if "seq" in item else None,
        balance_after=int(item["balance_after"]["N"]) if "balance_after" in item else None,
        refs={k: v["S"] for k, v in item.get("refs", {}).get("M", {}).items()},
        memo=item.get("memo", {}).get("S", ""),
        counterparts=tuple(a["S"] for a in item.get("counterparts", {}).get("L", [])),
    )


def balance_item(account: str, currency: str, state: RunningState) -> dict:
    return {
        **balance_key(account, currency),
        "account": {"S": account},
        "currency": {"S": currency},
        "balance": _n(state.balance),
        "seq": _n(state.seq),
        "booked_at": {"S": state.booked_at},
    }


def _state(item: dict | None) -> RunningState:
    if not item:
        return RunningState()
    return RunningState(int(item["balance"]["N"]), int(item["seq"]["N"]), item["booked_at"]["S"])


class _Cancelled(Exception):
    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


def _busy() -> ServiceUnavailable:
    return ServiceUnavailable("the ledger is busy, please retry", retry_after=1)


class DynamoLedger:
    """services.ports.Ledger on DynamoDB. Thread-safe (botocore clients are)."""

    def __init__(self, region: str, host: str | None, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._connection = shared_connection(region, host)
        self._sleep = sleep

    @property
    def _client(self):
        return self._connection.client

    @property
    def _table(self) -> str:
        return LedgerModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "TransactionCanceledException":
                raise _Cancelled([r.get("Code") for r in exc.response.get("CancellationReasons", [])]) from exc
            if code in RETRYABLE_CODES:
                raise _busy() from exc
            raise
        except BotoCoreError as exc:
            raise _busy() from exc

    # --- posting ----------------------------------------------------------------------------------------

    def post(
        self,
        posting: Posting,
        *,
        alongside: Sequence[Write] = (),
        explain: Callable[[list[int]], DomainError] | None = None,
    ) -> Posted:
        alongside = tuple(alongside)
        check_transaction_size(posting, len(alongside))
        running = [e.key for e in posting.entries if account_rules(e.account).running_balance]
        for attempt in range(MAX_ATTEMPTS):
            states: dict[tuple[str, str], RunningState] = {}
            if running:  # a posting of system accounts only needs no read: its claim's condition finds a replay
                stored, states = self._read(posting.posting_id, running)
                if stored is not None:
                    return replay_of(*stored, posting)
            booked, new_states = book(posting, states)  # InsufficientFunds before anything is written
            posted = Posted(posting, booked)
            actions = [w.action for w in alongside] + self._actions(posted, states, new_states)
            try:
                self._call("transact_write_items", TransactItems=actions)
                return posted
            except _Cancelled as exc:
                reasons = exc.reasons + [None] * (len(actions) - len(exc.reasons))
                own, claim = reasons[: len(alongside)], reasons[len(alongside)]
                if claim == CONDITION_FAILED:  # this posting id is already applied: the whole unit of work was
                    stored = self._get_stored(posting.posting_id)
                    if stored is not None:
                        return replay_of(*stored, posting)
                refused = [i for i, reason in enumerate(own) if reason == CONDITION_FAILED]
                if refused:
                    if explain is not None:
                        raise explain(refused) from exc
                    error = alongside[refused[0]].refused
                    if error is None:
                        raise RuntimeError(f"alongside write {refused[0]} was refused and names no error") from exc
                    raise error from exc
                unexpected = [r for r in reasons if r not in _IGNORED and r not in _RETRY]
                if unexpected:
                    raise RuntimeError(f"the ledger transaction was cancelled: {reasons}") from exc
            self._sleep(secrets.randbelow(1000) / 1000 * min(0.1, 0.002 * 2**attempt))  # full jitter
        raise _busy()

    def _read(
        self, posting_id: str, running: list[tuple[str, str]]
    ) -> tuple[tuple[Posted, str] | None, dict[tuple[str, str], RunningState]]:
        """One BatchGetItem (consistent): the posting's record and the running-balance items."""
        items = self._batch_get([posting_key(posting_id)] + [balance_key(a, c) for a, c in running])
        record = items.get((f"posting#{posting_id}", "posting"))
        if record is not None:
            return self._stored(record), {}
        return None, {(a, c): _state(items.get((account_pk(a, c), "balance"))) for a, c in running}

    def _batch_get(self, keys: list[dict]) -> dict[tuple[str, str], dict]:
        found: dict[tuple[str, str], dict] = {}
        request = {self._table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            raw = self._call("batch_get_item", RequestItems=request)
            for item in raw.get("Responses", {}).get(self._table, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            request = raw.get("UnprocessedKeys") or {}
        return found

    @staticmethod
    def _stored(item: dict) -> tuple[Posted, str]:
        return posted_from_dict(json.loads(item["body"]["S"])), item["digest"]["S"]

    def _get_stored(self, posting_id: str) -> tuple[Posted, str] | None:
        raw = self._call("get_item", TableName=self._table, Key=posting_key(posting_id), ConsistentRead=True)
        return self._stored(raw["Item"]) if raw.get("Item") else None

    def _actions(
        self,
        posted: Posted,
        states: dict[tuple[str, str], RunningState],
        new_states: dict[tuple[str, str], RunningState],
    ) -> list[dict]:
        posting = posted.posting
        record = {
            **posting_key(posting.posting_id),
            "posting_id": {"S": posting.posting_id},
            "kind": {"S": posting.kind},
            "at": {"S": posting.at},
            "digest": {"S": posting.fingerprint()},
            "body": {"S": json.dumps(posted_to_dict(posted), separators=(",", ":"))},
        }
        actions: list[dict] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": record,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        for entry in posted.entries:
            key = (entry.account, entry.currency)
            if key in new_states:
                actions.append(self._balance_put(entry, states[key], new_states[key], posting.guards(entry.account)))
            else:
                shard = shard_of(posting.posting_id, entry.account)
                actions.append(
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": shard_key(entry.account, entry.currency, shard),
                            "UpdateExpression": "ADD #b :amount SET #a = :account, #c = :currency",
                            "ExpressionAttributeNames": {"#b": "balance", "#a": "account", "#c": "currency"},
                            "ExpressionAttributeValues": {
                                ":amount": _n(entry.amount),
                                ":account": {"S": entry.account},
                                ":currency": {"S": entry.currency},
                            },
                        }
                    }
                )
            actions.append({"Put": {"TableName": self._table, "Item": entry_item(entry)}})
        return actions

    def _balance_put(self, entry: BookedEntry, old: RunningState, new: RunningState, guarded: bool) -> dict:
        put: dict = {"TableName": self._table, "Item": balance_item(entry.account, entry.currency, new)}
        if old.seq == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
            return {"Put": put}
        put["ConditionExpression"] = "#seq = :seq"
        put["ExpressionAttributeNames"] = {"#seq": "seq"}
        put["ExpressionAttributeValues"] = {":seq": _n(old.seq)}
        if guarded and entry.amount < 0:
            # Redundant with the sequence check (the balance read is the current one), and on purpose: the
            # item itself refuses to go below zero, whatever a caller computed.
            put["ConditionExpression"] += " AND #balance >= :need"
            put["ExpressionAttributeNames"]["#balance"] = "balance"
            put["ExpressionAttributeValues"][":need"] = _n(-entry.amount)
        return {"Put": put}

    def get_posting(self, posting_id: str) -> Posted | None:
        stored = self._get_stored(posting_id)
        return None if stored is None else stored[0]

    # --- balances ---------------------------------------------------------------------------------------

    def balance(self, account: str | Account, currency: str) -> Balance:
        """Running-balance account: one GetItem. System account: one TransactGetItems of its shards (a
        serialisable snapshot, so the sum is exactly the postings committed before it)."""
        account, currency = self._key(account, currency)
        if account_rules(account).running_balance:
            raw = self._call("get_item", TableName=self._table, Key=balance_key(account, currency), ConsistentRead=True)
            return self._running_balance(account, currency, raw.get("Item"))
        raw = self._call(
            "transact_get_items",
            TransactItems=[
                {"Get": {"TableName": self._table, "Key": shard_key(account, currency, s)}} for s in range(SHARDS)
            ],
        )
        total = sum(int(r["Item"]["balance"]["N"]) for r in raw.get("Responses", []) if r.get("Item"))
        return Balance(account, currency, total)

    def balances(self, keys: Sequence[tuple[str | Account, str]]) -> dict[tuple[str, str], Balance]:
        """Several balances in one BatchGetItem (each item read consistently; not one snapshot across them)."""
        wanted = list(dict.fromkeys(self._key(a, c) for a, c in keys))
        item_keys = []
        for account, currency in wanted:
            if account_rules(account).running_balance:
                item_keys.append(balance_key(account, currency))
            else:
                item_keys += [shard_key(account, currency, s) for s in range(SHARDS)]
        if len(item_keys) > 100:
            raise ValidationFailed(
                "too many balances for one read",
                code="too_many_balances",
                details=[{"field": "keys", "message": "at most 100 items (a system account counts 16)"}],
            )
        items = self._batch_get(item_keys) if item_keys else {}
        out = {}
        for account, currency in wanted:
            if account_rules(account).running_balance:
                out[(account, currency)] = self._running_balance(
                    account, currency, items.get((account_pk(account, currency), "balance"))
                )
            else:
                shards = [items.get((shard_pk(account, currency, s), "balance")) for s in range(SHARDS)]
                total = sum(int(i["balance"]["N"]) for i in shards if i)
                out[(account, currency)] = Balance(account, currency, total)
        return out

    @staticmethod
    def _key(account: str, currency: str) -> tuple[str, str]:
        account = str(account)
        check_currency(currency, account)
        return account, currency

    @staticmethod
    def _running_balance(account: str, currency: str, item: dict | None) -> Balance:
        state = _state(item)
        return Balance(account, currency, state.balance, state.seq, state.booked_at or None)

    # --- entries and statements -------------------------------------------------------------------------

    def entries(
        self,
        account: str | Account,
        currency: str,
        *,
        start_at: str | None = None,
        end_at: str | None = None,
        newest_first: bool = True,
        limit: int = 20,
        start: dict | None = None,
    ) -> Page:
        """One Query: the account's entries booked in `[start_at, end_at)`."""
        account, currency = self._key(account, currency)
        start_at, end_at = check_period(start_at, end_at)
        items, last = self._query(account, currency, start_at, end_at, newest_first, check_limit(limit), start)
        return Page([entry_from_item(i) for i in items], last)

    def statement(
        self,
        account: str | Account,
        currency: str,
        start_at: str,
        end_at: str,
        *,
        limit: int = 100,
        start: dict | None = None,
    ) -> Statement:
        """Three Queries whatever the history: the last entry before the period (opening balance), the last
        entry before its end (closing balance), and one page of the period's entries, oldest first."""
        account, currency = self._key(account, currency)
        require_running_balance(account)
        start_at, end_at = check_period(start_at, end_at)
        if start_at is None or end_at is None:
            raise ValidationFailed("a statement needs a period", code="invalid_period")
        limit = check_limit(limit)
        opening = self._balance_before(account, currency, start_at)
        closing = self._balance_before(account, currency, end_at)
        items, last = self._query(account, currency, start_at, end_at, False, limit, start)
        entries = tuple(entry_from_item(i) for i in items)
        return Statement(account, currency, start_at, end_at, opening, closing, entries, last)

    def _balance_before(self, account: str, currency: str, at: str) -> int:
        items, _ = self._query(account, currency, None, at, True, 1, None)
        return int(items[0]["balance_after"]["N"]) if items else 0

    def _query(
        self,
        account: str,
        currency: str,
        start_at: str | None,
        end_at: str | None,
        newest_first: bool,
        limit: int,
        start: dict | None,
    ) -> tuple[list[dict], dict | None]:
        pk = account_pk(account, currency)
        # Entries sort as "e#<booked_at>#...", so "e#<t>" falls just before every entry booked at t:
        # BETWEEN "e#<from>" AND "e#<to>" is exactly [from, to). "e$" follows every entry.
        low, high = f"e#{start_at or ''}", f"e#{end_at}" if end_at else "e$"
        kwargs = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
            "ScanIndexForward": not newest_first,
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start is not None:
            kwargs["ExclusiveStartKey"] = self._start_key(start, pk, low, high)
        raw = self._call("query", **kwargs)
        return raw.get("Items", []), raw.get("LastEvaluatedKey")

    @staticmethod
    def _start_key(start: dict, pk: str, low: str, high: str) -> dict:
        """A page position must belong to this account and period (never another account's entries)."""
        try:
            ok = start["pk"]["S"] == pk and low <= start["sk"]["S"] <= high and set(start) == {"pk", "sk"}
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise ValidationFailed(
                "this page position belongs to another account or period",
                code="invalid_cursor",
                details=[{"field": "cursor", "message": "use the next page position of the same query"}],
            )
        return {"pk": {"S": start["pk"]["S"]}, "sk": {"S": start["sk"]["S"]}}
