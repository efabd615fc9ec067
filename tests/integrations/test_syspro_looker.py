"""SYSPRO -> warehouse end to end through the engine, against the SYSPRO OData and Looker emulators
served on 127.0.0.1: full load, incremental window, parking and release, PostgreSQL warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import replay_parked, run_integration
from ml_connector.settings import Settings

SEED = 5


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    yield served
    served.stop()


def make_app(tmp_path: Path, syspro, *, warehouse: dict | None = None, cursors: dict | None = None):
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "warehouse": warehouse or {"type": "duckdb"},
            "syspro-looker": {"looker_connection": None, "cursors": cursors or {}},
        }
    )
    app = bootstrap(settings, create_keys=True)
    connect_syspro_odata(app, syspro)
    return app


def warehouse_count(app, table: str) -> int:
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        return db.sql(f"select count(*) from syspro.{table}").fetchall()[0][0]


def test_full_load_matches_source_and_every_row_is_audited(tmp_path, syspro) -> None:
    app = make_app(tmp_path, syspro)
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    state = syspro.app.state.emulator
    for stream, table, source in [
        ("gl_posting", "fct_gl_posting", "GenTransaction"),
        ("ap_invoice", "fct_ap_invoice", "ApInvoice"),
        ("supplier", "dim_supplier", "ApSupplier"),
    ]:
        n = len(state.rows(source))
        assert warehouse_count(app, table) == n
        assert app.store.ledger.count(stream=stream, status="loaded") == n
    order = [t.stream for t in report.streams]
    assert order.index("supplier") < order.index("ap_invoice")  # dimensions first
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        missing_meta = db.sql(
            "select count(*) from syspro.fct_gl_posting where _source_ts is null "
            "or _loaded_at is null or _run_id is null"
        ).fetchall()[0][0]
        city = db.sql("select count(*) from syspro.dim_supplier where city is not null").fetchall()[0][0]
    assert missing_meta == 0 and city > 0


@pytest.mark.parametrize("mode", ["date", "rowversion"])
def test_ten_changed_rows_load_exactly_ten(tmp_path, syspro, mode) -> None:
    app = make_app(tmp_path, syspro, cursors={"ap_invoice": mode})
    assert run_integration(app, "syspro-looker").status == "succeeded"
    changed = syspro.app.state.emulator.update("ApInvoice", 10, date=True)
    report = run_integration(app, "syspro-looker")
    tally = {t.stream: t for t in report.streams}["ap_invoice"]
    assert tally.loaded == 10
    if mode == "rowversion":
        assert tally.read == 10  # the window holds exactly the changed rows
    else:
        assert tally.read < len(syspro.app.state.emulator.rows("ApInvoice"))  # only the recent window
    loaded_ids = {r["source_id"] for r in app.store.ledger.search(stream="ap_invoice", run_id=report.run_id)}
    assert loaded_ids == {f"{r['Supplier']}|{r['Invoice']}" for r in changed}
    assert {t.stream: t.loaded for t in report.streams}["gl_posting"] == 0


def test_fact_with_unknown_supplier_is_parked_then_released(tmp_path, syspro) -> None:
    app = make_app(tmp_path, syspro)
    run_integration(app, "syspro-looker")
    state = syspro.app.state.emulator
    orphan = state.orphan_fact("ApInvoice")
    supplier_key = orphan["missing"]["key"]["Supplier"]
    report = run_integration(app, "syspro-looker")
    assert {t.stream: t.parked for t in report.streams}["ap_invoice"] == 1
    [parked] = app.store.parked.open("syspro-looker")
    assert supplier_key in parked["reason"] and parked["ref_key"] == supplier_key
    # replay while the supplier is still missing: stays parked, says why
    forced = replay_parked(app, "syspro-looker", [parked["id"]])
    assert forced.status != "succeeded" and supplier_key in (forced.error or "")
    state.insert("ApSupplier", [{"Supplier": supplier_key, "SupplierName": "Late Supplier & Co"}])
    report = run_integration(app, "syspro-looker")
    assert {t.stream: t.released for t in report.streams}["ap_invoice"] == 1
    assert app.store.parked.open("syspro-looker") == []
    [released] = app.store.ledger.search(stream="ap_invoice", status="released")
    [parking] = [
        r
        for r in app.store.ledger.search(stream="ap_invoice", source_id=released["source_id"])
        if r["status"] == "parked"
    ][-1:]
    assert released["replay_of"] == parking["id"] and parking["superseded_by"] == released["id"]
    assert warehouse_count(app, "fct_ap_invoice") == len(state.rows("ApInvoice"))


@pytest.mark.postgres
def test_postgres_warehouse(tmp_path, syspro, pg_database) -> None:
    # dlt insists on a password field; the local server trusts loopback, so any value works.
    dsn = pg_database.replace("postgresql+psycopg://postgres@", "postgresql://postgres:trust@")
    app = make_app(tmp_path, syspro, warehouse={"type": "postgres", "dsn": dsn, "dataset": "syspro"})
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    import psycopg

    with psycopg.connect(dsn) as db:
        n = db.execute("select count(*) from syspro.fct_gl_posting").fetchone()[0]
    assert n == len(syspro.app.state.emulator.rows("GenTransaction"))
    assert run_integration(app, "syspro-looker").status == "succeeded"  # merge again: no duplicates
    with psycopg.connect(dsn) as db:
        assert db.execute("select count(*) from syspro.fct_gl_posting").fetchone()[0] == n


@pytest.mark.parametrize(("strategy", "staged"), [("truncate-and-insert", False), ("insert-from-staging", True)])
def test_replace_strategy_reaches_the_warehouse_load(tmp_path, syspro, strategy, staged) -> None:
    app = make_app(tmp_path, syspro, warehouse={"type": "duckdb", "replace_strategy": strategy})
    report = run_integration(app, "syspro-looker")  # a first run replaces every table
    assert report.status == "succeeded", report.error
    assert warehouse_count(app, "fct_gl_posting") == len(syspro.app.state.emulator.rows("GenTransaction"))
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        schemas = {r[0] for r in db.sql("select schema_name from information_schema.schemata").fetchall()}
    assert ("syspro_staging" in schemas) is staged  # loaded beside the table, then swapped in
