"""`ml-connector run | check | audit | parked | replay`: moving records and looking at what happened."""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import RichProgress, emit_json, run_summary, table
from ml_connector.errors import ConfigError
from ml_connector.runtime.service import check_integration, replay_parked, run_integration


@handle_errors
def run(
    integration: str = typer.Argument(..., help="e.g. syspro-looker"),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Ignore cursors and stored hashes; reload all."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Run one integration now: read what changed, deliver it, record every record, move the cursor.

    Examples:

        ml-connector run syspro-looker

        ml-connector run syspro-looker --full-refresh --json | jq .streams
    """
    app = load_app(config)
    if as_json:
        report = run_integration(app, integration, full_refresh=full_refresh)
        emit_json(report.as_dict())
    else:
        with RichProgress() as progress:
            app.progress = progress
            report = run_integration(app, integration, full_refresh=full_refresh)
        run_summary(report)
    if report.status != "succeeded":
        raise typer.Exit(1)


@handle_errors
def check(
    integration: str = typer.Argument(..., help="e.g. syspro-looker"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Ping every system the integration uses and prove each permission it needs (read each source table,
    write the warehouse, log in to Looker, test the Looker connection). Exit 3 if any check fails."""
    results = check_integration(load_app(config), integration)
    if as_json:
        emit_json([vars(r) for r in results])
    else:
        table(
            f"check {integration}",
            ("system", "what", "ok", "detail"),
            [(r.system, r.what, "yes" if r.ok else "NO", r.detail) for r in results],
        )
    if not all(r.ok for r in results):
        raise typer.Exit(3)


@handle_errors
def audit(
    source_id: str | None = typer.Option(None, "--source-id", help="A source record id, e.g. 0000042|INV123."),
    stream: str | None = typer.Option(None, "--stream"),
    status: str | None = typer.Option(None, "--status", help="loaded, delivered, parked, released, failed, ..."),
    run_id: str | None = typer.Option(None, "--run"),
    integration: str | None = typer.Option(None, "--integration"),
    limit: int = typer.Option(50, "--limit"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Search the per-record audit ledger (newest first).

    Example: ml-connector audit --stream ap_invoice --status parked
    """
    rows = load_app(config).store.ledger.search(
        integration=integration, stream=stream, source_id=source_id, status=status, run_id=run_id, limit=limit
    )
    if as_json:
        emit_json(rows)
        return
    table(
        "audit",
        ("id", "run", "stream", "source id", "source ts", "extracted", "delivered", "status", "error"),
        [
            (
                r["id"],
                r["run_id"],
                r["stream"],
                r["source_id"],
                r["source_ts"],
                r["extracted_at"],
                r["delivered_at"],
                r["status"] + (f" (superseded by {r['superseded_by']})" if r.get("superseded_by") else ""),
                (r["error"] or "")[:80],
            )
            for r in rows
        ],
    )


@handle_errors
def parked(
    integration: str | None = typer.Option(None, "--integration"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List parked and failed records with the reason each one waits."""
    rows = load_app(config).store.parked.open(integration)
    if as_json:
        emit_json(rows)
        return
    table(
        f"parked ({len(rows)})",
        ("id", "integration", "stream", "source id", "status", "waiting for", "reason"),
        [
            (
                r["id"],
                r["integration"],
                r["stream"],
                r["source_id"],
                r["status"],
                f"{r['reference']} {r['ref_key']}" if r["reference"] else "",
                r["reason"],
            )
            for r in rows
        ],
    )


@handle_errors
def replay(
    parked_id: int | None = typer.Argument(None, help="Id from `ml-connector parked`."),
    all_parked: bool = typer.Option(False, "--parked", help="Re-check every parked record of the integration."),
    integration: str | None = typer.Option(None, "--integration", help="Needed with --parked."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Re-check parked records now and deliver those whose references exist. Exit 1 if some still wait.

    Examples: ml-connector replay 17    |    ml-connector replay --parked --integration syspro-looker
    """
    app = load_app(config)
    if parked_id is not None:
        row = app.store.parked.get(parked_id)
        if row is None:
            raise ConfigError(f"No parked record {parked_id}; `ml-connector parked` lists them.")
        report = replay_parked(app, row["integration"], [parked_id])
    elif all_parked and integration:
        report = replay_parked(app, integration)
    else:
        raise ConfigError("Give a parked record id, or --parked with --integration NAME.")
    if as_json:
        emit_json(report.as_dict())
    else:
        run_summary(report)
    if report.status != "succeeded":
        raise typer.Exit(1)
