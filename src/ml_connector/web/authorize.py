"""The role check, as a dependency of the whole FastAPI app: it runs for every route, including routes that
other modules add later, after routing and before the endpoint. Undeclared routes need ``admin``."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ml_connector.web.principal import CURRENT, declared_role, is_public
from ml_connector.web.sessions import client_address

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def authorize(request: Request) -> None:
    path = request.url.path
    web = request.app.state.web
    if is_public(path) or (path == "/metrics" and web.config.metrics_public):
        return
    route = request.scope.get("route")
    needed = declared_role(getattr(route, "endpoint", None))
    me = CURRENT.get()
    if me is not None and me.can(needed):
        return
    held = me.role if me is not None else "nobody"
    if request.method not in SAFE_METHODS:
        await run_in_threadpool(
            web.app.store.actions.record,
            me.name if me else "anonymous",
            "request_refused",
            web.app.clock.now(),
            target=f"{request.method} {path}",
            outcome="refused",
            address=client_address(request.scope),
            detail=f"needs {needed}, has {held}",
        )
    raise HTTPException(403, f"This needs the {needed} role; you are signed in as {held}.")
