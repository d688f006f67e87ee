"""Hard gate on the scheduled jobs' and the outbox's DynamoDB cost (bench/budgets.JOB_BUDGETS): one write per
item and one Query per shard and page, the same per item at a small and a 15x larger backlog (`make bench`
measures 50 and 5,000: bench/jobs_bench.py)."""

from __future__ import annotations

from bench.jobs_bench import measure, render


def test_jobs_cost_the_same_per_item_at_any_backlog_and_stay_within_budget():
    rows = {size: measure(size) for size in (10, 150)}
    text, ok = render(rows)
    assert ok, text
    by_job = {r.job: r for r in rows[150]}
    assert by_job["completion"].done == by_job["expiry"].done == 150
    # 150 items over 16 shards: one page each
    assert by_job["stream relay"].queries == 0 and by_job["outbox sweeper"].queries == 16
