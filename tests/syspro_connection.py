"""Test helper: register a served SYSPRO OData emulator as the app's `syspro-odata` connection."""

from __future__ import annotations

from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.systems import store_connection


def add_syspro_odata(app: App, syspro: Any) -> None:
    """Store the connection the way `connections add` does (schema-checked; the password goes in encrypted)."""
    cred = syspro.app.state.credentials
    store_connection(
        app.connections,
        "syspro-odata",
        "syspro-odata",
        {
            "base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData",
            "company": cred["company"],
            "operator": cred["operator"],
        },
        {"password": cred["password"]},
        app.clock.now(),
        replace=True,
    )
