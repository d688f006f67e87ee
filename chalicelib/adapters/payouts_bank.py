"""The bank's payouts API over HTTPS (services.ports.PayoutProvider). devtools/bank_simulator.py speaks the same
protocol locally and in tests.

The protocol (JSON over HTTPS):
- every request carries `Authorization: Bearer <API key>` (secret `payout_provider`);
- `POST /v1/transfers` with `Idempotency-Key: <key>` and
  `{"amount": {"amount", "currency"}, "destination": {"holder_name", "bank_name", "account_number", "bank_code"},
  "reference"}` -> 201 (created) or 200 (the same key again: the same transfer, nothing paid twice)
  `{"transfer_id", "status": "processing"|"paid"|"failed", "failure_reason"}`; the same key with another body
  -> 422 `idempotency_key_reused`; a destination the bank refuses -> 422;
- `GET /v1/transfers/{transfer_id}` -> the transfer as above;
- the bank settles transfers asynchronously and reports each final status to our
  `POST /v1/payouts/webhook`, signed `X-Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
  with the secret `payout_webhook`, retrying until it gets a 2xx; `GET /v1/transfers/{id}` is the fallback
  (the status poll, events/payouts.py).

Timeouts and 5xx/429 answers become ServiceUnavailable (the run retries on its next pass: the idempotency key
makes the retry safe); 4xx answers become PayoutRejected (the payout fails and its money goes back).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ..domain.errors import ServiceUnavailable
from ..domain.seller_money import PayoutRejected
from ..services.ports import TransferRequest, TransferStatus

TIMEOUT_SECONDS = 10
STATUSES = ("processing", "paid", "failed")


class HttpPayoutProvider:
    def __init__(self, base_url: str | None, api_key: Callable[[], str], *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._base = (base_url or "").rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def _request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        if not self._base:
            raise ServiceUnavailable("payouts are not configured on this stage (PAYOUT_PROVIDER_URL)", retry_after=60)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the configured https (local: http) endpoint
            self._base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self._api_key()}",
                "Accept": "application/json",
                **({"Content-Type": "application/json"} if data is not None else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as reply:  # noqa: S310
                return json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code == 429 or exc.code >= 500:
                raise ServiceUnavailable("the bank is busy, please retry", retry_after=30) from exc
            raise PayoutRejected(f"the bank refused the transfer: {detail}", code="payout_rejected") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
            raise ServiceUnavailable("the bank cannot be reached, please retry", retry_after=30) from exc

    def send(self, request: TransferRequest) -> TransferStatus:
        body = {
            "amount": {"amount": request.amount, "currency": request.currency},
            "destination": dict(request.destination),
            "reference": request.reference,
        }
        reply = self._request("POST", "/v1/transfers", body, {"Idempotency-Key": request.idempotency_key})
        return _status(reply)

    def status(self, transfer_id: str) -> TransferStatus:
        return _status(self._request("GET", f"/v1/transfers/{urllib.request.quote(transfer_id, safe='')}"))


def _status(reply: Any) -> TransferStatus:
    valid = isinstance(reply, dict) and isinstance(reply.get("transfer_id"), str) and reply.get("status") in STATUSES
    if not valid:
        raise ServiceUnavailable("the bank answered something unexpected", retry_after=30)
    reason = reply.get("failure_reason")
    return TransferStatus(reply["transfer_id"], reply["status"], reason if isinstance(reason, str) else None)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read() or b"{}")
        error = body.get("error") or {}
        return str(error.get("code") or error.get("message") or exc.code)[:200]
    except (ValueError, AttributeError):
        return str(exc.code)
