"""`ml-connector schedule` as a process: a second scheduler on the same store stays a standby (no double
start); a webhook-style run request is queued and run by the active one; SIGTERM stops it cleanly within
its grace (the run abandoned, every lease of the process released, exit 0); the standby takes over and
the next run succeeds from where the ledger left off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.scheduler import SCHEDULER_LEASE
from ml_connector.runtime.triggers import trigger_run
from ml_connector.settings import load_settings

sys.path.insert(0, str(Path(__file__).parent))
from celery_harness import EXE, wait_for

pytestmark = pytest.mark.slow  # two processes, ~20 s

CONFIG = """data_dir = "data"
[syspro-looker]
looker_connection = ""
[runtime]
tick = "0.2s"
stop_grace = "1s"
lease_expiry = "30s"   # long: a busy machine must not hand the scheduler lease over early
[schedule.syspro-looker]
cron = "0 3 1 1 *"     # once a year: this test drives runs by request
"""


def test_schedule_process_standby_request_and_sigterm(tmp_path) -> None:
    slow = FaultPlan([FaultRule(kind="slow", delay_s=2.0)])
    syspro = serve_in_thread(
        create_emulator("syspro-odata", seed=2, faults=slow, scale={"GenTransaction": 300, "ApInvoice": 40})
    )
    config = tmp_path / "ml-connector.toml"
    config.write_text(CONFIG)
    app = bootstrap(load_settings(config), create_keys=True)
    connect_syspro_odata(app, syspro)
    logs = {n: (tmp_path / f"{n}.log").open("wb") for n in ("first", "second")}
    procs = {}
    try:
        procs["first"] = subprocess.Popen(
            [*EXE, "schedule", "-c", str(config)], stdout=logs["first"], stderr=subprocess.STDOUT
        )
        holder = wait_for(lambda: app.store.leases.holder(SCHEDULER_LEASE, datetime.now(UTC)), 30, "the scheduler")
        assert f":{procs['first'].pid}:" in holder
        procs["second"] = subprocess.Popen(
            [*EXE, "schedule", "-c", str(config)], stdout=logs["second"], stderr=subprocess.STDOUT
        )
        time.sleep(3)
        assert procs["second"].poll() is None  # waiting, not running anything
        assert f":{procs['first'].pid}:" in app.store.leases.holder(SCHEDULER_LEASE, datetime.now(UTC))
        assert trigger_run(app, "syspro-looker", reason="test hook") == "queued"
        wait_for(lambda: [r for r in app.store.runs.recent("syspro-looker") if r["status"] == "running"], 30, "a run")
        time.sleep(1.5)
        procs["first"].send_signal(signal.SIGTERM)
        assert procs["first"].wait(20) == 0
        [first_run] = app.store.runs.recent("syspro-looker")
        assert first_run["trigger"] == "webhook"
        # the run was abandoned at shutdown: no lease of the stopped process stays behind
        leftover = app.store.leases.holder("syspro-looker", datetime.now(UTC))
        assert leftover is None or f":{procs['first'].pid}:" not in leftover
        holder = wait_for(lambda: app.store.leases.holder(SCHEDULER_LEASE, datetime.now(UTC)), 30, "the standby")
        assert f":{procs['second'].pid}:" in holder
        slow.rules.clear()
        assert trigger_run(app, "syspro-looker", reason="after restart") == "queued"
        done = wait_for(
            lambda: [r for r in app.store.runs.recent("syspro-looker") if r["status"] == "succeeded"],
            60,
            "the next run",
        )
        assert done[0]["trigger"] == "webhook"
        statuses = [r["status"] for r in app.store.runs.recent("syspro-looker")]
        assert statuses[-1] in ("crashed", "failed")  # the abandoned one, closed honestly
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(20)
        syspro.stop()
