"""`ml-connector reconcile looker-qad` and `ml-connector webhook-secret looker-qad`: the commands of the
Looker -> QAD integration that other integrations do not have."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table
from ml_connector.errors import ConfigError, MlConnectorError


def _only_looker_qad(integration: str) -> None:
    if integration != "looker-qad":
        raise ConfigError(f"Only looker-qad has this command, not {integration!r}.")


@handle_errors
def reconcile(
    integration: str = typer.Argument(..., help="looker-qad, or an instance: looker-qad@emea"),
    period: str | None = typer.Option(None, "--period", help="One period, e.g. 2026-11 (default: each figure's rule)."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Compare, per figure, period, account and cost centre, what Looker computes now with what QAD holds
    under the line's reference. Exit 1 when anything differs (run `ml-connector run looker-qad` to post
    the differences, or look at `ml-connector parked --integration looker-qad` for why a line waits)."""
    from ml_connector.integrations.looker_qad.reconcile import normalise_period, reconcile
    from ml_connector.runtime.instances import instance_app, parse_instance

    inst = parse_instance(integration)
    _only_looker_qad(inst.integration)
    try:
        wanted = normalise_period(period) if period else None
    except ValueError as exc:
        raise ConfigError(f"--period: {exc}.") from None
    rows = reconcile(instance_app(load_app(config), inst), wanted)
    differing = [r for r in rows if r.differs]
    if as_json:
        emit_json({"rows": [r.as_json() for r in rows], "differences": len(differing)})
    else:
        table(
            f"reconcile {inst.key}{' ' + wanted if wanted else ''}",
            ("figure", "period", "account", "cost centre", "Looker", "QAD", "difference", "note"),
            [_cells(r) for r in rows],
        )
        console.print(f"{len(rows)} line(s), {len(differing)} differ.")
    if differing:
        raise typer.Exit(1)


def _cells(r: Any) -> tuple[str, ...]:
    looker = "?" if r.looker is None else str(r.looker)
    difference = "?" if r.difference is None else str(r.difference)
    return (r.figure, r.period, r.account, r.cost_centre, looker, str(r.qad), difference, r.note[:60])


@handle_errors
def webhook_secret(
    integration: str = typer.Argument(..., help="looker-qad"),
    rotate: bool = typer.Option(False, "--rotate", help="Make a new secret; the old one keeps working until --finish."),
    finish: bool = typer.Option(False, "--finish", help="End a rotation: only the newest secret is accepted."),
    base_url: str = typer.Option("https://<this-host>", "--base-url", help="Where `ml-connector serve` is reached."),
    config: Path | None = ConfigOption,
) -> None:
    """Create or rotate the secret in the Looker webhook URL (Looker signs nothing: the URL is the only
    credential, so keep it like a password). Prints the URL to paste into the scheduled plan once."""
    from ml_connector.integrations.looker_qad.webhook import SECRET_CONNECTION

    _only_looker_qad(integration)
    app = load_app(config, create_keys=True)
    try:
        current = app.connections.get(SECRET_CONNECTION).secrets
    except MlConnectorError:
        current = {}
    stored = {k: v.reveal() for k, v in current.items()}
    if finish:
        stored.pop("previous_secret", None)
        console.print("Rotation finished: only the newest secret is accepted.")
    elif rotate or not stored:
        if "secret" in stored:
            stored["previous_secret"] = stored["secret"]
        stored["secret"] = secrets.token_urlsafe(32)
        console.print(
            f"Webhook URL for the Looker scheduled plan (shown once):\n  {base_url}/hooks/looker-qad/{stored['secret']}"
        )
        if "previous_secret" in stored:
            console.print("The previous URL keeps working until `--finish`.")
    else:
        console.print("A secret exists; pass --rotate to make a new one (the URL is never shown again).")
        return
    app.connections.put(SECRET_CONNECTION, "looker-webhook", {}, stored, app.clock.now())
