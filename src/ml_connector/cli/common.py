"""Shared CLI plumbing: loading the app from --config, and turning our errors into exit codes."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import typer
from rich.markup import escape

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


VERBOSE = {"on": False}  # set by the global -v option


def handle_errors(func: F) -> F:
    """Print our errors as one clear, scrubbed line on stderr and exit with their code. Anything else is a bug:
    one line too, and the traceback only with -v."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MlConnectorError as exc:
            if VERBOSE["on"]:
                errors.print(REDACTOR.scrub("".join(traceback.format_exception(exc))), markup=False)
            errors.print(f"[red]error:[/red] {escape(REDACTOR.scrub(str(exc)))}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, click.exceptions.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if VERBOSE["on"]:
                raise
            first = REDACTOR.scrub(str(exc)).splitlines()[0] if str(exc) else ""
            errors.print(
                f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(first)} "
                "(run again with -v for the traceback, and please report it)",
                soft_wrap=True,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
