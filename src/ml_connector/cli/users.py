"""`ml-connector users`: the console's local users (add, list, remove, set-role, reset-password).

A password is read from ML_CONNECTOR_PASSWORD when set; otherwise a one-time password is generated and
printed once, and the user must choose their own at the first sign-in.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ml_connector.auth import accounts
from ml_connector.auth.accounts import ROLES, NewPassword
from ml_connector.bootstrap import App
from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table

app = typer.Typer(
    help="Manage who may sign in to the web console, and with which role (viewer, operator, admin).",
    no_args_is_help=True,
)
PASSWORD_ENV = "ML_CONNECTOR_PASSWORD"  # noqa: S105 - the variable's name
ADMIN_PASSWORD_ENV = "ML_CONNECTOR_ADMIN_PASSWORD"  # noqa: S105 - the variable's name
RoleOption = typer.Option("viewer", "--role", help=f"One of: {', '.join(ROLES)}.")


def show_password(new: NewPassword) -> None:
    if new.generated:
        console.print(f"One-time password for {new.username} (shown once; it must be changed at first sign-in):")
        console.print(new.password, markup=False, highlight=False)
    else:
        console.print(f"Password for {new.username} set from ${PASSWORD_ENV}.")


def show_first_admin(runtime: App) -> None:
    """``init`` and ``demo``: create the first admin of the web console when there is no user yet; its
    one-time password is printed once (or taken from ML_CONNECTOR_ADMIN_PASSWORD)."""
    new = accounts.first_admin(runtime.store, runtime.clock.now(), os.environ.get(ADMIN_PASSWORD_ENV))
    if new is None:
        return
    if new.generated:
        console.print(f"Web console user {new.username} (admin); one-time password, shown once, change it at sign-in:")
        console.print(new.password, markup=False, highlight=False)
    else:
        console.print(f"Web console user {new.username} (admin); password from ${ADMIN_PASSWORD_ENV}.")


@app.command("add")
@handle_errors
def add(username: str, role: str = RoleOption, config: Path | None = ConfigOption) -> None:
    """Add a user. Example: ml-connector users add maria --role operator"""
    runtime = load_app(config)
    new = accounts.add_user(runtime.store, username, role, runtime.clock.now(), os.environ.get(PASSWORD_ENV))
    console.print(f"Added {username} ({role}).")
    show_password(new)


@app.command("list")
@handle_errors
def list_(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List users with role, source (local or oidc), last sign-in and whether they are locked."""
    rows = load_app(config).store.users.list()
    if as_json:
        emit_json(rows)
        return
    table(
        "users",
        ("user", "role", "source", "last sign-in", "locked until", "failed"),
        [
            (r["username"], r["role"], r["source"], r["last_sign_in_at"], r["locked_until"], r["failed_count"])
            for r in rows
        ],
    )


@app.command("remove")
@handle_errors
def remove(username: str, config: Path | None = ConfigOption) -> None:
    """Remove a user; their sessions end at once."""
    runtime = load_app(config)
    accounts.remove_user(runtime.store, username, runtime.clock.now())
    console.print(f"Removed {username}.")


@app.command("set-role")
@handle_errors
def set_role(
    username: str,
    role: str = typer.Argument(..., help=f"One of: {', '.join(ROLES)}."),
    config: Path | None = ConfigOption,
) -> None:
    """Change a user's role. Example: ml-connector users set-role maria admin"""
    runtime = load_app(config)
    accounts.set_role(runtime.store, username, role, runtime.clock.now())
    console.print(f"{username} is now {role}.")


@app.command("reset-password")
@handle_errors
def reset_password(username: str, config: Path | None = ConfigOption) -> None:
    """New password (ML_CONNECTOR_PASSWORD or a printed one-time one); unlocks the account, ends its sessions."""
    runtime = load_app(config)
    show_password(accounts.reset_password(runtime.store, username, runtime.clock.now(), os.environ.get(PASSWORD_ENV)))
