"""The CLI end to end as a user runs it (real processes, real sockets): a SIGKILL in the middle of a load
loses and duplicates nothing. (Secrets: tests/e2e/test_secret_leaks.py.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread

EXE = [sys.executable, "-m", "ml_connector.cli.main"]


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=11, scale={"GenTransaction": 300_000}))
    yield served
    served.stop()


def _cli(tmp_path: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "ML_CONNECTOR_CONFIG": str(tmp_path / "ml-connector.toml"), **(env or {})}
    result = subprocess.run([*EXE, *args], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=600)
    if check and result.returncode not in (0, 1):
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def _setup(tmp_path: Path, syspro) -> str:
    cred = syspro.app.state.credentials
    _cli(tmp_path, "init", "--path", str(tmp_path / "ml-connector.toml"), "--force")
    # Looker is covered by its own tests; this one runs the warehouse side only.
    (tmp_path / "ml-connector.toml").write_text(
        'data_dir = ".ml-connector"\n[syspro-looker]\nbatch_rows = 20000\nlooker_connection = ""\n'
    )
    _cli(
        tmp_path,
        "connections",
        "add",
        "syspro-odata",
        "--system",
        "syspro-odata",
        "--set",
        f"base_url={syspro.url}/SYSPRO8OData/SYSPROOData",
        "--set",
        f"company={cred['company']}",
        "--set",
        f"operator={cred['operator']}",
        env={"ML_CONNECTOR_SECRET_PASSWORD": cred["password"]},
    )
    return cred["password"]


def test_sigkill_mid_load_then_restart_equals_source(tmp_path, syspro) -> None:
    _setup(tmp_path, syspro)
    env = {**os.environ, "ML_CONNECTOR_CONFIG": str(tmp_path / "ml-connector.toml")}
    proc = subprocess.Popen(
        [*EXE, "run", "syspro-looker", "--json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    dims_done = False
    while time.monotonic() < deadline and proc.poll() is None:  # wait until the facts are being extracted
        try:
            with sqlite3.connect(tmp_path / ".ml-connector" / "store.db", timeout=1) as db:
                dims_done = (
                    db.execute(
                        "select count(*) from record_ledger where stream='gl_account' and status='loaded'"
                    ).fetchone()[0]
                    > 0
                )
        except sqlite3.Error:
            dims_done = False
        if dims_done:
            break
        time.sleep(0.05)
    time.sleep(0.5)  # well inside reading 300k GL postings
    assert proc.poll() is None, "the run finished before it could be killed; raise the volume"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(tmp_path / ".ml-connector" / "store.db") as db:
        committed = db.execute("select count(*) from cursors where stream='gl_posting'").fetchone()[0]
    assert dims_done and committed == 0  # killed after the dimensions, before the facts were committed
    rerun = _cli(tmp_path, "run", "syspro-looker", "--json")
    assert '"status": "succeeded"' in rerun.stdout, rerun.stderr[-2000:]
    source = syspro.app.state.emulator.rows("GenTransaction")
    with duckdb.connect(str(tmp_path / ".ml-connector" / "warehouse.duckdb"), read_only=True) as db:
        total, distinct = db.sql("select count(*), count(distinct posting_id) from syspro.fct_gl_posting").fetchall()[0]
    assert total == distinct == len(source)
    with sqlite3.connect(tmp_path / ".ml-connector" / "store.db") as db:
        audited = db.execute(
            "select count(distinct source_id) from record_ledger where stream='gl_posting' and status='loaded'"
        ).fetchone()[0]
        statuses = dict(db.execute("select status, count(*) from runs group by status").fetchall())
    assert audited == len(source)
    assert statuses.get("crashed") == 1 and statuses.get("succeeded") == 1
