"""Builds the services' dependencies once per warm Lambda, lazily. Tests may install their own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import Settings, get_settings
from .services.ports import (
    AggregatesRepository,
    BuyingRepository,
    CarriersRepository,
    CatalogRepository,
    CouponsRepository,
    EventPublisher,
    FinanceRepository,
    GroupBuyRepository,
    IdentityProvider,
    JobQueue,
    Ledger,
    MarketsRepository,
    MediaStore,
    Metrics,
    NetworkRepository,
    Outbox,
    PaymentProvider,
    PayoutProvider,
    ProvenanceRepository,
    RuAcquirer,
    TokenVerifier,
    TradeRepository,
    TrustRepository,
)


@dataclass
class Container:
    """Everything the entry points hand to the services: one adapter per port (services/ports.py)."""

    settings: Settings
    catalog: CatalogRepository
    media: MediaStore
    identity: IdentityProvider
    tokens: TokenVerifier
    buying: BuyingRepository
    events: EventPublisher  # the order-events queue: only the outbox relay and sweeper publish to it
    ledger: Ledger
    outbox: Outbox
    metrics: Metrics
    payments: PaymentProvider
    trade: TradeRepository  # issue 14: businesses, RFQs and quotes, invoices
    provenance: ProvenanceRepository  # issue 15: makers, GI claims, shop uploads, origin counts
    clock: Callable[[], str]  # UTC ISO-8601 now; tests move it
    new_id: Callable[[str], str]  # a new id with a prefix ("ord", "shp", ...)
    network: NetworkRepository  # the rural service network (issue 10)
    jobs: JobQueue  # manifest steps too long for one request (issue 10): outbox events the consumer runs
    finance: FinanceRepository  # issue 17: commission rules, payout accounts, payouts
    aggregates: AggregatesRepository  # issue 17: dashboard counters
    payouts: PayoutProvider  # issue 17: the bank that pays sellers
    markets: MarketsRepository  # issue 12: exchange rates (cached per warm Lambda)
    ru_acquirer: RuAcquirer  # issue 12: Mir card and SBP payments (refunds go through `payments`)
    trust: TrustRepository  # issue 13: disputes, reviews and ratings, points lots and rules
    group_buys: GroupBuyRepository  # issue 19: groups and their commitments (items of the Trade table)
    coupons: CouponsRepository  # issue 12: buyers' coupons (items of the Finance table)
    carriers: CarriersRepository  # issue 12: carriers that post tracking events (items of the Finance table)


_container: Container | None = None
_lock = threading.Lock()


def build(settings: Settings, *, jwks_loader: Callable[[], dict] | None = None, session: Any = None) -> Container:
    """`session` (a boto3 Session, or anything with .client()) lets tests share clients between builds."""
    import boto3

    from .adapters.aggregates import DynamoAggregatesRepository
    from .adapters.carriers import DynamoCarriersRepository
    from .adapters.cognito import CognitoIdentityProvider, CognitoTokenVerifier, fetch_jwks
    from .adapters.coupons import DynamoCouponsRepository
    from .adapters.dynamodb import DynamoCatalogRepository
    from .adapters.finance import DynamoFinanceRepository
    from .adapters.group_buys import DynamoGroupBuyRepository
    from .adapters.ledger import DynamoLedger
    from .adapters.markets import DynamoMarketsRepository
    from .adapters.metrics import CloudWatchMetrics
    from .adapters.models import bind_models
    from .adapters.network import DynamoNetworkRepository
    from .adapters.orders import DynamoBuyingRepository
    from .adapters.outbox import DynamoOutbox, OutboxJobQueue
    from .adapters.payments import HttpCardProvider
    from .adapters.payouts_bank import HttpPayoutProvider
    from .adapters.provenance import DynamoProvenanceRepository
    from .adapters.queue import SqsEventPublisher
    from .adapters.ru_acquirer import HttpRuAcquirer, MarketPaymentProvider
    from .adapters.s3 import S3MediaStore
    from .adapters.secrets import SecretsManagerStore
    from .adapters.trade import DynamoTradeRepository
    from .adapters.trust import DynamoTrustRepository
    from .domain.ids import new_id, utc_now

    bind_models(settings)
    session = session or boto3.session.Session(region_name=settings.region)
    s3 = session.client("s3", endpoint_url=settings.endpoint_url)
    cognito = session.client("cognito-idp", endpoint_url=settings.endpoint_url)
    sqs = session.client("sqs", endpoint_url=settings.endpoint_url)
    cloudwatch = session.client("cloudwatch", endpoint_url=settings.endpoint_url)
    secrets = SecretsManagerStore(
        lambda: session.client("secretsmanager", endpoint_url=settings.endpoint_url), settings.secret_ids
    )
    buying = DynamoBuyingRepository(settings.region, settings.endpoint_url, clock=lambda: built.clock())
    ru_acquirer = HttpRuAcquirer(settings.ru_acquirer_url, lambda: built.settings.ru_acquirer_credentials)
    outbox = DynamoOutbox(settings.region, settings.endpoint_url)
    built = Container(
        settings=settings,
        catalog=DynamoCatalogRepository(settings.region, settings.endpoint_url),
        media=S3MediaStore(s3, settings.media_bucket, settings.media_base_url),
        identity=CognitoIdentityProvider(
            cognito,
            settings.user_pool_id,
            settings.user_pool_client_id,
            confirm_by_code=settings.confirm_accounts_by_code,
        ),
        tokens=CognitoTokenVerifier(
            settings.token_issuer,
            settings.user_pool_client_id,
            jwks_loader or (lambda: fetch_jwks(settings.jwks_url)),
        ),
        buying=buying,
        events=SqsEventPublisher(sqs, settings.order_events_queue_url),
        ledger=DynamoLedger(settings.region, settings.endpoint_url),
        outbox=outbox,
        metrics=CloudWatchMetrics(cloudwatch),
        payments=MarketPaymentProvider(
            HttpCardProvider(settings.payment_provider_url, lambda: built.settings.payment_provider_key), ru_acquirer
        ),
        provenance=DynamoProvenanceRepository(settings.region, settings.endpoint_url),
        trade=DynamoTradeRepository(settings.region, settings.endpoint_url),
        clock=utc_now,
        new_id=new_id,
        network=DynamoNetworkRepository(settings.region, settings.endpoint_url),
        jobs=OutboxJobQueue(outbox, lambda: built.clock()),
        finance=DynamoFinanceRepository(settings.region, settings.endpoint_url),
        aggregates=DynamoAggregatesRepository(settings.region, settings.endpoint_url),
        payouts=HttpPayoutProvider(settings.payout_provider_url, lambda: built.settings.payout_provider_key),
        markets=DynamoMarketsRepository(settings.region, settings.endpoint_url),
        ru_acquirer=ru_acquirer,
        trust=DynamoTrustRepository(settings.region, settings.endpoint_url),
        group_buys=DynamoGroupBuyRepository(buying),
        coupons=DynamoCouponsRepository(settings.region, settings.endpoint_url),
        carriers=DynamoCarriersRepository(settings.region, settings.endpoint_url),
    )
    # Secrets are read through the settings (on first use, cached); rotations follow the container's clock.
    built.settings = settings.with_secrets(secrets, lambda: built.clock())
    return built


def container() -> Container:
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = build(get_settings())
    return _container


def install(new: Container | None) -> None:
    """Replaces the container (tests); None makes the next request build it from settings again."""
    global _container
    _container = new
