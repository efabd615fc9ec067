"""Test helper: register a served SYSPRO OData emulator as the app's `syspro-odata` connection."""

from __future__ import annotations

from typing import Any

from ml_connector.bootstrap import App


def add_syspro_odata(app: App, syspro: Any) -> None:
    """Store the connection with the credentials the emulator accepts (the password goes in encrypted)."""
    cred = syspro.app.state.credentials
    app.connections.put(
        "syspro-odata",
        "syspro-odata",
        {
            "base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData",
            "company": cred["company"],
            "operator": cred["operator"],
        },
        {"password": cred["password"]},
        app.clock.now(),
    )
