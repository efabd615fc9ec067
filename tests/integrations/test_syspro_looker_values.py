"""syspro-looker compared value by value with the source: every warehouse row of every table against a
mapping written out by hand in ``syspro_looker_expected.py``, and sum(EntryValue) per GL code and period
against the emulator's own GenTransaction rows, after a full load and after an incremental merge."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from syspro_looker_expected import KEYS, differences, expected_tables, gl_sums_from_source, gl_sums_in_warehouse

SEED = 5


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    yield served
    served.stop()


def make_app(tmp_path: Path, syspro):
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "warehouse": {"type": "duckdb"},
            "syspro-looker": {"looker_connection": None},
        }
    )
    app = bootstrap(settings, create_keys=True)
    connect_syspro_odata(app, syspro)
    return app


def test_every_warehouse_value_matches_the_source_after_full_and_incremental_runs(tmp_path, syspro) -> None:
    app = make_app(tmp_path, syspro)
    state = syspro.app.state.emulator
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    expected = expected_tables(state)
    assert all(len(expected[t]) > 0 for t in KEYS), {t: len(expected[t]) for t in KEYS}  # the check has rows to bite on
    assert differences(app.settings.warehouse_path, state) == []
    sums = gl_sums_from_source(state)
    assert len(sums) > 10 and gl_sums_in_warehouse(app.settings.warehouse_path) == sums

    # the source changes: invoices are amended, GL lines posted; the incremental run merges them
    state.update("ApInvoice", 10, date=True)
    state.update("ArInvoice", 5, date=True)
    state.insert("GenTransaction", [{} for _ in range(7)])
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    tallies = {t.stream: t for t in report.streams}
    assert tallies["ap_invoice"].loaded == 10 and tallies["gl_posting"].loaded == 7
    assert differences(app.settings.warehouse_path, state) == []
    assert gl_sums_in_warehouse(app.settings.warehouse_path) == gl_sums_from_source(state)
