"""What every web route needs, kept on ``FastAPI.state.web``: the App, templates, notices, the run launcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from prometheus_client import CollectorRegistry

from ml_connector.bootstrap import App
from ml_connector.web.jobs import Notices, RunLauncher
from ml_connector.web.pings import Pings

NAV = (
    ("runs", "/", "Runs"),
    ("audit", "/audit", "Audit"),
    ("parked", "/parked", "Parked"),
    ("connections", "/connections", "Connections"),
)


@dataclass
class WebState:
    app: App
    templates: Environment
    notices: Notices
    launcher: RunLauncher
    metrics: CollectorRegistry
    pings: Pings = field(default_factory=Pings)

    def page(self, template: str, active: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(nav=NAV, active=active, now=self.app.clock.now(), **context)
        return HTMLResponse(html, status_code=status_code)


def web_state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


Web = Annotated[WebState, Depends(web_state)]
