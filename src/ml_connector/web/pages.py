"""The admin pages: runs (+ Run now), audit search, parked records (+ Replay), connections (+ Ping).

Every POST answers with a redirect to a page that shows the outcome as a notice (post/redirect/get), and
refuses requests whose Origin is another site (a page elsewhere must not start runs here).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ml_connector.cli.audit import parse_time
from ml_connector.engine.service import check_integration, replay_parked
from ml_connector.errors import ConfigError, LeaseHeldError, MlConnectorError
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.store.ledger_search import STATUSES
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
    for card in overview:
        card["busy"] = web.launcher.running(card["name"])
        card["outcome"] = web.launcher.last_outcome.get(card["name"])
    return web.page("runs.html", "runs", integrations=overview, notice=web.notices.get(notice))


@router.post("/runs/{integration}/start", dependencies=[Depends(same_origin)])
def run_now(web: Web, integration: str) -> RedirectResponse:
    _known(integration)
    return _after_post(web, "/", web.launcher.start(integration))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(web: Web, request: Request, limit: int = 100, before: int | None = None) -> HTMLResponse:
    """Filters, a time range (extracted at, UTC unless an offset is given) and paging to older rows."""
    filters = {k: (request.query_params.get(k) or "").strip() for k in (*AUDIT_FILTERS, "since", "until")}
    limit = max(1, min(limit, 1000))
    try:
        since, until = (parse_time(filters[k], k) for k in ("since", "until"))
    except ConfigError as exc:
        return web.page("audit.html", "audit", 400, rows=[], filters=filters, limit=limit, statuses=STATUSES,
                        error=str(exc), older=None, query="")  # fmt: skip
    rows = audit_rows(web.app, filters, limit=limit, since=since, until=until, before_id=before)
    query = urlencode({k: v for k, v in filters.items() if v} | {"limit": limit})
    older = rows[-1]["id"] if len(rows) == limit else None
    return web.page("audit.html", "audit", rows=rows, filters=filters, limit=limit, statuses=STATUSES,
                    older=older, query=query, paged=before is not None, error=None)  # fmt: skip


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
        pings_running=web.pings.running(),
        ping_results=web.pings.results,
    )


@router.post("/connections/ping/{integration}", dependencies=[Depends(same_origin)])
def ping(web: Web, integration: str) -> RedirectResponse:
    """Starts `check` in the background and returns at once; the page shows the result when it is there."""
    _known(integration)
    return _after_post(web, "/connections", web.pings.start(web.app, integration, check_integration))


@router.post("/parked/replay/{integration}", dependencies=[Depends(same_origin)])
def replay_all(web: Web, integration: str) -> RedirectResponse:
    """Bulk replay: re-check every open parked (and failed) record of one integration now."""
    _known(integration)
    where = f"/parked?integration={integration}"
    try:
        report = replay_parked(web.app, integration)
    except LeaseHeldError as exc:
        return _after_post(web, where, Notice("warn", f"Could not replay {integration} now.", [("warn", str(exc))]))
    except MlConnectorError as exc:
        return _after_post(web, where, Notice("bad", f"Replay of {integration} failed.", [("bad", str(exc))]))
    released = sum(t.released + t.loaded for t in report.streams)
    still = len(web.app.store.parked.open(integration))
    tone = "ok" if not still else "warn"
    notice = Notice(tone, f"{integration}: {released} released, {still} still open (run {report.run_id}).")
    return _after_post(web, where, notice)
