import pytest

from tests.api.trade.support import Trade


@pytest.fixture
def trade(api, factory) -> Trade:
    return Trade(api, factory)
