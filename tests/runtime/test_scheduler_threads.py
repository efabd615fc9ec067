"""The embedded scheduler with its real executor: slots of syspro-sterling (against its emulators) run in
threads through runtime.service, each run recorded with its trigger and slot; a queued webhook request
runs once; a run whose streams failed (SYSPRO refusing) is retried with backoff, once, before the next slot."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from ml_connector.bootstrap import bootstrap
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_sterling import demo
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.executors import ThreadExecutor
from ml_connector.runtime.scheduler import Scheduler
from ml_connector.runtime.schedules import compile_schedule
from ml_connector.settings import Settings

NAME = demo.NAME


def wait_idle(scheduler: Scheduler, executor: ThreadExecutor) -> None:
    deadline = time.monotonic() + 60
    while executor.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.tick()  # collect the outcome


def test_slots_requests_and_a_retry_through_real_runs(tmp_path) -> None:
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data")})
    clock = FixedClock(datetime.now(UTC).replace(second=30, microsecond=0))
    app = bootstrap(settings, clock=clock, create_keys=True)
    options: dict = {}
    demo.prepare(settings)
    for system, opts in demo.emulator_options(settings, 4, 1).items():
        options.setdefault(system, {}).update(opts)
    refuse = FaultPlan()
    options["syspro-odata"]["faults"] = refuse
    served = {name: serve_in_thread(create_emulator(name, **opts)) for name, opts in options.items()}
    try:
        demo.store_connections(app, served)
        schedule = compile_schedule(
            NAME, ScheduleConfig(every=timedelta(minutes=5), retry_backoff=timedelta(minutes=1))
        )
        executor = ThreadExecutor(app, {NAME: schedule})
        scheduler = Scheduler(app, {NAME: schedule}, executor)
        scheduler.tick()  # starts at the next slot
        first = schedule.next_slot(clock.now())
        clock.set(first + timedelta(seconds=1))
        scheduler.tick()
        wait_idle(scheduler, executor)
        app.store.requests.add(NAME, "webhook", "a hook", clock.now())
        scheduler.tick()
        wait_idle(scheduler, executor)
        refuse.add(FaultRule(kind="status", status=400))  # the next slot fails fast (a 401 is not retried)
        clock.set(first + timedelta(minutes=5, seconds=1))
        scheduler.tick()
        wait_idle(scheduler, executor)
        refuse.rules.clear()
        clock.advance(timedelta(seconds=59))
        scheduler.tick()
        assert not executor.running()  # the backoff has not passed yet
        clock.advance(timedelta(seconds=2))
        scheduler.tick()
        wait_idle(scheduler, executor)
        runs = sorted(app.store.runs.recent(NAME), key=lambda r: r["started_at"])
        got = [(r["trigger"], r["slot"], r["status"]) for r in runs]
        second = first + timedelta(minutes=5)
        assert got == [
            ("schedule", first, "succeeded"),
            ("webhook", None, "succeeded"),
            ("schedule", second, "partial"),  # the OData streams failed: retried like a failed run
            ("retry", second, "succeeded"),
        ], got
    finally:
        for s in served.values():
            s.stop()
