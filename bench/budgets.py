"""The call budget of every API route: the most DynamoDB calls one request may make.

Each route declares its budget where it is declared (`budget=Budget(calls, why)` in chalicelib/api/); this
module collects them for `make bench` (prints pass/fail) and tests/integration/test_call_budgets.py (a hard
gate in the normal suite). A route cannot be declared without one. Read routes get 1 call; write routes their
real counts. A read route may exceed 1 only as a documented exception: `Budget(n, why, read_exception=True)`.

`per_product` is for the routes that copy a shop's summary/status onto each of its live products
(approve, suspend, rename): one TransactWriteItems per product that changes. Their base already includes
the one Query that lists the live products, which pages by 100: a shop with more than 100 live products
costs one more Query per further 100 (`allowed()` accounts for it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.api.routing import Budget

READ = 1  # every read route: one DynamoDB call, unless its Budget is a documented read_exception


def _declared():
    from app import app
    from chalicelib.api.routing import declared_routes

    return declared_routes(app)


# Every JSON API route's budget, from its declaration (chalicelib/api/routing.route: `budget=` is required).
BUDGETS: dict[str, Budget] = {spec.key: spec.budget for spec in _declared()}

# The read routes allowed more than one call, and why one is impossible (`Budget(..., read_exception=True)`).
# Nothing else may exceed READ (tests/integration/test_call_budgets.py).
READ_EXCEPTIONS: dict[str, str] = {key: budget.why for key, budget in BUDGETS.items() if budget.read_exception}

# Items read / items returned, for the scenarios where a page must not read what it does not return.
# A query of one token reads its exact facet partition (issue 16 keeps it at <= 1.05); a query of several
# tokens reads the partition of its most selective token and filters by the others, so its amplification is
# measured and reported (bench/run.py), not capped.
MAX_READ_AMPLIFICATION: dict[str, float] = {
    "storefront page": 1.05,
    "storefront page, q (one word)": 1.05,
    "storefront page, q + category": 1.05,
}

SHOP_PRODUCTS_PAGE = 100  # a shop's live products are listed 100 per Query (all_live_shop_products)


def allowed(route: str, products: int = 0) -> int:
    """The most DynamoDB calls `route` may make when it re-writes `products` live products of a shop."""
    budget = BUDGETS[route]
    if not budget.per_product:
        return budget.calls
    extra_pages = max(0, math.ceil(products / SHOP_PRODUCTS_PAGE) - 1)
    return budget.calls + extra_pages + budget.per_product * products


# --- scheduled jobs and the outbox (issue 9): calls per run, checked by bench/jobs_bench.py --------------------
# Each job reads its work through a sharded index (16 partitions: one Query each, one more per further page of
# 100) and then writes each item once. `per_item` is every DynamoDB call but the Queries, per item handled.
SHARDS = 16
JOB_PAGE = 100


@dataclass(frozen=True)
class JobBudget:
    per_item: int  # DynamoDB calls per item handled, Queries aside
    why: str
    extra_queries: int = 0  # Queries beyond one per shard and one per page
    sharded: bool = True  # reads a sharded index (False: reads nothing, it is handed its work)

    def queries(self, items: int) -> int:
        """The most Queries a run over `items` due items makes (each shard's pages of JOB_PAGE)."""
        return SHARDS + self.extra_queries + math.ceil(items / JOB_PAGE) if self.sharded else 0


JOB_BUDGETS: dict[str, JobBudget] = {
    "completion": JobBudget(
        2,
        "per order one BatchGetItem (its posting's claim, the balances: the ledger) + one TransactWriteItems (the "
        "order, the seller's credit, its event); + the legacy due-index's Query and the commission rules' Query",
        extra_queries=2,
    ),
    "expiry": JobBudget(1, "one TransactWriteItems per order (the order, its restock, its hold, its event)"),
    "stream relay": JobBudget(1, "reads nothing: one UpdateItem per outbox item (marked published)", sharded=False),
    "outbox sweeper": JobBudget(1, "one UpdateItem per outbox item (marked published); SQS aside"),
}
