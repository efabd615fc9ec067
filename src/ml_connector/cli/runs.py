"""`ml-connector runs` (recent runs: trigger, status, duration, counts) and `ml-connector status` (per
integration instance: schedule, next run, last success, open parked records, overdue)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table
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
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_instance.setdefault(r["integration"], []).append(r)
    for name, runs_of in by_instance.items():  # one table per instance: fits an 80-column terminal
        table(
            name,
            ("run (started UTC)", "status\ntrigger", "secs", "loaded", "parked", "failed"),
            [
                (
                    r["run_id"],
                    f"{r['status']}\n{r['trigger']}",
                    "" if r["duration_s"] is None else f"{r['duration_s']:.1f}",
                    r["loaded"],
                    r["parked"],
                    r["failed"],
                )
                for r in runs_of
            ],
            numbers_from=2,
        )
    if not rows:
        console.print("No runs yet.")


@handle_errors
def status(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Per integration instance: its schedule, next run (local time), last success, open parked records,
    and its state: ok, running, overdue (no success for [schedule] overdue_after of its slots) or paused
    (its connection's login was refused lockout_warn_after times; the line under the table says the fix).
    Exit 1 if any is overdue or paused, so a monitoring check can call it."""
    rows = instance_status(load_app(config))
    if as_json:
        emit_json(rows)
    else:
        table(
            "status (schedules: ml-connector schedule --explain)",
            ("integration", "next run (local)", "last success UTC", "parked", "state"),
            [
                (
                    r["integration"],
                    r["next_run_local"][4:] if r["next_run_local"] else "not scheduled",
                    (r["last_success"] or "never")[5:16].replace("T", " ") if r["last_success"] else "never",
                    r["open_parked"],
                    r["state"].upper() if r["state"] in ("overdue", "paused") else r["state"],
                )
                for r in rows
            ],
        )
        for r in rows:
            if r["paused"]:
                paused = r["paused"]
                console.print(
                    f"{r['integration']} paused: {paused['reason']}; {paused['fix']}.", markup=False, soft_wrap=True
                )
    if any(r["overdue"] or r["paused"] for r in rows):
        raise typer.Exit(1)
