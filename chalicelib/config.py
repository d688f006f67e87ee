"""Settings, read lazily from the environment in this one place.

Nothing here runs at import time: `get_settings()` reads the environment on first use and caches the
result for the life of a warm Lambda. Tests call `reset_settings()` after changing the environment.

Secrets never travel in the environment: it carries only each secret's id (`SECRET_ID_<NAME>`, an ARN or a
name in Secrets Manager, one per entry of infra/secrets.json), and `Settings.secret(name)` reads the value
through the reader that bootstrap attaches (adapters/secrets.py: cached, read on first use).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from .domain.keyring import MIN_KEY_LENGTH, KeyRing, SigningSecret

# Stages served by moto: "local" (make run, tests) and "ci" (the data stack deployed through CloudFormation).
LOCAL_STAGES = frozenset({"local", "ci"})
SECRET_ID_PREFIX = "SECRET_ID_"


class SecretReader(Protocol):
    def read(self, name: str) -> str: ...


class SettingsError(RuntimeError):
    """The environment does not describe a usable stage."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    endpoint_url: str | None
    shops_table: str
    products_table: str
    listings_table: str
    uniques_table: str
    media_table: str
    media_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    carts_table: str
    orders_table: str
    returns_table: str
    notifications_table: str
    order_events_queue_url: str
    ledger_table: str
    outbox_table: str
    order_history_table: str
    media_base_url: str  # product media are served from here: the stage's CloudFront distribution
    provenance_table: str  # issue 15: makers, geographic-indication claims, origin counts
    upload_url_ttl_seconds: int = 900
    network_table: str = ""  # the rural service network (issue 10): counties, villages, manifests
    # Unpaid orders give their stock back after this long (cash on delivery never expires). Per stage:
    # CARD_PAYMENT_MINUTES, BANK_TRANSFER_HOURS in the stage's environment (.chalice/config.json).
    card_payment_minutes: int = 30
    bank_transfer_hours: int = 72
    payment_provider_url: str = ""  # the card payment provider's API (a local simulator on local stages)
    finance_table: str = ""  # issue 17: commission rules, payout accounts, payouts
    aggregates_table: str = ""  # issue 17: dashboard counters
    trust_table: str = ""  # issue 13: disputes, reviews and ratings, points lots and rules
    payout_provider_url: str | None = None  # the bank's payouts API (devtools/bank_simulator.py locally)
    trade_table: str = ""  # issue 14: businesses, RFQs and quotes, invoices, suppliers
    secret_ids: Mapping[str, str] = field(default_factory=dict)  # short name ("cursor") -> Secrets Manager id
    secret_reader: SecretReader | None = field(default=None, compare=False, repr=False)
    clock: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def with_secrets(self, reader: SecretReader, clock: Callable[[], str]) -> Settings:
        return dataclasses.replace(self, secret_reader=reader, clock=clock)

    def secret(self, name: str) -> str:
        """The value of the secret `name` (an entry of infra/secrets.json), read on first use and cached."""
        if name not in self.secret_ids:
            raise SettingsError(f"environment variable {SECRET_ID_PREFIX}{name.upper()} is required")
        if self.secret_reader is None:
            raise SettingsError("secrets are read through bootstrap.container().settings")
        value = self.secret_reader.read(name)
        if not value.strip():
            raise SettingsError(f"secret {name} is empty")
        return value

    @property
    def cursor_secret(self) -> SigningSecret:
        """Signs page cursors (and web CSRF tokens); also verifies with the previous key during a rotation."""
        now = self.clock() if self.clock else None
        if now is None:
            raise SettingsError("the cursor secret needs the clock that bootstrap attaches")
        return KeyRing.parse(self.secret("cursor")).signing_secret(now)

    @property
    def payment_webhook_secret(self) -> str:
        value = self.secret("payment_webhook")
        if len(value) < MIN_KEY_LENGTH:  # an HMAC key; the stack generates 64 characters
            raise SettingsError(f"the payment webhook secret must be at least {MIN_KEY_LENGTH} characters")
        return value

    @property
    def pickup_code_secret(self) -> str:
        """Derives the buyers' pickup codes (domain/network.pickup_code)."""
        value = self.secret("pickup_code")
        if len(value) < MIN_KEY_LENGTH:
            raise SettingsError(f"the pickup code secret must be at least {MIN_KEY_LENGTH} characters")
        return value

    @property
    def payment_provider_key(self) -> str:
        """The API key the card payment provider gave us (infra/secrets.json `payment_provider`)."""
        return self.secret("payment_provider")

    @property
    def payout_provider_key(self) -> str:
        """The API key the bank gave us (Authorization: Bearer)."""
        return self.secret("payout_provider")

    @property
    def payout_webhook_secret(self) -> str:
        value = self.secret("payout_webhook")
        if len(value) < MIN_KEY_LENGTH:  # an HMAC key; the stack generates 64 characters
            raise SettingsError(f"the payout webhook secret must be at least {MIN_KEY_LENGTH} characters")
        return value

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES

    @property
    def confirm_accounts_by_code(self) -> bool:
        """Dev and prod: a new account is confirmed only with the code Cognito e-mails. The local stages (moto,
        which sends no mail) create accounts confirmed."""
        return not self.is_local

    @property
    def token_issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.token_issuer}/.well-known/jwks.json"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"environment variable {name} must be a positive whole number")
    return int(raw)


def _secret_ids() -> dict[str, str]:
    return {
        name.removeprefix(SECRET_ID_PREFIX).lower(): value.strip()
        for name, value in os.environ.items()
        if name.startswith(SECRET_ID_PREFIX) and value.strip()
    }


def _media_base_url(stage: str, endpoint_url: str | None, bucket: str, region: str) -> str:
    """Where media URLs point. Real stages: the CloudFront distribution (the stack's MediaBaseUrl output,
    MEDIA_BASE_URL). Local stages: the bucket itself on the local endpoint (moto serves the same keys
    path-style; provisioning lets it answer unsigned GETs, as the distribution would)."""
    value = os.environ.get("MEDIA_BASE_URL", "").strip().rstrip("/")
    if value:
        return value
    if stage not in LOCAL_STAGES:
        raise SettingsError("MEDIA_BASE_URL must be set on non-local stages")
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def _load() -> Settings:
    stage = _required("STAGE")
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    endpoint_url = os.environ.get("AWS_ENDPOINT_URL") or None
    return Settings(
        stage=stage,
        region=region,
        endpoint_url=endpoint_url,
        shops_table=_required("SHOPS_TABLE"),
        products_table=_required("PRODUCTS_TABLE"),
        listings_table=_required("LISTINGS_TABLE"),
        uniques_table=_required("UNIQUES_TABLE"),
        media_table=_required("MEDIA_TABLE"),
        media_bucket=_required("MEDIA_BUCKET"),
        user_pool_id=_required("COGNITO_USER_POOL_ID"),
        user_pool_client_id=_required("COGNITO_CLIENT_ID"),
        carts_table=_required("CARTS_TABLE"),
        orders_table=_required("ORDERS_TABLE"),
        returns_table=_required("RETURNS_TABLE"),
        notifications_table=_required("NOTIFICATIONS_TABLE"),
        order_events_queue_url=_required("ORDER_EVENTS_QUEUE_URL"),
        ledger_table=_required("LEDGER_TABLE"),
        network_table=_required("NETWORK_TABLE"),
        outbox_table=_required("OUTBOX_TABLE"),
        order_history_table=_required("ORDER_HISTORY_TABLE"),
        card_payment_minutes=_positive_int("CARD_PAYMENT_MINUTES", 30),
        bank_transfer_hours=_positive_int("BANK_TRANSFER_HOURS", 72),
        payment_provider_url=os.environ.get("PAYMENT_PROVIDER_URL", "").strip(),
        provenance_table=_required("PROVENANCE_TABLE"),
        finance_table=_required("FINANCE_TABLE"),
        aggregates_table=_required("AGGREGATES_TABLE"),
        trust_table=_required("TRUST_TABLE"),
        payout_provider_url=os.environ.get("PAYOUT_PROVIDER_URL", "").strip().rstrip("/") or None,
        trade_table=_required("TRADE_TABLE"),
        secret_ids=_secret_ids(),
        media_base_url=_media_base_url(stage, endpoint_url, _required("MEDIA_BUCKET"), region),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()


def reset_settings() -> None:
    get_settings.cache_clear()
