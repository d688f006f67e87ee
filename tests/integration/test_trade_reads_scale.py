"""Bulk trade's lists are O(page) (issue 14): the opportunity list, the buyer's RFQs and a quote comparison make the
same DynamoDB calls and read the same items at 100 and 1,000 open RFQs (`make bench` measures 1k and 10k)."""

from bench.trade_bench import TARGETS, measure


def test_opportunity_lists_are_one_query_whatever_the_number_of_rfqs():
    small, large = measure(100), measure(1_000)
    assert [r.what for r in small] == list(TARGETS)
    for a, b in zip(small, large, strict=True):
        assert a.figures == b.figures, a.what
        assert b.totals.calls <= TARGETS[b.what], b.what
        assert "Scan" not in b.totals.operations
    opportunities = next(r for r in large if r.what.startswith("opportunities, 2 of 6 categories (page 1)"))
    assert opportunities.totals.operations == {"BatchGetItem": 1, "Query": 1}
