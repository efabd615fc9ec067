"""The admin pages: runs (+ Run now), audit search, parked records (+ Replay), connections (+ Ping), and for
admins the action log and the users and API tokens (read-only; `ml-connector users|tokens` manage them).

Every POST answers with a redirect to a page that shows the outcome as a notice (post/redirect/get) and is
written to the action log. Sign-in, roles, Origin and CSRF checks happen before any route runs
(:mod:`ml_connector.web.guard`); each route declares the role it needs with ``@requires``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ml_connector.cli.audit import parse_time
from ml_connector.engine.service import check_integration, replay_parked
from ml_connector.errors import ConfigError, LeaseHeldError, MlConnectorError
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.store.ledger_search import STATUSES
from ml_connector.web.jobs import Notice
from ml_connector.web.principal import CURRENT, client_address, requires
from ml_connector.web.state import Web, WebState
from ml_connector.web.views import AUDIT_FILTERS, audit_rows, connection_rows, parked_rows, plain, runs_overview

router = APIRouter()


@dataclass(frozen=True)
class Action:
    """What the action log records for a POST: the request (address), the action and its target."""

    request: Request
    action: str
    target: str


def _after_post(web: WebState, path: str, notice: Notice, done: Action) -> RedirectResponse:
    """Log the action (who, from where, how it ended), keep the notice and redirect to the page showing it."""
    me = CURRENT.get()
    request, action, target = done.request, done.action, done.target
    outcome = {"ok": "ok", "info": "ok", "warn": "warn"}.get(notice.tone, "failed")
    web.app.store.actions.record(
        me.name if me else "anonymous",
        action,
        web.app.clock.now(),
        target=target,
        outcome=outcome,
        address=client_address(request.scope),
        detail=notice.title,
    )
    notice_id = web.notices.add(notice, me.name if me else "")
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}notice={notice_id}", status_code=303)


def _me() -> str:
    me = CURRENT.get()
    return me.name if me else ""


def _known(integration: str) -> None:
    if integration not in INTEGRATIONS:
        raise HTTPException(404, f"No integration called {integration!r}. Known: {', '.join(INTEGRATIONS)}.")


@router.get("/", response_class=HTMLResponse)
@requires("viewer")
def runs_page(web: Web, notice: int | None = None) -> HTMLResponse:
    overview = runs_overview(web.app)
    for card in overview:
        card["busy"] = web.launcher.running(card["name"])
        card["outcome"] = web.launcher.last_outcome.get(card["name"])
    return web.page("runs.html", "runs", integrations=overview, notice=web.notices.get(notice, _me()))


@router.post("/runs/{integration}/start")
@requires("operator")
def run_now(web: Web, request: Request, integration: str) -> RedirectResponse:
    _known(integration)
    notice = web.launcher.start(integration)
    return _after_post(web, "/", notice, Action(request, "run_now", integration))


@router.get("/audit", response_class=HTMLResponse)
@requires("viewer")
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
@requires("viewer")
def parked_page(web: Web, integration: str | None = None, notice: int | None = None) -> HTMLResponse:
    rows = parked_rows(web.app, integration)
    return web.page(
        "parked.html", "parked", rows=rows, integration=integration or "", notice=web.notices.get(notice, _me())
    )


@router.post("/parked/{parked_id}/replay")
@requires("operator")
def replay(web: Web, request: Request, parked_id: int) -> RedirectResponse:
    row = web.app.store.parked.get(parked_id)
    if row is None:
        raise HTTPException(404, f"No parked record {parked_id}; the parked page lists the open ones.")
    label = f"parked record {parked_id} ({row['stream']} {row['source_id']})"
    logged = Action(request, "replay", f"{row['integration']} {label}")
    try:
        report = replay_parked(web.app, row["integration"], [parked_id])
    except LeaseHeldError as exc:
        notice = Notice("warn", f"Could not replay {label} now.", [("warn", str(exc))])
        return _after_post(web, "/parked", notice, logged)
    except MlConnectorError as exc:
        return _after_post(web, "/parked", Notice("bad", f"Replay of {label} failed.", [("bad", str(exc))]), logged)
    after = web.app.store.parked.get(parked_id) or {}
    if after.get("status") == "released":
        notice = Notice("ok", f"Released {label}: delivered in run {report.run_id}.")
    else:
        notice = Notice(
            "warn", f"{label} is still {after.get('status', 'open')} (run {report.run_id}, {report.status})."
        )
        if report.error:
            notice.lines.append(("warn", report.error))
    return _after_post(web, "/parked", notice, logged)


@router.get("/connections", response_class=HTMLResponse)
@requires("viewer")
def connections_page(web: Web, notice: int | None = None) -> HTMLResponse:
    return web.page(
        "connections.html",
        "connections",
        connections=connection_rows(web.app),
        integrations=list(INTEGRATIONS),
        notice=web.notices.get(notice, _me()),
        pings_running=web.pings.running(),
        ping_results=web.pings.results,
    )


@router.post("/connections/ping/{integration}")
@requires("operator")
def ping(web: Web, request: Request, integration: str) -> RedirectResponse:
    """Starts `check` in the background and returns at once; the page shows the result when it is there."""
    _known(integration)
    notice = web.pings.start(web.app, integration, check_integration)
    return _after_post(web, "/connections", notice, Action(request, "ping", integration))


@router.post("/parked/replay/{integration}")
@requires("operator")
def replay_all(web: Web, request: Request, integration: str) -> RedirectResponse:
    """Bulk replay: re-check every open parked (and failed) record of one integration now."""
    _known(integration)
    where, logged = f"/parked?integration={integration}", Action(request, "replay_all", integration)
    try:
        report = replay_parked(web.app, integration)
    except LeaseHeldError as exc:
        notice = Notice("warn", f"Could not replay {integration} now.", [("warn", str(exc))])
        return _after_post(web, where, notice, logged)
    except MlConnectorError as exc:
        notice = Notice("bad", f"Replay of {integration} failed.", [("bad", str(exc))])
        return _after_post(web, where, notice, logged)
    released = sum(t.released + t.loaded for t in report.streams)
    still = len(web.app.store.parked.open(integration))
    notice = Notice("ok" if not still else "warn", f"{integration}: {released} released, {still} still open "
                    f"(run {report.run_id}).")  # fmt: skip
    return _after_post(web, where, notice, logged)


# --- admin: the action log, users and API tokens (read-only; the CLI manages them) ---


@router.get("/admin/actions", response_class=HTMLResponse)
@requires("admin")
def actions_page(web: Web, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> HTMLResponse:
    return web.page("actions.html", "actions", rows=web.app.store.actions.recent(limit))


@router.get("/api/actions")
@requires("admin")
def api_actions(web: Web, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    return plain(web.app.store.actions.recent(limit))


@router.get("/admin/users", response_class=HTMLResponse)
@requires("admin")
def users_page(web: Web) -> HTMLResponse:
    oidc = web.oidc.describe() if web.oidc is not None else None
    return web.page(
        "users.html", "users", users=web.app.store.users.list(), tokens=web.app.store.tokens.list(), oidc=oidc
    )


@router.get("/api/users")
@requires("admin")
def api_users(web: Web) -> Any:
    return plain({"users": web.app.store.users.list(), "tokens": web.app.store.tokens.list()})
