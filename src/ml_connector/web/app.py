"""The web application: admin pages, JSON API, health, metrics and webhook ingest over one App, behind the
guard (:mod:`ml_connector.web.guard`): sign-in, roles, Host allowlist, Origin + CSRF, security headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError
from ml_connector.runtime.service import run_integration
from ml_connector.secrets.secret import REDACTOR
from ml_connector.web import api, pages, signin
from ml_connector.web.config import web_config
from ml_connector.web.guard import Guard
from ml_connector.web.hooks import mount_webhooks
from ml_connector.web.jobs import Notice, Notices, RunLauncher
from ml_connector.web.metrics import metrics_registry
from ml_connector.web.oidc import oidc_client
from ml_connector.web.principal import authorize, requires
from ml_connector.web.rendering import build_environment
from ml_connector.web.state import WebState

STATIC = Path(__file__).parent / "static"


def create_web_app(app: App, *, run: Callable[[App, str], Any] | None = None, bound_host: str | None = None) -> FastAPI:
    """Build the FastAPI app over ``app`` (its store, keys and clock).

    Args:
        app: the composition root (see :func:`ml_connector.bootstrap.bootstrap`).
        run: how "Run now" runs an integration; :func:`run_integration` unless a test swaps it.
        bound_host: the address ``serve`` listens on; allowed as a Host name besides localhost/127.0.0.1.
    """
    config = web_config(app.settings)
    docs = "/api/docs" if config.api_docs else None
    web = FastAPI(
        title="ml-connector",
        docs_url=docs,
        redoc_url=None,
        openapi_url="/api/openapi.json" if docs else None,
        dependencies=[Depends(authorize)],  # every route, including those added later: its declared role
    )
    web.state.web = WebState(
        app=app,
        templates=build_environment(app.clock.now),
        notices=Notices(),
        launcher=RunLauncher(app, run or (lambda a, name: run_integration(a, name))),
        metrics=metrics_registry(app),
        config=config,
        hosts=config.hosts(bound_host),
        cookie_key=app.keys.derive("web-session-cookie"),
        oidc=oidc_client(app, config),
    )
    web.add_exception_handler(MlConnectorError, _explain)  # type: ignore[arg-type]
    web.add_exception_handler(StarletteHTTPException, _refused)  # type: ignore[arg-type]
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (signin.router, pages.router, api.router):
        web.include_router(router)
    if web.state.web.oidc is not None:
        from ml_connector.web.oidc import router as oidc_router

        web.include_router(oidc_router)
    for route in web.router.routes:  # FastAPI's own /api/docs and /api/openapi.json: for viewers
        if getattr(route, "path", "").startswith("/api/docs") or getattr(route, "path", "") == "/api/openapi.json":
            requires("viewer")(route.endpoint)  # type: ignore[attr-defined]
    web.state.webhooks = mount_webhooks(web, app)
    web.add_middleware(Guard, web=web)
    return web


async def _refused(request: Request, exc: StarletteHTTPException) -> Response:
    """403, 404 ... as a page for people (JSON for /api, /metrics and webhooks, as before)."""
    path = request.url.path
    if path.startswith(("/api/", "/hooks/")) or path == "/metrics":
        return await http_exception_handler(request, exc)
    web: WebState = request.app.state.web
    return web.page("base.html", "", status_code=exc.status_code, notice=Notice("bad", str(exc.detail)))


def _explain(request: Request, exc: MlConnectorError) -> Response:
    """Our errors (a stored secret that no key decrypts, a store that went away) as a clear page or JSON."""
    message = REDACTOR.scrub(str(exc))
    status = 503 if exc.exit_code == 3 else 500
    if request.url.path.startswith(("/api/", "/hooks/")):
        return JSONResponse({"error": message}, status_code=status)
    web: WebState = request.app.state.web
    return web.page("base.html", "", status_code=status, notice=Notice("bad", type(exc).__name__, [("bad", message)]))
