"""Who is asking (a signed-in user or an API token) and what role each route needs.

Every route is protected: a route that declares nothing needs ``admin``. Declare the role with
:func:`requires` under the route decorator::

    @router.get("/scheduler")
    @requires("viewer")
    def scheduler_page(web: Web) -> HTMLResponse: ...

Only the paths in :data:`PUBLIC_PREFIXES` / :data:`PUBLIC_PATHS` answer without sign-in (see docs/SECURITY.md).
:func:`authorize` checks the declared role as a dependency of the whole FastAPI app: it runs for every route,
including routes other modules add later, after routing and before the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Scope

from ml_connector.auth.accounts import allows, check_role

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_ROLE = "admin"  # deny by default: a route that forgot to declare a role is for admins only
ROLE_ATTRIBUTE = "__ml_connector_role__"
# Answer without sign-in. Webhooks keep their own verification (signature / shared secret).
PUBLIC_PATHS = frozenset({"/healthz", "/signin", "/auth/oidc/start", "/auth/oidc/callback"})
PUBLIC_PREFIXES = ("/hooks/", "/static/")


@dataclass(frozen=True)
class Principal:
    name: str  # user name, or "token:<name>"
    role: str
    via: str  # session | token
    csrf: str = ""
    must_change: bool = False

    def can(self, role: str) -> bool:
        return allows(self.role, role)


CURRENT: ContextVar[Principal | None] = ContextVar("ml_connector_principal", default=None)


def requires(role: str) -> Callable[[F], F]:
    """Declare the role a route needs (viewer, operator or admin)."""
    check_role(role)

    def mark(endpoint: F) -> F:
        setattr(endpoint, ROLE_ATTRIBUTE, role)
        return endpoint

    return mark


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def declared_role(endpoint: Any) -> str:
    """The role ``endpoint`` declared with :func:`requires`, else :data:`DEFAULT_ROLE`."""
    return str(getattr(endpoint, ROLE_ATTRIBUTE, DEFAULT_ROLE))


def undeclared(routes: list[Any]) -> list[str]:
    """Paths of routes that declare no role and are not public (a test keeps this list empty)."""
    out = []
    for route in routes:
        path = getattr(route, "path", "")
        if isinstance(route, Route) and not is_public(path) and not hasattr(route.endpoint, ROLE_ATTRIBUTE):
            out.append(path)
    return out


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


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
