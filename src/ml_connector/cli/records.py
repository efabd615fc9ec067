"""`ml-connector run [--dry-run] | check | parked | replay`: moving records and looking at what happened.

A dry run shows each document in full as it is found, then the counts; with --json, one report whose
``would`` list holds every item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ml_connector.bootstrap import App
from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import RichProgress, console, emit_json, run_summary, table
from ml_connector.engine.context import RunReport
from ml_connector.engine.dry_run import DryRunItem
from ml_connector.engine.service import check_integration, dry_run_integration, replay_parked, run_integration
from ml_connector.errors import ConfigError


@handle_errors
def run(
    integration: str = typer.Argument(..., help="e.g. syspro-looker"),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Ignore cursors and stored hashes; reload all."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Read and check everything, print what would be sent (e.net XML, X12, JSON) and what would park; "
        "write nothing: no target, no cursor, no control number, no store.",
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Run one integration now: read what changed, deliver it, record every record, move the cursor.

    Examples:

        ml-connector run syspro-looker

        ml-connector run syspro-looker --full-refresh --json | jq .streams

        ml-connector run commerce-syspro --dry-run     # "do we fit?": the documents, nothing sent
    """
    app = load_app(config)
    if dry_run:
        report = show_dry_run(app, integration, full_refresh=full_refresh, as_json=as_json)
    elif as_json:
        report = run_integration(app, integration, full_refresh=full_refresh, preflight=True)
        emit_json(report.as_dict())
    else:
        with RichProgress() as progress:
            app.progress = progress
            report = run_integration(app, integration, full_refresh=full_refresh, preflight=True)
        run_summary(report)
    if report.status != "succeeded":
        raise typer.Exit(report.exit_code)


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
    # Five columns so an 80-column terminal wraps the reason (never cuts it); the integration heads the
    # title when only one is shown.
    one = integration or (rows[0]["integration"] if rows and len({r["integration"] for r in rows}) == 1 else None)
    table(
        f"parked ({len(rows)})" + (f" · {one}" if one else ""),
        ("id", "stream", "source id", "status", "reason (waiting for)"),
        [
            (
                r["id"],
                r["stream"] if one else f"{r['integration']} {r['stream']}",
                r["source_id"],
                r["status"],
                r["reason"] + (f" (waits for {r['reference']} {r['ref_key']})" if r["reference"] else ""),
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
        raise typer.Exit(report.exit_code)


def show_dry_run(app: App, integration: str, *, full_refresh: bool, as_json: bool) -> RunReport:
    items: list[dict[str, Any]] = []

    def out(item: DryRunItem) -> None:
        if as_json:
            items.append(item.as_dict())
            return
        head = f"[bold]{item.outcome}[/bold] {escape(item.stream)} {escape(item.source_id)}"
        if item.rendering is not None:
            head += f"  ({escape(item.rendering.format)})"
        console.print(head)
        if item.reason:
            console.print(f"  {escape(item.reason)}", soft_wrap=True)
        if item.rendering is not None:
            console.print(escape(item.rendering.text), soft_wrap=True, highlight=False)

    report = dry_run_integration(app, integration, out, full_refresh=full_refresh)
    if as_json:
        emit_json({**report.as_dict(), "would": items})
    else:
        run_summary(report)
        console.print("Dry run: nothing was sent, no cursor moved, no control number used.")
    return report
