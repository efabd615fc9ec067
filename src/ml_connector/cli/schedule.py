"""`ml-connector schedule`: run every scheduled integration instance on its rhythm (embedded, or by
publishing to Celery workers), or `--explain` when each will run next, in local time and UTC."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table
from ml_connector.core.clock import SystemClock
from ml_connector.errors import ConfigError
from ml_connector.runtime.config import runtime_config
from ml_connector.runtime.schedules import Schedule, load_schedules, repeated_hour
from ml_connector.runtime.status import describe
from ml_connector.settings import load_settings


@handle_errors
def schedule(
    explain: bool = typer.Option(False, "--explain", help="Print the next runs of each instance and exit."),
    count: int = typer.Option(8, "--count", help="With --explain: how many next runs to show."),
    only: list[str] = typer.Option([], "--only", help="Schedule only this instance (repeat for more)."),
    celery: bool = typer.Option(False, "--celery", help="Publish runs to Celery workers ([runtime] broker_url)."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Run each integration instance on the schedule in the config, until SIGTERM or Ctrl-C.

    A run still going when its next slot comes is not started twice; after downtime one catch-up run is
    made (not one per missed slot); a failed run is retried with backoff before the next slot. Only one
    scheduler per store is active: start a second for a hot standby. SIGTERM lets the current runs finish
    for [runtime] stop_grace, then stops them cleanly (the ledger makes the next run resume safely).

    Config example:

    \b
        [schedule."syspro-looker"]
        every = "1h"                      # outside the windows below
        timezone = "Europe/London"
        windows = [ { days = "Mon-Fri", start = "06:00", end = "19:00", every = "15m" },
                    { days = "Sun", off = true } ]
        jitter = "30s"
        timeout = "20m"

    Examples:

        ml-connector schedule --explain

        ml-connector schedule                 # embedded: runs in this process

        ml-connector schedule --celery        # publishes to `ml-connector worker` processes
    """
    settings = load_settings(config)
    schedules = load_schedules(settings, only or None)
    if not schedules:
        raise ConfigError(
            'Nothing is scheduled. Add e.g. [schedule."syspro-looker"] with every = "15m" to the config, '
            "then run `ml-connector schedule --explain`."
        )
    if explain:
        rows = explain_rows(schedules, SystemClock().now(), count)
        if as_json:
            emit_json(rows)
            return
        for name, sched in schedules.items():
            table(
                f"{name}: {describe(sched)}",
                ("local", "UTC", "note"),
                [(r["local"], r["utc"], r["note"]) for r in rows if r["integration"] == name],
            )
        return
    app = load_app(config)
    runtime = runtime_config(app.settings)
    from ml_connector.runtime.alerts import Alerter
    from ml_connector.runtime.scheduler import Scheduler

    executor: Any
    if celery:
        from ml_connector.runtime.celery_app import CeleryExecutor

        executor = CeleryExecutor(app)
    else:
        from ml_connector.runtime.executors import ThreadExecutor

        executor = ThreadExecutor(app, schedules)
    alerter = Alerter(app, schedules)
    scheduler = Scheduler(app, schedules, executor, on_outcome=alerter.after_run)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    console.print(f"scheduling {', '.join(schedules)} ({'celery' if celery else 'embedded'}); Ctrl-C stops")
    try:
        scheduler.run(stop, tick=runtime.tick.total_seconds(), every_tick=alerter.check_overdue)
    finally:
        abandoned = executor.stop(runtime.stop_grace.total_seconds())
        if abandoned:
            console.print(f"stopped; abandoned cleanly (resumes from the ledger next run): {', '.join(abandoned)}")


def explain_rows(schedules: dict[str, Schedule], now: Any, count: int) -> list[dict[str, str]]:
    rows = []
    for name, sched in schedules.items():
        t, previous = now, now.astimezone(sched.tz).utcoffset()
        for _ in range(count):
            nxt = sched.next_slot(t)
            if nxt is None:
                break
            local = nxt.astimezone(sched.tz)
            note = ""
            if local.utcoffset() != previous:
                note = f"clock change: UTC{_offset(previous)} -> UTC{_offset(local.utcoffset())}"
            rhythm = sched.rhythm_at(nxt)
            if rhythm is not None and rhythm.fixed_time and repeated_hour(nxt, sched.tz):
                note = f"{note}; repeated hour: runs once, not again an hour later".lstrip("; ")
            jitter = sched.jitter_for(nxt)
            if jitter:
                note = f"{note}; +{int(jitter.total_seconds())}s jitter".lstrip("; ")
            rows.append(
                {
                    "integration": name,
                    "utc": nxt.strftime("%Y-%m-%d %H:%M UTC"),
                    "local": local.strftime("%a %Y-%m-%d %H:%M %Z"),
                    "note": note,
                }
            )
            t, previous = nxt, local.utcoffset()
    return rows


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
