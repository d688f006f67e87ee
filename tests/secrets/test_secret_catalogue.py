"""Adding a secret is one entry in infra/secrets.json: the stack generates it, every function gets its ARN and may
read it, moto gets it locally, and the code reads it with settings.secret(name)."""

from __future__ import annotations

import pytest

from devtools import template
from tests.support import moto_aws_stack

TERMINAL = {"Description": "An acquirer's terminal password.", "Format": "plain"}


@pytest.fixture
def with_terminal_password(monkeypatch):
    catalogue = {**template.secrets_catalogue(), "terminal_password": TERMINAL}
    monkeypatch.setattr(template, "secrets_catalogue", lambda: catalogue)


def test_one_entry_gives_the_resource_the_variable_and_the_read_grant(with_terminal_password):
    merged = template.merged_template("dev")
    assert merged["Resources"]["TerminalPasswordSecret"]["Type"] == "AWS::SecretsManager::Secret"
    functions = template.function_fragments(merged)
    assert set(functions) >= {"APIHandler", "OrderEvents", "CompleteOrders"}
    for function in functions:
        variables = merged["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["SECRET_ID_TERMINAL_PASSWORD"] == {"Ref": "TerminalPasswordSecret"}
    [statement] = merged["Resources"][template.SECRETS_POLICY]["Properties"]["PolicyDocument"]["Statement"]
    assert {"Ref": "TerminalPasswordSecret"} in statement["Resource"]


def test_one_entry_is_provisioned_on_moto_and_readable_by_the_app(with_terminal_password):
    with moto_aws_stack() as stack:
        assert len(stack.settings.secret("terminal_password")) >= 32
        assert stack.settings.secret_ids["terminal_password"].startswith("arn:aws:secretsmanager:")
