"""Issue 12: the Russian acquirer over HTTP (a Tinkoff-style internet-acquiring API; services/ports.RuAcquirer),
and the payment provider that sends each refund to the provider the buyer paid through.

The protocol, as this adapter speaks it (devtools/ru_acquirer.py simulates it locally and is never packaged);
every request is a JSON POST signed with `Token` (domain/ru_payments.token) and carries `TerminalKey`:
- `POST <url>/v2/Init` `{"Amount": kopecks, "OrderId", "Description", "NotificationURL", "SuccessURL",
  "FailURL", "DATA": {...}}` -> `{"Success": true, "ErrorCode": "0", "Status": "NEW", "PaymentId",
  "PaymentURL"}` (the hosted payment page: a Mir card form);
- `POST <url>/v2/GetQr` `{"PaymentId", "DataType": "PAYLOAD"}` -> `{"Success", "Data": <SBP payload>}`;
- `POST <url>/v2/Cancel` `{"PaymentId", "Amount", "ExternalRequestId"}` -> `{"Success", "Status":
  "REFUNDED"|"PARTIAL_REFUNDED", "OriginalAmount", "NewAmount"}`: a full or partial refund; the same
  ExternalRequestId again answers the same refund, never a second one;
- the acquirer notifies `NotificationURL` (POST /v1/payments/ru/notifications) with a signed JSON object
  (`Status`, `Success`, `PaymentId`, `OrderId`, `Amount`, `Token`, ...) until we answer `OK`.
`Success: false` is a refusal (Unprocessable); a connection error, timeout or 5xx, after a few attempts,
ServiceUnavailable (the caller retries later, with the same ExternalRequestId).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ..domain import ru_payments
from ..domain.errors import ServiceUnavailable, Unprocessable
from ..services.ports import AcquirerPayment, PaymentProvider, RuAcquirer

ATTEMPTS = 3
PAUSES = (0.2, 0.6)
TIMEOUT_SECONDS = 5.0


class HttpRuAcquirer:
    def __init__(
        self,
        base_url: str,
        credentials: Callable[[], tuple[str, str]],
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._credentials = credentials  # (terminal key, password), read on first use (Secrets Manager)
        self._sleep = sleep
        self._timeout = timeout

    def init_payment(
        self,
        order_id: str,
        amount: int,
        description: str,
        *,
        notification_url: str,
        success_url: str,
        fail_url: str,
        sbp: bool,
    ) -> AcquirerPayment:
        answer = self._call(
            "Init",
            {
                "Amount": amount,
                "OrderId": order_id,
                "Description": description[:140],
                "NotificationURL": notification_url,
                "SuccessURL": success_url,
                "FailURL": fail_url,
                "PayType": "O",
                "DATA": {"QR": "true"} if sbp else {},
            },
        )
        payment_id, url = str(answer.get("PaymentId") or ""), answer.get("PaymentURL")
        if not payment_id or not isinstance(url, str):
            raise ServiceUnavailable("the acquirer answered Init without a payment", retry_after=30)
        qr = None
        if sbp:
            qr = self._call("GetQr", {"PaymentId": payment_id, "DataType": "PAYLOAD"}).get("Data")
        return AcquirerPayment(payment_id=payment_id, payment_url=url, sbp_payload=qr if isinstance(qr, str) else None)

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str:
        if currency != "RUB":
            raise Unprocessable("the acquirer refunds roubles only", code="currency_mismatch")
        payment_id = ru_payments.acquirer_payment_id(payment_ref)
        answer = self._call(
            "Cancel", {"PaymentId": payment_id, "Amount": amount, "ExternalRequestId": idempotency_key[:100]}
        )
        if answer.get("Status") not in ("REFUNDED", "PARTIAL_REFUNDED"):
            raise ServiceUnavailable("the acquirer answered Cancel without a refund status", retry_after=30)
        return f"{payment_id}/{idempotency_key[:100]}"  # the acquirer names a refund by the payment and our id

    def _call(self, method: str, fields: dict[str, Any]) -> dict[str, Any]:
        if not self._base:
            raise ServiceUnavailable("no acquirer is configured for this stage", retry_after=60)
        terminal_key, password = self._credentials()
        data = json.dumps(ru_payments.signed(fields, terminal_key, password)).encode()
        last: Exception | None = None
        for attempt in range(ATTEMPTS):
            request = urllib.request.Request(  # noqa: S310 - the configured acquirer URL (https on real stages)
                f"{self._base}/v2/{method}", data=data, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as reply:  # noqa: S310
                    answer = _json(reply.read())
            except urllib.error.HTTPError as exc:
                last = exc
                if exc.code < 500 and exc.code not in (408, 429):
                    raise Unprocessable(f"the acquirer refused {method} ({exc.code})", code="acquirer_refused") from exc
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = exc
            else:
                if answer.get("Success") is True and str(answer.get("ErrorCode", "0")) == "0":
                    return answer
                raise Unprocessable(
                    f"the acquirer refused {method}: {answer.get('Message') or answer.get('ErrorCode')}",
                    code="acquirer_refused",
                )
            if attempt < len(PAUSES):
                self._sleep(PAUSES[attempt])
        raise ServiceUnavailable(f"the acquirer could not be reached ({method})", retry_after=30) from last


def _json(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw or b"{}")
    return value if isinstance(value, dict) else {}


class MarketPaymentProvider:
    """The payment provider port over both providers: a refund in roubles goes to the Russian acquirer (it took
    the payment), any other to the card provider."""

    def __init__(self, card: PaymentProvider, ru: RuAcquirer) -> None:
        self.card = card
        self.ru = ru

    def refund(self, payment_ref: str, amount: int, currency: str, idempotency_key: str) -> str:
        if currency == "RUB" or payment_ref.startswith(ru_payments.PAYMENT_REF_PREFIX):
            return self.ru.refund(payment_ref, amount, currency, idempotency_key)
        return self.card.refund(payment_ref, amount, currency, idempotency_key)
