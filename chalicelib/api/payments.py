"""The card payment provider's webhook (HMAC-SHA256 signed; replays change nothing)."""

from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container
from ..services import payments
from .errors import api_errors
from .http import json_body, ok

bp = Blueprint(__name__)


@bp.route("/v1/payments/webhook", methods=["POST"])
@api_errors
def payment_webhook():
    from .schemas import PaymentEventIn

    request = bp.current_request
    c = container()
    payments.verify_webhook(
        c.settings.payment_webhook_secret, request.headers.get("x-bazaar-signature"), request.raw_body or b""
    )
    event = json_body(request, PaymentEventIn).model_dump()
    return ok(payments.payment_event(c.buying, c.events, event, now=c.clock()))
