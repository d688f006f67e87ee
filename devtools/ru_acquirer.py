"""Issue 12: a local Russian acquirer (Tinkoff-style internet acquiring) that speaks the protocol
chalicelib/adapters/ru_acquirer.py expects. Never packaged (devtools/); `make run` starts it, tests run it in
process.

API (JSON POSTs signed with `Token`, domain/ru_payments.token, by a registered terminal):
- `/v2/Init` {Amount (kopecks), OrderId, Description, NotificationURL, SuccessURL, FailURL, DATA} ->
  {Success, ErrorCode "0", Status "NEW", PaymentId, OrderId, Amount, PaymentURL}. An Init for an OrderId whose
  payment is still NEW with the same Amount answers that payment again.
- `/v2/GetQr` {PaymentId, DataType "PAYLOAD"|"IMAGE"} -> {Success, Data}: the SBP payload (a
  `https://qr.nspk.ru/...` link) or an SVG of its QR code.
- `/v2/Cancel` {PaymentId, Amount?, ExternalRequestId?} -> {Success, Status "REFUNDED"|"PARTIAL_REFUNDED",
  OriginalAmount, NewAmount}; the same ExternalRequestId answers the same refund again; more than is left ->
  Success false, ErrorCode "9999".
- `/v2/GetState` {PaymentId} -> {Success, Status, Amount, ...}.
A wrong Token or an unknown terminal -> Success false, ErrorCode "204" (as the bank answers).

The hosted page a person clicks through: `GET /pay/<PaymentId>` shows the amount in roubles, a Mir card form and
the SBP QR code (an image, rendered with segno); `POST /pay/<PaymentId>` with `action=pay` (or `sbp`) confirms
the payment, `action=decline` rejects it; the buyer is sent to SuccessURL / FailURL.

Notifications: POST <NotificationURL> with {TerminalKey, OrderId, Success, Status, PaymentId, ErrorCode, Amount,
CardId, Pan, ExpDate, Token} (Token signed with the terminal's password), retried with growing pauses until the
merchant answers `OK` (at most MAX_DELIVERY_ATTEMPTS).
"""

from __future__ import annotations

import argparse
import html
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.domain import ru_payments

MAX_DELIVERY_ATTEMPTS = 12
FIRST_PAUSE_SECONDS = 0.5

Deliver = Callable[[str, bytes], tuple[int, str]]  # (url, body) -> (status, answer text)


def http_deliver(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - local
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return int(reply.status), reply.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except (urllib.error.URLError, OSError):
        return 0, ""


@dataclass
class Terminal:
    key: str
    password: str
    deliver: Deliver


@dataclass
class Notification:
    terminal: Terminal
    url: str
    body: bytes
    attempts: int = 0
    next_at: float = 0.0
    answers: list[tuple[int, str]] = field(default_factory=list)


class RuAcquirer:
    """The acquirer's state and rules, without HTTP (the server below and in-process tests use it)."""

    def __init__(self, base_url: str = "", clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.base_url = base_url
        self.terminals: dict[str, Terminal] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.cancels: dict[tuple[str, str], dict[str, Any]] = {}
        self.outbox: list[Notification] = []
        self.delivered: list[Notification] = []
        self._next_id = 1_000_000

    def register(self, key: str, password: str, deliver: Deliver = http_deliver) -> None:
        with self._lock:
            self.terminals[key] = Terminal(key, password, deliver)

    # --- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, data: dict[str, Any]) -> dict[str, Any]:
        terminal = self.terminals.get(str(data.get("TerminalKey", "")))
        if terminal is None or not ru_payments.verify(data, terminal.key, terminal.password):
            return _refusal("204", "Неверный токен. Проверьте пару TerminalKey/SecretKey.")
        if method == "Init":
            return self.init(terminal, data)
        payment = self.payments.get(str(data.get("PaymentId", "")))
        if payment is None or payment["terminal"] != terminal.key:
            return _refusal("7", "Покупатель не найден / платёж не найден")
        if method == "GetQr":
            return self.get_qr(payment, str(data.get("DataType", "PAYLOAD")))
        if method == "Cancel":
            return self.cancel(terminal, payment, data)
        if method == "GetState":
            return {**_ok(payment), "Status": payment["Status"]}
        return _refusal("9999", f"unknown method {method}")

    def init(self, terminal: Terminal, data: dict[str, Any]) -> dict[str, Any]:
        amount, order_id = data.get("Amount"), data.get("OrderId")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 100 or not isinstance(order_id, str):
            return _refusal("9999", "Amount (kopecks, >= 100) and OrderId are required")
        with self._lock:
            for payment in self.payments.values():
                if (payment["terminal"], payment["OrderId"], payment["Amount"], payment["Status"]) == (
                    terminal.key,
                    order_id,
                    amount,
                    "NEW",
                ):
                    return {**_ok(payment), "Status": "NEW", "PaymentURL": self._page(payment)}
            self._next_id += 1
            payment = {
                "PaymentId": str(self._next_id),
                "OrderId": order_id,
                "Amount": amount,
                "Description": str(data.get("Description", "")),
                "NotificationURL": str(data.get("NotificationURL", "")),
                "SuccessURL": str(data.get("SuccessURL", "")),
                "FailURL": str(data.get("FailURL", "")),
                "Status": "NEW",
                "Refunded": 0,
                "terminal": terminal.key,
            }
            self.payments[payment["PaymentId"]] = payment
        return {**_ok(payment), "Status": "NEW", "PaymentURL": self._page(payment)}

    def get_qr(self, payment: dict[str, Any], kind: str) -> dict[str, Any]:
        payload = sbp_payload(payment)
        data = payload if kind == "PAYLOAD" else qr_svg(payload)
        return {**_ok(payment), "Data": data}

    def cancel(self, terminal: Terminal, payment: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        request_id = str(data.get("ExternalRequestId") or "")
        with self._lock:
            if request_id and (terminal.key, request_id) in self.cancels:
                return dict(self.cancels[(terminal.key, request_id)])
            if payment["Status"] not in ("CONFIRMED", "PARTIAL_REFUNDED"):
                return _refusal("9999", f"a {payment['Status']} payment cannot be refunded")
            left = payment["Amount"] - payment["Refunded"]
            amount = data.get("Amount", left)
            if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= left:
                return _refusal("9999", "Сумма отмены больше суммы платежа")
            original = left
            payment["Refunded"] += amount
            payment["Status"] = "REFUNDED" if payment["Refunded"] == payment["Amount"] else "PARTIAL_REFUNDED"
            answer = {
                **_ok(payment),
                "Status": payment["Status"],
                "OriginalAmount": original,
                "NewAmount": original - amount,
            }
            if request_id:
                self.cancels[(terminal.key, request_id)] = answer
            self._notify(terminal, payment, amount=amount)
        return dict(answer)

    # --- the hosted page ----------------------------------------------------------------------------

    def _page(self, payment: dict[str, Any]) -> str:
        return f"{self.base_url}/pay/{payment['PaymentId']}"

    def decide(self, payment_id: str, action: str) -> str:
        """A person paid (`pay` by Mir card, `sbp` in their bank's app) or declined on the hosted page: the
        payment's new status; where the buyer goes next."""
        with self._lock:
            payment = self.payments.get(payment_id)
            if payment is None:
                raise KeyError(payment_id)
            if payment["Status"] == "NEW":
                payment["Status"] = "REJECTED" if action == "decline" else "CONFIRMED"
                if action != "decline":
                    payment["Pan"] = "220000******0012" if action == "pay" else ""
                    payment["CardId"] = "9001" if action == "pay" else ""
                self._notify(self.terminals[payment["terminal"]], payment)
            return payment["FailURL"] if payment["Status"] == "REJECTED" else payment["SuccessURL"]

    def page(self, payment_id: str) -> str:
        payment = self.payments.get(payment_id)
        if payment is None:
            return "<!doctype html><title>Платёж не найден</title><p>Платёж не найден.</p>"
        rub = f"{payment['Amount'] // 100:,}".replace(",", " ") + f",{payment['Amount'] % 100:02d} ₽"
        status = payment["Status"]
        done = status != "NEW"
        qr = qr_svg(sbp_payload(payment))
        forms = (
            f'<p class="status" data-status="{status}">Статус платежа: {status}</p>'
            if done
            else f"""
<form method="post" class="card">
  <h2>Картой «Мир»</h2>
  <label>Номер карты <input name="pan" value="2200 0000 0000 0012" inputmode="numeric"></label>
  <label>Срок <input name="exp" value="12/29"></label> <label>CVC <input name="cvc" value="123"></label>
  <button name="action" value="pay">Оплатить {rub}</button>
  <button name="action" value="decline" class="decline">Отклонить</button>
</form>
<section class="sbp">
  <h2>Через СБП</h2>
  <p>Отсканируйте QR-код в приложении банка.</p>
  <figure aria-label="QR-код СБП">{qr}</figure>
  <form method="post"><button name="action" value="sbp">Я оплатил(а) в приложении банка</button></form>
</section>"""
        )
        return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Оплата заказа {html.escape(payment["OrderId"])}</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto}}label{{display:block;margin:.4rem 0}}
button{{margin:.5rem .5rem 0 0;padding:.5rem 1rem}}.decline{{background:#eee}}figure svg{{width:200px;height:200px}}
</style></head>
<body><p class="sim">Симулятор эквайринга (только для разработки)</p>
<h1>Оплата заказа</h1>
<p>Заказ <b>{html.escape(payment["OrderId"])}</b>: {html.escape(payment["Description"])}</p>
<p class="amount">К оплате: <b>{rub}</b></p>
{forms}
</body></html>"""

    # --- notifications -------------------------------------------------------------------------------

    def _notify(self, terminal: Terminal, payment: dict[str, Any], *, amount: int | None = None) -> None:
        if not payment["NotificationURL"]:
            return
        fields = {
            "OrderId": payment["OrderId"],
            "Success": payment["Status"] != "REJECTED",
            "Status": payment["Status"],
            "PaymentId": int(payment["PaymentId"]),
            "ErrorCode": "0" if payment["Status"] != "REJECTED" else "1051",
            "Amount": payment["Amount"] if amount is None else amount,
            "CardId": int(payment.get("CardId") or 0),
            "Pan": payment.get("Pan", ""),
            "ExpDate": "1229",
            "DATA": {"Source": "sim"},
        }
        body = json.dumps(ru_payments.signed(fields, terminal.key, terminal.password), ensure_ascii=False)
        self.outbox.append(Notification(terminal, payment["NotificationURL"], body.encode(), next_at=self._clock()))

    def flush(self, *, wait: bool = False) -> int:
        """Delivers the notifications that are due (all when `wait`); one attempt each. Returns how many the
        merchant took (answered `OK`); the others are tried again after a growing pause."""
        with self._lock:
            due = [n for n in self.outbox if wait or n.next_at <= self._clock()]
        taken = 0
        for n in due:
            status, text = n.terminal.deliver(n.url, n.body)
            with self._lock:
                n.attempts += 1
                n.answers.append((status, text))
                ok = status == 200 and text.strip() == "OK"
                if ok or n.attempts >= MAX_DELIVERY_ATTEMPTS:
                    self.outbox.remove(n)
                    self.delivered.append(n)
                    taken += ok
                else:
                    n.next_at = self._clock() + FIRST_PAUSE_SECONDS * 2 ** (n.attempts - 1)
        return taken


def sbp_payload(payment: dict[str, Any]) -> str:
    """An SBP (Faster Payments System) dynamic QR link, as the NSPK issues them."""
    query = urllib.parse.urlencode(
        {"type": "02", "bank": "100000000004", "sum": payment["Amount"], "cur": "RUB", "crc": "ab12"}
    )
    return f"https://qr.nspk.ru/AD1000{int(payment['PaymentId']):026d}?{query}"


def qr_svg(payload: str) -> str:
    import io

    import segno

    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _ok(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "Success": True,
        "ErrorCode": "0",
        "TerminalKey": payment["terminal"],
        "PaymentId": payment["PaymentId"],
        "OrderId": payment["OrderId"],
        "Amount": payment["Amount"],
    }


def _refusal(code: str, message: str) -> dict[str, Any]:
    return {"Success": False, "ErrorCode": code, "Message": message}


class RuAcquirerServer:
    """The acquirer on 127.0.0.1:<port> (0 picks one), delivering notifications from a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, deliver_in_background: bool = True) -> None:
        acquirer = RuAcquirer()
        self.acquirer = acquirer
        self._background = deliver_in_background

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: bytes, content_type: str, location: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if path.startswith("/pay/"):
                    page = acquirer.page(path.removeprefix("/pay/"))
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if path.startswith("/pay/"):
                    form = urllib.parse.parse_qs(raw.decode())
                    action = (form.get("action") or ["pay"])[0]
                    try:
                        target = acquirer.decide(path.removeprefix("/pay/"), action)
                    except KeyError:
                        self._send(404, b"not found", "text/plain")
                        return
                    if acquirer is not None and self.server_background:  # deliver before the buyer arrives
                        acquirer.flush()
                    self._send(303, b"", "text/plain", location=target or path)
                    return
                if path.startswith("/v2/"):
                    try:
                        data = json.loads(raw or b"{}")
                    except ValueError:
                        data = None
                    if not isinstance(data, dict):
                        answer = _refusal("9999", "the body must be a JSON object")
                    else:
                        answer = acquirer.handle(path.removeprefix("/v2/"), data)
                    self._send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json")
                    return
                self._send(404, b"not found", "text/plain")

            server_background = deliver_in_background

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        host_, port_ = self._server.server_address[:2]
        acquirer.base_url = f"http://{host_}:{port_}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return self.acquirer.base_url

    def start(self) -> RuAcquirerServer:
        self._threads = [threading.Thread(target=self._server.serve_forever, name="ru-acquirer", daemon=True)]
        if self._background:
            self._threads.append(threading.Thread(target=self._deliver_loop, name="ru-acquirer-notify", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def _deliver_loop(self) -> None:
        while not self._stop.wait(0.2):
            self.acquirer.flush()

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> RuAcquirerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local Russian acquirer (simulator).")
    parser.add_argument("--port", type=int, default=5200)
    parser.add_argument("--terminal-key", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    server = RuAcquirerServer(port=args.port)
    server.acquirer.register(args.terminal_key, args.password)
    with server:
        print(f"ru acquirer simulator at {server.url}", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
