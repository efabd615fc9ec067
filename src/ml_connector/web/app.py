"""The web application: admin pages, JSON API, health, metrics and webhook ingest over one App."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError
from ml_connector.runtime.service import run_integration
from ml_connector.secrets.secret import REDACTOR
from ml_connector.web import api, pages
from ml_connector.web.hooks import mount_webhooks
from ml_connector.web.jobs import Notice, Notices, RunLauncher
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
    web.add_exception_handler(MlConnectorError, _explain)  # type: ignore[arg-type]
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    web.include_router(pages.router)
    web.include_router(api.router)
    web.state.webhooks = mount_webhooks(web, app)
    return web


def _explain(request: Request, exc: MlConnectorError) -> Response:
    """Our errors (a stored secret that no key decrypts, a store that went away) as a clear page or JSON."""
    message = REDACTOR.scrub(str(exc))
    status = 503 if exc.exit_code == 3 else 500
    if request.url.path.startswith(("/api/", "/hooks/")):
        return JSONResponse({"error": message}, status_code=status)
    web: WebState = request.app.state.web
    return web.page("base.html", "", status_code=status, notice=Notice("bad", type(exc).__name__, [("bad", message)]))
