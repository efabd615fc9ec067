"""Admin pages: the action log (who did what) and the users and API tokens (read-only; the CLI manages
them: ``ml-connector users ...`` and ``ml-connector tokens ...``), plus their JSON mirrors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from ml_connector.web.principal import requires
from ml_connector.web.state import Web
from ml_connector.web.views import plain

router = APIRouter()


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
