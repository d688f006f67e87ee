"""Rotating signing keys (domain/keyring.py): which key signs and which keys verify, as the clock moves."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from chalicelib.api import cursors
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.keyring import ACTIVATION_SECONDS, CACHE_SECONDS, GRACE_SECONDS, KeyRing, SigningSecret

OLD, NEW, NEWER = "o" * 40, "n" * 40, "z" * 40
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
SCOPE = "browse:handicrafts:[]"
KEY = {"facet": {"S": "handicrafts"}, "newest_key": {"S": "2026-01-01T00:00:00.000Z#prd_1"}}


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_the_value_the_stack_generates_is_a_ring_with_one_key():
    ring = KeyRing.parse(json.dumps({"current": OLD}))
    secret = ring.signing_secret(at(0))
    assert secret == OLD and secret.accepted == (OLD,)


def test_a_new_key_signs_only_after_every_warm_function_has_read_it():
    assert ACTIVATION_SECONDS > CACHE_SECONDS
    ring = KeyRing(OLD).rotated(NEW, at(0))
    pending = ring.signing_secret(at(ACTIVATION_SECONDS - 1))
    assert pending == OLD and set(pending.accepted) == {OLD, NEW}
    active = ring.signing_secret(at(ACTIVATION_SECONDS))
    assert active == NEW and active.accepted == (NEW, OLD)


def test_cursors_signed_before_a_rotation_keep_working_for_an_hour_and_no_longer():
    before = cursors.encode(KeyRing(OLD).signing_secret(at(0)), SCOPE, KEY)
    ring = KeyRing.parse(KeyRing(OLD).rotated(NEW, at(0)).to_json())
    for seconds in (60, ACTIVATION_SECONDS + 1, GRACE_SECONDS, ACTIVATION_SECONDS + GRACE_SECONDS - 1):
        assert cursors.decode(ring.signing_secret(at(seconds)), SCOPE, before) == KEY, seconds
    with pytest.raises(ValidationFailed):
        cursors.decode(ring.signing_secret(at(ACTIVATION_SECONDS + GRACE_SECONDS)), SCOPE, before)


def test_cursors_signed_with_the_new_key_verify_everywhere_it_is_known():
    ring = KeyRing(OLD).rotated(NEW, at(0))
    after = cursors.encode(ring.signing_secret(at(ACTIVATION_SECONDS)), SCOPE, KEY)
    assert after != cursors.encode(OLD, SCOPE, KEY)
    assert cursors.decode(ring.signing_secret(at(30)), SCOPE, after) == KEY  # a function still on the old key
    with pytest.raises(ValidationFailed):
        cursors.decode(OLD, SCOPE, after)


def test_a_second_rotation_waits_until_the_first_one_is_active():
    ring = KeyRing(OLD).rotated(NEW, at(0))
    with pytest.raises(Conflict):
        ring.rotated(NEWER, at(ACTIVATION_SECONDS - 1))
    again = ring.rotated(NEWER, at(ACTIVATION_SECONDS))
    assert again.previous == NEW and again.current == NEWER


def test_keys_must_be_long_and_fresh():
    with pytest.raises(ValueError):
        KeyRing(OLD).rotated("short", at(0))
    with pytest.raises(ValueError):
        KeyRing(OLD).rotated(OLD, at(0))
    for bad in (
        "",
        "not json",
        "[]",
        '{"current": 5}',
        json.dumps({"current": "short"}),
        json.dumps({"current": OLD, "previous": NEW}),
    ):
        with pytest.raises(ValueError):
            KeyRing.parse(bad)


def test_a_list_of_secrets_signs_with_the_first_and_verifies_with_any():
    signed_old = cursors.encode(OLD, SCOPE, KEY)
    assert cursors.encode([NEW, OLD], SCOPE, KEY) == cursors.encode(NEW, SCOPE, KEY)
    assert cursors.decode([NEW, OLD], SCOPE, signed_old) == KEY
    assert cursors.decode(SigningSecret(NEW, (OLD,)), SCOPE, signed_old) == KEY
    with pytest.raises(ValidationFailed):
        cursors.decode([NEW], SCOPE, signed_old)
