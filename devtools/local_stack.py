"""`make run`: the whole app on this machine, against an embedded moto server.

1. starts a moto server on 127.0.0.1 whose requests are atomic (devtools.moto_server);
2. provisions every resource from infra/data-stack.json (devtools.provision, stage "local");
3. starts the bank that pays sellers (devtools.bank_simulator, on a free port: PAYOUT_PROVIDER_URL);
4. seeds the demo accounts, shops and products with pictures, and weeks of demo sales (devtools.seed);
5. starts the card payment provider simulator (devtools.card_provider) on 127.0.0.1:5100, and the Russian
   acquirer simulator (devtools.ru_acquirer, issue 12: Mir card / SBP, a hosted payment page) on a free port;
6. runs what AWS runs beside the API, in background threads of this process: the outbox relay on the Outbox
   table's stream and the order-events consumer on the queue (every half second; it also runs job steps: a
   shop's product job, issue 10's manifest steps), and the app's schedules
   (outbox sweeper, order expiry, refund retries: every minute; order completion: hourly; payout runs, the
   payout poll; RFQ and quote expiry, overdue invoices);
7. serves the app with `chalice local --stage local` on http://127.0.0.1:8000.

Ctrl-C (or SIGTERM) stops everything it started and frees both ports. moto keeps its data in memory, so
each run starts from a fresh, freshly seeded stack.

    python -m devtools.local_stack [--port 8000] [--moto-port 5000] [--no-seed] [--reload]

Environment overrides: BAZAAR_PORT, BAZAAR_MOTO_PORT, BAZAAR_PROVIDER_PORT (e.g. `make run BAZAAR_PORT=8080`).
In code (the end-to-end tests): `LocalStack(...)` in-process, or `LocalStackProcess(...)` which runs this
module as a child process and stops it with SIGINT, exactly like a developer's Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MOTO_PORT = 5000
DEFAULT_PROVIDER_PORT = 5100
# How often the scheduler thread runs issue 9's jobs locally (seconds); on AWS they are Lambda schedules.
LOCAL_SCHEDULES = (
    ("sweep", 60.0),
    ("expire_orders", 60.0),
    ("refunds", 60.0),
    ("trust", 300.0),
    ("group_buys", 60.0),  # issue 19: group buys' deadlines
)
REGION = "us-east-1"
READY_PATH = "/v1/storefronts"

# Credentials that can only ever work against moto; set for this process and the app's process.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}
_UNSET = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
)


class StartupError(RuntimeError):
    pass


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
PICKED_PORTS = range(20000, 32768)  # below Linux's default ephemeral range (32768-60999)


def _ephemeral_range() -> range:
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return range(32768, 61000)
    return range(low, high + 1)


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now, outside the kernel's ephemeral range.

    A port is picked here but bound seconds later (after the seed). A port from the ephemeral range (what
    bind(("", 0)) returns) may meanwhile be taken by any outgoing connection - the seed's own calls to moto
    included - so the picks come from below that range, at random so parallel test workers rarely meet.
    """
    ephemeral = _ephemeral_range()
    candidates = [port for port in PICKED_PORTS if port not in ephemeral] or list(PICKED_PORTS)
    for port in random.sample(candidates, min(200, len(candidates))):
        if port_is_free(port, host):
            return port
    raise StartupError("no free port below the ephemeral range")


def wait_until_ready(url: str, timeout: float, alive=lambda: True) -> float:
    """Polls GET `url` until it answers 200; returns the seconds waited."""
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - a local URL
                if reply.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not alive():
            raise StartupError(f"the server exited before {url} answered")
        if time.monotonic() - started > timeout:
            raise StartupError(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.1)


def _stop_process_group(proc: subprocess.Popen, first: int = signal.SIGTERM, grace: float = 10.0) -> int | None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, first)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    else:  # the leader is gone; take anything it left in its group with it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode


class LocalStack:
    """moto server (in this process) + provisioning + demo data + `chalice local` (child process).

    Sets fake AWS credentials in this process's environment, and seeding points chalicelib's settings at
    the stack (os.environ), so use it in a process of its own (LocalStackProcess does that).
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        moto_port: int = DEFAULT_MOTO_PORT,
        *,
        seed: bool = True,
        host: str = HOST,
        reload: bool = False,
        output: IO | None = None,
        log=print,
        ready_timeout: float = 60.0,
        deploy: str = "provision",
        provider_port: int = 0,
        sales: bool = True,
    ) -> None:
        self.sales = sales  # weeks of demo sales for the dashboards (with `seed`)
        self.deploy = deploy  # "provision" (stage local) or "cloudformation" (stage ci, as CI deploys it)
        self.stage = "ci" if deploy == "cloudformation" else "local"
        self.host = host
        self.port = port
        self.moto_port = moto_port
        self.seed = seed
        self.reload = reload
        self.output = output  # where chalice's log goes; None: this process's stdout/stderr
        self.log = log
        self.ready_timeout = ready_timeout
        self.moto = None
        self.provider_port = provider_port  # the card payment provider simulator (0: any free port)
        self.provider = None
        self.ru_acquirer = None  # issue 12: the Russian acquirer simulator
        self.chalice: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self.seed_result = None
        self.bank = None  # devtools.bank_simulator.BankSimulator, once started
        self.timings: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint_url(self) -> str:
        return self.moto.url

    def start(self) -> LocalStack:
        started = time.monotonic()
        if not port_is_free(self.port, self.host):
            raise StartupError(f"port {self.port} is in use: is another `make run` running? (try --port)")
        if self.moto_port and not port_is_free(self.moto_port, self.host):
            raise StartupError(f"port {self.moto_port} is in use: is another moto server running? (try --moto-port)")
        for name in _UNSET:
            os.environ.pop(name, None)
        os.environ.update(FAKE_AWS)

        from .moto_server import MotoServer

        try:
            self.moto = MotoServer(self.host, self.moto_port).start()
        except (OSError, SystemExit) as exc:  # werkzeug exits instead of raising on a busy port
            raise StartupError(f"cannot start moto on port {self.moto_port}: {exc} (try --moto-port)") from exc
        self.timings["moto"] = time.monotonic() - started

        import boto3

        from .provision import provision

        t = time.monotonic()
        session = boto3.session.Session(region_name=REGION)
        if self.deploy == "cloudformation":
            from .deploy_stack import deploy

            provisioned = deploy(session, self.endpoint_url, "bazaar-ci", stage=self.stage)
        else:
            provisioned = provision(session, self.stage, self.endpoint_url)
        self.env = {**provisioned, **FAKE_AWS, "AWS_ENDPOINT_URL": self.endpoint_url}
        self.timings["provision"] = time.monotonic() - t
        self._start_bank(session)

        if self.seed:
            from . import seed

            t = time.monotonic()
            self.seed_result = seed.seed(seed.container_for(self.env), log=self.log, sales=self.sales)
            self.timings["seed"] = time.monotonic() - t

        self._start_card_provider()
        self._start_event_pump()
        self._start_scheduler()

        t = time.monotonic()
        self._start_chalice()
        wait_until_ready(self.url + READY_PATH, self.ready_timeout, self._chalice_alive)
        self.timings["chalice"] = time.monotonic() - t
        self.timings["total"] = time.monotonic() - started
        return self

    def _start_chalice(self) -> None:
        args = [
            "--project-dir",
            str(ROOT),
            "local",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--stage",
            self.stage,
            "--autoreload" if self.reload else "--no-autoreload",
        ]
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.chalice = subprocess.Popen(
            [sys.executable, "-m", "devtools.chalice_child", str(os.getpid()), *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT if self.output is not None else None,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops the server in order
        )

    def _start_card_provider(self) -> None:
        """The card payment provider simulator, with this stack's merchant keys, calling the app's webhook."""
        from chalicelib import config

        from .card_provider import CardProviderServer, http_deliver

        os.environ.update(self.env)
        config.reset_settings()
        settings = container_settings()
        try:
            self.provider = CardProviderServer(host=self.host, port=self.provider_port).start()
        except OSError as exc:
            raise StartupError(
                f"cannot start the card provider simulator on port {self.provider_port}: {exc} (try --provider-port)"
            ) from exc
        self.provider.provider.register(
            settings.payment_provider_key,
            settings.payment_webhook_secret,
            http_deliver(f"{self.url}/v1/payments/webhook"),
        )
        self.env["PAYMENT_PROVIDER_URL"] = self.provider.url
        self._start_ru_acquirer(settings)

    def _start_ru_acquirer(self, settings) -> None:
        """Issue 12: the Russian acquirer simulator with this stack's terminal, notifying the app; a person pays
        on its hosted page (RU_ACQUIRER_URL)."""
        from .ru_acquirer import RuAcquirerServer

        self.ru_acquirer = RuAcquirerServer(host=self.host, port=0).start()
        self.ru_acquirer.acquirer.register(*settings.ru_acquirer_credentials)
        self.env["RU_ACQUIRER_URL"] = self.ru_acquirer.url

    def _start_event_pump(self) -> None:
        """Plays AWS's triggers locally: the Outbox stream -> the relay, the queue -> the order-events consumer,
        and the schedules, all reaching the same code as on AWS."""
        from chalicelib import bootstrap, config

        os.environ.update(self.env)
        config.reset_settings()
        bootstrap.install(None)
        self._pump_stop = threading.Event()
        self._pump = threading.Thread(target=self._pump_events, name="order-events-pump", daemon=True)
        self._pump.start()

    def _pump_events(self) -> None:
        import boto3

        from chalicelib.events import order_events

        from .outbox_stream import OutboxStreamPoller

        session = boto3.session.Session(region_name=REGION)
        sqs = session.client("sqs", endpoint_url=self.endpoint_url)
        stream = OutboxStreamPoller(session, self.env["OUTBOX_TABLE"], self.endpoint_url)
        if self.seed_result is not None:
            stream.skip_existing()  # the seed published its events itself (devtools/seed_money.py)
        url = self.env["ORDER_EVENTS_QUEUE_URL"]
        while not self._pump_stop.wait(0.5):  # short polls: the moto server serves one request at a time
            try:
                stream.relay_once()
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if messages:
                    records = [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
                    failed = {f["itemIdentifier"] for f in order_events.handle_records(records)["batchItemFailures"]}
                    for m in messages:
                        if m["MessageId"] not in failed:
                            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            except Exception as exc:  # the pump must outlive a hiccup; the message is received again later
                self.log(f"order-events pump: {exc}")

    def _start_bank(self, session) -> None:
        """The local bank for payouts (issue 17): the app's secrets are its API key and callback key, its
        callbacks go to the app's webhook."""
        from .bank_simulator import BankSimulator

        secrets = session.client("secretsmanager", endpoint_url=self.endpoint_url)

        def secret(name: str) -> str:
            return secrets.get_secret_value(SecretId=self.env[f"SECRET_ID_{name.upper()}"])["SecretString"]

        self.bank = BankSimulator(
            secret("payout_provider"),
            secret("payout_webhook"),
            callback_url=f"{self.url}/v1/payouts/webhook",
            settle_after=3.0,
            log=self.log,
        ).start(self.host, 0)
        self.env["PAYOUT_PROVIDER_URL"] = self.bank.url

    def _start_scheduler(self) -> None:
        """Plays EventBridge's schedules locally: the same scheduled functions as on AWS, at their times (the
        outbox sweeper, order expiry and refund retries every minute, the completion sweep hourly, the payout
        poll every 30 minutes, the payout run on Mondays at 02:00 UTC; issue 14: RFQ and quote expiry hourly,
        overdue invoices daily, both first a few seconds after start; issue 15: the season sweep hourly; issue 13:
        dispute escalations and points expiry every few minutes, over their sharded due indexes)."""
        self._schedule_stop = threading.Event()
        self._scheduler = threading.Thread(target=self._run_schedules, name="schedules", daemon=True)
        self._scheduler.start()

    def _run_schedules(self) -> None:
        import datetime as dt

        from chalicelib.bootstrap import container
        from chalicelib.domain.seller_money import next_payout_at
        from chalicelib.events import group_jobs, order_events, outbox
        from chalicelib.services import catalog, payouts, rfq, terms

        def now() -> dt.datetime:
            return dt.datetime.now(dt.UTC)

        jobs = {
            "sweep": outbox.sweep,
            "expire_orders": order_events.expire_due,
            "refunds": order_events.retry_due_refunds,
            "group_buys": group_jobs.settle_due,  # issue 19: group buys' deadlines and interrupted closings
            "promises": order_events.compensate_promises,  # issue 12: missed delivery promises
            "trust": order_events.trust_due,  # issue 13: dispute escalations, points expiry
        }
        every = dict(LOCAL_SCHEDULES)
        every.setdefault("promises", every["expire_orders"])
        due = {"complete": now(), "poll": now() + dt.timedelta(minutes=1), "season": now()}
        due.update({name: now() + dt.timedelta(seconds=every[name]) for name in jobs})
        due["expire"] = now() + dt.timedelta(seconds=5)  # issue 14: quoting deadlines, quote validity (hourly)
        due["overdue"] = now() + dt.timedelta(seconds=5)  # issue 14: overdue invoices (daily)
        due["run"] = dt.datetime.fromisoformat(next_payout_at(container().clock()).replace("Z", "+00:00"))
        while not self._schedule_stop.wait(15):
            c = container()
            for name, job in jobs.items():
                if now() >= due[name]:
                    due[name] = now() + dt.timedelta(seconds=every[name])
                    try:
                        job()
                    except Exception as exc:  # like a failed Lambda invocation: the next one tries again
                        self.log(f"schedules: {name}: {exc}")
            try:
                if now() >= due["complete"]:
                    due["complete"] = now() + dt.timedelta(hours=1)
                    order_events.complete_due()
                if now() >= due["run"]:
                    due["run"] = dt.datetime.fromisoformat(next_payout_at(c.clock()).replace("Z", "+00:00"))
                    payouts.run_payouts(c.catalog, c.finance, c.ledger, c.payouts, c.buying, now=c.clock())
                if now() >= due["season"]:  # issue 15: products whose harvest season starts or ends
                    due["season"] = now() + dt.timedelta(hours=1)
                    catalog.refresh_seasons(c.catalog, now=c.clock())
                if now() >= due["poll"]:
                    due["poll"] = now() + dt.timedelta(minutes=30)
                    payouts.poll_open_payouts(c.finance, c.ledger, c.payouts, c.buying, now=c.clock())
                if now() >= due["expire"]:
                    due["expire"] = now() + dt.timedelta(hours=1)
                    rfq.expire_due(c.trade, c.buying, now=c.clock())
                if now() >= due["overdue"]:
                    due["overdue"] = now() + dt.timedelta(days=1)
                    terms.mark_overdue(c.trade, c.buying, now=c.clock())
            except Exception as exc:  # like a failed Lambda invocation: the next one tries again
                self.log(f"schedules: {exc}")

    def _chalice_alive(self) -> bool:
        return self.chalice is not None and self.chalice.poll() is None

    def stop(self) -> None:
        if getattr(self, "_pump_stop", None) is not None:
            self._pump_stop.set()
            self._pump.join(timeout=5)
        if getattr(self, "_schedule_stop", None) is not None:
            self._schedule_stop.set()
            self._scheduler.join(timeout=5)
        if getattr(self, "bank", None) is not None:
            self.bank.stop()
            self.bank = None
        if self.chalice is not None:
            _stop_process_group(self.chalice)
            self.chalice = None
        if self.provider is not None:
            self.provider.stop()
            self.provider = None
        if self.ru_acquirer is not None:
            self.ru_acquirer.stop()
            self.ru_acquirer = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    def __enter__(self) -> LocalStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalStackProcess:
    """Runs `python -m devtools.local_stack` as a child (own process group) and waits until it serves.

    Stopping sends SIGINT, like Ctrl-C; whatever still runs after `grace` seconds is killed.
    """

    def __init__(
        self,
        port: int | None = None,
        moto_port: int | None = None,
        *,
        seed: bool = True,
        log_path: Path | None = None,
        ready_timeout: float = 90.0,
        deploy: str | None = None,
        sales: bool = False,
    ) -> None:
        self.ports_picked = port is None and moto_port is None
        self.port = port or free_port()
        self.moto_port = moto_port or free_port()
        self.provider_port = free_port()
        self.seed = seed
        self.sales = sales  # the demo sales cost ~40 s of start-up: only the tests that look at dashboards ask
        self.deploy = deploy or os.environ.get("BAZAAR_STACK_DEPLOY") or "provision"
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None
        self._log: IO | None = None
        self.startup_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_text(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")
        return ""

    def start(self) -> LocalStackProcess:
        try:
            return self._start_once()
        except StartupError:
            if not (self.ports_picked and "Address already in use" in self.log_text()):
                raise
        # Someone took a picked port between the pick and the bind: once more on fresh ports.
        self.stop(grace=5)
        self.port, self.moto_port, self.provider_port = free_port(), free_port(), free_port()
        return self._start_once()

    def _start_once(self) -> LocalStackProcess:
        cmd = [
            sys.executable,
            "-m",
            "devtools.local_stack",
            "--port",
            str(self.port),
            "--moto-port",
            str(self.moto_port),
            "--provider-port",
            str(self.provider_port),
            "--die-with-parent",
            str(os.getpid()),
        ]
        if not self.seed:
            cmd.append("--no-seed")
        if not self.sales:
            cmd.append("--no-demo-sales")
        cmd += ["--deploy", self.deploy]
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("wb")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_until_ready(self.url + READY_PATH, self.ready_timeout, lambda: self.proc.poll() is None)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self, grace: float = 15.0) -> int | None:
        if self.proc is not None:
            self.returncode = _stop_process_group(self.proc, signal.SIGINT, grace)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.returncode

    def __enter__(self) -> LocalStackProcess:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def container_settings():
    """The settings of the stack this process points at, with its secrets readable (bootstrap attaches them)."""
    from chalicelib import bootstrap

    bootstrap.install(None)
    return bootstrap.container().settings


def _interrupt(signum, frame):  # SIGINT and SIGTERM: stop everything, like Ctrl-C
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Bazaar locally against an embedded moto server.")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BAZAAR_PORT") or DEFAULT_PORT),
        help="port of the app (default 8000, env BAZAAR_PORT)",
    )
    parser.add_argument(
        "--moto-port",
        type=int,
        default=int(os.environ.get("BAZAAR_MOTO_PORT") or DEFAULT_MOTO_PORT),
        help="port of the moto server (default 5000, env BAZAAR_MOTO_PORT; 0 picks a free one)",
    )
    parser.add_argument(
        "--provider-port",
        type=int,
        default=int(os.environ.get("BAZAAR_PROVIDER_PORT") or DEFAULT_PROVIDER_PORT),
        help="port of the card payment provider simulator (default 5100, env BAZAAR_PROVIDER_PORT; 0 picks one)",
    )
    parser.add_argument("--no-seed", dest="seed", action="store_false", help="start with empty tables")
    parser.add_argument(
        "--no-demo-sales",
        dest="sales",
        action="store_false",
        default=os.environ.get("BAZAAR_DEMO_SALES", "1") != "0",
        help="seed the catalogue without the weeks of demo sales and payouts (env BAZAAR_DEMO_SALES=0)",
    )
    parser.add_argument(
        "--reload", action="store_true", help="restart the app when files change (chalice's stat poller: costs CPU)"
    )
    parser.add_argument(
        "--deploy",
        choices=("provision", "cloudformation"),
        default=os.environ.get("BAZAAR_STACK_DEPLOY") or "provision",
        help="create resources directly (stage local) or deploy infra/ through moto's CloudFormation (stage ci, "
        "as CI does; env BAZAAR_STACK_DEPLOY)",
    )
    parser.add_argument("--die-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    # Explicit handlers: a shell that starts us in the background (`make run &`) ignores SIGINT otherwise.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    if args.die_with_parent:  # LocalStackProcess: a killed test run leaves no stack behind
        from .chalice_child import die_with_parent

        if not die_with_parent(args.die_with_parent):
            return 1
    stack = LocalStack(
        args.port,
        args.moto_port,
        seed=args.seed,
        sales=args.sales,
        reload=args.reload,
        log=lambda msg: print(msg, flush=True),
        deploy=args.deploy,
        provider_port=args.provider_port,
    )
    code = 0
    try:
        print(f"starting moto on {HOST}:{args.moto_port}, then the app on {HOST}:{args.port} ...", flush=True)
        stack.start()
        _banner(stack)
        while stack._chalice_alive():
            time.sleep(0.5)
        code = stack.chalice.returncode if stack.chalice else 1
        print(f"chalice local exited with {code}; stopping", file=sys.stderr, flush=True)
        code = code or 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # A second Ctrl-C while stopping must not leave anything behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        started = stack.moto is not None or stack.chalice is not None
        stack.stop()
    if started:
        print("stopped: app and moto server are down, ports freed", flush=True)
    return code


def _banner(stack: LocalStack) -> None:
    from .seed import DEMO_ACCOUNTS, PASSWORD

    t = stack.timings
    lines = [
        "",
        f"Bazaar is running at {stack.url}   (Ctrl-C stops everything)",
        f"  try: curl {stack.url}/v1/storefronts/handicrafts/products",
        f"  API docs: {stack.url}/v1/docs",
        f"  moto server (AWS endpoint): {stack.endpoint_url}",
        f"  card payment provider (simulator): {stack.provider.url if stack.provider else '-'}",
    ]
    if stack.seed_result is not None:
        r = stack.seed_result
        lines.append(f"  demo data: {r.shops} shops, {r.products} products with pictures")
        if r.sales:
            lines.append(
                f"  demo sales: {r.sales.get('orders', 0)} orders ({r.sales.get('completed', 0)} completed), "
                f"{r.sales.get('payouts', 0)} payouts; dashboards at {stack.url}/seller and {stack.url}/admin"
            )
        lines.append(f"  demo accounts (password {PASSWORD}):")
        lines += [f"    {role:<12} {email}" for email, role in DEMO_ACCOUNTS]
        if r.villages:
            lines.append(
                f"  rural network: {r.counties} county centres, {r.villages} village centres; consoles at "
                f"{stack.url}/county (county@) and {stack.url}/village (partner@)"
            )
    else:
        lines.append("  no demo data (--no-seed)")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
    lines += [f"  started in {t.get('total', 0):.1f} s ({timing})", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is stopped and closed by now; skip tearing down moto's in-memory heap (seconds of GC).
    os._exit(exit_code)
