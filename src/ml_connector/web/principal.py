"""Who is asking (a signed-in user or an API token) and what role each route needs.

Every route is protected: a route that declares nothing needs ``admin``. Declare the role with
:func:`requires` under the route decorator::

    @router.get("/scheduler")
    @requires("viewer")
    def scheduler_page(web: Web) -> HTMLResponse: ...

Only the paths in :data:`PUBLIC_PREFIXES` / :data:`PUBLIC_PATHS` answer without sign-in (see docs/SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.routing import Route

from ml_connector.auth.roles import allows, check_role

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
