"""A moto server on 127.0.0.1 whose requests are atomic, like the real services' single-item operations.

moto is not concurrency-safe (shared/STACK-NOTES.md: a correct conditional decrement oversold under
threads, failed transactions restore whole-table snapshots). `install_lock()` wraps
`moto.core.responses.BaseResponse.call_action` (every JSON/query-protocol action: DynamoDB, Cognito, ...)
in one global `threading.RLock`. S3's handlers do not go through `call_action`, so the server also takes
the same lock around each whole WSGI request: one request is served at a time, which is what a local
stack needs and cannot be wrong.

    python -m devtools.moto_server --port 5000

In-process (tests, devtools.local_stack):

    with MotoServer(port=0) as server:   # port 0 picks a free port
        server.url                       # http://127.0.0.1:<port>
"""

from __future__ import annotations

import argparse
import functools
import signal
import threading
from typing import Any

from devtools.moto_patches import install_fast_transactions

LOCK = threading.RLock()
_INSTALLED_MARK = "_bazaar_atomic"


def install_lock() -> threading.RLock:
    """Makes every moto action atomic. Idempotent; call it before moto serves anything."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action
    if getattr(original, _INSTALLED_MARK, False):
        return LOCK

    @functools.wraps(original)
    def call_action(self, *args: Any, **kwargs: Any):
        with LOCK:
            return original(self, *args, **kwargs)

    setattr(call_action, _INSTALLED_MARK, True)
    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    return LOCK


class _AtomicApp:
    """WSGI wrapper: the whole request (S3 uploads included) runs under the global lock."""

    def __init__(self, app) -> None:
        self._app = app

    def __call__(self, environ, start_response):
        with LOCK:
            # moto builds complete bodies; materialise them inside the lock all the same.
            result = self._app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


class MotoServer:
    """A threaded moto server with atomic requests. Binds in the constructor's caller: a busy port raises."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000, verbose: bool = False) -> None:
        self.host = host
        self.requested_port = port
        self.verbose = verbose
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the moto server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> MotoServer:
        if self._server is not None:
            return self
        install_lock()  # before the first request can reach moto
        install_fast_transactions()
        from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        app = _AtomicApp(DomainDispatcherApplication(create_backend_app))
        handler = MotoRequestHandler
        if not self.verbose:
            handler = type("QuietMotoRequestHandler", (MotoRequestHandler,), {"log_request": lambda *a, **k: None})
        # make_server binds now, so "address already in use" surfaces here as OSError.
        self._server = make_server(self.host, self.requested_port, app, threaded=True, request_handler=handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forgets every resource (moto's /moto-api/reset)."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()  # frees the port for the next run
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moto server with atomic requests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with MotoServer(args.host, args.port, verbose=args.verbose) as server:
        print(f"moto server (atomic requests) at {server.url}; Ctrl-C stops it", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
