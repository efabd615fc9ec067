"""The admin pages: runs (+ Run now), audit search, parked records (+ Replay), connections (+ Ping).

Every POST answers with a redirect to a page that shows the outcome as a notice (post/redirect/get), and
refuses requests whose Origin is another site (a page elsewhere must not start runs here).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ml_connector.errors import LeaseHeldError, MlConnectorError
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.runtime.service import check_integration, replay_parked
from ml_connector.runtime.status import instance_status
from ml_connector.web.jobs import Notice
from ml_connector.web.state import Web, WebState
from ml_connector.web.views import AUDIT_FILTERS, audit_rows, connection_rows, parked_rows, runs_overview

router = APIRouter()


def same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "Cross-site form posts are refused; use the page on this server.")


def _after_post(web: WebState, path: str, notice: Notice) -> RedirectResponse:
    notice_id = web.notices.add(notice)
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}notice={notice_id}", status_code=303)


def _known(integration: str) -> None:
    if integration not in INTEGRATIONS:
        raise HTTPException(404, f"No integration called {integration!r}. Known: {', '.join(INTEGRATIONS)}.")


@router.get("/", response_class=HTMLResponse)
def runs_page(web: Web, notice: int | None = None) -> HTMLResponse:
    overview = runs_overview(web.app)
    schedules = {row["integration"]: row for row in instance_status(web.app)}
    for card in overview:
        card["schedule"] = schedules.get(card["name"])
        card["busy"] = web.launcher.running(card["name"])
        card["outcome"] = web.launcher.last_outcome.get(card["name"])
    return web.page("runs.html", "runs", integrations=overview, notice=web.notices.get(notice))


@router.post("/runs/{integration}/start", dependencies=[Depends(same_origin)])
def run_now(web: Web, integration: str) -> RedirectResponse:
    _known(integration)
    return _after_post(web, "/", web.launcher.start(integration))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(web: Web, request: Request, limit: int = 100) -> HTMLResponse:
    filters = {k: (request.query_params.get(k) or "").strip() for k in AUDIT_FILTERS}
    rows = audit_rows(web.app, filters, limit=max(1, min(limit, 1000)))
    return web.page("audit.html", "audit", rows=rows, filters=filters, limit=limit)


@router.get("/parked", response_class=HTMLResponse)
def parked_page(web: Web, integration: str | None = None, notice: int | None = None) -> HTMLResponse:
    rows = parked_rows(web.app, integration)
    return web.page("parked.html", "parked", rows=rows, integration=integration or "", notice=web.notices.get(notice))


@router.post("/parked/{parked_id}/replay", dependencies=[Depends(same_origin)])
def replay(web: Web, parked_id: int) -> RedirectResponse:
    row = web.app.store.parked.get(parked_id)
    if row is None:
        raise HTTPException(404, f"No parked record {parked_id}; the parked page lists the open ones.")
    label = f"parked record {parked_id} ({row['stream']} {row['source_id']})"
    try:
        report = replay_parked(web.app, row["integration"], [parked_id])
    except LeaseHeldError as exc:
        return _after_post(web, "/parked", Notice("warn", f"Could not replay {label} now.", [("warn", str(exc))]))
    except MlConnectorError as exc:
        return _after_post(web, "/parked", Notice("bad", f"Replay of {label} failed.", [("bad", str(exc))]))
    after = web.app.store.parked.get(parked_id) or {}
    if after.get("status") == "released":
        notice = Notice("ok", f"Released {label}: delivered in run {report.run_id}.")
    else:
        notice = Notice(
            "warn", f"{label} is still {after.get('status', 'open')} (run {report.run_id}, {report.status})."
        )
        if report.error:
            notice.lines.append(("warn", report.error))
    return _after_post(web, "/parked", notice)


@router.get("/connections", response_class=HTMLResponse)
def connections_page(web: Web, notice: int | None = None) -> HTMLResponse:
    return web.page(
        "connections.html",
        "connections",
        connections=connection_rows(web.app),
        integrations=list(INTEGRATIONS),
        notice=web.notices.get(notice),
    )


@router.post("/connections/ping/{integration}", dependencies=[Depends(same_origin)])
def ping(web: Web, integration: str) -> RedirectResponse:
    _known(integration)
    try:
        results = check_integration(web.app, integration)
    except MlConnectorError as exc:
        return _after_post(web, "/connections", Notice("bad", f"Could not check {integration}.", [("bad", str(exc))]))
    failed = [r for r in results if not r.ok]
    notice = Notice(
        "bad" if failed else "ok",
        f"{integration}: {len(results) - len(failed)} of {len(results)} checks passed.",
        [("ok" if r.ok else "bad", f"{r.system} · {r.what}" + (f" — {r.detail}" if r.detail else "")) for r in results],
    )
    return _after_post(web, "/connections", notice)
