"""Commission rules, payout accounts, payouts and payout runs on DynamoDB (the Finance table; docs/data-model.md).

Items are read and written raw (like adapters/orders.py), so a payout's put can ride in a ledger posting's
transaction (`payout_write`) and amounts stay exact ints.

    commission    / <storefront>[#<market>]   body: the rule's terms over time; version
    producer-commission / producers#<county_id>   the same, for a county's partners on producers' sales (issue 11)
    shop#<shop_id> / account                  body: the payout details; owner_id; version
    shop#<shop_id> / payout#<run_id>          body: the payout; status; owner_id; version; open_key/open_sort while open
    run#<run_id>   / run                      body: what the run did
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.catalog import Shop
from ..domain.errors import Conflict, PreconditionFailed, ServiceUnavailable
from ..domain.ledger import Balance, account_rules, check_currency
from ..domain.producers import PRODUCER_RULE
from ..domain.seller_money import (
    CommissionRule,
    CommissionTerms,
    Payout,
    PayoutAccount,
    parse_payout_id,
    payout_from_dict,
    payout_to_dict,
)
from ..services.ports import Page, Write
from .dynamodb import RETRYABLE_CODES, shop_from_item
from .ledger import account_pk, balance_key
from .models import FinanceModel, LedgerModel, ShopModel, shared_connection

COMMISSION_PK = "commission"
PRODUCER_COMMISSION_PK = "producer-commission"  # issue 11: each county's commission on its producers' sales
OPEN = "open"


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _busy() -> ServiceUnavailable:
    return ServiceUnavailable("the finance store is busy, please retry", retry_after=1)


def shop_pk(shop_id: str) -> str:
    return f"shop#{shop_id}"


def payout_sk(run_id: str) -> str:
    return f"payout#{run_id}"


def _rule_from_item(item: dict) -> CommissionRule:
    body = json.loads(item["body"]["S"])
    return CommissionRule(
        storefront=body["storefront"],
        market=body.get("market"),
        versions=tuple(CommissionTerms.from_dict(v) for v in body["versions"]),
        version=int(item["version"]["N"]),
    )


def _account_from_item(item: dict) -> PayoutAccount:
    body = json.loads(item["body"]["S"])
    return PayoutAccount(
        shop_id=body["shop_id"],
        owner_id=item["owner_id"]["S"],
        holder_name=body["holder_name"],
        bank_name=body["bank_name"],
        account_number=body["account_number"],
        bank_code=body.get("bank_code"),
        updated_at=body["updated_at"],
        version=int(item["version"]["N"]),
    )


def _payout_from_item(item: dict) -> Payout:
    return payout_from_dict(json.loads(item["body"]["S"]))


def _payout_item(payout: Payout) -> dict:
    item = {
        "pk": _s(shop_pk(payout.shop_id)),
        "sk": _s(payout_sk(payout.run_id)),
        "body": _s(json.dumps(payout_to_dict(payout), separators=(",", ":"))),
        "status": _s(payout.status),
        "owner_id": _s(payout.seller_id),
        "version": _n(payout.version),
    }
    if payout.is_open:
        item["open_key"] = _s(OPEN)
        item["open_sort"] = _s(f"{payout.created_at}#{payout.payout_id}")
    return item


class DynamoFinanceRepository:
    def __init__(self, region: str, host: str | None) -> None:
        self._connection = shared_connection(region, host)

    @property
    def _client(self):
        return self._connection.client

    @property
    def _table(self) -> str:
        return FinanceModel.Meta.table_name

    def _call(self, operation: str, **kwargs) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES:
                raise _busy() from exc
            raise
        except BotoCoreError as exc:
            raise _busy() from exc

    def _conditional_put(self, item: dict, condition: str, values: dict | None, refused: Exception) -> None:
        kwargs = {"TableName": self._table, "Item": item, "ConditionExpression": condition}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self._call("put_item", **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise refused from exc
            raise

    def _get(self, pk: str, sk: str) -> dict | None:
        raw = self._call("get_item", TableName=self._table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
        return raw.get("Item")

    def _batch_get(self, requests: dict) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {table: [] for table in requests}
        while requests:
            raw = self._call("batch_get_item", RequestItems=requests)
            for table, items in raw.get("Responses", {}).items():
                found[table].extend(items)
            requests = raw.get("UnprocessedKeys") or {}
        return found

    # --- commission rules -----------------------------------------------------------------------------

    def commission_rules(self, *, producers: bool = False) -> dict[str, CommissionRule]:
        rules, start = {}, None
        while True:
            kwargs = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": _s(PRODUCER_COMMISSION_PK if producers else COMMISSION_PK)},
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            raw = self._call("query", **kwargs)
            for item in raw.get("Items", []):
                rule = _rule_from_item(item)
                rules[rule.key] = rule
            start = raw.get("LastEvaluatedKey")
            if not start:
                return rules

    def save_commission_rule(self, rule: CommissionRule) -> CommissionRule:
        new = replace(rule, version=rule.version + 1)
        body = {
            "storefront": rule.storefront,
            "market": rule.market,
            "versions": [v.to_dict() for v in rule.versions],
        }
        item = {
            "pk": _s(PRODUCER_COMMISSION_PK if rule.storefront == PRODUCER_RULE else COMMISSION_PK),
            "sk": _s(rule.key),
            "body": _s(json.dumps(body, separators=(",", ":"))),
            "version": _n(new.version),
        }
        if rule.version == 0:
            condition, values = "attribute_not_exists(pk)", None
        else:
            condition, values = "version = :v", {":v": _n(rule.version)}
        refused = Conflict("the commission was changed meanwhile; read it and retry", code="stale_commission")
        self._conditional_put(item, condition, values, refused)
        return new

    # --- payout accounts ----------------------------------------------------------------------------------

    def get_payout_account(self, shop_id: str) -> PayoutAccount | None:
        item = self._get(shop_pk(shop_id), "account")
        return _account_from_item(item) if item else None

    def save_payout_account(self, account: PayoutAccount) -> PayoutAccount:
        new = replace(account, version=account.version + 1)
        body = {"shop_id": account.shop_id, "updated_at": account.updated_at, **account.destination()}
        item = {
            "pk": _s(shop_pk(account.shop_id)),
            "sk": _s("account"),
            "body": _s(json.dumps(body, separators=(",", ":"))),
            "owner_id": _s(account.owner_id),
            "version": _n(new.version),
        }
        if account.version == 0:
            condition, values = "attribute_not_exists(pk)", None
        else:
            condition, values = "version = :v", {":v": _n(account.version)}
        refused = PreconditionFailed("the payout details changed meanwhile; retry", code="stale_payout_account")
        self._conditional_put(item, condition, values, refused)
        return new

    def payout_accounts(self, shop_ids: list[str]) -> dict[str, PayoutAccount]:
        out: dict[str, PayoutAccount] = {}
        ids = list(dict.fromkeys(shop_ids))
        for start in range(0, len(ids), 100):
            keys = [{"pk": _s(shop_pk(i)), "sk": _s("account")} for i in ids[start : start + 100]]
            found = self._batch_get({self._table: {"Keys": keys, "ConsistentRead": True}})
            for item in found[self._table]:
                account = _account_from_item(item)
                out[account.shop_id] = account
        return out

    def shop_with_balances(self, shop_id: str, keys: Sequence) -> tuple[Shop | None, dict[tuple[str, str], Balance]]:
        """One BatchGetItem across the Shops and Ledger tables (running-balance accounts only)."""
        wanted = []
        for account, currency in keys:
            account = str(account)
            check_currency(currency, account)
            if not account_rules(account).running_balance:
                raise ValueError("shop_with_balances reads running-balance accounts only")
            wanted.append((account, currency))
        shops, ledger = ShopModel.Meta.table_name, LedgerModel.Meta.table_name
        requests = {
            shops: {"Keys": [{"shop_id": _s(shop_id)}], "ConsistentRead": True},
            ledger: {"Keys": [balance_key(a, c) for a, c in dict.fromkeys(wanted)], "ConsistentRead": True},
        }
        found = self._batch_get(requests)
        shop = shop_from_item(ShopModel.from_raw_data(found[shops][0])) if found[shops] else None
        items = {i["pk"]["S"]: i for i in found[ledger]}
        balances = {}
        for account, currency in wanted:
            item = items.get(account_pk(account, currency))
            if item:
                balances[(account, currency)] = Balance(
                    account, currency, int(item["balance"]["N"]), int(item["seq"]["N"]), item["booked_at"]["S"]
                )
            else:
                balances[(account, currency)] = Balance(account, currency, 0, 0, None)
        return shop, balances

    # --- payouts -------------------------------------------------------------------------------------------

    def payout_write(self, payout: Payout, expected_version: int | None) -> Write:
        if expected_version is None:
            action = {
                "Put": {
                    "TableName": self._table,
                    "Item": _payout_item(payout),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            return Write(action, Conflict("this payout exists already", code="payout_exists"))
        new = replace(payout, version=expected_version + 1)
        action = {
            "Put": {
                "TableName": self._table,
                "Item": _payout_item(new),
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": _n(expected_version)},
            }
        }
        return Write(action, PreconditionFailed("the payout changed meanwhile", code="stale_payout"))

    def save_payout(self, payout: Payout, expected_version: int) -> Payout:
        new = replace(payout, version=expected_version + 1)
        refused = PreconditionFailed("the payout changed meanwhile", code="stale_payout")
        self._conditional_put(_payout_item(new), "version = :v", {":v": _n(expected_version)}, refused)
        return new

    def get_payout(self, payout_id: str) -> Payout | None:
        parsed = parse_payout_id(payout_id)
        if parsed is None:
            return None
        run_id, shop_id = parsed
        item = self._get(shop_pk(shop_id), payout_sk(run_id))
        return _payout_from_item(item) if item else None

    def run_payouts(self, run_id: str, shop_ids: list[str]) -> dict[str, Payout]:
        out: dict[str, Payout] = {}
        ids = list(dict.fromkeys(shop_ids))
        for start in range(0, len(ids), 100):
            keys = [{"pk": _s(shop_pk(i)), "sk": _s(payout_sk(run_id))} for i in ids[start : start + 100]]
            for item in self._batch_get({self._table: {"Keys": keys, "ConsistentRead": True}})[self._table]:
                payout = _payout_from_item(item)
                out[payout.shop_id] = payout
        return out

    def shop_payouts(self, shop_id: str, limit: int, start: dict | None) -> Page:
        kwargs = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :payout)",
            "ExpressionAttributeValues": {":pk": _s(shop_pk(shop_id)), ":payout": _s("payout#")},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([_payout_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def open_payouts(self, limit: int, start: dict | None) -> Page:
        kwargs = {
            "TableName": self._table,
            "IndexName": "open-index",
            "KeyConditionExpression": "open_key = :open",
            "ExpressionAttributeValues": {":open": _s(OPEN)},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        return Page([_payout_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    # --- runs ------------------------------------------------------------------------------------------------

    def get_run(self, run_id: str) -> dict | None:
        item = self._get(f"run#{run_id}", "run")
        return json.loads(item["body"]["S"]) if item else None

    def save_run(self, run_id: str, record: dict) -> None:
        item = {"pk": _s(f"run#{run_id}"), "sk": _s("run"), "body": _s(json.dumps(record, separators=(",", ":")))}
        self._call("put_item", TableName=self._table, Item=item)
