"""A local card payment provider that speaks the protocol chalicelib/adapters/payments.py expects.

Never packaged (devtools/ is not part of the Lambda; bench/package_size.py and tests/packaging check the zip).
`make run` starts it next to the app; the tests run it in process.

The protocol (JSON over HTTP; every request needs `Authorization: Bearer <merchant API key>`):
- `POST /v1/payments` `{"order_id", "amount": {"amount", "currency"}}` (+ optional `Idempotency-Key`) ->
  201 `{"payment_id", "order_id", "amount", "status": "succeeded"}`, then a signed `payment.succeeded`
  webhook to the merchant: `{"event_id", "type", "order_id", "payment_id", "amount"}`.
- `POST /v1/refunds` `{"payment_id", "amount": {...}}` with a required `Idempotency-Key` -> 201
  `{"refund_id", "payment_id", "amount", "status": "succeeded"}` and a `refund.succeeded` webhook. The same key
  with the same body -> 200 and the same refund (never a second one); with another body -> 422
  `idempotency_key_reused`; more than is left of the payment -> 422 `amount_exceeds_payment`; an unknown
  payment -> 404. Partial refunds add up to the payment at most.
- `GET /v1/payments/{payment_id}` -> the payment with its refunds.
- Webhooks: `POST <merchant webhook URL>` with `X-Bazaar-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
  "<t>.<body>">` (the merchant's webhook secret); retried with growing pauses until the merchant answers 2xx
  (at most MAX_DELIVERY_ATTEMPTS).
- For tests and demos only: `POST /sim/faults` `{"refunds": n}` makes the next n refund requests answer 503.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_DELIVERY_ATTEMPTS = 12
FIRST_PAUSE_SECONDS = 0.5

Deliver = Callable[[bytes, dict[str, str]], int]  # (body, headers) -> the merchant's HTTP status


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def http_deliver(url: str) -> Deliver:
    def deliver(body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - local
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
                return int(reply.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (urllib.error.URLError, OSError):
            return 0

    return deliver


@dataclass
class Merchant:
    api_key: str
    webhook_secret: str
    deliver: Deliver


@dataclass
class Webhook:
    merchant: Merchant
    body: bytes
    attempts: int = 0
    next_at: float = 0.0
    statuses: list[int] = field(default_factory=list)


class CardProvider:
    """The provider's state and rules, without HTTP (the server below and in-process tests use it)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.merchants: dict[str, Merchant] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[tuple[str, str], dict[str, Any]] = {}  # (api key, idempotency key) -> refund
        self.refund_requests = 0
        self.failing_refunds = 0
        self.outbox: list[Webhook] = []
        self.delivered: list[Webhook] = []

    def register(self, api_key: str, webhook_secret: str, deliver: Deliver) -> None:
        with self._lock:
            self.merchants[api_key] = Merchant(api_key, webhook_secret, deliver)

    def fail_refunds(self, count: int) -> None:
        with self._lock:
            self.failing_refunds = count

    # --- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/sim/faults":
            data = _load(body) or {}
            self.fail_refunds(int(data.get("refunds", 0)))
            return 200, {"failing_refunds": self.failing_refunds}
        merchant = self.merchants.get(headers.get("authorization", "").removeprefix("Bearer ").strip())
        if merchant is None:
            return 401, _error("unauthorized", "unknown API key")
        data = _load(body) if method == "POST" else {}
        if data is None:
            return 400, _error("bad_request", "the body must be a JSON object")
        key = headers.get("idempotency-key", "")
        if method == "POST" and path == "/v1/payments":
            return self.pay(merchant, data)
        if method == "POST" and path == "/v1/refunds":
            return self.refund(merchant, data, key)
        if method == "GET" and path.startswith("/v1/payments/"):
            payment = self.payments.get(path.rsplit("/", 1)[-1])
            if payment is None or payment["merchant"] != merchant.api_key:
                return 404, _error("not_found", "no such payment")
            return 200, _public(payment)
        return 404, _error("not_found", "no such route")

    def pay(self, merchant: Merchant, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = _money(data.get("amount"))
        if not isinstance(data.get("order_id"), str) or amount is None:
            return 400, _error("bad_request", "order_id and amount are required")
        with self._lock:
            payment = {
                "payment_id": f"pay_{secrets.token_hex(8)}",
                "order_id": data["order_id"],
                "amount": amount,
                "refunded": 0,
                "refunds": [],
                "status": "succeeded",
                "merchant": merchant.api_key,
            }
            self.payments[payment["payment_id"]] = payment
            self._notify(merchant, "payment.succeeded", payment, amount)
        return 201, _public(payment)

    def refund(self, merchant: Merchant, data: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        amount = _money(data.get("amount"))
        if not key:
            return 400, _error("idempotency_key_required", "refunds need an Idempotency-Key")
        if not isinstance(data.get("payment_id"), str) or amount is None:
            return 400, _error("bad_request", "payment_id and amount are required")
        with self._lock:
            self.refund_requests += 1
            if self.failing_refunds > 0:
                self.failing_refunds -= 1
                return 503, _error("unavailable", "try again later")
            done = self.refunds.get((merchant.api_key, key))
            if done is not None:
                if (done["payment_id"], done["amount"]) != (data["payment_id"], amount):
                    return 422, _error("idempotency_key_reused", "this key was used for another refund")
                return 200, dict(done)
            payment = self.payments.get(data["payment_id"])
            if payment is None or payment["merchant"] != merchant.api_key:
                return 404, _error("payment_not_found", "no such payment")
            if amount["currency"] != payment["amount"]["currency"]:
                return 422, _error("currency_mismatch", "refund in the payment's currency")
            if payment["refunded"] + amount["amount"] > payment["amount"]["amount"]:
                return 422, _error("amount_exceeds_payment", "more than is left of the payment")
            refund = {
                "refund_id": f"re_{secrets.token_hex(8)}",
                "payment_id": payment["payment_id"],
                "amount": amount,
                "status": "succeeded",
            }
            payment["refunded"] += amount["amount"]
            payment["refunds"].append(refund["refund_id"])
            self.refunds[(merchant.api_key, key)] = refund
            self._notify(merchant, "refund.succeeded", payment, amount, refund_id=refund["refund_id"])
        return 201, dict(refund)

    # --- webhooks ---------------------------------------------------------------------------------

    def _notify(
        self, merchant: Merchant, kind: str, payment: dict[str, Any], amount: dict[str, Any], **extra: Any
    ) -> None:
        event = {
            "event_id": f"evt_{secrets.token_hex(8)}",
            "type": kind,
            "order_id": payment["order_id"],
            "payment_id": payment["payment_id"],
            "amount": amount,
            **extra,
        }
        self.outbox.append(Webhook(merchant, json.dumps(event).encode(), next_at=self._clock()))

    def flush(self, *, wait: bool = False, api_key: str | None = None) -> int:
        """Delivers every webhook that is due (all of them when `wait`; only `api_key`'s merchant's when given),
        once each; returns how many the merchants took. A refused or failed delivery is tried again later, after
        a growing pause."""
        with self._lock:
            due = [
                w
                for w in self.outbox
                if (wait or w.next_at <= self._clock()) and (api_key is None or w.merchant.api_key == api_key)
            ]
        taken = 0
        for webhook in due:
            now = int(self._clock())
            headers = {
                "Content-Type": "application/json",
                "X-Bazaar-Signature": sign(webhook.merchant.webhook_secret, webhook.body, now),
            }
            status = webhook.merchant.deliver(webhook.body, headers)
            with self._lock:
                webhook.attempts += 1
                webhook.statuses.append(status)
                if 200 <= status < 300 or webhook.attempts >= MAX_DELIVERY_ATTEMPTS:
                    self.outbox.remove(webhook)
                    self.delivered.append(webhook)
                    taken += 200 <= status < 300
                else:
                    webhook.next_at = self._clock() + FIRST_PAUSE_SECONDS * 2 ** (webhook.attempts - 1)
        return taken


def _load(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _money(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
        return None
    amount, currency = value["amount"], value["currency"]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1 or not isinstance(currency, str):
        return None
    return {"amount": amount, "currency": currency}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _public(payment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payment.items() if k != "merchant"}


class CardProviderServer:
    """The provider on 127.0.0.1:<port> (0 picks one), delivering webhooks from a background thread."""

    def __init__(
        self,
        provider: CardProvider | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        deliver_in_background: bool = True,
    ) -> None:
        self.provider = provider or CardProvider()
        self._background = deliver_in_background  # tests deliver webhooks themselves (provider.flush())
        provider_ = self.provider

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = provider_.handle(self.command, self.path.split("?")[0], headers, body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = _serve  # noqa: N815
            do_POST = _serve  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CardProviderServer:
        self._threads = [threading.Thread(target=self._server.serve_forever, name="card-provider", daemon=True)]
        if self._background:
            self._threads.append(
                threading.Thread(target=self._deliver_loop, name="card-provider-webhooks", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        return self

    def _deliver_loop(self) -> None:
        while not self._stop.wait(0.2):
            self.provider.flush()

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> CardProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local card payment provider (simulator).")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--webhook-url", required=True)
    args = parser.parse_args(argv)
    server = CardProviderServer(port=args.port)
    server.provider.register(args.api_key, args.webhook_secret, http_deliver(args.webhook_url))
    with server:
        print(f"card provider simulator at {server.url}", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
