"""Benchmarks (`make bench`): DynamoDB calls and items per route, 1k vs 10k products, import cost.

The call budgets in bench/budgets.py are also enforced by tests/integration/test_call_budgets.py.
"""
