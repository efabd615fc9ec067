"""Shared CLI plumbing: loading the app from --config, and turning our errors into exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from ml_connector.bootstrap import App, bootstrap
from ml_connector.cli.output import errors
from ml_connector.errors import MlConnectorError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.settings import load_settings

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = typer.Option(None, "--config", "-c", help="Config file (default: ./ml-connector.toml).")
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")

EXIT_CODES = """Exit codes: 0 done; 1 a run finished partially or records failed; 2 configuration error;
3 a remote system refused or failed; 4 integrity error; 5 another run holds the lease."""


def load_app(config: Path | None, *, create_keys: bool = False) -> App:
    return bootstrap(load_settings(config), create_keys=create_keys)


def log_action(runtime: App, action: str, target: str | None, detail: str | None = None) -> None:
    """Write a change made from the command line to the action log (who: ``cli:<login>``)."""
    from ml_connector.auth.accounts import cli_actor

    runtime.store.actions.record(cli_actor(), action, runtime.clock.now(), target=target, detail=detail)


def handle_errors(func: F) -> F:
    """Print our errors as one clear, scrubbed line on stderr and exit with their code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MlConnectorError as exc:
            errors.print(f"[red]error:[/red] {REDACTOR.scrub(str(exc))}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
