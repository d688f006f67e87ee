"""Secrets come from Secrets Manager (moto here), read once per warm function, never from the environment."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from botocore.exceptions import ClientError

from chalicelib import bootstrap
from chalicelib.adapters.secrets import SecretsManagerStore
from chalicelib.config import SettingsError
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.keyring import ACTIVATION_SECONDS, GRACE_SECONDS, KeyRing
from tests.support import cached_clients

VALUE = "v" * 40


class CountingClient:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[str] = []
        self.down = False

    def get_secret_value(self, SecretId: str) -> dict:  # noqa: N803 - boto3's spelling
        self.calls.append(SecretId)
        if self.down:
            raise ClientError({"Error": {"Code": "InternalServiceError", "Message": "down"}}, "GetSecretValue")
        return {"SecretString": self.values[SecretId]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_secret_is_read_once_then_served_from_the_cache_until_it_is_old():
    client, clock = CountingClient({"arn:one": VALUE}), Clock()
    made = []
    store = SecretsManagerStore(lambda: made.append(1) or client, {"one": "arn:one"}, max_age=300, monotonic=clock)
    assert made == []  # no client before the first read
    assert [store.read("one") for _ in range(5)] == [VALUE] * 5
    assert client.calls == ["arn:one"] and made == [1]
    clock.now += 299
    store.read("one")
    assert len(client.calls) == 1
    clock.now += 2
    client.values["arn:one"] = "w" * 40
    assert store.read("one") == "w" * 40 and len(client.calls) == 2


def test_an_unreachable_store_serves_the_last_value_and_otherwise_answers_503():
    client, clock = CountingClient({"arn:one": VALUE}), Clock()
    store = SecretsManagerStore(lambda: client, {"one": "arn:one"}, max_age=1, monotonic=clock)
    client.down = True
    with pytest.raises(ServiceUnavailable):
        store.read("one")
    client.down = False
    store.read("one")
    client.down, clock.now = True, clock.now + 5
    assert store.read("one") == VALUE


def test_an_unknown_secret_is_a_clear_error(stack):
    with pytest.raises(SettingsError, match="SECRET_ID_TERMINAL_PASSWORD"):
        stack.settings.secret("terminal_password")


def test_the_environment_carries_secret_ids_not_values(stack):
    from devtools.template import secrets_catalogue

    values = [stack.settings.payment_webhook_secret, stack.settings.cursor_secret, stack.settings.payment_provider_key]
    values += [stack.settings.payout_provider_key, stack.settings.payout_webhook_secret]  # issue 17
    values += [stack.settings.pickup_code_secret]  # issue 10
    assert set(stack.settings.secret_ids) == set(secrets_catalogue())
    assert all(
        os.environ[f"SECRET_ID_{n.upper()}"].startswith("arn:aws:secretsmanager:") for n in stack.settings.secret_ids
    )
    assert not any(value in env for value in values for env in os.environ.values())
    assert not any(
        "SECRET" in name and not name.startswith("SECRET_ID_") for name in os.environ if name != "AWS_SECRET_ACCESS_KEY"
    )


def test_the_app_reads_the_values_stored_in_secrets_manager(stack):
    client = cached_clients().client("secretsmanager")
    stored = client.get_secret_value(SecretId=stack.settings.secret_ids["payment_webhook"])["SecretString"]
    assert stack.settings.payment_webhook_secret == stored
    ring = json.loads(client.get_secret_value(SecretId=stack.settings.secret_ids["cursor"])["SecretString"])
    assert stack.settings.cursor_secret == ring["current"]


# --- rotation through the public API, with the clock moved ------------------------------------------------------

T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rotate_cursor_secret(stack, now: str) -> None:
    """What `make rotate-cursor-secret` does (devtools/secrets.py), on the test's moto account."""
    from devtools.secrets import rotate

    rotate(cached_clients().client("secretsmanager"), stack.settings.secret_ids["cursor"], now)
    stack.settings.secret_reader.refresh()  # as every warm function does within CACHE_SECONDS


def test_outstanding_cursors_keep_working_for_an_hour_after_a_rotation(api, stack, factory):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    for n in range(3):
        factory.product(seller, shop, title=f"Rotation scarf {n}")
    path = "/v1/storefronts/handicrafts/products?limit=1"
    stack.clock = lambda: at(0)
    first = api.get(path)
    assert first.status == 200, first
    outstanding = first.json["next_cursor"]

    rotate_cursor_secret(stack, at(0))

    def page_two(seconds: float, cursor: str):
        stack.clock = lambda: at(seconds)
        return api.get(f"{path}&cursor={cursor}")

    assert page_two(60, outstanding).status == 200
    stack.clock = lambda: at(60)
    assert api.get(path).json["next_cursor"] == outstanding  # the new key does not sign yet
    stack.clock = lambda: at(ACTIVATION_SECONDS)
    fresh = api.get(path).json["next_cursor"]
    assert fresh != outstanding  # the new key signs now
    assert page_two(ACTIVATION_SECONDS + GRACE_SECONDS - 1, outstanding).status == 200
    expired = page_two(ACTIVATION_SECONDS + GRACE_SECONDS, outstanding)
    assert expired.status == 400 and expired.json["error"]["code"] == "invalid_cursor"
    assert page_two(ACTIVATION_SECONDS + GRACE_SECONDS, fresh).status == 200


def test_a_rotation_keeps_the_new_value_a_valid_ring(stack):
    from devtools.secrets import rotate

    client = cached_clients().client("secretsmanager")
    secret_id = stack.settings.secret_ids["cursor"]
    before = KeyRing.parse(client.get_secret_value(SecretId=secret_id)["SecretString"])
    rotate(client, secret_id, at(0))
    after = KeyRing.parse(client.get_secret_value(SecretId=secret_id)["SecretString"])
    assert after.previous == before.current and after.current != before.current and len(after.current) >= 32


def test_settings_built_outside_bootstrap_cannot_read_secrets(stack):
    from chalicelib import config

    with pytest.raises(SettingsError):
        _ = config.get_settings().payment_webhook_secret
    assert bootstrap.container().settings.payment_webhook_secret
