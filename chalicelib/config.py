"""Settings, read lazily from the environment in this one place.

Nothing here runs at import time: `get_settings()` reads the environment on first use and caches the
result for the life of a warm Lambda. Tests call `reset_settings()` after changing the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Stages served by moto: "local" (make run, tests) and "ci" (the data stack deployed through CloudFormation).
LOCAL_STAGES = frozenset({"local", "ci"})
_DEV_CURSOR_SECRET = "bazaar-local-cursor-secret-not-for-real-stages"
_DEV_WEBHOOK_SECRET = "bazaar-local-payment-webhook-secret-not-for-real-stages"


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
    cursor_secret: str
    carts_table: str
    orders_table: str
    returns_table: str
    notifications_table: str
    order_events_queue_url: str
    payment_webhook_secret: str
    ledger_table: str
    media_url_ttl_seconds: int = 3600
    upload_url_ttl_seconds: int = 900

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES

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


def _secret(name: str, stage: str, local_default: str) -> str:
    """Secrets have a default only on local stages; elsewhere they must be set, private and long."""
    value = os.environ.get(name, "").strip()
    if not value:
        if stage not in LOCAL_STAGES:
            raise SettingsError(f"{name} must be set on non-local stages")
        return local_default
    if stage not in LOCAL_STAGES and (value == local_default or len(value) < 32):
        raise SettingsError(f"{name} must be a private value of at least 32 characters")
    return value


def _load() -> Settings:
    stage = _required("STAGE")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        shops_table=_required("SHOPS_TABLE"),
        products_table=_required("PRODUCTS_TABLE"),
        listings_table=_required("LISTINGS_TABLE"),
        uniques_table=_required("UNIQUES_TABLE"),
        media_table=_required("MEDIA_TABLE"),
        media_bucket=_required("MEDIA_BUCKET"),
        user_pool_id=_required("COGNITO_USER_POOL_ID"),
        user_pool_client_id=_required("COGNITO_CLIENT_ID"),
        cursor_secret=_secret("CURSOR_SECRET", stage, _DEV_CURSOR_SECRET),
        carts_table=_required("CARTS_TABLE"),
        orders_table=_required("ORDERS_TABLE"),
        returns_table=_required("RETURNS_TABLE"),
        notifications_table=_required("NOTIFICATIONS_TABLE"),
        order_events_queue_url=_required("ORDER_EVENTS_QUEUE_URL"),
        payment_webhook_secret=_secret("PAYMENT_WEBHOOK_SECRET", stage, _DEV_WEBHOOK_SECRET),
        ledger_table=_required("LEDGER_TABLE"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()


def reset_settings() -> None:
    get_settings.cache_clear()
