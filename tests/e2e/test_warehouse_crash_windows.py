"""syspro-looker killed (SIGKILL, a real child process) in the two windows the mid-read kill does not reach:
after the warehouse committed a load but before the store recorded it, and in the middle of an incremental
merge (the merge's DELETE has run, its INSERT has not). After a restart the warehouse must equal the source
value by value (every row of every table, sum(EntryValue) per GL code and period) and every record must
be audited as loaded exactly once per load that reached the store."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

sys.path.insert(0, str(Path(__file__).parents[1] / "integrations"))
from syspro_looker_expected import differences, gl_sums_from_source, gl_sums_in_warehouse

NAME = "syspro-looker"
# The child: the product's own run, with one function wrapped so the process kills itself at the window.
DRIVER = r"""
import json, os, signal, sys
from ml_connector.bootstrap import bootstrap
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[2] == "after-warehouse-commit":
    from ml_connector.connectors.warehouse.loader import WarehouseTarget
    write_many = WarehouseTarget.write_many
    def killing_write_many(self, batches, **kwargs):
        written = write_many(self, batches, **kwargs)
        if any(stream.name == "ap_invoice" for stream, _ in batches):
            die()  # the facts' dlt load has committed in the warehouse; the store has not recorded it
        return written
    WarehouseTarget.write_many = killing_write_many
elif sys.argv[2] == "mid-merge":
    from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient
    execute_sql = DuckDbSqlClient.execute_sql
    def killing_execute_sql(self, sql, *args, **kwargs):
        if sql.lstrip().startswith('DELETE FROM "syspro"."fct_ap_invoice"'):
            execute_sql(self, sql.split(";", 1)[0], *args, **kwargs)  # the merge's delete runs ...
            die()  # ... and the process dies before the insert that follows it
        return execute_sql(self, sql, *args, **kwargs)
    DuckDbSqlClient.execute_sql = killing_execute_sql
run_integration(bootstrap(Settings.model_validate(json.loads(sys.argv[1]))), "syspro-looker")
"""


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=5, timestamp_filters=True))
    yield served
    served.stop()


def _settings(tmp_path: Path) -> dict:
    return {"data_dir": str(tmp_path / "data"), "warehouse": {"type": "duckdb"}, NAME: {"looker_connection": None}}


def _killed_run(tmp_path: Path, where: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(_settings(tmp_path)), where],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, f"the run was not killed at {where}: {child.stderr[-3000:]}"


def _loaded(app, stream: str) -> int:
    return app.store.ledger.count(integration=NAME, stream=stream, status="loaded")


def _change_source(state) -> None:
    state.update("ApInvoice", 10, date=True)
    state.insert("GenTransaction", [{} for _ in range(7)])


def _assert_equal_to_source(app, state) -> None:
    assert differences(app.settings.warehouse_path, state) == []
    assert gl_sums_in_warehouse(app.settings.warehouse_path) == gl_sums_from_source(state)


@pytest.mark.parametrize("load", [pytest.param("first", marks=pytest.mark.slow), "incremental"])
def test_kill_after_the_warehouse_commit_before_the_store_commit(tmp_path, syspro, load) -> None:
    app = bootstrap(Settings.model_validate(_settings(tmp_path)), create_keys=True)
    connect_syspro_odata(app, syspro)
    state = syspro.app.state.emulator
    if load == "incremental":
        assert run_integration(app, NAME).status == "succeeded"
        _change_source(state)
    before = _loaded(app, "ap_invoice")
    _killed_run(tmp_path, "after-warehouse-commit")
    # the window really was hit: the warehouse holds the new invoices, the store knows nothing of them
    assert differences(app.settings.warehouse_path, state, ["fct_ap_invoice"]) == []
    assert _loaded(app, "ap_invoice") == before
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    _assert_equal_to_source(app, state)
    changed = len(state.rows("ApInvoice")) if load == "first" else 10
    assert _loaded(app, "ap_invoice") == before + changed  # audited once, by the run that recorded the load


def test_kill_in_the_middle_of_an_incremental_merge(tmp_path, syspro) -> None:
    app = bootstrap(Settings.model_validate(_settings(tmp_path)), create_keys=True)
    connect_syspro_odata(app, syspro)
    state = syspro.app.state.emulator
    assert run_integration(app, NAME).status == "succeeded"
    _change_source(state)
    before = _loaded(app, "ap_invoice")
    _killed_run(tmp_path, "mid-merge")
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        kept = db.sql("select count(*) from syspro.fct_ap_invoice").fetchall()[0][0]
    # the merge runs in one transaction: the delete that ran before the kill was never committed
    assert kept == len(state.rows("ApInvoice"))
    assert _loaded(app, "ap_invoice") == before
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    _assert_equal_to_source(app, state)
    assert _loaded(app, "ap_invoice") == before + 10
