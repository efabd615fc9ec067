"""`ml-connector serve`: the web UI, JSON API, metrics and webhook endpoints, served by uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, handle_errors, load_app
from ml_connector.cli.output import console
from ml_connector.secrets.secret import REDACTOR


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


@handle_errors
def serve(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Interface to listen on. The UI has no login: keep it "
        "on 127.0.0.1 or put it behind a proxy that authenticates.",
    ),
    port: int = typer.Option(8080, "--port"),
    config: Path | None = ConfigOption,
) -> None:
    """Serve the web UI (runs, audit, parked + replay, connections + ping), /api/*, /healthz, /metrics and
    webhook ingest at /hooks/<integration>.

    Example: ml-connector serve --port 8080 -c ml-connector.toml
    """
    import uvicorn

    from ml_connector.web.app import create_web_app

    web = create_web_app(load_app(config))
    console.print(f"ml-connector web UI on http://{host}:{port} (Ctrl-C to stop)")
    config_ = uvicorn.Config(web, host=host, port=port, log_level="info", lifespan="off")
    server = uvicorn.Server(config_)
    install_log_redaction()
    server.run()
