"""How `ml-connector demo` runs SYSPRO -> Looker: emulators it needs, connections, the change between runs."""

from __future__ import annotations

from typing import Any

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.serving import ServedEmulator
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.settings import Settings

NAME = "syspro-looker"
CHANGED_ROWS = 10


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    odata: dict[str, Any] = {"seed": seed}
    if scale > 1:
        odata["scale"] = {"GenTransaction": 5000 * scale, "ApInvoice": 800 * scale, "ArInvoice": 1500 * scale}
    return {
        "syspro-odata": odata,
        "looker": {
            "seed": seed,
            "lookml_dir": str(settings.data_dir / "lookml"),
            "connection_name": "ml_warehouse",
            "warehouse": {"type": "duckdb", "path": str(settings.warehouse_path), "schema": settings.warehouse.dataset},
        },
    }


def prepare(settings: Settings) -> None:
    from ml_connector.integrations.syspro_looker.lookml import write_views

    write_views(
        settings.data_dir / "lookml",
        connection="ml_warehouse",
        schema=settings.warehouse.dataset,
        datagroup=settings.syspro_looker.datagroup,
    )


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    now = app.clock.now()
    connect_syspro_odata(app, served["syspro-odata"])
    looker = served["looker"]
    lcred = looker.app.state.credentials
    store_connection(
        app.connections,
        "looker",
        "looker",
        {"base_url": looker.url, "client_id": lcred["client_id"]},
        {"client_secret": lcred["client_secret"]},
        now,
        replace=True,
    )


def change_source(served: dict[str, ServedEmulator]) -> str:
    """A day's work in SYSPRO: some AP invoices change."""
    served["syspro-odata"].app.state.emulator.update("ApInvoice", CHANGED_ROWS, date=True)
    return f"{CHANGED_ROWS} AP invoices changed in SYSPRO"


def show_result(settings: Settings) -> str:
    path, dataset = settings.warehouse_path, settings.warehouse.dataset
    return (
        f"Warehouse: {path}\n"
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{path}', read_only=True).sql("
        f"'select gl_code, sum(amount) from {dataset}.fct_gl_posting group by 1 order by 2 desc limit 5'))\"\n"
        f"LookML views: {settings.data_dir / 'lookml'}"
    )
