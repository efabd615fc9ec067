"""JSON mirrors of the pages (/api/runs, /api/audit, /api/parked), /healthz (public) and /metrics (a viewer
token or session, unless [web] metrics_public = true)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from ml_connector.secrets.secret import REDACTOR
from ml_connector.web.metrics import render_metrics
from ml_connector.web.principal import requires
from ml_connector.web.state import Web
from ml_connector.web.views import audit_rows, parked_rows, plain, run_view

router = APIRouter()


@router.get("/api/runs")
@requires("viewer")
def api_runs(web: Web, integration: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> Any:
    rows = web.app.store.runs.recent(integration or None, limit=limit)
    return plain([run_view(r) | {"summary": r.get("summary")} for r in rows])


@router.get("/api/audit")
@requires("viewer")
def api_audit(
    web: Web,
    integration: str | None = None,
    stream: str | None = None,
    source_id: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    filters = {"integration": integration, "stream": stream, "source_id": source_id, "status": status, "run_id": run_id}
    return plain(audit_rows(web.app, filters, limit=limit))


@router.get("/api/parked")
@requires("viewer")
def api_parked(web: Web, integration: str | None = None) -> Any:
    return plain(parked_rows(web.app, integration))


@router.get("/healthz")
def healthz(web: Web) -> JSONResponse:
    try:
        with web.app.store.engine.connect() as db:
            db.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the store is "unhealthy", with the reason
        reason = REDACTOR.scrub(f"{type(exc).__name__}: {exc}")
        return JSONResponse({"status": "unavailable", "store": reason}, status_code=503)
    return JSONResponse({"status": "ok", "store": "reachable"})


@router.get("/metrics")
@requires("viewer")
def metrics(web: Web) -> Response:
    return Response(render_metrics(web.metrics), media_type=CONTENT_TYPE_LATEST)
