"""Helpers for the Celery tests: a Redis server of our own (so a test may restart it), worker processes
of `ml-connector worker`, an accelerated clock for the scheduler, and waiting on the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ml_connector.emulators.serving import free_port

EXE = [sys.executable, "-m", "ml_connector.cli.main"]
RABBIT = "amqp://guest:guest@127.0.0.1:5672//"


class OwnRedis:
    """A redis-server on a free port with an append-only file, so a restart keeps the queued tasks."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.dir = free_port(), workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ),
            10,
            "redis-server to start",
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: redis flushes the append-only file and exits
            self.proc.wait(10)
            self.proc = None


class Workers:
    """`ml-connector worker` processes, each in its own process group (killed with its pool)."""

    def __init__(self, config: Path, logs: Path) -> None:
        self.config, self.logs = config, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, concurrency: int = 1) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [*EXE, "worker", "-c", str(self.config), "-n", str(concurrency), "--name", f"{name}@%h"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"},
        )

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs.pop(name).wait(10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            os.killpg(self.procs[name].pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]


class AcceleratedClock:
    """Simulated time running ``factor`` times faster than the wall clock, from ``start``."""

    def __init__(self, start: datetime, factor: float) -> None:
        self.start, self.factor, self.t0 = start, factor, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.t0) * self.factor)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def runs_of(store: Any, integration: str | None = None) -> list[dict[str, Any]]:
    return sorted(store.runs.recent(integration, 10_000), key=lambda r: r["started_at"])


def aligned(now: datetime, minutes: int) -> datetime:
    base = now.astimezone(UTC).replace(second=0, microsecond=0)
    return base - timedelta(minutes=base.minute % minutes)
