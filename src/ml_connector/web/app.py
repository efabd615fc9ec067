"""The web application: admin pages, JSON API, health, metrics and webhook ingest over one App."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ml_connector.bootstrap import App
from ml_connector.engine.service import run_integration
from ml_connector.web import api, pages
from ml_connector.web.hooks import mount_webhooks
from ml_connector.web.jobs import Notices, RunLauncher
from ml_connector.web.metrics import metrics_registry
from ml_connector.web.rendering import build_environment
from ml_connector.web.state import WebState

STATIC = Path(__file__).parent / "static"


def create_web_app(app: App, *, run: Callable[[App, str], Any] | None = None) -> FastAPI:
    """Build the FastAPI app over ``app`` (its store, keys and clock).

    Args:
        app: the composition root (see :func:`ml_connector.bootstrap.bootstrap`).
        run: how "Run now" runs an integration; :func:`run_integration` unless a test swaps it.
    """
    web = FastAPI(title="ml-connector", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    web.state.web = WebState(
        app=app,
        templates=build_environment(app.clock.now),
        notices=Notices(),
        launcher=RunLauncher(app, run or (lambda a, name: run_integration(a, name))),
        metrics=metrics_registry(app.store),
    )
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.include_router(pages.router)
    web.include_router(api.router)
    web.state.webhooks = mount_webhooks(web, app)
    return web
