"""`ml-connector tokens`: API tokens for scripts and Prometheus (sent as ``Authorization: Bearer <token>``).

The token is printed once; the store keeps only its SHA-256.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.auth import accounts
from ml_connector.auth.accounts import ROLES
from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table
from ml_connector.errors import ConfigError

app = typer.Typer(help="API tokens for scripts and Prometheus (Bearer), each with a role.", no_args_is_help=True)


@app.command("create")
@handle_errors
def create(
    role: str = typer.Option("viewer", "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str = typer.Option("script", "--name", help="What the token is for, e.g. prometheus."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a token and print it once. Example: ml-connector tokens create --role viewer --name prometheus"""
    runtime = load_app(config)
    token_id, token = accounts.create_token(runtime.store, name, role, runtime.clock.now())
    if as_json:
        emit_json({"id": token_id, "name": name, "role": role, "token": token})
        return
    console.print(f"Token {token_id} ({name}, {role}); shown once, keep it in your secret store:")
    console.print(token, markup=False, highlight=False)
    console.print("Use it as:  Authorization: Bearer <token>")


@app.command("list")
@handle_errors
def list_(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List tokens (id, name, first characters, role, last use); never the token."""
    rows = load_app(config).store.tokens.list()
    if as_json:
        emit_json(rows)
        return
    table(
        "API tokens",
        ("id", "name", "starts with", "role", "created by", "last used", "revoked"),
        [
            (r["id"], r["name"], r["prefix"], r["role"], r["created_by"], r["last_used_at"], r["revoked_at"])
            for r in rows
        ],
    )


@app.command("revoke")
@handle_errors
def revoke(token_id: int, config: Path | None = ConfigOption) -> None:
    """Revoke a token by id (see `tokens list`); it stops working at once."""
    runtime = load_app(config)
    now = runtime.clock.now()
    if not runtime.store.tokens.revoke(token_id, now):
        raise ConfigError(f"No active token {token_id}; `ml-connector tokens list` shows them.")
    runtime.store.actions.record(accounts.cli_actor(), "token_revoked", now, target=str(token_id))
    console.print(f"Revoked token {token_id}.")
