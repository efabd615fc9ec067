"""What every web route needs, kept on ``FastAPI.state.web``: the App, templates, notices, the run launcher,
the ``[web]`` settings, the allowed Host names and the cookie signing key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from prometheus_client import CollectorRegistry

from ml_connector.bootstrap import App
from ml_connector.web.config import WebConfig, webhook_limit
from ml_connector.web.jobs import Notices, RunLauncher
from ml_connector.web.pings import Pings
from ml_connector.web.principal import CURRENT

# (key, href, label, role needed to see the link)
NAV = (
    ("runs", "/", "Runs", "viewer"),
    ("audit", "/audit", "Audit", "viewer"),
    ("parked", "/parked", "Parked", "viewer"),
    ("connections", "/connections", "Connections", "viewer"),
    ("users", "/admin/users", "Users", "admin"),
    ("actions", "/admin/actions", "Actions", "admin"),
)


@dataclass
class WebState:
    app: App
    templates: Environment
    notices: Notices
    launcher: RunLauncher
    metrics: CollectorRegistry
    config: WebConfig = field(default_factory=WebConfig)
    hosts: frozenset[str] = frozenset()
    cookie_key: bytes = b""
    oidc: Any = None  # ml_connector.web.oidc.OidcClient when [web] oidc_connection is set
    pings: Pings = field(default_factory=Pings)

    def page(self, template: str, active: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        me = CURRENT.get()
        nav = [(key, href, label) for key, href, label, role in NAV if me is not None and me.can(role)]
        html = self.templates.get_template(template).render(
            nav=nav, active=active, now=self.app.clock.now(), me=me, csrf=me.csrf if me else "", **context
        )
        return HTMLResponse(html, status_code=status_code)

    def webhook_limit(self, integration: str) -> int:
        return webhook_limit(self.app.settings, self.config, integration)


def web_state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


Web = Annotated[WebState, Depends(web_state)]
