"""`make bench` rows for Looker -> QAD: Looker calls per run and QAD calls per figure, each beside the
minimum the APIs allow, and figures/s posted into the QAD emulator (first run: every line new; second
run: a few lines changed, posted as adjustments). Run alone: `.venv/bin/python -m benchmarks.looker_qad`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

FIGURES = int(os.environ.get("BENCH_LOOKER_QAD_FIGURES", "10"))


class CountingTransport(httpx.HTTPTransport):
    """Counts the requests a client really sends (retries and logins included)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return super().handle_request(request)


def measure(figures: int = FIGURES) -> list[tuple[str, str, str]]:
    from ml_connector.engine.service import run_integration

    sys.path[:0] = [str(Path(__file__).parents[1] / "tests" / p) for p in ("", "integrations")]
    from looker_qad_fixtures import build_chain, figure, months_back

    periods = [months_back(1), months_back(0)]
    with tempfile.TemporaryDirectory() as tmp:
        chain = build_chain(Path(tmp), figures=[figure(f"Figure {n}", periods=periods) for n in range(figures)])
        try:
            rows: list[tuple[str, str, str]] = []
            for label in ("first run (all new)", "second run (2 postings changed)"):
                if label.startswith("second"):
                    _change_two_lines(chain)
                looker, qad = CountingTransport(), CountingTransport()
                start = time.perf_counter()
                report = run_integration(chain.app, "looker-qad", looker_http={"transport": looker},
                                         qad_http={"transport": qad})  # fmt: skip
                seconds = time.perf_counter() - start
                if report.status != "succeeded":
                    raise SystemExit(f"looker-qad bench run: {report.status}: {report.error}")
                posted = sum(t.loaded for t in report.streams)
                lines = sum(t.read for t in report.streams)
                # Minimum: Looker login + one run per figure (the results fit one page). QAD: one token,
                # four master-data browses, one create per figure and period with something to post; a
                # changed line also needs what QAD holds under its reference (one browse) first.
                adjusted = posted if label.startswith("second") else 0
                entries = figures * (len(periods) if not adjusted else 1)
                qad_min = 1 + 4 + entries + adjusted
                rows += [
                    (label, "Looker calls per run", f"{looker.calls} (minimum {1 + figures})"),
                    (label, "QAD calls per figure", f"{qad.calls / figures:.1f} (minimum {qad_min / figures:.1f})"),
                    (label, "figure lines read / posted", f"{lines} / {posted}"),
                    (label, "figures/s into the QAD emulator", f"{figures / seconds:.1f} ({seconds:.2f} s)"),
                ]
            return rows
        finally:
            chain.stop()


def _change_two_lines(chain: Any) -> None:
    import duckdb

    from ml_connector.integrations.clients import looker_client

    with duckdb.connect(str(chain.app.settings.warehouse_path)) as db:
        db.execute(
            "update syspro.fct_gl_posting set amount = amount + 10 where posting_id in (select posting_id from "
            "syspro.fct_gl_posting where cost_center = '200' order by posting_date desc limit 2)"
        )
    looker = looker_client(chain.app, "looker")
    try:
        looker.reset_datagroup(("syspro", "syspro_etl"))
    finally:
        looker.close()


def print_rows(figures: int = FIGURES) -> None:
    print(f"\n{'looker-qad':>12} | {'run':<32} | {'measure':<32} | value (minimum the APIs allow)")
    print("-" * 110)
    for label, what, value in measure(figures):
        print(f"{'':>12} | {label:<32} | {what:<32} | {value}")


if __name__ == "__main__":
    print_rows(int(sys.argv[1]) if len(sys.argv) > 1 else FIGURES)
