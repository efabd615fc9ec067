"""Two instances of syspro-looker (two SYSPRO companies, two OData emulators) load side by side into one
DuckDB warehouse, a dataset each: no row crosses over, and each has its own cursors, runs and parked
records. The default instance (no @) still loads the plain dataset, as before."""

from __future__ import annotations

import duckdb
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

SMALL = {"GenTransaction": 300, "ApInvoice": 40}


@pytest.fixture
def companies():
    served = {
        "a": serve_in_thread(create_emulator("syspro-odata", seed=5, company="PLANTA", scale=SMALL)),
        "b": serve_in_thread(create_emulator("syspro-odata", seed=9, company="PLANTB", scale=SMALL)),
    }
    yield served
    for s in served.values():
        s.stop()


def connect(app, name: str, syspro) -> None:
    cred = syspro.app.state.credentials
    settings = {
        "base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData",
        "company": cred["company"],
        "operator": cred["operator"],
    }
    app.connections.put(name, "syspro-odata", settings, {"password": cred["password"]}, app.clock.now())


def rows(app, dataset: str, sql: str) -> list[tuple]:
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        return db.sql(sql.format(ds=dataset)).fetchall()


def test_two_companies_side_by_side(tmp_path, companies) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "syspro-looker": {"looker_connection": None},
            "syspro-looker@plant-a": {"syspro_connection": "syspro-a"},
            "syspro-looker@plant-b": {"syspro_connection": "syspro-b", "warehouse_dataset": "plant_b"},
        }
    )
    app = bootstrap(settings, create_keys=True)
    connect(app, "syspro-a", companies["a"])
    connect(app, "syspro-b", companies["b"])
    a_state, b_state = companies["a"].app.state.emulator, companies["b"].app.state.emulator
    b_state.orphan_fact("ApInvoice")  # only plant B has an invoice whose supplier is missing
    for name in ("syspro-looker@plant-a", "syspro-looker@plant-b"):
        report = run_integration(app, name, trigger="manual")
        assert report.integration == name and report.status in ("succeeded", "partial"), report.error
    for dataset, state in (("syspro_plant_a", a_state), ("plant_b", b_state)):
        suppliers = set(rows(app, dataset, "select supplier, name from {ds}.dim_supplier"))
        assert suppliers == {(r["Supplier"], r["SupplierName"]) for r in state.rows("ApSupplier")}
        postings = rows(app, dataset, "select count(*) from {ds}.fct_gl_posting")[0][0]
        assert postings == len(state.rows("GenTransaction"))
    a_sup = {(r["Supplier"], r["SupplierName"]) for r in a_state.rows("ApSupplier")}
    b_sup = {(r["Supplier"], r["SupplierName"]) for r in b_state.rows("ApSupplier")}
    assert not a_sup & b_sup  # same codes, other names: a row crossing over would show
    # each has its own cursors, runs and parked records
    a_cursors = app.store.cursors.all("syspro-looker@plant-a")
    b_cursors = app.store.cursors.all("syspro-looker@plant-b")
    assert a_cursors and b_cursors and app.store.cursors.all("syspro-looker") == {}
    assert app.store.parked.open("syspro-looker@plant-a") == []
    [parked] = app.store.parked.open("syspro-looker@plant-b")
    assert parked["stream"] == "ap_invoice"
    assert {r["integration"] for r in app.store.runs.recent()} == {"syspro-looker@plant-a", "syspro-looker@plant-b"}
    assert app.store.ledger.count(stream="supplier", status="loaded") == len(a_sup) + len(b_sup)


def test_company_column_layout_shares_one_dataset(tmp_path, companies) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "warehouse": {"instances": "column"},
            "syspro-looker": {"looker_connection": None},
            "syspro-looker@plant-a": {"syspro_connection": "syspro-a"},
            "syspro-looker@plant-b": {"syspro_connection": "syspro-b"},
        }
    )
    app = bootstrap(settings, create_keys=True)
    connect(app, "syspro-a", companies["a"])
    connect(app, "syspro-b", companies["b"])
    a_state, b_state = companies["a"].app.state.emulator, companies["b"].app.state.emulator
    b_state.orphan_fact("ApInvoice")
    # a, b, then a again: a full read of one company must not remove the other's rows
    for name in ("syspro-looker@plant-a", "syspro-looker@plant-b", "syspro-looker@plant-a"):
        report = run_integration(app, name)
        assert report.status in ("succeeded", "partial"), report.error
        assert "gl_posting" not in (report.error or ""), report.error
    for company, state in (("plant-a", a_state), ("plant-b", b_state)):
        suppliers = set(
            rows(app, "syspro", f"select supplier, name from {{ds}}.dim_supplier where company = '{company}'")
        )
        assert suppliers == {(r["Supplier"], r["SupplierName"]) for r in state.rows("ApSupplier")}
        postings = rows(app, "syspro", f"select count(*) from {{ds}}.fct_gl_posting where company = '{company}'")
        assert postings[0][0] == len(state.rows("GenTransaction"))
    assert rows(app, "syspro", "select count(*) from {ds}.dim_supplier where company is null")[0][0] == 0
    # plant-b's orphan is parked for plant-b only (its key check sees only its own company's suppliers)
    assert app.store.parked.open("syspro-looker@plant-a") == []
    assert len(app.store.parked.open("syspro-looker@plant-b")) == 1
