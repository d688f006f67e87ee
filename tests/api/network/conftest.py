"""One moto account per test module here (each test builds its own counties, villages, people and parcels):
module-scoped `stack`, `api` and `factory` replace the per-test ones of tests/conftest.py."""

import pytest

from tests.support import Factory, module_world


@pytest.fixture(scope="module")
def world():
    with module_world() as (stack, api):
        yield stack, api


@pytest.fixture(scope="module")
def stack(world):
    return world[0]


@pytest.fixture(scope="module")
def api(world):
    return world[1]


@pytest.fixture(scope="module")
def factory(api, stack):
    return Factory(api, stack)
