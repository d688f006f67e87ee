"""Fixtures of the in-process web tests: chalice.test.Client on moto, and a cookie-keeping web client."""

from __future__ import annotations

import pytest

from tests.support import ROOT, ApiClient, Factory
from tests.web.helpers import WebClient


@pytest.fixture
def chalice_client(stack):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        yield client


@pytest.fixture
def web(chalice_client) -> WebClient:
    return WebClient(chalice_client)


@pytest.fixture
def api(chalice_client) -> ApiClient:
    return ApiClient(chalice_client)


@pytest.fixture
def factory(api, stack) -> Factory:
    return Factory(api, stack)
