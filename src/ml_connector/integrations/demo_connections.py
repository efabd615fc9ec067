"""Register a served emulator as a connection, the way `ml-connector connections add` does (schema-checked,
secrets encrypted): what every integration's demo, the bench and the tests share for the SYSPRO emulators."""

from __future__ import annotations

from typing import Any

from ml_connector.connectors.systems import store_connection


def connect_syspro_odata(app: Any, syspro: Any, name: str = "syspro-odata") -> None:
    """Store the SYSPRO OData emulator ``syspro`` (a ServedEmulator) as the connection ``name``."""
    cred = syspro.app.state.credentials
    store_connection(
        app.connections,
        name,
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


def connect_syspro_enet(app: Any, enet: Any, name: str = "syspro-enet") -> None:
    """Store the SYSPRO e.net emulator ``enet`` (a ServedEmulator) as the connection ``name``."""
    cred = enet.app.state.credentials
    store_connection(
        app.connections,
        name,
        "syspro-enet",
        {
            "base_url": f"{enet.url}/SYSPROWCFService/Rest",
            "operator": cred["operator"],
            "company_id": cred["company_id"],
        },
        {"operator_password": cred["operator_password"], "company_password": cred["company_password"]},
        app.clock.now(),
        replace=True,
    )
