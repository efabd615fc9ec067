"""How `ml-connector demo` runs SYSPRO -> Pipedrive: the SYSPRO OData and Pipedrive emulators, the two
connections, and the change between runs (a few customers renamed, an order's quantity raised and a
stock level moved in SYSPRO: only the organizations, deals and products they touch are sent again)."""

from __future__ import annotations

from typing import Any

from ml_connector.emulators.serving import ServedEmulator
from ml_connector.settings import Settings

NAME = "syspro-pipedrive"
CHANGED_CUSTOMERS = 3
_state: dict[str, Any] = {}


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    return {"syspro-odata": {"seed": seed}, "pipedrive": {"seed": seed, "plan": "ultimate"}}


def prepare(settings: Settings) -> None:
    pass


def connect_pipedrive(app: Any, pipedrive: ServedEmulator, name: str = "pipedrive") -> None:
    """Store the emulator's API token as the connection ``pipedrive`` (encrypted)."""
    cred = pipedrive.app.state.credentials
    app.connections.put(
        name,
        "pipedrive",
        {"base_url": pipedrive.url, "auth": "api_token"},
        {"api_token": cred["api_token"]},
        app.clock.now(),
    )


def connect_syspro(app: Any, syspro: ServedEmulator) -> None:
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


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    if not app.connections.exists("syspro-odata"):
        connect_syspro(app, served["syspro-odata"])
    connect_pipedrive(app, served["pipedrive"])
    _state["app"] = app


def change_source(served: dict[str, ServedEmulator]) -> str:
    """A few SYSPRO edits between the runs: customers renamed, an order line's quantity, a stock level."""
    state = served["syspro-odata"].app.state.emulator
    return change_syspro(state, CHANGED_CUSTOMERS)


def change_syspro(state: Any, customers: int) -> str:
    for row in state.rows("ArCustomer")[:customers]:
        state.update("ArCustomer", keys=[{"Customer": row["Customer"]}], changes={"Name": (row["Name"] + " Ltd")[:50]})
    open_orders = {o["SalesOrder"] for o in state.rows("SorMaster") if o["OrderStatus"].strip() not in ("9", "\\", "*")}
    line = next(ln for ln in state.rows("SorDetail") if ln["SalesOrder"] in open_orders and ln["LineType"] == "1")
    state.update(
        "SorDetail",
        keys=[{"SalesOrder": line["SalesOrder"], "SalesOrderLine": line["SalesOrderLine"]}],
        changes={"MOrderQty": float(line["MOrderQty"]) + 5, "MBackOrderQty": float(line["MBackOrderQty"]) + 5},
    )
    stock = next(iter(state.rows("InvWarehouse")))
    state.update(
        "InvWarehouse",
        keys=[{"StockCode": stock["StockCode"], "Warehouse": stock["Warehouse"]}],
        changes={"QtyOnHand": float(stock["QtyOnHand"]) + 100},
    )
    return f"{customers} customers renamed, one order line +5, one stock level +100 in SYSPRO"


def show_result(settings: Settings) -> str:
    return (
        "SYSPRO -> Pipedrive: `ml-connector audit --integration syspro-pipedrive --limit 10`, "
        "`ml-connector parked --integration syspro-pipedrive`"
    )
