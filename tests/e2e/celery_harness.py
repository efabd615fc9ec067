"""Helpers for the Celery tests: a Redis server and a RabbitMQ node of our own (so a test may restart
them), worker processes of `ml-connector worker`, an accelerated clock for the scheduler, and waiting on
the store."""

from __future__ import annotations

import os
import secrets
import shutil
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


class OwnRabbit:
    """A private RabbitMQ node (its own name, AMQP and distribution ports, Erlang cookie, database and logs
    under ``workdir``), so a test may restart it without touching the system broker on 5672. Needs the
    rabbitmq-server package (its scripts, not its service); the machine's epmd is shared, as with any node.
    The database survives a restart, so durable queues and persistent tasks do too."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.dist_port, self.dir = free_port(), free_port(), workdir
        self.node = f"mlc-test-{secrets.token_hex(4)}@localhost"
        self.proc: subprocess.Popen[bytes] | None = None
        home = self.dir / "home"
        home.mkdir(parents=True, exist_ok=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
        (self.dir / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's (it names the system node)
        self.env = {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.dir / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    @staticmethod
    def scripts() -> Path | None:
        """Where rabbitmq-server's own scripts are (the /usr/sbin ones switch to the rabbitmq user)."""
        for candidate in (Path("/usr/lib/rabbitmq/bin"), Path("/usr/local/lib/rabbitmq/bin")):
            if (candidate / "rabbitmq-server").exists():
                return candidate
        found = shutil.which("rabbitmq-server")
        return Path(found).parent if found else None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        bin_dir = self.scripts()
        assert bin_dir is not None
        return subprocess.run(
            [str(bin_dir / "rabbitmqctl"), "-n", self.node, *args], env=self.env, capture_output=True, text=True
        )

    def start(self) -> None:
        from kombu import Connection

        bin_dir = self.scripts()
        assert bin_dir is not None, "rabbitmq-server is not installed"
        log = (self.dir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [str(bin_dir / "rabbitmq-server")],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def answers() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log()
            try:
                with Connection(self.url, connect_timeout=1) as conn:
                    conn.connect()
                return True
            except Exception:
                return False

        wait_for(answers, 90, f"the RabbitMQ node {self.node} to start")

    def stop(self) -> None:
        """``rabbitmqctl stop``: the node writes its queues to disk and exits."""
        if self.proc is None:
            return
        self._ctl("stop")
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def log(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


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
