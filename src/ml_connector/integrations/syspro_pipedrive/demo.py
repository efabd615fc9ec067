"""How `ml-connector demo` runs SYSPRO -> Pipedrive: the SYSPRO OData and Pipedrive emulators, the two
connections, and the change between runs (a few customers renamed, an order's quantity raised and a
stock level moved in SYSPRO: only the organizations, deals and products they touch are sent again)."""

from __future__ import annotations

from typing import Any

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.serving import ServedEmulator
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.settings import Settings

NAME = "syspro-pipedrive"
_state: dict[str, Any] = {}


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    return {"syspro-odata": {"seed": seed}, "pipedrive": {"seed": seed, "plan": "ultimate"}}


def prepare(settings: Settings) -> None:
    pass


def connect_pipedrive(app: Any, pipedrive: ServedEmulator, name: str = "pipedrive") -> None:
    """Store the emulator's API token as the connection ``pipedrive`` (encrypted)."""
    cred = pipedrive.app.state.credentials
    store_connection(
        app.connections,
        name,
        "pipedrive",
        {"base_url": pipedrive.url, "auth": "api_token"},
        {"api_token": cred["api_token"]},
        app.clock.now(),
        replace=True,
    )


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    if not app.connections.exists("syspro-odata"):
        connect_syspro_odata(app, served["syspro-odata"])
    connect_pipedrive(app, served["pipedrive"])
    _state["app"] = app


def change_source(served: dict[str, ServedEmulator]) -> str:
    """A day of business in SYSPRO between the runs: a few customers, orders and stock levels change and
    new orders come in; only the organizations, deals and products they touch are sent again."""
    touched = served["syspro-odata"].app.state.emulator.simulate_activity(customers=3, orders=5, stock=5, new_orders=2)
    return (
        f"SYSPRO: {len(touched.get('customers', []))} customers, {len(touched.get('orders', []))} orders and "
        f"{len(touched.get('stock', []))} stock positions changed, {len(touched.get('new_orders', []))} new orders"
    )


def show_result(settings: Settings) -> str:
    return (
        "SYSPRO -> Pipedrive: `ml-connector audit --integration syspro-pipedrive --limit 10`, "
        "`ml-connector parked --integration syspro-pipedrive`"
    )
