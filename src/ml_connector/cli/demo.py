"""`ml-connector demo`: every emulator on localhost, connections stored encrypted, the integrations run
twice (a full load, then an incremental run after the emulators changed a few rows), summaries printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.output import RichProgress, console, run_summary
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.engine.service import run_integration
from ml_connector.integrations.syspro_looker.lookml import write_views
from ml_connector.settings import Settings, load_settings

DEMO_SEED = 42
CHANGED_ROWS = 10


def run_demo(data_dir: Path, *, scale: int = 1) -> int:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "ml-connector.toml"
    if not config.exists():
        config.write_text('# Written by `ml-connector demo`; use it with -c to inspect the demo.\ndata_dir = "."\n')
    settings = load_settings(config)
    app = bootstrap(settings, create_keys=True)
    lookml_dir = data_dir / "lookml"
    write_views(lookml_dir, connection="ml_warehouse", schema=settings.warehouse.dataset,
                datagroup=settings.syspro_looker.datagroup)
    served = _start_emulators(settings, lookml_dir, scale)
    try:
        _store_connections(app, served)
        console.rule("[bold]SYSPRO -> warehouse (Looker)[/bold]: first run")
        worst = _run(app, "syspro-looker")
        changed = _change_source(served["syspro-odata"].app)
        console.rule(f"[bold]SYSPRO -> warehouse[/bold]: after the emulator changed {changed}")
        worst = max(worst, _run(app, "syspro-looker"))
        _show_query_help(settings)
        return worst
    finally:
        for emulator in served.values():
            emulator.stop()


def _start_emulators(settings: Settings, lookml_dir: Path, scale: int) -> dict[str, ServedEmulator]:
    options: dict[str, dict[str, Any]] = {
        "syspro-odata": {"seed": DEMO_SEED, "scale": _scaled(scale)},
        "looker": {
            "seed": DEMO_SEED, "lookml_dir": str(lookml_dir), "connection_name": "ml_warehouse",
            "warehouse": {"type": "duckdb", "path": str(settings.warehouse_path), "schema": settings.warehouse.dataset},
        },
    }
    return {name: serve_in_thread(create_emulator(name, **opts)) for name, opts in options.items()}


def _scaled(scale: int) -> dict[str, int] | None:
    if scale <= 1:
        return None
    return {"GenTransaction": 5000 * scale, "ApInvoice": 800 * scale, "ArInvoice": 1500 * scale}


def _store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    now = app.clock.now()
    syspro = served["syspro-odata"]
    cred = syspro.app.state.credentials
    app.connections.put(
        "syspro-odata", "syspro-odata",
        {"base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData", "company": cred["company"], "operator": cred["operator"]},
        {"password": cred["password"]}, now,
    )
    looker = served["looker"]
    lcred = looker.app.state.credentials
    app.connections.put("looker", "looker", {"base_url": looker.url, "client_id": lcred["client_id"]},
                        {"client_secret": lcred["client_secret"]}, now)


def _change_source(odata_app: Any) -> str:
    """Let the SYSPRO emulator change a few rows, as a day's work would."""
    state = odata_app.state.emulator
    state.update("ApInvoice", CHANGED_ROWS, date=True)
    return f"{CHANGED_ROWS} AP invoices"


def _run(app: Any, integration: str) -> int:
    with RichProgress() as progress:
        app.progress = progress
        report = run_integration(app, integration)
    app.progress = None
    run_summary(report)
    return 0 if report.status == "succeeded" else 1


def _show_query_help(settings: Settings) -> None:
    path = settings.warehouse_path
    dataset = settings.warehouse.dataset
    console.print(
        f"\nThe warehouse is [bold]{path}[/bold]. Query it, for example:\n"
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{path}', read_only=True).sql("
        f"'select gl_code, sum(amount) from {dataset}.fct_gl_posting group by 1 order by 2 desc limit 5'))\"\n"
        f"Audit trail:   .venv/bin/ml-connector audit -c {settings.config_path} --limit 5\n"
        f"Parked:        .venv/bin/ml-connector parked -c {settings.config_path}\n"
        f"LookML views:  {settings.data_dir / 'lookml'}"
    )
