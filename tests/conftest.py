"""Shared fixtures. Every AWS service is moto's in-process `mock_aws`; resources come from infra/."""

from __future__ import annotations

import os

for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
)

import moto  # noqa: E402,F401  - must be imported before any botocore session is made
import pytest  # noqa: E402

from devtools.moto_patches import fast_moto_transactions  # noqa: E402
from tests.support import ROOT, ApiClient, Factory, moto_aws_stack  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _fast_moto_transactions():
    """moto copies a table once per transaction action; once per table is the same rollback, much faster."""
    with fast_moto_transactions():
        yield


@pytest.fixture
def stack():
    with moto_aws_stack() as container:
        yield container


@pytest.fixture
def api(stack):
    from chalice.test import Client

    from app import app
    from tests.support import connect_card_provider

    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        api = ApiClient(client)
        connect_card_provider(stack, api)
        yield api


@pytest.fixture
def factory(api, stack):
    return Factory(api, stack)
