"""Rotating signing keys: the value stored in the secret store for a key that signs short-lived tokens (cursors).

The secret's value is JSON: `{"current": "<key>"}` as the stack first generates it, and after a rotation
`{"current", "current_from", "previous", "previous_until"}`. A rotation does not start signing with the new key at
once: warm functions cache the value for up to `CACHE_SECONDS`, so the new key only signs from `current_from`
(`ACTIVATION_SECONDS` later), by which time every function already accepts it. The previous key keeps verifying
for `GRACE_SECONDS` after that, so tokens signed before the rotation keep working for (at least) an hour.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from .errors import Conflict

CACHE_SECONDS = 300  # the longest a warm function keeps a secret value before reading it again
ACTIVATION_SECONDS = 2 * CACHE_SECONDS
GRACE_SECONDS = 3600
MIN_KEY_LENGTH = 32


class SigningSecret(str):
    """The key that signs now (the string itself) plus every key a signature may still carry (`accepted`,
    the signing key first). Code that only signs treats it as the plain string it is."""

    accepted: tuple[str, ...]

    def __new__(cls, signing: str, accepted: tuple[str, ...] = ()) -> SigningSecret:
        value = super().__new__(cls, signing)
        value.accepted = (signing, *(k for k in accepted if k != signing))
        return value


def _time(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class KeyRing:
    current: str
    current_from: str | None = None
    previous: str | None = None
    previous_until: str | None = None

    @classmethod
    def parse(cls, value: str) -> KeyRing:
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("current"), str):
            raise ValueError('a key ring is a JSON object with a "current" key')
        ring = cls(
            current=data["current"],
            current_from=data.get("current_from"),
            previous=data.get("previous"),
            previous_until=data.get("previous_until"),
        )
        if len(ring.current) < MIN_KEY_LENGTH or (ring.previous is not None and len(ring.previous) < MIN_KEY_LENGTH):
            raise ValueError(f"signing keys must be at least {MIN_KEY_LENGTH} characters")
        if ring.previous is not None and not (ring.current_from and ring.previous_until):
            raise ValueError("a previous key needs current_from and previous_until")
        return ring

    def to_json(self) -> str:
        data: dict[str, str | None] = {"current": self.current}
        if self.previous is not None:
            data.update(current_from=self.current_from, previous=self.previous, previous_until=self.previous_until)
        return json.dumps(data, sort_keys=True)

    def _pending(self, now: str) -> bool:
        return self.previous is not None and self.current_from is not None and _time(now) < _time(self.current_from)

    def _previous_valid(self, now: str) -> bool:
        return self.previous is not None and self.previous_until is not None and _time(now) < _time(self.previous_until)

    def signing_secret(self, now: str) -> SigningSecret:
        if self._pending(now):
            return SigningSecret(self.previous or "", (self.current,))
        accepted = (self.previous,) if self._previous_valid(now) and self.previous else ()
        return SigningSecret(self.current, accepted)

    def rotated(self, new_key: str, now: str) -> KeyRing:
        """The next value: `new_key` signs from now + ACTIVATION_SECONDS; the current key keeps verifying until
        GRACE_SECONDS after that. A second rotation before the first one is active would drop the key that
        signed the outstanding tokens, so it is refused."""
        if len(new_key) < MIN_KEY_LENGTH or new_key in (self.current, self.previous):
            raise ValueError(f"the new key must be fresh and at least {MIN_KEY_LENGTH} characters")
        if self._pending(now):
            raise Conflict(f"a rotation is pending until {self.current_from}", code="rotation_pending")
        starts = _time(now) + dt.timedelta(seconds=ACTIVATION_SECONDS)
        return KeyRing(
            current=new_key,
            current_from=_iso(starts),
            previous=self.current,
            previous_until=_iso(starts + dt.timedelta(seconds=GRACE_SECONDS)),
        )
