"""A local bank that pays sellers: the payouts API that chalicelib/adapters/payouts_bank.py speaks, over HTTP.

`make run` starts it (devtools/local_stack.py) and points the app at it (PAYOUT_PROVIDER_URL); tests start it on
a free port. It is never packaged (tests/packaging checks the Lambda zip).

What it does, as a real payouts API would:
- every request needs `Authorization: Bearer <API key>` (the app's secret `payout_provider`), else 401;
- `POST /v1/transfers` with an `Idempotency-Key`: a new key creates a transfer (201, `processing`); the same key
  with the same body answers the same transfer (200) and pays nothing more; the same key with another body is
  422 `idempotency_key_reused`; a malformed destination is 422 `invalid_destination`;
- transfers settle asynchronously: after `settle_after` seconds (or when `settle()` is called, in tests) a
  transfer is `paid`, or `failed` with `account_closed` when the account number ends in `0000` (the documented
  way to see a failure locally);
- each final status is reported to `callback_url` as `{"event_id", "type": "transfer.paid"|"transfer.failed",
  "transfer_id", "reference", "failure_reason"}`, signed `X-Bank-Signature: t=<unix>,v1=<HMAC-SHA256 hex of
  "<t>.<body>">` with the shared secret (`payout_webhook`), retried with backoff until a 2xx (at most 8 tries);
- `GET /v1/transfers/{id}` answers a transfer's current status (the app's poll).
Simulator-only: `POST /_simulator/settle` settles everything now; `GET /_simulator/transfers` lists transfers.

    python -m devtools.bank_simulator --port 5100 --api-key KEY --webhook-secret SECRET --callback-url URL
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAILING_SUFFIX = "0000"
_ACCOUNT = re.compile(r"^[A-Z0-9]{8,34}$")
CALLBACK_ATTEMPTS = 8


@dataclass
class Transfer:
    transfer_id: str
    idempotency_key: str
    digest: str
    amount: int
    currency: str
    destination: dict
    reference: str
    created: float
    status: str = "processing"
    failure_reason: str | None = None
    settled_at: float | None = None

    def public(self) -> dict:
        return {
            "transfer_id": self.transfer_id,
            "status": self.status,
            "amount": {"amount": self.amount, "currency": self.currency},
            "reference": self.reference,
            "failure_reason": self.failure_reason,
        }


@dataclass
class Delivery:
    body: bytes
    attempts: int = 0
    next_at: float = 0.0
    delivered: bool = False


@dataclass
class BankSimulator:
    api_key: str
    webhook_secret: str
    callback_url: str | None = None
    settle_after: float | None = 2.0  # None: only settle() settles (tests)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every authenticated call
    log: Any = print

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    # --- state ----------------------------------------------------------------------------------------------

    def reset(self, api_key: str | None = None, webhook_secret: str | None = None) -> None:
        with self._lock:
            self.transfers.clear()
            self.by_key.clear()
            self.deliveries.clear()
            self.requests.clear()
            if api_key is not None:
                self.api_key = api_key
            if webhook_secret is not None:
                self.webhook_secret = webhook_secret

    @property
    def paid(self) -> list[Transfer]:
        """Transfers whose money actually left the bank."""
        with self._lock:
            return [t for t in self.transfers.values() if t.status == "paid"]

    def create(self, key: str, body: dict) -> tuple[int, dict]:
        problems = _problems(body)
        if problems:
            return 422, {"error": {"code": "invalid_destination", "message": "; ".join(problems)}}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            existing = self.by_key.get(key)
            if existing is not None:
                transfer = self.transfers[existing]
                if transfer.digest != digest:
                    return 422, {
                        "error": {"code": "idempotency_key_reused", "message": "this key was used for another transfer"}
                    }
                return 200, transfer.public()
            transfer = Transfer(
                transfer_id=f"tr_{uuid.uuid4().hex[:16]}",
                idempotency_key=key,
                digest=digest,
                amount=body["amount"]["amount"],
                currency=body["amount"]["currency"],
                destination=dict(body["destination"]),
                reference=str(body.get("reference") or ""),
                created=time.monotonic(),
            )
            self.transfers[transfer.transfer_id] = transfer
            self.by_key[key] = transfer.transfer_id
            return 201, transfer.public()

    def settle(self, older_than: float | None = None) -> list[bytes]:
        """Settles the processing transfers (all, or those older than `older_than` seconds); returns the signed
        callback bodies it queued, in order."""
        now = time.monotonic()
        bodies = []
        with self._lock:
            for transfer in self.transfers.values():
                if transfer.status != "processing":
                    continue
                if older_than is not None and now - transfer.created < older_than:
                    continue
                number = str(transfer.destination.get("account_number") or "")
                if number.endswith(FAILING_SUFFIX):
                    transfer.status, transfer.failure_reason = "failed", "account_closed"
                else:
                    transfer.status = "paid"
                transfer.settled_at = now
                body = json.dumps(
                    {
                        "event_id": f"evt_{uuid.uuid4().hex[:16]}",
                        "type": f"transfer.{transfer.status}",
                        "transfer_id": transfer.transfer_id,
                        "reference": transfer.reference,
                        "failure_reason": transfer.failure_reason,
                    }
                ).encode()
                self.deliveries.append(Delivery(body))
                bodies.append(body)
        return bodies

    def sign(self, body: bytes, timestamp: int | None = None) -> str:
        stamp = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(self.webhook_secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
        return f"t={stamp},v1={digest}"

    def deliver_due(self) -> None:
        """Posts the callbacks that are due to `callback_url`; a failed one is tried again later (backoff)."""
        if not self.callback_url:
            return
        now = time.monotonic()
        with self._lock:
            due = [
                d for d in self.deliveries if not d.delivered and d.attempts < CALLBACK_ATTEMPTS and d.next_at <= now
            ]
        for delivery in due:
            request = urllib.request.Request(  # noqa: S310 - the configured local callback URL
                self.callback_url,
                data=delivery.body,
                method="POST",
                headers={"Content-Type": "application/json", "X-Bank-Signature": self.sign(delivery.body)},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
                    ok = 200 <= reply.status < 300
            except (urllib.error.URLError, OSError):
                ok = False
            with self._lock:
                delivery.attempts += 1
                delivery.delivered = ok
                delivery.next_at = time.monotonic() + min(60.0, 2.0**delivery.attempts)

    # --- HTTP -----------------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> BankSimulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: the app's log is the one to read
                return

            def _reply(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _authorised(self) -> bool:
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {simulator.api_key}".encode()):
                    self._reply(401, {"error": {"code": "unauthenticated", "message": "a valid API key is required"}})
                    return False
                with simulator._lock:
                    simulator.requests.append((self.command, self.path))
                return True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not self._authorised():
                    return
                if self.path == "/_simulator/transfers":
                    with simulator._lock:
                        self._reply(200, {"items": [t.public() for t in simulator.transfers.values()]})
                    return
                match = re.match(r"^/v1/transfers/([A-Za-z0-9_]+)$", self.path)
                transfer = simulator.transfers.get(match.group(1)) if match else None
                if transfer is None:
                    self._reply(404, {"error": {"code": "not_found", "message": "no such transfer"}})
                    return
                self._reply(200, transfer.public())

            def do_POST(self) -> None:  # noqa: N802
                if not self._authorised():
                    return
                if self.path == "/_simulator/settle":
                    self._reply(200, {"settled": len(simulator.settle())})
                    return
                if self.path != "/v1/transfers":
                    self._reply(404, {"error": {"code": "not_found", "message": "no such route"}})
                    return
                key = (self.headers.get("Idempotency-Key") or "").strip()
                if not key or len(key) > 200:
                    self._reply(400, {"error": {"code": "idempotency_key_required", "message": "send one"}})
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(min(length, 65536)) or b"null")
                except ValueError:
                    self._reply(400, {"error": {"code": "malformed_json", "message": "the body is not JSON"}})
                    return
                if not isinstance(body, dict):
                    self._reply(400, {"error": {"code": "malformed_json", "message": "a JSON object is expected"}})
                    return
                status, reply = simulator.create(key, body)
                self._reply(status, reply)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="bank-simulator", daemon=True).start()
        threading.Thread(target=self._background, name="bank-simulator-settlement", daemon=True).start()
        return self

    def _background(self) -> None:
        while not self._stop.wait(0.5):
            try:
                if self.settle_after is not None:
                    self.settle(older_than=self.settle_after)
                self.deliver_due()
            except Exception as exc:  # the simulator must outlive a hiccup
                self.log(f"bank simulator: {exc}")

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the simulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _problems(body: dict) -> list[str]:
    problems = []
    amount = body.get("amount")
    if (
        not isinstance(amount, dict)
        or type(amount.get("amount")) is not int
        or amount["amount"] <= 0
        or not re.match(r"^[A-Z]{3}$", str(amount.get("currency") or ""))
    ):
        problems.append("amount must be {amount: positive integer minor units, currency: ISO 4217}")
    destination = body.get("destination")
    if not isinstance(destination, dict):
        problems.append("destination is required")
    else:
        if not _ACCOUNT.match(str(destination.get("account_number") or "")):
            problems.append("destination.account_number must be 8 to 34 letters and digits")
        if not str(destination.get("holder_name") or "").strip():
            problems.append("destination.holder_name is required")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a local bank payouts API for Bazaar")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--callback-url")
    parser.add_argument("--settle-after", type=float, default=2.0)
    args = parser.parse_args(argv)
    bank = BankSimulator(args.api_key, args.webhook_secret, args.callback_url, args.settle_after).start(
        args.host, args.port
    )
    print(f"bank simulator on {bank.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        bank.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
