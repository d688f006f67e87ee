"""Secrets from AWS Secrets Manager (moto's on the local stages), read on first use and cached.

One client per warm function; each value is read once and again only after `max_age` seconds, so a cold
start costs one GetSecretValue per secret it uses and a rotation reaches every warm function within
`max_age` (domain/keyring.py plans rotations around that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import ServiceUnavailable
from ..domain.keyring import CACHE_SECONDS


class SecretsManagerStore:
    def __init__(
        self,
        client_factory: Callable[[], Any],
        secret_ids: Mapping[str, str],
        *,
        max_age: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_factory = client_factory  # the client is made on the first read, not at build
        self._client = None
        self._ids = dict(secret_ids)
        self._max_age = max_age
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Forgets every cached value: the next read asks Secrets Manager again."""
        with self._lock:
            self._cache.clear()

    def read(self, name: str) -> str:
        """The secret's current value (SecretString) by its short name, e.g. "cursor"."""
        if name not in self._ids:
            raise KeyError(f"no secret named {name!r} is configured (SECRET_ID_{name.upper()})")
        now = self._monotonic()
        cached = self._cache.get(name)
        if cached and now - cached[0] < self._max_age:
            return cached[1]
        with self._lock:
            cached = self._cache.get(name)
            if cached and now - cached[0] < self._max_age:
                return cached[1]
            try:
                if self._client is None:
                    self._client = self._client_factory()
                value = self._client.get_secret_value(SecretId=self._ids[name])["SecretString"]
            except (ClientError, BotoCoreError) as exc:
                if cached:  # the store is briefly unreachable: the last value read is still the best one
                    return cached[1]
                raise ServiceUnavailable("a secret could not be read, please retry", retry_after=2) from exc
            self._cache[name] = (now, value)
            return value
