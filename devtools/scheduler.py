"""The app's scheduled functions, run locally: what EventBridge does on AWS, `make run` does here.

Every `@bp.schedule(...)` of the app (the order completion sweep, bulk trade's expiry and overdue jobs, and any
added later) is found in the Chalice app's event sources and called with a real "Scheduled Event" payload, on
its own rate (a cron runs once a day locally, at the minute it names), plus once shortly after start so the
demo shows their effect. The functions run in this (the launcher's) process against the same moto endpoint
as the app, like the order-events pump in devtools/local_stack.py.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RATE_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}
FIRST_RUN_SECONDS = 5.0


def scheduled_event(now: dt.datetime | None = None, region: str = "us-east-1") -> dict[str, Any]:
    """An EventBridge "Scheduled Event", as a scheduled Lambda receives it."""
    now = now or dt.datetime.now(dt.UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {},
    }


@dataclass
class Job:
    name: str
    handler: Callable[..., Any]
    every: float  # seconds between runs


def _seconds(schedule: Any) -> float:
    """A chalice Rate's period; a Cron runs daily here (the app's crons are daily jobs)."""
    unit, value = getattr(schedule, "unit", None), getattr(schedule, "value", None)
    if unit is not None and value is not None:
        return float(value) * RATE_SECONDS[str(unit).upper()]
    return 86400.0


def jobs(app: Any) -> list[Job]:
    """The app's scheduled functions, from its event sources (one per `@schedule`)."""
    import importlib

    out = []
    for source in app.event_sources:
        if type(source).__name__ != "ScheduledEventConfig":
            continue
        module_name, _, attribute = source.handler_string.rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        out.append(Job(source.name, handler, _seconds(source.schedule_expression)))
    return out


class Scheduler:
    """Runs each job on its period in a daemon thread; `stop()` ends it. Errors are logged, never fatal."""

    def __init__(self, app: Any, log: Callable[[str], None] = print, first_run: float = FIRST_RUN_SECONDS) -> None:
        self.jobs = jobs(app)
        self.log = log
        self.first_run = first_run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self.runs: dict[str, int] = {job.name: 0 for job in self.jobs}

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def _run(self) -> None:
        due = {job.name: time.monotonic() + self.first_run for job in self.jobs}
        while not self._stop.wait(0.5):
            for job in self.jobs:
                if time.monotonic() < due[job.name]:
                    continue
                due[job.name] = time.monotonic() + job.every
                try:
                    result = job.handler(scheduled_event(), None)
                    self.runs[job.name] += 1
                    if result:
                        self.log(f"scheduled {job.name}: {result}")
                except Exception as exc:  # a failed run is retried at the next period, as on AWS
                    self.log(f"scheduled {job.name} failed: {exc}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
