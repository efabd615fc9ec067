"""`ml-connector serve`: the web UI, JSON API, metrics and webhook endpoints, served by uvicorn."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import typer

from ml_connector.bootstrap import App
from ml_connector.cli.common import ConfigOption, handle_errors, load_app
from ml_connector.cli.output import console
from ml_connector.errors import ConfigError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.web.config import web_config


class RedactingFilter(logging.Filter):
    """Scrubs secrets (and credential-looking query strings) from uvicorn's log lines, access log included."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = REDACTOR.scrub(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(REDACTOR.scrub(a) if isinstance(a, str) else a for a in args)
        return True


def install_log_redaction() -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_open_bind(app: App, host: str) -> None:
    """A console reachable from other machines must have sign-in: a user or single sign-on."""
    if is_loopback(host):
        return
    if app.store.users.count() == 0 and not web_config(app.settings).oidc_connection:
        raise ConfigError(
            f"Refusing to serve on {host}: nobody can sign in yet, so anyone who reaches it could. Create a user "
            "first (`ml-connector users add NAME --role admin`) or set [web] oidc_connection, or serve on 127.0.0.1."
        )


@handle_errors
def serve(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Interface to listen on. Any address but loopback needs sign-in configured (a user from "
        "`ml-connector users add`, or [web] oidc_connection); add the name people use to [web] allowed_hosts.",
    ),
    port: int = typer.Option(8080, "--port"),
    config: Path | None = ConfigOption,
) -> None:
    """Serve the web UI (runs, audit, parked + replay, connections + ping), /api/*, /healthz, /metrics and
    webhook ingest at /hooks/<integration>. Everything but /healthz and /hooks/* needs sign-in (a user,
    single sign-on, or an API token as 'Authorization: Bearer <token>').

    Example: ml-connector serve --port 8080 -c ml-connector.toml
    """
    import uvicorn

    from ml_connector.web.app import create_web_app

    app = load_app(config)
    refuse_open_bind(app, host)
    web = create_web_app(app, bound_host=host)
    if app.store.users.count() == 0 and web.state.web.oidc is None:
        console.print("No user can sign in yet: create one with `ml-connector users add NAME --role admin`.")
    console.print(f"ml-connector web UI on http://{host}:{port} (Ctrl-C to stop)")
    config_ = uvicorn.Config(web, host=host, port=port, log_level="info", lifespan="off")
    server = uvicorn.Server(config_)
    install_log_redaction()
    server.run()
