"""DynamoDB calls of the buying path (issue 4): a checkout of N lines across k shops, the cart and order pages.

Target: a checkout is one read batch + one transaction whatever N and k. What the code does, and what is
reported: BatchGetItem (cart + idempotency claim; each cart line carries the offer the buyer was shown) +
TransactWriteItems (claim, cart, one stock update per line conditioned on stock, listing and the offer's
price fingerprint, one order per shop) = 2 calls, the same for every N and k (3 before issue 16, which
read the products in between). The cart page is GetItem (cart) + BatchGetItem (its products) = 2 (which
products to read is only known once the cart is read). Order pages are 1 call each.

In-process moto (tests/support.moto_aws_stack), every request through chalice.test.Client with real tokens,
calls counted by wrapping botocore's `_make_api_call` (bench/counting.py). Only counts mean anything here.

    python -m bench.checkout_bench

Exit status 1 when a count is over its target or differs between (N, k).
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import environment

environment.prepare()

from bench.counting import CallRecorder, Totals  # noqa: E402

SHAPES = [(1, 1), (5, 1), (10, 5), (30, 10)]  # (lines, shops)
ADDRESS = {
    "name": "Aynur Tohti",
    "phone": "+86 991 555 0101",
    "lines": ["12 Renmin Road"],
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
}
# route -> target DynamoDB calls (bench/budgets.py), for the per-shape request table
ROUTES = [
    "GET /v1/cart",
    "POST /v1/checkout",
    "POST /v1/checkout (replay)",  # reported, no target
    "GET /v1/orders",
    "GET /v1/orders/{order_id}",
    "GET /v1/shops/{shop_id}/orders",
    "GET /v1/shops/{shop_id}/orders/{order_id}",
]


def target(route: str) -> int | None:
    from bench.budgets import BUDGETS

    return BUDGETS[route].calls if route in BUDGETS else None


@dataclass
class Row:
    lines: int
    shops: int
    route: str
    status: int
    totals: Totals

    @property
    def target(self) -> int | None:
        return target(self.route)

    @property
    def within(self) -> bool:
        return self.target is None or self.totals.calls <= self.target


def _counted(fn) -> tuple[object, Totals]:
    with CallRecorder() as rec:
        reply = fn()
    return reply, rec.dynamodb()


def measure() -> list[Row]:
    from chalice.test import Client

    from app import app
    from tests.support import ROOT, ApiClient, Factory, moto_aws_stack

    rows: list[Row] = []
    max_shops = max(k for _, k in SHAPES)
    per_shop = {i: max(-(-n // k) for n, k in SHAPES if i < k) for i in range(max_shops)}
    with (
        contextlib.redirect_stdout(io.StringIO()),  # the app logs one JSON line per request to stdout
        moto_aws_stack() as container,
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        api = ApiClient(client)
        factory = Factory(api, container)
        sellers, shops, products = [], [], []
        for i in range(max_shops):
            seller = factory.user("seller")
            shop = factory.shop(seller)
            sellers.append(seller)
            shops.append(shop)
            products.append([factory.product(seller, shop, stock=1000) for _ in range(per_shop[i])])

        for n, k in SHAPES:
            buyer = factory.user("buyer")
            lines = [products[j % k][j // k] for j in range(n)]  # round-robin over the first k shops
            for product in lines:
                reply = api.put(f"/v1/cart/items/{product['product_id']}", {"quantity": 1}, token=buyer)
                assert reply.status == 200, reply

            def record(route: str, fn, expect: int, n=n, k=k) -> object:
                reply, totals = _counted(fn)
                assert reply.status == expect, (route, reply)
                rows.append(Row(n, k, route, reply.status, totals))
                return reply

            cart = record("GET /v1/cart", lambda b=buyer: api.get("/v1/cart", token=b), 200)
            assert cart.json["line_count"] == n, cart

            def checkout(b=buyer, n=n, k=k):
                body = {"delivery": ADDRESS, "payment_method": "cash_on_delivery"}
                return api.post("/v1/checkout", body, token=b, headers={"Idempotency-Key": f"bench-{n}-{k}"})

            placed = record("POST /v1/checkout", checkout, 201)
            assert len(placed.json["orders"]) == k, placed
            record("POST /v1/checkout (replay)", checkout, 200)
            order_id = placed.json["orders"][0]["order_id"]
            shop_id, seller = shops[0]["shop_id"], sellers[0]
            record("GET /v1/orders", lambda b=buyer: api.get("/v1/orders", token=b), 200)
            record("GET /v1/orders/{order_id}", lambda b=buyer, o=order_id: api.get(f"/v1/orders/{o}", token=b), 200)
            record(
                "GET /v1/shops/{shop_id}/orders",
                lambda s=seller, sh=shop_id: api.get(f"/v1/shops/{sh}/orders", token=s),
                200,
            )
            record(
                "GET /v1/shops/{shop_id}/orders/{order_id}",
                lambda s=seller, sh=shop_id, o=order_id: api.get(f"/v1/shops/{sh}/orders/{o}", token=s),
                200,
            )
    return rows


def render(rows: list[Row]) -> tuple[str, bool]:
    ok = True
    out = [
        "## Buying: DynamoDB calls per request (issue 4)",
        "",
        "A checkout of N lines (1 unit each) across k shops, then its replay (same Idempotency-Key) and the "
        "order pages. Counted by wrapping botocore `_make_api_call`; written = items put/updated/deleted.",
        "",
        "### Checkout of N lines across k shops",
        "",
        "| N lines | k shops | Calls | Operations | Items read | Items written | Target | Within |",
        "|---:|---:|---:|---|---:|---:|---:|:-:|",
    ]
    checkouts = [r for r in rows if r.route == "POST /v1/checkout"]
    for r in checkouts:
        t = r.totals
        ok &= r.within
        out.append(
            f"| {r.lines} | {r.shops} | {t.calls} | {t.describe_operations()} | {t.items_read} | {t.items_written} "
            f"| {r.target} | {'yes' if r.within else '**NO**'} |"
        )
    constant = len({r.totals.calls for r in checkouts}) == 1
    ok &= constant
    out += [
        "",
        f"- Calls constant in N and k: {'**yes**' if constant else '**NO**'} "
        f"({', '.join(str(r.totals.calls) for r in checkouts)}); one TransactWriteItems holds "
        "2 + N + k actions (claim, cart, N stock updates, k orders).",
        "",
        "### Every measured request, per (N, k)",
        "",
        "| Route | " + " | ".join(f"N={n}, k={k}" for n, k in SHAPES) + " | Target | Within |",
        "|---|" + "---:|" * len(SHAPES) + "---:|:-:|",
    ]
    for route in ROUTES:
        goal = target(route)
        cells = []
        within = True
        for n, k in SHAPES:
            r = next(r for r in rows if (r.route, r.lines, r.shops) == (route, n, k))
            cells.append(f"{r.totals.calls} ({r.totals.describe_operations()})")
            within &= r.within
        ok &= within
        out.append(
            f"| `{route}` | "
            + " | ".join(cells)
            + f" | {'-' if goal is None else goal} | {'-' if goal is None else ('yes' if within else '**NO**')} |"
        )
    out += [
        "",
        "- The cart page needs the cart before it knows which products to read: GetItem + BatchGetItem (2).",
        "- A replay reads the claim (with the cart, one BatchGetItem) and answers from it: 1 call (before issue 9 "
        "it re-read its k orders to queue their events again; they are now written with the orders, in the "
        "transaction's outbox item).",
        "",
    ]
    return "\n".join(out), ok


def report(append_to: Path | None = None) -> bool:
    """Measures, prints the markdown section, appends it to `append_to` if given; False when over target."""
    print("bench: buying (checkout of N lines across k shops) ...", file=sys.stderr, flush=True)
    text, ok = render(measure())
    print(text)
    if append_to is not None:
        with append_to.open("a") as f:
            f.write("\n" + text)
    return ok


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
