"""`ml-connector actions`: the action log (who ran, replayed, pinged, signed in or changed what, and when)."""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import emit_json, table


@handle_errors
def actions(
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="Newest first, this many."),
    actor: str | None = typer.Option(None, "--user", help="Only this user (or token:<name>, cli:<login>)."),
    action: str | None = typer.Option(None, "--action", help="Only this action, e.g. sign_in_failed, run_now."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Show the action log. Example: ml-connector actions --action sign_in_failed --json"""
    rows = load_app(config).store.actions.recent(limit, actor=actor, action=action)
    if as_json:
        emit_json(rows)
        return
    table(
        "actions",
        ("when (UTC)", "who", "address", "action", "target", "outcome", "detail"),
        [
            (
                f"{r['at']:%Y-%m-%d %H:%M:%S}",
                r["actor"],
                r["address"],
                r["action"],
                r["target"],
                r["outcome"],
                r["detail"],
            )
            for r in rows
        ],
    )
