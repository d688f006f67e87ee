"""schemathesis gives every operation's test item the same node id (`...::test_every_operation_answers_within_its
_contract`; only the item's name says `[POST /v1/auth/login]`). pytest-xdist schedules items by node id, so under
`make test` 185 of the 186 operations were silently dropped. Each item gets its operation as the id's parameters
(pytest 9 keeps a node's id in `_id`, a NodeId: no public setter)."""

from __future__ import annotations


def pytest_collection_modifyitems(items):
    for item in items:
        name, bracket, label = item.name.partition("[")
        if bracket and item._id.params is None:
            item._id = item._id.with_params(label.removesuffix("]"))
