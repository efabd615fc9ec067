"""`ml-connector worker`: a Celery worker that runs integration instances published by
`ml-connector schedule --celery` (and webhook triggers), against the shared PostgreSQL store."""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, handle_errors, load_app
from ml_connector.runtime.config import runtime_config


@handle_errors
def worker(
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Runs at once in this worker (processes)."),
    name: str | None = typer.Option(None, "--name", help="Worker name (default celery@<host>)."),
    config: Path | None = ConfigOption,
) -> None:
    """Start a Celery worker (broker from [runtime] broker_url; use a PostgreSQL store).

    Tasks are acknowledged after the run, so a worker killed mid-run has its run retried once by another
    worker, which takes the lease over and resumes from the ledger without posting anything twice.

    Example (on each worker machine, same config and ML_CONNECTOR_KEYS):

        ml-connector worker -c /etc/ml-connector/ml-connector.toml --concurrency 2
    """
    from ml_connector.runtime.celery_app import make_celery, preload, use_config, worker_argv

    app = load_app(config)  # validates config, store and keys before any task arrives
    use_config(config)  # the pool processes load the same settings
    if app.settings.store_url.startswith("sqlite"):
        typer.echo("warning: a SQLite store is for one machine; use PostgreSQL for workers on several.", err=True)
    preload()
    app.store.engine.dispose()  # no connection crosses the fork into the pool processes
    celery = make_celery(app.settings)
    celery.worker_main(argv=worker_argv(concurrency, runtime_config(app.settings).queue, name))
