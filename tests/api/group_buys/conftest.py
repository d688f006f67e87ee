import pytest

from tests.api.group_buys.support import Groups


@pytest.fixture
def groups(api, factory) -> Groups:
    return Groups(api, factory)


@pytest.fixture(autouse=True)
def real_clock(stack):
    clock = stack.clock
    yield
    stack.clock = clock
