"""Running the app from many threads against a moto server whose requests are atomic.

Three things stand between "many threads" and a test that means something:

1. moto is not concurrency-safe (shared/STACK-NOTES.md). devtools.moto_server.MotoServer serves every
   request under one global lock, as real DynamoDB makes each conditional write atomic and each
   transaction serialisable. The app talks to it over HTTP (AWS_ENDPOINT_URL), as in `make run`.
2. Chalice keeps the request being served in `app.current_request`, ONE attribute shared by every
   thread (a Lambda serves one request at a time, so that is right there). Under threads, a view could
   read another thread's request: another buyer's token and body. `thread_local_requests()` makes it
   per thread for the duration of a test.
3. `chalice.test.Client` swaps `os.environ` for a plain dict copy around each request and puts the old
   object back afterwards; interleaved across threads that can leave a stale dict as `os.environ` for
   good. The stage's variables are already in the real environment here, so requests go straight to
   Chalice's LocalGateway (`ThreadSafeHTTPClient`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from tests.support import ROOT, ApiClient, moto_jwks


@contextlib.contextmanager
def thread_local_requests(app) -> Iterator[None]:
    """Makes `app.current_request` and `app.lambda_context` per-thread while the block runs."""
    local = threading.local()
    original_class = app.__class__

    def _attr(name: str) -> property:
        return property(
            lambda self: getattr(local, name, None),
            lambda self, value: setattr(local, name, value),
        )

    app.__class__ = type(
        "ThreadLocalRequestChalice",
        (original_class,),
        {"current_request": _attr("current_request"), "lambda_context": _attr("lambda_context")},
    )
    try:
        yield
    finally:
        app.__class__ = original_class


def thread_safe_api(app, stage: str = "local", *, check_contract: bool = True) -> ApiClient:
    """An ApiClient whose requests may run on many threads at once (no os.environ swapping)."""
    from chalice.test import Client, TestHTTPClient

    class ThreadSafeHTTPClient(TestHTTPClient):
        def _patched_env_vars(self, environment_variables):  # type: ignore[override]
            missing = {k: v for k, v in environment_variables.items() if os.environ.get(k) != v}
            assert not missing, f"the stage's variables must already be in os.environ: {sorted(missing)}"
            return contextlib.nullcontext()

    config = Client(app, stage_name=stage, project_dir=str(ROOT))._chalice_config
    return ApiClient(SimpleNamespace(http=ThreadSafeHTTPClient(app, config)), check_contract=check_contract)


@contextlib.contextmanager
def locked_moto_stack() -> Iterator[Any]:
    """A MotoServer (atomic requests) on a free port, every resource of infra/ on it, the app bound to it."""
    import boto3

    from chalicelib import bootstrap, config
    from devtools.moto_server import MotoServer
    from devtools.outbox_stream import OutboxStreamPoller
    from devtools.provision import provision

    saved = dict(os.environ)
    with MotoServer(port=0) as server:
        try:
            os.environ["AWS_ENDPOINT_URL"] = server.url
            env = provision(boto3.session.Session(region_name="us-east-1"), "local", server.url)
            os.environ.update(env)
            config.reset_settings()
            container = bootstrap.build(config.get_settings(), jwks_loader=moto_jwks)
            assert container.settings.endpoint_url == server.url
            bootstrap.install(container)
            container.server = server  # type: ignore[attr-defined]
            # the outbox relay, as the local stack runs it (over the moto server's stream)
            container.outbox_stream = OutboxStreamPoller(  # type: ignore[attr-defined]
                boto3.session.Session(region_name="us-east-1"), container.settings.outbox_table, server.url
            )
            yield container
        finally:
            bootstrap.install(None)
            os.environ.clear()
            os.environ.update(saved)
            config.reset_settings()


@dataclass
class Outcome:
    index: int
    value: Any = None
    error: BaseException | None = None
    started: float = 0.0
    ended: float = 0.0


def run_together(n: int, work: Callable[[int], Any], timeout: float = 60.0) -> list[Outcome]:
    """Runs work(0..n-1) on n threads released at the same instant by a barrier; returns every outcome."""
    barrier = threading.Barrier(n)
    outcomes = [Outcome(i) for i in range(n)]

    def run(i: int) -> None:
        barrier.wait(timeout)
        outcomes[i].started = time.perf_counter()
        try:
            outcomes[i].value = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            outcomes[i].error = exc
        outcomes[i].ended = time.perf_counter()

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish"
    errors = [o for o in outcomes if o.error is not None]
    assert not errors, f"{len(errors)} threads raised, first: {errors[0].error!r}"
    return outcomes


def overlapped(outcomes: list[Outcome]) -> bool:
    """True when the calls really ran at the same time: the last one started before the first one ended."""
    return max(o.started for o in outcomes) < min(o.ended for o in outcomes)
