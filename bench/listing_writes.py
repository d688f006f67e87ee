"""The write side of the storefront index (issue 16): items written per product save, per sale, per shop rename.

Each scenario is one user action through the API, plus what the order-events consumer then writes for it
(`chalicelib/events/order_events.handle_records` over the events the action queued), counted together by
wrapping botocore's `_make_api_call` (bench/counting.py). Reported per scenario: every item written, the
Listings items among them, and the writes to the storefront-wide partition (facet = the storefront key, the
one partition every listed product of a storefront is written to).

`BEFORE` holds the same scenarios measured on the code before issue 16 (commit 15b02c5, this module at its
first commit), so the report shows before and after side by side.

    python -m bench.listing_writes
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import environment

environment.prepare()

from bench.counting import CallRecorder  # noqa: E402

STOREFRONT = "handicrafts"
RENAMED_SHOP_PRODUCTS = 5
TITLE = "Atlas silk scarf with tassels"  # 5 words: 4 x (1 + 5) = 24 facets

# Measured on commit 15b02c5 (before issue 16) with this module: scenario -> (items written, listing items
# written, storefront-wide partition writes).
BEFORE: dict[str, tuple[int, int, int]] = {
    "create product (5-word title)": (25, 24, 1),
    "edit: price": (25, 24, 1),
    "edit: stock 25 -> 20": (25, 24, 1),
    "edit: description": (25, 24, 1),
    "edit: one title word": (29, 28, 1),
    "sale: 1 of 25 (no threshold crossed)": (30, 24, 1),
    "sale: the last unit (sold out)": (30, 24, 1),
    "cancel: stock back from 0": (28, 24, 1),
    f"shop rename ({RENAMED_SHOP_PRODUCTS} products)": (106, 100, 5),
}


@dataclass
class Row:
    name: str
    written: int
    listing_written: int
    storefront_wide: int
    busiest_partition: int
    calls: int
    consumer_calls: int = 0
    listing_item_bytes: list[int] = field(default_factory=list)


def item_bytes(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8), numbers ~ their digits."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        ((kind, raw),) = value.items()
        if kind in ("S", "N"):
            size += len(str(raw).encode())
        elif kind == "L":
            size += 3 + sum(item_bytes({"": v}) for v in raw)
        elif kind == "M":
            size += 3 + item_bytes(raw)
        else:
            size += len(json.dumps(raw).encode())
    return size


class World:
    def __init__(self, api, factory, container) -> None:
        self.api, self.factory, self.container = api, factory, container
        self.seller = factory.user("seller")
        self.buyer = factory.user("buyer")
        self.shop = factory.shop(self.seller, STOREFRONT)
        self.product: dict = {}

    def path(self, product: dict | None = None) -> str:
        p = product or self.product
        return f"/v1/shops/{p['shop_id']}/products/{p['product_id']}"

    def consume(self) -> int:
        """Runs the order-events consumer over what is queued; returns its DynamoDB calls."""
        from chalicelib.events.order_events import handle_records
        from tests.support import drain_order_events

        records = drain_order_events(self.container)
        with CallRecorder() as rec:
            result = handle_records(records)
        assert not result["batchItemFailures"], result
        return rec.dynamodb().calls

    def fill_cart(self, quantity: int) -> None:
        reply = self.api.put(f"/v1/cart/items/{self.product['product_id']}", {"quantity": quantity}, token=self.buyer)
        assert reply.status == 200, reply

    def checkout(self) -> dict:
        from tests.support import checkout

        reply = checkout(self.api, self.buyer)
        assert reply.status == 201, reply
        return reply.json["orders"][0]


def _create(w: World):
    from tests.support import product_body

    reply = w.api.post(f"/v1/shops/{w.shop['shop_id']}/products", product_body(STOREFRONT, title=TITLE), token=w.seller)
    assert reply.status == 201, reply
    w.product = reply.json


def _patch(changes: dict) -> Callable[[World], None]:
    def act(w: World) -> None:
        reply = w.api.patch(w.path(), changes, token=w.seller)
        assert reply.status == 200, reply

    return act


def _checkout(w: World) -> None:
    w.state_order = w.checkout()


def _cancel(w: World) -> None:
    reply = w.api.post(f"/v1/orders/{w.state_order['order_id']}/cancel", token=w.buyer)
    assert reply.status == 200, reply


def _stock_and_cart(stock: int, quantity: int) -> Callable[[World], None]:
    def prepare(w: World) -> None:
        assert w.api.patch(w.path(), {"stock": stock}, token=w.seller).status == 200
        w.fill_cart(quantity)

    return prepare


def _renamed_shop(w: World) -> None:
    w.rename_shop = w.factory.shop(w.seller, STOREFRONT)
    for i in range(RENAMED_SHOP_PRODUCTS):
        w.factory.product(w.seller, w.rename_shop, title=f"Carved walnut comb {i}")
    w.consume()


def _rename(w: World) -> None:
    reply = w.api.patch(
        f"/v1/shops/{w.rename_shop['shop_id']}", {"name": f"Renamed {uuid.uuid4().hex[:6]}"}, token=w.seller
    )
    assert reply.status == 200, reply


# --- issue 15: what verified GIs, harvest seasons, makers and origin counts add to a save ------------------------
# A 5-word specialty in season all year: 24 facets + 4 in-season facets (category x prefecture); verifying a GI
# claim adds 4 GI and 4 GI + in-season facets and rewrites every card (the badge); the season schedule adds or
# removes the 4 in-season facets (cards compute their label when read); a handicraft naming a maker has 1 more
# entry (the maker's page); a specialty's save also moves its origin count (one item, not a listing).

SPECIALTY_TITLE = "Hotan red jujubes family orchards"  # 5 words: 24 facets
ALL_YEAR = list(range(1, 13))


def _specialties_shop(w: World) -> dict:
    if not hasattr(w, "orchard"):
        w.orchard = w.factory.shop(w.seller, "specialties")
    return w.orchard


def _create_specialty(months: list[int]) -> Callable[[World], None]:
    def act(w: World) -> None:
        from tests.support import ATTRIBUTES, product_body

        attrs = {**ATTRIBUTES["specialties"], "season_months": months}
        body = product_body("specialties", title=SPECIALTY_TITLE, attributes=attrs)
        reply = w.api.post(f"/v1/shops/{_specialties_shop(w)['shop_id']}/products", body, token=w.seller)
        assert reply.status == 201, reply
        w.specialty = reply.json

    return act


def _claim(w: World) -> None:
    pdf = b"%PDF-1.4\n% certificate\n%%EOF\n"
    shop_id = _specialties_shop(w)["shop_id"]
    announced = w.api.post(
        f"/v1/shops/{shop_id}/uploads",
        {"purpose": "gi_document", "content_type": "application/pdf", "size": len(pdf)},
        token=w.seller,
    ).json
    w.container.media._s3.put_object(
        Bucket=w.container.settings.media_bucket, Key=announced["upload"]["fields"]["key"], Body=pdf
    )
    assert w.api.post(f"/v1/shops/{shop_id}/uploads/{announced['upload_id']}/complete", token=w.seller).status == 200
    body = {
        "product_ids": [w.specialty["product_id"]],
        "register": "CNIPA",
        "registration_number": "AGI2011-01-0522",
        "protected_name": "Hotan jujube",
        "document": announced["upload_id"],
    }
    w.claim = w.api.post(f"/v1/shops/{shop_id}/gi-claims", body, token=w.seller).json


def _verify(w: World) -> None:
    reply = w.api.post(f"/v1/admin/gi-claims/{w.claim['claim_id']}/verify", token=w.factory.operator)
    assert reply.status == 200, reply


def _specialty_price(w: World) -> None:
    path = f"/v1/shops/{w.specialty['shop_id']}/products/{w.specialty['product_id']}"
    assert w.api.patch(path, {"price": {"amount": 16900, "currency": "CNY"}}, token=w.seller).status == 200


def _out_of_season_until_tomorrow(w: World) -> None:
    """A specialty whose season starts tomorrow (its month is next month's, and today is a month's last day)."""

    real = w.container.clock
    w.clock_before = real
    w.container.clock = lambda: "2026-08-31T12:00:00.000Z"
    _create_specialty([9, 10, 11])(w)


def _season_starts(w: World) -> None:
    from chalicelib.events.seasons import run_season_sweep

    w.container.clock = lambda: "2026-09-01T00:30:00.000Z"
    try:
        assert run_season_sweep()["relisted"] >= 1
    finally:
        w.container.clock = w.clock_before


def _maker(w: World) -> None:
    from tests.support import REGION

    reply = w.api.post(
        f"/v1/shops/{w.shop['shop_id']}/makers",
        {"name": "Memet Ali", "region": REGION, "craft": "copper"},
        token=w.seller,
    )
    assert reply.status == 201, reply
    w.maker = reply.json


def _create_with_maker(w: World) -> None:
    from tests.support import product_body

    attrs = {"maker_id": w.maker["maker_id"], "made_to_order": False}
    body = product_body(STOREFRONT, title=TITLE, attributes=attrs)
    assert w.api.post(f"/v1/shops/{w.shop['shop_id']}/products", body, token=w.seller).status == 201


ISSUE_15_SCENARIOS: list[tuple[str, Callable | None, Callable]] = [
    ("create specialty, in season (5-word title)", _specialties_shop, _create_specialty(ALL_YEAR)),
    ("verify a GI claim on it", _claim, _verify),
    ("edit: price (GI, in season)", None, _specialty_price),
    ("season starts: the schedule re-lists it", _out_of_season_until_tomorrow, _season_starts),
    ("create product naming a maker (5-word title)", _maker, _create_with_maker),
]

SCENARIOS: list[tuple[str, Callable | None, Callable]] = [
    ("create product (5-word title)", None, _create),
    ("edit: price", None, _patch({"price": {"amount": 16900, "currency": "CNY"}})),
    ("edit: stock 25 -> 20", None, _patch({"stock": 20})),
    ("edit: description", None, _patch({"description": "Hand-woven ikat silk, 90 x 90 cm."})),
    ("edit: one title word", None, _patch({"title": "Atlas silk scarf with fringe"})),
    ("sale: 1 of 25 (no threshold crossed)", _stock_and_cart(25, 1), _checkout),
    ("sale: the last unit (sold out)", _stock_and_cart(1, 1), _checkout),
    ("cancel: stock back from 0", None, _cancel),
    (f"shop rename ({RENAMED_SHOP_PRODUCTS} products)", _renamed_shop, _rename),
    *ISSUE_15_SCENARIOS,
]
STOREFRONT_KEYS = ("b2b", "handicrafts", "specialties")


def measure_in(api, factory, container) -> list[Row]:
    """The scenarios in an existing stack (the bench's at 1k / 10k products, or a fresh one)."""
    listings = container.settings.listings_table
    world = World(api, factory, container)
    rows = []
    for name, prepare, act in SCENARIOS:
        if prepare:
            prepare(world)
        world.consume()  # nothing of the preparation is counted
        with CallRecorder() as rec:
            act(world)
            consumer_calls = world.consume()
        keys = rec.writes_to(listings)
        partitions = Counter(k.get("facet", {}).get("S") for k in keys)
        d = rec.dynamodb()
        rows.append(
            Row(
                name=name,
                written=d.items_written - sum(c.items_written for c in rec.calls if c.error),
                listing_written=len(keys),
                storefront_wide=sum(partitions.get(key, 0) for key in STOREFRONT_KEYS),
                busiest_partition=max(partitions.values(), default=0),
                calls=d.calls,
                consumer_calls=consumer_calls,
                listing_item_bytes=[item_bytes(k) for k in keys if "card" in k],
            )
        )
    return rows


def measure() -> list[Row]:
    from chalice.test import Client

    from app import app
    from devtools.moto_patches import fast_moto_transactions
    from tests.support import ROOT, ApiClient, Factory, moto_aws_stack

    with (
        contextlib.redirect_stdout(io.StringIO()),
        moto_aws_stack() as container,
        fast_moto_transactions(),
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        api = ApiClient(client)
        return measure_in(api, Factory(api, container), container)


def render(rows_by_size: dict[int, list[Row]]) -> tuple[str, bool]:
    sizes = sorted(rows_by_size)
    rows = rows_by_size[sizes[-1]]
    same = all(
        [(r.written, r.listing_written, r.storefront_wide) for r in rows_by_size[n]]
        == [(r.written, r.listing_written, r.storefront_wide) for r in rows]
        for n in sizes
    )
    out = [
        "## Listing index: items written per write (issue 16)",
        "",
        "One action through the API plus what the order-events consumer writes for it. Written = every item "
        "put/updated/deleted; listing = items of the Listings table; storefront-wide = writes to the partition "
        "of the product's storefront (no filter: `handicrafts`, `specialties`), which every listed product of the "
        "storefront is written to. Before = the code before issue 16 (commit 15b02c5), same scenarios; the issue 15 "
        "rows (verified GIs, seasons, makers, origin counts) are new.",
        "",
        "| Scenario | Written before | Written after | Listing before | Listing after | Storefront-wide before "
        "| Storefront-wide after | Busiest partition | Calls (request + consumer) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        b = BEFORE.get(r.name, ("-", "-", "-"))
        out.append(
            f"| {r.name} | {b[0]} | {r.written} | {b[1]} | {r.listing_written} | {b[2]} | {r.storefront_wide} "
            f"| {r.busiest_partition} | {r.calls} ({r.consumer_calls} consumer) |"
        )
    sizes_kb = [n for r in rows for n in r.listing_item_bytes]
    out += [
        "",
        f"- Counts identical at {' and '.join(f'{n:,}' for n in sizes)} products: {'**yes**' if same else '**NO**'}.",
    ]
    if sizes_kb:
        avg, top = sum(sizes_kb) / len(sizes_kb), max(sizes_kb)
        out.append(
            f"- Listing item size: {avg:.0f} bytes on average, {top} at most, so 1 WCU per listing write "
            "(DynamoDB bills 1 WCU per started KB; the price-index GSI copy costs the same again)."
        )
    return "\n".join(out) + "\n", same


def main() -> int:
    text, ok = render({0: measure()})
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
