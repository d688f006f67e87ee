"""A product's review pages cost one Query of one page whatever the product has (issue 13, "Proof"): the same
calls, items read and items returned at 60 and 600 reviews (a tenth of them hidden). `make bench` measures
1k and 10k (bench/trust_bench.py)."""

from __future__ import annotations

from bench import trust_bench


def test_review_pages_are_one_query_and_flat_in_the_number_of_reviews():
    small, large = trust_bench.measure(60), trust_bench.measure(600)
    assert small == large, (small, large)
    assert all(calls == 1 and read == returned == trust_bench.PAGE for calls, read, returned in large.values())
