"""`make bench`: DynamoDB calls and items per route at 1k and 10k products, and the cold-start proxy.

Then the buying path (bench/checkout_bench.py), the ledger at 1k and 10k entries per account
(bench/ledger_bench.py), the deployment package sizes (bench/package_size.py), the flash sale
(bench/flash_sale.py), the scheduled jobs and outbox at 50 and 5,000 items (bench/jobs_bench.py, issue 9), the
payout run and the dashboards' counters (bench/payouts_bench.py, issue 17), bulk trade's opportunity lists at 1k
and 10k open RFQs (bench/trade_bench.py, issue 14), the peak memory of a picture completion's rendering
(bench/thumbnail_memory.py, issue 9), the rural service network at 1k and 10k parcels (bench/network_bench.py,
issue 10) and a product's review pages (bench/trust_bench.py, issue 13), appended to the report.

Everything runs in-process on moto (tests/support.moto_aws_stack, resources from infra/) through
chalice.test.Client with real Cognito tokens. The catalog is seeded straight into the tables
(bench/catalog_seed.py); every measured request goes through the API. moto's speed says nothing about
DynamoDB's (its Query reads the whole table), so what is compared is counts: calls, items read, items
returned, items written. Prints a markdown report and writes it to bench/results/latest.md.

    python -m bench.run [--sizes 1000,10000] [--import-runs 15]

Exit status 1 when a hard target fails: a route over its call budget, the storefront page's read
amplification over its cap, counts that differ between sizes, or an AWS client created at import.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import sys
import time
from pathlib import Path

from bench import environment

environment.prepare()

from bench import cold_start  # noqa: E402
from bench.budgets import BUDGETS, READ_EXCEPTIONS  # noqa: E402
from bench.scenarios import SCENARIOS, Measurement, measure, setup_bench  # noqa: E402
from devtools.moto_patches import fast_moto_transactions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def run_size(n_products: int) -> tuple[list[Measurement], dict[str, float], int, list]:
    from chalice.test import Client

    from app import app
    from tests.support import ROOT, ApiClient, Factory, moto_aws_stack

    timings = {}
    # the app logs one JSON line per request to stdout: keep stdout for the report
    with (
        contextlib.redirect_stdout(io.StringIO()),
        moto_aws_stack() as container,
        fast_moto_transactions(),
        Client(app, stage_name="local", project_dir=str(ROOT)) as client,
    ):
        api = ApiClient(client)
        t0 = time.perf_counter()
        bench = setup_bench(api, Factory(api, container), container, n_products)
        timings["seed"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        measurements = measure(bench)
        timings["measure"] = time.perf_counter() - t0
        from bench import listing_writes  # issue 16: items written per save, sale, rename (at this size too)

        writes = listing_writes.measure_in(api, bench.factory, container)
    return measurements, timings, bench.catalog.listing_items, writes


def _pair(a, b) -> str:
    return f"{a}" if a == b else f"**{a} / {b}**"


def _amp(m: Measurement) -> str:
    amp = m.dynamodb.read_amplification
    return "-" if amp is None else f"{amp:.2f}"


def _other(m: Measurement) -> str:
    return ", ".join(f"{svc} {op}" + (f" x{n}" if n > 1 else "") for (svc, op), n in sorted(m.other.items())) or "-"


def render(
    sizes: list[int],
    runs: dict[int, list[Measurement]],
    timings: dict[int, dict],
    listings: dict[int, int],
    cold,
    total_seconds: float | None,
) -> tuple[str, bool]:
    small, large = sizes[0], sizes[-1]
    lines = [
        f"# Bazaar bench ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, moto in-process)",
        "",
        f"Catalog sizes: {', '.join(f'{n:,} products ({listings[n]:,} listing items)' for n in sizes)}. "
        "Counts per request, DynamoDB only (botocore `_make_api_call` wrapped). A cell shows one value when every "
        f"size agrees, else `{small:,} / {large:,}` in bold. Read = Query ScannedCount / items a Get returned; "
        "amplification = read / returned; written = items put/updated/deleted (transactions' condition checks "
        "not included). A filtered page (`q` of two words: the longest word's facet, FilterExpression for the "
        "other) returns as many of the items it read as happen to match, so there only calls and items read "
        "must agree.",
        "",
        "| Scenario | Route | Calls | Read | Returned | Read amp. | Written | Budget | Within | Same at "
        + " and ".join(f"{n // 1000}k" if n >= 1000 else str(n) for n in sizes)
        + " | Other AWS calls |",
        "|---|---|---:|---:|---:|---:|---:|---:|:-:|:-:|---|",
    ]
    ok = True
    differing = []
    for i, scenario in enumerate(SCENARIOS):
        ms = [runs[n][i] for n in sizes]
        first, last = ms[0], ms[-1]
        same = all(m.figures() == first.figures() for m in ms)
        within = all(m.within_budget and m.within_amplification for m in ms)
        ok &= same and within
        if not same:
            differing.append(scenario.name)
        d0, d1 = first.dynamodb, last.dynamodb
        budget = f"{scenario.budget}"
        if scenario.max_amplification:
            budget += f", amp. <= {scenario.max_amplification}"
        lines.append(
            f"| {scenario.name} | `{scenario.route}` | {_pair(d0.calls, d1.calls)} "
            f"| {_pair(d0.items_read, d1.items_read)} | {_pair(d0.items_returned, d1.items_returned)} "
            f"| {_pair(_amp(first), _amp(last))} | {_pair(d0.items_written, d1.items_written)} | {budget} "
            f"| {'yes' if within else '**NO**'} "
            f"| {('yes (calls, read)' if scenario.filtered else 'yes') if same else '**NO**'} | {_other(last)} |"
        )
    from app import app
    from chalicelib.api.routing import served_routes
    from chalicelib.web.routing import declared_pages  # HTML pages: budgeted by tests/web/test_page_costs.py

    routes = {f"{method} {path}" for method, path in served_routes(app)}
    routes -= {spec.key for spec in declared_pages(app)}
    unbudgeted = sorted(routes - set(BUDGETS))
    reads = [(s, runs[n][i]) for n in sizes for i, s in enumerate(SCENARIOS) if s.is_read]
    multi_call_reads = sorted({s.route for s, m in reads if m.dynamodb.calls > 1} - set(READ_EXCEPTIONS))
    storefront = [runs[n][i] for n in sizes for i, s in enumerate(SCENARIOS) if s.name == "storefront page"]

    def amplification(name: str) -> str:
        found = [runs[n][i] for n in sizes for i, s in enumerate(SCENARIOS) if s.name == name]
        return " / ".join(_amp(m) for m in found)

    query_kinds = [
        ("one token (`q=copper`)", "storefront page, q (one word)"),
        ("one token + category", "storefront page, q + category"),
        ("two tokens (`q=copper teapot`)", "storefront page, q (two words, filtered)"),
        ("CJK, four characters (`q=手工铜壶`: bigrams 手工 工铜 铜壶)", "storefront page, q (CJK, four characters)"),
    ]
    lines += [
        "",
        "## Verdicts",
        "",
        f"- Identical counts (calls, read, returned, written) at {' and '.join(f'{n:,}' for n in sizes)} products: "
        + ("**yes**, every scenario" if not differing else f"**NO**: {', '.join(differing)}"),
        "- Every read route makes at most 1 DynamoDB call, but for the documented exceptions "
        + f"({', '.join(f'`{r}` {BUDGETS[r].calls}' for r in READ_EXCEPTIONS)}; bench/budgets.READ_EXCEPTIONS): "
        + ("**yes**" if not multi_call_reads else f"**NO**: {', '.join(multi_call_reads)}"),
        "- Storefront page read amplification <= 1.05: "
        + ", ".join(f"{m.dynamodb.read_amplification:.2f}" for m in storefront)
        + (" **yes**" if all(m.within_amplification for m in storefront) else " **NO**"),
        f"- Read amplification per query kind ({' / '.join(f'{n:,}' for n in sizes)} products): "
        + "; ".join(f"{label} {amplification(name)}" for label, name in query_kinds)
        + ". One token reads its exact facet partition (cap 1.05); several tokens read the partition of the "
        "most selective one (a word of letters before a CJK bigram, the longest, an inner bigram before the "
        "edges) and filter by the others, so a page may return fewer items than it read.",
        "- Every route within its budget (bench/budgets.py): "
        + ("**yes**" if all(m.within_budget for n in sizes for m in runs[n]) else "**NO**"),
        f"- Routes in the budget table: {len(BUDGETS)}; measured here: {len({s.route for s in SCENARIOS})}.",
        "- App routes without a budget (the test fails on these): "
        + (", ".join(f"`{r}`" for r in unbudgeted) if unbudgeted else "none"),
    ]
    ok &= not unbudgeted
    if cold is not None:
        ok &= cold.nothing_created
        lines += [
            "",
            f"## Cold-start proxy (CPU time of the import in fresh interpreters, median of {cold.runs})",
            "",
            "| Import | Median CPU ms | / baseline |",
            "|---|---:|---:|",
        ]
        for name, label in (
            ("baseline", "`import chalice, pynamodb.models, boto3` (baseline)"),
            ("app", "`import app`"),
            ("app + first request", "`import app` + what a first write request imports lazily"),
        ):
            lines.append(
                f"| {label} | {cold.median_ms[name]:.1f} | {cold.median_ms[name] / cold.median_ms['baseline']:.2f} |"
            )
        created = ", ".join(f"{k} {v}" for k, v in cold.created_at_import.items())
        lines += [
            "",
            f"- Ratio `import app` / baseline: **{cold.ratio:.2f}** (target <= 1.1: "
            f"{'met' if cold.ratio <= 1.1 else '**NOT met**'}).",
            f"- Created while importing app: {created} "
            f"({'none, as required' if cold.nothing_created else '**an AWS client or connection at import**'}).",
        ]
    lines += ["", "## Run time", ""]
    for n in sizes:
        t = timings[n]
        lines.append(
            f"- {n:,} products: seeding {t['seed']:.1f} s, measuring {len(SCENARIOS)} requests {t['measure']:.1f} s"
        )
    if total_seconds is not None:
        lines.append(f"- whole bench: {total_seconds:.0f} s")
    lines.append("")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="catalog sizes, comma-separated")
    parser.add_argument("--import-runs", type=int, default=15, help="fresh interpreters per import (>= 15)")
    parser.add_argument("--skip-import", action="store_true", help="leave out the cold-start proxy")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    started = time.perf_counter()
    runs, timings, listings, writes = {}, {}, {}, {}
    for n in sizes:
        print(f"bench: {n:,} products ...", file=sys.stderr, flush=True)
        runs[n], timings[n], listings[n], writes[n] = run_size(n)
    cold = None
    if not args.skip_import:
        print(f"bench: import cost, {args.import_runs} fresh interpreters per import ...", file=sys.stderr, flush=True)
        cold = cold_start.measure(args.import_runs)
    report, ok = render(sizes, runs, timings, listings, cold, time.perf_counter() - started)
    from bench import listing_writes

    writes_report, same = listing_writes.render(writes)
    report += "\n" + writes_report
    ok &= same
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report)
    print(f"bench: written to {RESULTS / 'latest.md'}", file=sys.stderr)
    from bench import checkout_bench  # buying (issue 4): calls per checkout of N lines across k shops

    ok = checkout_bench.report(RESULTS / "latest.md") and ok
    from bench import ledger_bench  # the ledger: calls and items per posting, balance and statement page

    ok = ledger_bench.report(RESULTS / "latest.md") and ok
    from bench import trade_bench  # issue 14: opportunity lists at 1k and 10k open RFQs

    ok = trade_bench.report(RESULTS / "latest.md") and ok
    from bench import package_size  # issue 3: deployment package per stage, zipped and unzipped

    ok = package_size.report(RESULTS / "latest.md") and ok
    from bench import flash_sale  # issue 16: 200 buyers, one product, injected transaction conflicts

    ok = flash_sale.report(RESULTS / "latest.md") and ok
    from bench import network_bench  # issue 10: the rural service network's routes at 1k and 10k parcels

    ok = network_bench.report(RESULTS / "latest.md") and ok

    from bench import jobs_bench  # issue 9: completion, expiry and the outbox sweeper at 50 and 5,000 items

    ok = jobs_bench.report(RESULTS / "latest.md") and ok

    from bench import payouts_bench  # issue 17: the payout run per payout and per 100 shops, dashboard counters

    ok = payouts_bench.report(RESULTS / "latest.md") and ok
    from bench import trust_bench  # issue 13: a product's review pages at 1k and 10k reviews

    ok = trust_bench.report(RESULTS / "latest.md") and ok
    from bench import thumbnail_memory  # issue 9: peak RSS of a picture completion's rendering (40 MP JPEG)

    ok = thumbnail_memory.report(RESULTS / "latest.md") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
