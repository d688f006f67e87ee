"""Every adapter and every in-memory fake has exactly the methods and parameters of its port.

mypy (`make lint`) checks the types; this checks what a caller relies on at run time: the method names,
parameter names, kinds and defaults (services pass many arguments by keyword).
"""

from __future__ import annotations

import inspect

import pytest

from chalicelib.adapters.aggregates import DynamoAggregatesRepository
from chalicelib.adapters.carriers import DynamoCarriersRepository
from chalicelib.adapters.cognito import CognitoIdentityProvider, CognitoTokenVerifier
from chalicelib.adapters.coupons import DynamoCouponsRepository
from chalicelib.adapters.dynamodb import DynamoCatalogRepository
from chalicelib.adapters.finance import DynamoFinanceRepository
from chalicelib.adapters.group_buys import DynamoGroupBuyRepository
from chalicelib.adapters.ledger import DynamoLedger
from chalicelib.adapters.markets import DynamoMarketsRepository
from chalicelib.adapters.metrics import CloudWatchMetrics
from chalicelib.adapters.orders import DynamoBuyingRepository
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.payments import HttpCardProvider
from chalicelib.adapters.payouts_bank import HttpPayoutProvider
from chalicelib.adapters.provenance import DynamoProvenanceRepository
from chalicelib.adapters.queue import SqsEventPublisher
from chalicelib.adapters.ru_acquirer import HttpRuAcquirer, MarketPaymentProvider
from chalicelib.adapters.s3 import S3MediaStore
from chalicelib.adapters.trade import DynamoTradeRepository
from chalicelib.adapters.trust import DynamoTrustRepository
from chalicelib.services import ports
from tests.fakes import (
    InMemoryAggregatesRepository,
    InMemoryBank,
    InMemoryCatalogRepository,
    InMemoryFinanceRepository,
    InMemoryLedger,
    InMemoryMarketsRepository,
    InMemoryMediaStore,
    InMemoryOutbox,
    InMemoryProvenanceRepository,
)

IMPLEMENTATIONS = [
    (ports.CatalogRepository, DynamoCatalogRepository),
    (ports.CouponsRepository, DynamoCouponsRepository),  # issue 12
    (ports.CarriersRepository, DynamoCarriersRepository),  # issue 12
    (ports.CatalogRepository, InMemoryCatalogRepository),
    (ports.MediaStore, S3MediaStore),
    (ports.MediaStore, InMemoryMediaStore),
    (ports.IdentityProvider, CognitoIdentityProvider),
    (ports.TokenVerifier, CognitoTokenVerifier),
    (ports.BuyingRepository, DynamoBuyingRepository),
    (ports.EventPublisher, SqsEventPublisher),
    (ports.Ledger, DynamoLedger),
    (ports.Ledger, InMemoryLedger),
    (ports.Outbox, DynamoOutbox),
    (ports.Outbox, InMemoryOutbox),
    (ports.Metrics, CloudWatchMetrics),
    (ports.PaymentProvider, HttpCardProvider),
    (ports.FinanceRepository, DynamoFinanceRepository),
    (ports.FinanceRepository, InMemoryFinanceRepository),
    (ports.AggregatesRepository, DynamoAggregatesRepository),
    (ports.AggregatesRepository, InMemoryAggregatesRepository),
    (ports.PayoutProvider, HttpPayoutProvider),
    (ports.PayoutProvider, InMemoryBank),
    (ports.ProvenanceRepository, DynamoProvenanceRepository),
    (ports.ProvenanceRepository, InMemoryProvenanceRepository),
    (ports.TradeRepository, DynamoTradeRepository),
    (ports.GroupBuyRepository, DynamoGroupBuyRepository),  # issue 19
    (ports.MarketsRepository, DynamoMarketsRepository),
    (ports.MarketsRepository, InMemoryMarketsRepository),
    (ports.PaymentProvider, MarketPaymentProvider),
    (ports.RuAcquirer, HttpRuAcquirer),
    (ports.TrustRepository, DynamoTrustRepository),
]


def _methods(cls) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def _shape(signature: inspect.Signature) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("port, implementation", IMPLEMENTATIONS, ids=lambda x: x.__name__)
def test_the_implementation_has_the_ports_methods_with_the_same_parameters(port, implementation):
    wanted = _methods(port)
    assert wanted, port
    for name, signature in wanted.items():
        method = getattr(implementation, name, None)
        assert method is not None, f"{implementation.__name__} lacks {name}"
        assert _shape(inspect.signature(method)) == _shape(signature), f"{implementation.__name__}.{name}"
