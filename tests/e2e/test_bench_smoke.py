"""`make bench` runs to the end on a fresh clone: every case (bare fetch, plain dlt, ml-connector, the floor
steps, commerce-syspro, syspro-sterling) once at a small volume, through the same entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_bench_case_runs_at_small_volume() -> None:
    env = {
        **os.environ,
        "BENCH_SIZES": "300",
        "BENCH_CASES": "bare,dlt,mlc",
        "BENCH_FLOOR": "1",
        "BENCH_COMMERCE_ORDERS": "6",
        "BENCH_STERLING_DOCS": "4",
        "BENCH_PIPEDRIVE_RECORDS": "40",
        "BENCH_LOOKER_QAD_FIGURES": "2",
        "BENCH_IDLE_POLLS": "1",
        "BENCH_CELERY_RUNS": "2",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for label in ("bare fetch (httpx + JSON)", "plain dlt, full (replace)", "ml-connector, full (replace)"):
        assert label in out, f"no bench row {label!r}"
    assert "commerce-syspro" in out and "syspro-sterling" in out and "end to end into Sterling emu" in out
