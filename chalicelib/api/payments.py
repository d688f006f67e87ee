"""The card payment provider's webhook (HMAC-SHA256 signed; replays change nothing)."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..services import payments
from .routing import Budget, Call, Header, Scope, route, signed

bp = Blueprint(__name__)


def _signed_by_the_provider(request) -> None:
    """Checked before the body is read: an unsigned request learns nothing about its body's validity."""
    secret = container().settings.payment_webhook_secret
    payments.verify_webhook(secret, request.headers.get("x-bazaar-signature"), request.raw_body or b"")


@route(
    bp,
    "POST",
    "/v1/payments/webhook",
    "receivePaymentEvent",
    "Card payment provider events (HMAC-SHA256 signed)",
    tag="payments",
    auth=signed(_signed_by_the_provider),
    scope=Scope.PROVIDER,
    headers=(Header("X-Bazaar-Signature", 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">'),),
    body="PaymentEventIn",
    responses={200: "WebhookResult"},
    errors=(401, 404, 409, 422),
    description=(
        "A payment for an order cancelled (or expired unpaid) meanwhile is kept on record and refunded in full "
        "through the provider (status refunding; the refund id appears on the order's timeline); the answer is "
        "200 either way, so the provider stops retrying."
    ),
    budget=Budget(
        4,
        "GetItem order + the payment's posting into the shop's pending balance: BatchGetItem (posting claim, "
        "balance) + one TransactWriteItems (the posting, the order version-checked, the event id claimed, the "
        "order event in the outbox): 3. A late payment (order cancelled) posts nothing: 2 calls; its refund is "
        "issued by the order-events consumer. An order on net terms (issue 14) pays its invoice: + GetItem "
        "invoice; the invoice rides in the same posting's transaction: 4",
    ),
)
def payment_webhook(call: Call) -> dict:
    c = container()
    return payments.payment_event(c.buying, c.ledger, call.body.model_dump(), now=c.clock(), trade=c.trade)
