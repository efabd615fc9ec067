"""`ml-connector runs` (recent runs: trigger, status, duration, counts) and `ml-connector status` (per
integration instance: schedule, next run, last success, open parked records, overdue)."""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import emit_json, table
from ml_connector.runtime.status import instance_status, recent_runs


@handle_errors
def runs(
    integration: str | None = typer.Option(None, "--integration", "-i", help="e.g. syspro-looker@plant-a"),
    limit: int = typer.Option(20, "--limit"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Recent runs, newest first: trigger (schedule, catch-up, retry, webhook, manual), status, duration
    and record counts.

    Examples:

        ml-connector runs --integration syspro-looker@plant-a

        ml-connector runs --json | jq '.[] | select(.status != "succeeded")'
    """
    rows = recent_runs(load_app(config), integration, limit)
    if as_json:
        emit_json(rows)
        return
    table(
        "runs",
        ("run", "integration", "trigger", "status", "started (UTC)", "secs", "read", "loaded", "parked", "failed"),
        [
            (
                r["run_id"],
                r["integration"],
                r["trigger"],
                r["status"],
                r["started_at"][:19].replace("T", " "),
                "" if r["duration_s"] is None else f"{r['duration_s']:.1f}",
                r["read"],
                r["loaded"],
                r["parked"],
                r["failed"],
            )
            for r in rows
        ],
    )


@handle_errors
def status(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Per integration instance: its schedule, next run (local time), last success, open parked records,
    and whether it is overdue (no success for [schedule] overdue_after of its slots). Exit 1 if any is
    overdue, so a monitoring check can call it."""
    rows = instance_status(load_app(config))
    if as_json:
        emit_json(rows)
    else:
        table(
            "status",
            ("integration", "next run", "last success (UTC)", "parked", "running", "overdue", "schedule"),
            [
                (
                    r["integration"],
                    r["next_run_local"] or "not scheduled",
                    (r["last_success"] or "never")[:19].replace("T", " "),
                    r["open_parked"],
                    "yes" if r["running"] else "",
                    "OVERDUE" if r["overdue"] else "",
                    r["schedule"] or "",
                )
                for r in rows
            ],
        )
    if any(r["overdue"] for r in rows):
        raise typer.Exit(1)
