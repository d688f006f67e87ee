"""The local stack's port picks: a picked port must stay free until the stack binds it seconds later."""

from __future__ import annotations

from devtools import local_stack
from devtools.local_stack import free_port, port_is_free


def test_picked_ports_are_free_and_outside_the_kernels_ephemeral_range():
    ephemeral = local_stack._ephemeral_range()
    for _ in range(20):
        port = free_port()
        assert port not in ephemeral
        assert port_is_free(port)


def test_a_busy_port_is_never_picked(monkeypatch):
    busy = free_port()
    monkeypatch.setattr(local_stack, "PICKED_PORTS", range(busy, busy + 2))
    monkeypatch.setattr(local_stack, "random", _FirstFirst())
    monkeypatch.setattr(local_stack, "port_is_free", lambda port, host=local_stack.HOST: port != busy)
    assert free_port() == busy + 1


class _FirstFirst:
    @staticmethod
    def sample(population, k):
        return list(population)[:k]
