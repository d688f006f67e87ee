"""A flash sale (issue 16): 200 buyers check out the same product at the same instant.

On DynamoDB, transactions that touch the same item at the same time are cancelled with `TransactionConflict`;
the checkout adapter retries those with full-jitter exponential backoff (chalicelib/adapters/orders.py:
at most CONFLICT_ATTEMPTS tries within CONFLICT_BUDGET_SECONDS of waiting) instead of answering 503. moto
never produces a conflict (its server serialises every request), so conflicts are injected: each checkout
transaction on the hot product is cancelled with TransactionConflict with probability p, before it reaches
the server. Measured per p: checkouts answered 201 / 409 (sold out) / 503, units sold against the stock,
transaction attempts, conflicts met, retries made, conflicts given up on. The app runs in this process on
200 threads against the atomic moto server (tests/concurrency/harness.py), as the race tests do.

    python -m bench.flash_sale

Exit status 1 when a trial oversells, or answers 503 to more than 1% of the buyers at p <= 0.3.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import environment

environment.prepare()

BUYERS = 200
STOCK = 100
RATES = (0.0, 0.1, 0.3, 0.5)
BODY = {
    "delivery": {
        "name": "Aynur Tohti",
        "phone": "+86 991 555 0101",
        "lines": ["12 Renmin Road"],
        "city": "Kashgar",
        "region": "Xinjiang",
        "postal_code": "844000",
        "country": "CN",
    },
    "payment_method": "cash_on_delivery",
}


@dataclass
class Trial:
    rate: float
    statuses: Counter
    sold: int
    stock_left: int
    stats: Counter
    seconds: float

    @property
    def conflict_rate(self) -> float:
        return self.stats["conflicts"] / self.stats["sent"] if self.stats["sent"] else 0.0

    @property
    def oversold(self) -> bool:
        return self.sold > STOCK or self.stock_left != STOCK - self.sold or self.statuses[201] != self.sold


class ConflictInjector:
    """Cancels checkout transactions that touch `product_id` with TransactionConflict, with probability p."""

    def __init__(self, product_id: str, rate: float, seed: int = 16) -> None:
        self.product_id, self.rate = product_id, rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, original):
        from botocore.exceptions import ClientError

        injector = self

        def make_api_call(client, operation, params):
            if operation == "TransactWriteItems" and injector.product_id in str(params):
                with injector._lock:
                    hit = injector._random.random() < injector.rate
                if hit:
                    reasons = [{"Code": "None"} for _ in params["TransactItems"]]
                    reasons[-1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                    response = {
                        "Error": {"Code": "TransactionCanceledException", "Message": "injected conflict"},
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                        "CancellationReasons": reasons,
                    }
                    raise ClientError(response, operation)
            return original(client, operation, params)

        return make_api_call


def measure(rates=RATES, buyers: int = BUYERS) -> list[Trial]:
    import time

    from botocore.client import BaseClient

    from app import app
    from tests.concurrency.harness import locked_moto_stack, run_together, thread_local_requests, thread_safe_api
    from tests.support import Factory

    trials = []
    with contextlib.redirect_stdout(io.StringIO()), locked_moto_stack() as stack, thread_local_requests(app):
        api = thread_safe_api(app, check_contract=False)
        factory = Factory(api, stack)
        seller = factory.user("seller")
        shop = factory.shop(seller, "handicrafts")
        tokens = [factory.user("buyer") for _ in range(buyers)]
        for rate in rates:
            product = factory.product(seller, shop, title="Flash sale scarf", stock=STOCK)
            pid = product["product_id"]
            for token in tokens:
                reply = api.put(f"/v1/cart/items/{pid}", {"quantity": 1}, token=token)
                assert reply.status == 200, reply
            stack.buying.transaction_stats.clear()
            original = BaseClient._make_api_call
            BaseClient._make_api_call = ConflictInjector(pid, rate)(original)
            started = time.perf_counter()
            try:
                outcomes = run_together(
                    buyers,
                    lambda i, pid=pid: api.post(
                        "/v1/checkout", BODY, token=tokens[i], headers={"Idempotency-Key": f"flash-{pid}-{i}"}
                    ),
                    timeout=600,
                )
            finally:
                BaseClient._make_api_call = original
            seconds = time.perf_counter() - started
            statuses = Counter(o.value.status for o in outcomes)
            sold = sum(o.value.json["orders"][0]["lines"][0]["quantity"] for o in outcomes if o.value.status == 201)
            left = api.get(f"/v1/shops/{shop['shop_id']}/products/{pid}", token=seller).json["stock"]
            trials.append(Trial(rate, statuses, sold, left, Counter(stack.buying.transaction_stats), seconds))
            for token in tokens:  # the buyers who got 409 or 503 still hold the line
                api.delete("/v1/cart", token=token)
    return trials


def render(trials: list[Trial]) -> tuple[str, bool]:
    from chalicelib.adapters.orders import CONFLICT_ATTEMPTS, CONFLICT_BUDGET_SECONDS

    ok = True
    out = [
        f"## Flash sale: {BUYERS} buyers, one product, {STOCK} in stock (issue 16)",
        "",
        f"All {BUYERS} checkouts released at once on {BUYERS} threads (in-process app, atomic moto server). moto "
        "never reports TransactionConflict, so each checkout transaction on the product is cancelled with one "
        "with probability p (injected). Conflicts are retried with full-jitter exponential backoff, at most "
        f"{CONFLICT_ATTEMPTS} tries and {CONFLICT_BUDGET_SECONDS:.1f} s of waiting per request.",
        "",
        "| Injected p | 201 | 409 sold out | 503 | Sold / stock | Transactions sent | Conflicts (rate) | Retries "
        "| Given up (503) | Oversold | Wall time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|---:|",
    ]
    for t in trials:
        busy = t.statuses.get(503, 0)
        ok &= not t.oversold and (t.rate > 0.3 or busy <= BUYERS // 100)
        out.append(
            f"| {t.rate:.1f} | {t.statuses.get(201, 0)} | {t.statuses.get(409, 0)} | {busy} | {t.sold} / {STOCK} "
            f"| {t.stats['sent']} | {t.stats['conflicts']} ({t.conflict_rate:.0%}) | {t.stats['retries']} "
            f"| {t.stats['gave_up']} | {'**YES**' if t.oversold else 'no'} | {t.seconds:.1f} s |"
        )
    out += [
        "",
        "- No trial sells more than the stock, none loses a sale it answered 201, and the buyers beyond the stock "
        "get 409 `lines_unavailable`.",
        "- A buyer gets 503 only when all of its tries conflict: p^tries (0.5^6 = 1.6%), and the client may "
        "retry with the same Idempotency-Key. Before issue 16 a conflict was answered 503 at once: every buyer "
        "whose first try conflicted, about p x 200 (20, 60 and 100 buyers at p = 0.1, 0.3, 0.5).",
        "",
    ]
    return "\n".join(out), ok


def report(append_to: Path | None = None) -> bool:
    print(f"bench: flash sale ({BUYERS} buyers, injected conflicts) ...", file=sys.stderr, flush=True)
    text, ok = render(measure())
    print(text)
    if append_to is not None:
        with append_to.open("a") as f:
            f.write("\n" + text)
    return ok


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
