"""Clients built from stored connections, shared by every integration that talks to the same system."""

from __future__ import annotations

from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.looker.client import LookerClient
from ml_connector.connectors.schema import flag
from ml_connector.connectors.syspro.odata.client import SysproODataClient, SysproODataSettings


def syspro_client(app: App, connection: str, **http: Any) -> SysproODataClient:
    stored = app.connections.get(connection)
    s = stored.settings
    settings = SysproODataSettings(
        base_url=s["base_url"],
        company=s.get("company", "A"),
        company_style=s.get("company_style", "path"),
        page_cap=int(s.get("page_cap", 5000)),
        date_literal=s.get("date_literal", "datetimeoffset"),
        verify_tls=flag(s, "verify_tls"),
    )
    return SysproODataClient(settings, s["operator"], stored.secret("password"), **http)


def looker_client(app: App, connection: str) -> LookerClient:
    stored = app.connections.get(connection)
    return LookerClient(
        stored.settings["base_url"],
        stored.settings["client_id"],
        stored.secret("client_secret"),
        verify=flag(stored.settings, "verify_tls"),
        clock=app.clock,
    )
