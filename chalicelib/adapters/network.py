"""The rural service network on DynamoDB (issue 10): one table (NetworkModel), items told apart by their keys.

- `county#<id>` / `county`: a county centre; listed under `counties`.
- `village#<id>` / `village`: a village centre; `open_to_village` / `open_to_county` name the manifest being
  built for it; listed under `county#<county_id>#villages`.
- `member#<user_id>` / `county` | `village`: the county a staff member works at, the village a partner runs.
- `manifest#<id>` / `#manifest`: a manifest's header; listed under `county#<id>#manifests#<direction>#<status>`
  and `village#<id>#manifests#<direction>#<status>`.
- `manifest#<id>` / `line#<item id>`: one parcel on it (sorted after the header: one Query reads both).
- `county#<id>` / `fee-rule`: the county's service fee rule for assisted orders (issue 11).
- `remittance#<id>` / `remittance`: cash a partner sent to the county (issue 11); listed under
  `county#<id>#remittances#<status>` and `village#<id>#remittances` (newest first).
- `villager#<id>` / `villager`: a villager a partner serves (issue 11); listed under `village#<id>#villagers`
  (newest first); `villager#<id>` / `word#<word>`: a copy per word of the name, listed under
  `village#<id>#villager-words` by `<word>#<villager id>` (search by the prefix of any word: one Query).
- `producer#<id>` / `producer`: a producer the partner sells for (issue 11); listed under `village#<id>#producers`
  (newest first).

Writes that change orders or returns too go through the buying repository's transaction (`save_orders`), as
`Write`s built here (services/ports.Write): the same all-or-nothing TransactWriteItems.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from typing import Any

from ..domain.assisted import FeeRule
from ..domain.errors import Conflict, PreconditionFailed
from ..domain.network import County, Manifest, ManifestLine, Village
from ..domain.producers import Producer
from ..domain.remittances import Remittance
from ..domain.villagers import Villager, search_words
from ..services.ports import Page, Write
from .models import NetworkModel
from .orders import DynamoBuyingRepository, TransactionCancelled

HEADER = "#manifest"
_MANIFEST_FIELDS = {f.name for f in fields(Manifest)}


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(int(value))}


def _json(value: Any) -> dict:
    return {"S": json.dumps(value, ensure_ascii=False, sort_keys=True)}


def _table() -> str:
    return NetworkModel.Meta.table_name


def _new(item: dict) -> dict:
    """A Put of an item that must not exist yet."""
    return {"Put": {"TableName": _table(), "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def county_item(county: County) -> dict:
    return {
        "pk": _s(f"county#{county.county_id}"),
        "sk": _s("county"),
        "body": _json(asdict(county)),
        "list_pk": _s("counties"),
        "list_sk": _s(f"{county.created_at}#{county.county_id}"),
    }


def county_from_item(item: dict) -> County:
    return County(**json.loads(item["body"]["S"]))


def village_item(village: Village) -> dict:
    body = asdict(village)
    body.pop("open_manifests")
    body.pop("version")
    item = {
        "pk": _s(f"village#{village.village_id}"),
        "sk": _s("village"),
        "body": _json(body),
        "partner_id": _s(village.partner_id),
        "version": _n(village.version),
        "list_pk": _s(f"county#{village.county_id}#villages"),
        "list_sk": _s(f"{village.created_at}#{village.village_id}"),
    }
    for direction, manifest_id in (village.open_manifests or {}).items():
        item[f"open_{direction}"] = _s(manifest_id)
    return item


def village_from_item(item: dict) -> Village:
    body = json.loads(item["body"]["S"])
    opens = {
        key.removeprefix("open_"): value["S"] for key, value in item.items() if key.startswith("open_") and "S" in value
    }
    return Village(**body, open_manifests=opens or None, version=int(item.get("version", {"N": "1"})["N"]))


def _manifest_lists(m: Manifest) -> dict:
    return {
        "list_pk": _s(f"county#{m.county_id}#manifests#{m.direction}#{m.status}"),
        "list_sk": _s(f"{m.created_at}#{m.manifest_id}"),
        "list2_pk": _s(f"village#{m.village_id}#manifests#{m.direction}#{m.status}"),
        "list2_sk": _s(f"{m.created_at}#{m.manifest_id}"),
    }


def manifest_item(m: Manifest) -> dict:
    body = asdict(m)
    for name in ("status", "parcel_count", "version", "scanned"):
        body.pop(name)
    return {
        "pk": _s(f"manifest#{m.manifest_id}"),
        "sk": _s(HEADER),
        "body": _json(body),
        "status": _s(m.status),
        "parcel_count": _n(m.parcel_count),
        "scanned": _json(list(m.scanned)),
        "version": _n(m.version),
        **_manifest_lists(m),
    }


def manifest_from_item(item: dict) -> Manifest:
    body = json.loads(item["body"]["S"])
    body = {k: v for k, v in body.items() if k in _MANIFEST_FIELDS}
    return Manifest(
        **body,
        status=item["status"]["S"],
        parcel_count=int(item["parcel_count"]["N"]),
        scanned=tuple(json.loads(item.get("scanned", {"S": "[]"})["S"])),
        version=int(item["version"]["N"]),
    )


def line_item(line: ManifestLine) -> dict:
    body = asdict(line)
    body.pop("state")
    return {
        "pk": _s(f"manifest#{line.manifest_id}"),
        "sk": _s(f"line#{line.item_id}"),
        "body": _json(body),
        "state": _s(line.state),
    }


def line_from_item(item: dict) -> ManifestLine:
    return ManifestLine(**json.loads(item["body"]["S"]), state=item["state"]["S"])


_VILLAGER_FIELDS = {f.name for f in fields(Villager)}


def _villager_body(v: Villager) -> dict:
    body = asdict(v)
    body.pop("version")
    return _json(body)


def villager_item(v: Villager) -> dict:
    return {
        "pk": _s(f"villager#{v.villager_id}"),
        "sk": _s("villager"),
        "body": _villager_body(v),
        "partner_id": _s(v.partner_id),
        "version": _n(v.version),
        "list_pk": _s(f"village#{v.village_id}#villagers"),
        "list_sk": _s(f"{v.created_at}#{v.villager_id}"),
    }


def villager_word_item(v: Villager, word: str) -> dict:
    return {
        "pk": _s(f"villager#{v.villager_id}"),
        "sk": _s(f"word#{word}"),
        "body": _villager_body(v),
        "partner_id": _s(v.partner_id),
        "version": _n(v.version),
        "list2_pk": _s(f"village#{v.village_id}#villager-words"),
        "list2_sk": _s(f"{word}#{v.villager_id}"),
    }


def villager_from_item(item: dict) -> Villager:
    body = {k: v for k, v in json.loads(item["body"]["S"]).items() if k in _VILLAGER_FIELDS}
    return Villager(**body, version=int(item["version"]["N"]))


def _villager_words(v: Villager) -> tuple[str, ...]:
    return () if v.erased else search_words(v.name)


_PRODUCER_FIELDS = {f.name for f in fields(Producer)}


def producer_item(p: Producer) -> dict:
    body = asdict(p)
    body.pop("version")
    return {
        "pk": _s(f"producer#{p.producer_id}"),
        "sk": _s("producer"),
        "body": _json(body),
        "partner_id": _s(p.partner_id),
        "version": _n(p.version),
        "list_pk": _s(f"village#{p.village_id}#producers"),
        "list_sk": _s(f"{p.created_at}#{p.producer_id}"),
    }


def producer_from_item(item: dict) -> Producer:
    body = {k: v for k, v in json.loads(item["body"]["S"]).items() if k in _PRODUCER_FIELDS}
    return Producer(**body, version=int(item["version"]["N"]))


_REMITTANCE_FIELDS = {f.name for f in fields(Remittance)}


def remittance_item(r: Remittance) -> dict:
    body = asdict(r)
    body.pop("version")
    return {
        "pk": _s(f"remittance#{r.remittance_id}"),
        "sk": _s("remittance"),
        "body": _json(body),
        "partner_id": _s(r.partner_id),
        "status": _s(r.status),
        "version": _n(r.version),
        "list_pk": _s(f"county#{r.county_id}#remittances#{r.status}"),
        "list_sk": _s(f"{r.created_at}#{r.remittance_id}"),
        "list2_pk": _s(f"village#{r.village_id}#remittances"),
        "list2_sk": _s(f"{r.created_at}#{r.remittance_id}"),
    }


def remittance_from_item(item: dict) -> Remittance:
    body = {k: v for k, v in json.loads(item["body"]["S"]).items() if k in _REMITTANCE_FIELDS}
    body["status"] = item["status"]["S"]
    return Remittance(**body, version=int(item["version"]["N"]))


class DynamoNetworkRepository:
    def __init__(self, region: str, host: str | None) -> None:
        # Raw calls and transactions with the same error mapping and conflict retries as the buying adapter.
        self._raw = DynamoBuyingRepository(region, host)

    def _call(self, operation: str, **kwargs) -> dict:
        return self._raw._call(operation, **kwargs)

    def _get(self, pk: str, sk: str, *, consistent: bool = False) -> dict | None:
        raw = self._call("get_item", TableName=_table(), Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=consistent)
        return raw.get("Item")

    def _list(self, index: str, partition: str, limit: int, start: dict | None, *, newest_first: bool) -> dict:
        key = "list_pk" if index == "list-index" else "list2_pk"
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "IndexName": index,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": key},
            "ExpressionAttributeValues": {":p": _s(partition)},
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        return self._call("query", **kwargs)

    # --- counties and villages -------------------------------------------------------------------

    def create_county(self, county: County) -> None:
        try:
            self._raw._transact([_new(county_item(county))])
        except TransactionCancelled as exc:
            raise Conflict("this county centre exists already", code="county_exists") from exc

    def get_county(self, county_id: str) -> County | None:
        item = self._get(f"county#{county_id}", "county")
        return county_from_item(item) if item else None

    def counties(self, limit: int, start: dict | None) -> Page[County]:
        raw = self._list("list-index", "counties", limit, start, newest_first=False)
        return Page([county_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def create_village(self, village: Village, now: str) -> None:
        """The village and its partner's membership, together: a partner runs one village."""
        member = {
            "pk": _s(f"member#{village.partner_id}"),
            "sk": _s("village"),
            "place_id": _s(village.village_id),
            "email": _s(village.partner_email),
            "created_at": _s(now),
        }
        actions = [_new(village_item(village)), _new(member)]
        try:
            self._raw._transact(actions)
        except TransactionCancelled as exc:
            if len(exc.reasons) > 1 and exc.reasons[1] == "ConditionalCheckFailed":
                raise Conflict(
                    "this partner already runs a village service centre", code="partner_runs_another_village"
                ) from exc
            raise Conflict("this village service centre exists already", code="village_exists") from exc

    def get_village(self, village_id: str) -> Village | None:
        item = self._get(f"village#{village_id}", "village")
        return village_from_item(item) if item else None

    def get_village_consistent(self, village_id: str) -> Village | None:
        item = self._get(f"village#{village_id}", "village", consistent=True)
        return village_from_item(item) if item else None

    def villages(self, county_id: str, limit: int, start: dict | None) -> Page[Village]:
        raw = self._list("list-index", f"county#{county_id}#villages", limit, start, newest_first=False)
        return Page([village_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    # --- who works where ---------------------------------------------------------------------------

    def bind_staff(self, user_id: str, email: str, county_id: str, now: str) -> bool:
        """True when newly bound; False when already bound to this county; Conflict for another county."""
        item = {
            "pk": _s(f"member#{user_id}"),
            "sk": _s("county"),
            "place_id": _s(county_id),
            "email": _s(email),
            "created_at": _s(now),
        }
        try:
            self._raw._transact([_new(item)])
            return True
        except TransactionCancelled:
            current = self.membership(user_id, "county")
            if current == county_id:
                return False
            raise Conflict(
                "this account already works at another county centre", code="staff_of_another_county"
            ) from None

    def membership(self, user_id: str, kind: str) -> str | None:
        """The county (kind "county") or village (kind "village") this user is bound to."""
        item = self._get(f"member#{user_id}", kind, consistent=True)
        return item["place_id"]["S"] if item else None

    # --- manifests ---------------------------------------------------------------------------------

    def get_manifest(self, manifest_id: str) -> Manifest | None:
        item = self._get(f"manifest#{manifest_id}", HEADER, consistent=True)
        return manifest_from_item(item) if item else None

    def manifest_page(
        self, manifest_id: str, limit: int, start: dict | None
    ) -> tuple[Manifest | None, Page[ManifestLine]]:
        """One Query of the manifest's partition: on the first page its header (sorted first) and `limit` lines;
        later pages (`start`) lines only, and no header."""
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": _s(f"manifest#{manifest_id}")},
            "Limit": limit + (0 if start else 1),
            "ConsistentRead": True,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        header, lines = None, []
        for item in raw.get("Items", []):
            if item["sk"]["S"] == HEADER:
                header = manifest_from_item(item)
            else:
                lines.append(line_from_item(item))
        return header, Page(lines, raw.get("LastEvaluatedKey"))

    def lines_after(self, manifest_id: str, after_item: str | None, limit: int) -> Page[ManifestLine]:
        """Lines in item order after `after_item` (None: from the first)."""
        low = f"line#{after_item}" if after_item else "line#"
        raw = self._call(
            "query",
            TableName=_table(),
            KeyConditionExpression="pk = :p AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":p": _s(f"manifest#{manifest_id}"),
                ":low": _s(low + ("\x00" if after_item else "")),
                ":high": _s("line#\U0010ffff"),
            },
            Limit=limit,
            ConsistentRead=True,
        )
        return Page([line_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def whole_manifest(self, manifest_id: str) -> tuple[Manifest | None, list[ManifestLine]]:
        """The header and every line: one Query per MB of lines (about 3,000 parcels)."""
        header, lines, start = None, [], None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": _table(),
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": _s(f"manifest#{manifest_id}")},
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            raw = self._call("query", **kwargs)
            for item in raw.get("Items", []):
                if item["sk"]["S"] == HEADER:
                    header = manifest_from_item(item)
                else:
                    lines.append(line_from_item(item))
            start = raw.get("LastEvaluatedKey")
            if not start:
                return header, lines

    def manifests(
        self, side: str, place_id: str, direction: str, status: str, limit: int, start: dict | None
    ) -> Page[Manifest]:
        """A county's (side "county") or a village's (side "village") manifests in one direction and status,
        newest first."""
        index = "list-index" if side == "county" else "list2-index"
        raw = self._list(index, f"{side}#{place_id}#manifests#{direction}#{status}", limit, start, newest_first=True)
        return Page([manifest_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    # --- a county's service fee rule (issue 11) ---------------------------------------------------------

    def get_fee_rule(self, county_id: str) -> FeeRule | None:
        item = self._get(f"county#{county_id}", "fee-rule")
        return FeeRule(**json.loads(item["body"]["S"])) if item else None

    def put_fee_rule(self, rule: FeeRule) -> None:
        item = {"pk": _s(f"county#{rule.county_id}"), "sk": _s("fee-rule"), "body": _json(asdict(rule))}
        self._call("put_item", TableName=_table(), Item=item)

    # --- remittances (issue 11) ------------------------------------------------------------------------

    def get_remittance(self, remittance_id: str) -> Remittance | None:
        item = self._get(f"remittance#{remittance_id}", "remittance", consistent=True)
        return remittance_from_item(item) if item else None

    def county_remittances(self, county_id: str, status: str, limit: int, start: dict | None) -> Page[Remittance]:
        raw = self._list("list-index", f"county#{county_id}#remittances#{status}", limit, start, newest_first=True)
        return Page([remittance_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def village_remittances(self, village_id: str, limit: int, start: dict | None) -> Page[Remittance]:
        raw = self._list("list2-index", f"village#{village_id}#remittances", limit, start, newest_first=True)
        return Page([remittance_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def new_remittance_write(self, r: Remittance) -> Write:
        return Write(_new(remittance_item(r)), Conflict("this remittance exists already", code="remittance_exists"))

    def remittance_write(self, r: Remittance, expected_version: int) -> Write:
        """The remittance as confirmed, if it is still the version (and pending) that was read."""
        action = {
            "Put": {
                "TableName": _table(),
                "Item": remittance_item(replace(r, version=expected_version + 1)),
                "ConditionExpression": "version = :v AND #s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":v": _n(expected_version), ":pending": _s("pending")},
            }
        }
        return Write(action, Conflict("this remittance was confirmed meanwhile", code="remittance_confirmed"))

    # --- villagers (issue 11) -------------------------------------------------------------------------

    def create_villager(self, villager: Villager) -> None:
        """The profile and one search copy per word of the name, together."""
        actions = [_new(villager_item(villager))]
        actions += [
            {"Put": {"TableName": _table(), "Item": villager_word_item(villager, w)}} for w in _villager_words(villager)
        ]
        try:
            self._raw._transact(actions)
        except TransactionCancelled as exc:
            raise Conflict("this villager exists already", code="villager_exists") from exc

    def get_villager(self, villager_id: str, *, consistent: bool = False) -> Villager | None:
        item = self._get(f"villager#{villager_id}", "villager", consistent=consistent)
        return villager_from_item(item) if item else None

    def villagers_by_id(self, villager_ids: list[str]) -> dict[str, Villager]:
        """Villagers by id (one BatchGetItem of at most 100; the missing are left out)."""
        keys = [{"pk": _s(f"villager#{vid}"), "sk": _s("villager")} for vid in dict.fromkeys(villager_ids)][:100]
        found: dict[str, Villager] = {}
        requests: dict = {_table(): {"Keys": keys}} if keys else {}
        while requests:
            raw = self._call("batch_get_item", RequestItems=requests)
            for item in raw.get("Responses", {}).get(_table(), []):
                villager = villager_from_item(item)
                found[villager.villager_id] = villager
            requests = raw.get("UnprocessedKeys") or {}
        return found

    def villagers(self, village_id: str, limit: int, start: dict | None) -> Page[Villager]:
        """A village's villagers, newest first (erased ones too, anonymised)."""
        raw = self._list("list-index", f"village#{village_id}#villagers", limit, start, newest_first=True)
        return Page([villager_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def search_villagers(self, village_id: str, prefix: str, limit: int, start: dict | None) -> Page[Villager]:
        """Villagers with a word of their name starting with `prefix`, by that word (one Query of list2-index)."""
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "IndexName": "list2-index",
            "KeyConditionExpression": "list2_pk = :p AND begins_with(list2_sk, :w)",
            "ExpressionAttributeValues": {":p": _s(f"village#{village_id}#villager-words"), ":w": _s(prefix)},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        raw = self._call("query", **kwargs)
        found: dict[str, Villager] = {}
        for item in raw.get("Items", []):
            villager = villager_from_item(item)
            found.setdefault(villager.villager_id, villager)  # two words of one name may match
        return Page(list(found.values()), raw.get("LastEvaluatedKey"))

    def save_villager(self, before: Villager, after: Villager) -> Villager:
        """`after` written over `before` (version-checked), its search copies replaced; returns what was stored."""
        saved = replace(after, version=before.version + 1)
        actions: list[dict] = [
            {
                "Put": {
                    "TableName": _table(),
                    "Item": villager_item(saved),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": _n(before.version)},
                }
            }
        ]
        kept = _villager_words(saved)
        actions += [
            {
                "Delete": {
                    "TableName": _table(),
                    "Key": {"pk": _s(f"villager#{before.villager_id}"), "sk": _s(f"word#{w}")},
                }
            }
            for w in _villager_words(before)
            if w not in kept
        ]
        actions += [{"Put": {"TableName": _table(), "Item": villager_word_item(saved, w)}} for w in kept]
        try:
            self._raw._transact(actions)
        except TransactionCancelled as exc:
            raise PreconditionFailed("the villager changed meanwhile; retry", code="villager_changed") from exc
        return saved

    # --- producers (issue 11) -------------------------------------------------------------------------

    def create_producer(self, producer: Producer) -> None:
        try:
            self._raw._transact([_new(producer_item(producer))])
        except TransactionCancelled as exc:
            raise Conflict("this producer exists already", code="producer_exists") from exc

    def get_producer(self, producer_id: str, *, consistent: bool = False) -> Producer | None:
        item = self._get(f"producer#{producer_id}", "producer", consistent=consistent)
        return producer_from_item(item) if item else None

    def producers(self, village_id: str, limit: int, start: dict | None) -> Page[Producer]:
        """A village's producers, newest first (erased ones too, anonymised)."""
        raw = self._list("list-index", f"village#{village_id}#producers", limit, start, newest_first=True)
        return Page([producer_from_item(i) for i in raw.get("Items", [])], raw.get("LastEvaluatedKey"))

    def save_producer(self, before: Producer, after: Producer) -> Producer:
        """`after` written over `before` (version-checked); returns what was stored."""
        saved = replace(after, version=before.version + 1)
        action = {
            "Put": {
                "TableName": _table(),
                "Item": producer_item(saved),
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": _n(before.version)},
            }
        }
        try:
            self._raw._transact([action])
        except TransactionCancelled as exc:
            raise PreconditionFailed("the producer changed meanwhile; retry", code="producer_changed") from exc
        return saved

    # --- writes for a transaction (services/ports.Write) ------------------------------------------

    def new_manifest_write(self, manifest: Manifest) -> Write:
        action = {
            "Put": {
                "TableName": _table(),
                "Item": manifest_item(manifest),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return Write(action, Conflict("this manifest exists already", code="manifest_exists"))

    def manifest_write(self, manifest: Manifest, expected_version: int) -> Write:
        """The whole header, version-checked (steps of a dispatch or a receipt)."""
        item = manifest_item(replace(manifest, version=expected_version + 1))
        action = {
            "Put": {
                "TableName": _table(),
                "Item": item,
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": _n(expected_version)},
            }
        }
        return Write(action, PreconditionFailed("the manifest changed meanwhile; retry", code="manifest_changed"))

    def grow_manifest_write(self, manifest: Manifest, added: int, now: str, *, complete: bool) -> Write:
        """More parcels on a manifest being built: counted with ADD (several builders may add at once)."""
        status = "ready" if complete else "building"
        lists = _manifest_lists(replace(manifest, status=status))
        action = {
            "Update": {
                "TableName": _table(),
                "Key": {"pk": _s(f"manifest#{manifest.manifest_id}"), "sk": _s(HEADER)},
                "UpdateExpression": "SET #s = :s, list_pk = :lp, list2_pk = :lp2 ADD parcel_count :n, version :one",
                "ConditionExpression": "#s IN (:building, :ready)",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":s": _s(status),
                    ":lp": lists["list_pk"],
                    ":lp2": lists["list2_pk"],
                    ":n": _n(added),
                    ":one": _n(1),
                    ":building": _s("building"),
                    ":ready": _s("ready"),
                },
            }
        }
        return Write(action, Conflict("the manifest has left already", code="manifest_closed"))

    def line_write(self, line: ManifestLine, *, new: bool) -> Write:
        action: dict[str, Any] = {"Put": {"TableName": _table(), "Item": line_item(line)}}
        if new:
            action["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            action["Put"]["ConditionExpression"] = "attribute_exists(pk)"
        return Write(action, Conflict("this parcel is on the manifest already", code="parcel_on_manifest"))

    def open_manifest_write(self, village_id: str, direction: str, manifest_id: str, *, opening: bool) -> Write:
        """Marks `manifest_id` as the one being built for the village (opening), or checks it still is."""
        key = {"pk": _s(f"village#{village_id}"), "sk": _s("village")}
        names = {"#o": f"open_{direction}"}
        if opening:
            action = {
                "Update": {
                    "TableName": _table(),
                    "Key": key,
                    "UpdateExpression": "SET #o = :m",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#o)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {":m": _s(manifest_id)},
                }
            }
        else:
            action = {
                "ConditionCheck": {
                    "TableName": _table(),
                    "Key": key,
                    "ConditionExpression": "#o = :m",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {":m": _s(manifest_id)},
                }
            }
        return Write(action, Conflict("another manifest is being built for this village", code="manifest_race"))

    def close_manifest_write(self, village_id: str, direction: str, manifest_id: str) -> Write:
        """The manifest leaves: the next build for the village starts a new one."""
        action = {
            "Update": {
                "TableName": _table(),
                "Key": {"pk": _s(f"village#{village_id}"), "sk": _s("village")},
                "UpdateExpression": "REMOVE #o",
                "ConditionExpression": "#o = :m",
                "ExpressionAttributeNames": {"#o": f"open_{direction}"},
                "ExpressionAttributeValues": {":m": _s(manifest_id)},
            }
        }
        return Write(action, Conflict("the manifest is no longer the village's open one", code="manifest_race"))

    def finish_build_write(self, manifest_id: str, manifest: Manifest) -> Write:
        """building -> ready once no parcel is left to put on it."""
        lists = _manifest_lists(replace(manifest, status="ready"))
        action = {
            "Update": {
                "TableName": _table(),
                "Key": {"pk": _s(f"manifest#{manifest_id}"), "sk": _s(HEADER)},
                "UpdateExpression": "SET #s = :ready, list_pk = :lp, list2_pk = :lp2 ADD version :one",
                "ConditionExpression": "#s = :building",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":ready": _s("ready"),
                    ":building": _s("building"),
                    ":lp": lists["list_pk"],
                    ":lp2": lists["list2_pk"],
                    ":one": _n(1),
                },
            }
        }
        return Write(action, Conflict("the manifest is not being built", code="manifest_closed"))

    def transact(self, writes: list[Write]) -> None:
        """Network-only changes, all or nothing; a refused write raises its own error."""
        actions = [w.action for w in writes]
        try:
            self._raw._transact(actions)
        except TransactionCancelled as exc:
            for write, reason in zip(writes, exc.reasons + [None] * len(writes), strict=False):
                if reason == "ConditionalCheckFailed" and write.refused is not None:
                    raise write.refused from exc
            raise Conflict("the change could not be applied; retry", code="network_conflict") from exc
