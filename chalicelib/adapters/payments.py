"""The card payment provider over HTTP (services/ports.PaymentProvider).

The provider's API, as this adapter speaks it (devtools/card_provider.py simulates it locally, and is never
packaged):
- every request carries `Authorization: Bearer <API key>` (the secret `payment_provider`, infra/secrets.json);
- `POST /v1/refunds` `{"payment_id", "amount": {"amount", "currency"}}` with an `Idempotency-Key` header ->
  201 `{"refund_id", "payment_id", "amount", "status": "succeeded"}`; the same key again answers the same
  refund (200), never a second one; a different body under a used key, an unknown payment or more than is left
  to refund -> 4xx `{"error": {"code", "message"}}`. Full and partial refunds: any amount up to what is left.
- it tells us about payments (and refunds) with signed webhooks (`X-Bazaar-Signature`, the secret
  `payment_webhook`) to POST /v1/payments/webhook, retried until we answer 2xx.

Failures become domain errors: a connection error, a timeout or a 5xx is retried here a few times (the same
idempotency key, so a refund that did happen is answered, not repeated), then ServiceUnavailable (the caller
retries later); a refusal (4xx) is Unprocessable.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ..domain.errors import ServiceUnavailable, Unprocessable

log = logging.getLogger(__name__)

ATTEMPTS = 3
PAUSES = (0.2, 0.6)  # seconds between attempts
TIMEOUT_SECONDS = 5.0


class HttpCardProvider:
    def __init__(
        self,
        base_url: str,
        api_key: Callable[[], str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._api_key = api_key  # read on first use (Secrets Manager)
        self._sleep = sleep
        self._timeout = timeout

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str:
        body = {"payment_id": payment_ref, "amount": {"amount": amount, "currency": currency}}
        answer = self._post("/v1/refunds", body, idempotency_key)
        refund_id = answer.get("refund_id")
        if not isinstance(refund_id, str) or not refund_id:
            raise ServiceUnavailable("the payment provider answered without a refund id", retry_after=30)
        return refund_id

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        if not self._base:
            raise ServiceUnavailable("no payment provider is configured for this stage", retry_after=60)
        data = json.dumps(body).encode()
        last: Exception | None = None
        for attempt in range(ATTEMPTS):
            request = urllib.request.Request(  # noqa: S310 - the configured provider URL (https on real stages)
                self._base + path,
                data=data,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self._api_key()}",
                    "Idempotency-Key": idempotency_key,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as reply:  # noqa: S310
                    return _json(reply.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code not in (408, 429):
                    error = _json(exc.read()).get("error") or {}
                    if exc.code in (401, 403):  # our key is wrong: nothing the refund can fix, an operator must
                        log.error("the payment provider refused our credentials", extra={"status": exc.code})
                        raise ServiceUnavailable(
                            "the payment provider refused our credentials", retry_after=300
                        ) from exc
                    raise Unprocessable(
                        f"the payment provider refused: {error.get('message') or exc.reason}",
                        code=f"provider_{error.get('code') or 'refused'}",
                    ) from exc
                last = exc
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = exc
            if attempt + 1 < ATTEMPTS:
                self._sleep(PAUSES[min(attempt, len(PAUSES) - 1)])
        raise ServiceUnavailable("the payment provider is unavailable", retry_after=30) from last


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
