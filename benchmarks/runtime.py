"""`make bench` rows for the runtime: an idle poll (nothing changed) of every integration in a warm process
(wall time, engine-thread CPU, HTTP requests per stream) beside the same poll as a fresh `ml-connector run`
process (the import start-up a warm worker does not pay); and idle-poll runs per minute sustained by one
and by two Celery workers (a Redis server started here, a throwaway PostgreSQL store).
Run alone: `.venv/bin/python -m benchmarks.runtime`."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

POLLS = int(os.environ.get("BENCH_IDLE_POLLS", "5"))
CELERY_RUNS = int(os.environ.get("BENCH_CELERY_RUNS", "30"))
PG_ADMIN = os.environ.get("ML_CONNECTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXE = [sys.executable, "-m", "ml_connector.cli.main"]


class Counting:
    """An ASGI wrapper counting the HTTP requests an emulator serves."""

    def __init__(self, app: Any) -> None:
        self.app, self.requests, self.state = app, 0, app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


def _setup(workdir: Path, store_url: str | None = None, extra: str = "") -> tuple[Any, dict[str, Any], list[Any]]:
    from ml_connector.bootstrap import bootstrap
    from ml_connector.cli.demo import DEMOS
    from ml_connector.emulators.registry import create_emulator
    from ml_connector.emulators.serving import serve_in_thread
    from ml_connector.settings import load_settings

    config = workdir / "ml-connector.toml"
    store = f'[store]\nurl = "{store_url}"\n' if store_url else ""
    config.write_text(f'data_dir = "data"\n{store}[commerce-syspro]\nlag_s = 0\n{extra}')
    settings = load_settings(config)
    app = bootstrap(settings, create_keys=True)
    demos = [importlib.import_module(name) for name in DEMOS]
    options: dict[str, dict[str, Any]] = {}
    for demo in demos:
        demo.prepare(settings)
        for system, opts in demo.emulator_options(settings, 17, 1).items():
            options.setdefault(system, {}).update(opts)
    served = {}
    for name, opts in options.items():
        counted = Counting(create_emulator(name, **opts))
        served[name] = serve_in_thread(counted)
        served[name].app = counted
    for demo in demos:
        demo.store_connections(app, served)
    return app, served, demos


def idle_polls() -> list[dict[str, Any]]:
    from ml_connector.runtime.service import build, run_integration

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        app, served, demos = _setup(Path(tmp))
        try:
            for demo in demos:
                run_integration(app, demo.NAME)  # the full first load, then the warm idle polls
                run_integration(app, demo.NAME)
                streams = len(build(app, demo.NAME).streams)
                before = sum(s.app.requests for s in served.values())
                cpu, wall = time.thread_time(), time.perf_counter()
                for _ in range(POLLS):
                    run_integration(app, demo.NAME)
                wall, cpu = (time.perf_counter() - wall) / POLLS, (time.thread_time() - cpu) / POLLS
                requests = (sum(s.app.requests for s in served.values()) - before) / POLLS
                cold = time.perf_counter()
                done = subprocess.run(
                    [*EXE, "run", demo.NAME, "--json", "-c", str(Path(tmp) / "ml-connector.toml")],
                    capture_output=True,
                    check=False,
                )
                cold = time.perf_counter() - cold
                if done.returncode not in (0, 1):
                    raise SystemExit(f"cold run of {demo.NAME} failed: {done.stderr.decode()[-2000:]}")
                rows.append({"integration": demo.NAME, "wall_s": wall, "cpu_s": cpu, "requests": requests,
                             "streams": streams, "cold_s": cold})  # fmt: skip
        finally:
            for s in served.values():
                s.stop()
    return rows


def celery_rates() -> list[tuple[int, float]] | str:
    """Idle-poll runs per minute with one and with two workers (concurrency 1 each)."""
    from sqlalchemy import create_engine, text

    name = f"mlc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        return f"skipped: PostgreSQL not reachable ({type(exc).__name__})"
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "e2e"))
    from celery_harness import OwnRedis, Workers, wait_for

    out = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            redis = OwnRedis(Path(tmp) / "redis")
            redis.start()
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            extra = f'[runtime]\nbroker_url = "{redis.url}"\nqueue = "bench"\n'
            app, served, demos = _setup(Path(tmp), url, extra)
            from ml_connector.runtime.celery_app import CeleryExecutor
            from ml_connector.runtime.scheduler import Job
            from ml_connector.runtime.service import run_integration

            for demo in demos:
                run_integration(app, demo.NAME)
            executor = CeleryExecutor(app)
            workers = Workers(Path(tmp) / "ml-connector.toml", Path(tmp))
            try:
                for count in (1, 2):
                    workers.start(f"w{count}")
                    warm = len(app.store.runs.recent(None, 100_000))
                    for demo in demos:  # a first task per worker process: imports and App are warm after it
                        executor.submit(Job(demo.NAME, None, "manual"))
                    wait_for(lambda w=warm: len(_finished(app)) >= w + len(demos), 300, "warm-up")
                    start, before = time.perf_counter(), len(_finished(app))
                    for n in range(CELERY_RUNS):
                        executor.submit(Job(demos[n % len(demos)].NAME, None, "manual"))
                    wait_for(lambda b=before: len(_finished(app)) >= b + CELERY_RUNS, 600, "the runs")
                    out.append((count, CELERY_RUNS / ((time.perf_counter() - start) / 60)))
            finally:
                workers.stop_all()
                for s in served.values():
                    s.stop()
                redis.stop()
                app.store.engine.dispose()
    finally:
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return out


def _finished(app: Any) -> list[dict[str, Any]]:
    return [r for r in app.store.runs.recent(None, 100_000) if r["status"] != "running"]


def print_rows() -> None:
    rows = idle_polls()
    print()
    print(
        f"{'idle poll (warm)':<18} | {'streams':>7} | {'wall s':>7} | {'engine CPU s':>12} | {'requests/stream':>15} | "
        f"{'fresh process s':>15}"
    )
    print("-" * 92)
    for r in rows:
        print(
            f"{r['integration']:<18} | {r['streams']:>7} | {r['wall_s']:>7.3f} | {r['cpu_s']:>12.3f} | "
            f"{r['requests'] / max(r['streams'], 1):>15.2f} | {r['cold_s']:>15.2f}"
        )
    print(
        f"  (mean of {POLLS} polls in one process after a full load; fresh process = the same poll as "
        "`ml-connector run` in a new process, the baseline: imports and start-up included)"
    )
    rates = celery_rates()
    if isinstance(rates, str):
        print(f"Celery idle-poll runs/min: {rates}")
        return
    for count, per_minute in rates:
        print(
            f"Celery, {count} worker(s) (concurrency 1, Redis, PostgreSQL store): {per_minute:.0f} idle-poll runs/min"
        )
    print(f"  ({CELERY_RUNS} runs round-robin over the integrations, after one warm-up run per worker; "
          f"{os.cpu_count()} cores shared with the emulators)")  # fmt: skip


if __name__ == "__main__":
    print_rows()
