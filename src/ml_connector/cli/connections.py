"""`ml-connector connections`: add, list, remove, rotate-key. Secrets are prompted or read from env."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app, log_action
from ml_connector.cli.output import console, emit_json, table
from ml_connector.errors import ConfigError

app = typer.Typer(
    help="Manage stored connections. Secrets are encrypted at rest and never printed.", no_args_is_help=True
)

SECRET_FIELDS = {
    "syspro-odata": ("password",),
    "looker": ("client_secret",),
    "syspro-enet": ("operator_password", "company_password"),
    "commerce": ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    "sterling": ("password",),
    "warehouse": ("password",),
    "pipedrive": ("api_token",),
    "pipedrive-oauth": ("client_secret", "refresh_token"),
    "oidc": ("client_secret",),  # single sign-on for the web console: [web] oidc_connection
}


@app.command("add")
@handle_errors
def add(
    name: str = typer.Argument(..., help="Connection name, e.g. syspro-odata."),
    system: str = typer.Option(..., "--system", help=f"One of: {', '.join(SECRET_FIELDS)}."),
    setting: list[str] = typer.Option([], "--set", help="Non-secret setting KEY=VALUE (repeatable)."),
    config: Path | None = ConfigOption,
) -> None:
    """Store a connection. Each secret field is read from ML_CONNECTOR_SECRET_<FIELD> or prompted (hidden).

    Example:

        ml-connector connections add syspro-odata --system syspro-odata \\
            --set base_url=https://erp.example.com/SYSPRO8OData/SYSPROOData --set company=A --set operator=ODATA
    """
    if system not in SECRET_FIELDS:
        raise ConfigError(f"Unknown system {system!r}; choose one of {', '.join(SECRET_FIELDS)}.")
    settings = {}
    for item in setting:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r} needs KEY=VALUE.")
        settings[key.strip()] = value
    secrets = {}
    for field in SECRET_FIELDS[system]:
        env = f"ML_CONNECTOR_SECRET_{field.upper()}"
        secrets[field] = os.environ.get(env) or typer.prompt(f"{field} for {name}", hide_input=True)
    runtime = load_app(config, create_keys=True)
    runtime.connections.put(name, system, settings, secrets, runtime.clock.now())
    log_action(runtime, "connection_stored", name, f"system {system}")
    console.print(f"Stored connection [bold]{name}[/bold] ({system}); secrets encrypted: {', '.join(secrets)}.")


@app.command("list")
@handle_errors
def list_(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List connections: names, systems, settings and which secrets are set (never their values)."""
    rows = load_app(config).connections.list()
    if as_json:
        emit_json(rows)
        return
    table(
        "connections",
        ("name", "system", "settings", "secrets set"),
        [(r["name"], r["system"], r["settings"], ", ".join(r["secrets"])) for r in rows],
    )


@app.command("remove")
@handle_errors
def remove(name: str, config: Path | None = ConfigOption) -> None:
    """Delete a stored connection."""
    runtime = load_app(config)
    if not runtime.connections.remove(name):
        raise ConfigError(f"No connection called {name!r}; `ml-connector connections list` shows them.")
    log_action(runtime, "connection_removed", name)
    console.print(f"Removed connection {name}.")


@app.command("rotate-key")
@handle_errors
def rotate_key(config: Path | None = ConfigOption) -> None:
    """Create a new encryption key, re-encrypt every stored secret with it, then retire the old keys."""
    runtime = load_app(config)
    if runtime.keys.path is None:
        raise ConfigError("Keys come from ML_CONNECTOR_KEYS: put a new key first in that list, then run this again.")
    ring = runtime.keys.with_new_key()
    count = runtime.connections.rotate(ring)
    ring.drop_old_keys()
    log_action(runtime, "key_rotated", None, f"{count} connection(s) re-encrypted")
    console.print(f"Rotated the key; re-encrypted {count} connection(s).")
