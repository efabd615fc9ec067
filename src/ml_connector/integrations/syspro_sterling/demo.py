"""How `ml-connector demo` runs SYSPRO -> Sterling: the Sterling emulator next to the shared SYSPRO OData and
e.net ones (e.net: Sterling partners without a supplier become SYSPRO suppliers), partner mappings for the
demo data, and a few new purchase orders between the two runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.serving import ServedEmulator
from ml_connector.integrations.demo_connections import connect_syspro_enet, connect_syspro_odata
from ml_connector.integrations.syspro_sterling.streams import NAME as STREAM_NAME
from ml_connector.settings import Settings

NAME = STREAM_NAME
NEW_ORDERS = 3
# Demo data (seed 42): suppliers and customers that have purchase orders, invoices and shipments.
SUPPLIERS = {"000011": "ACMEWHOLESALE", "000048": "WIDGETCO"}
CUSTOMERS = {"0000170": "ACMEWHOLESALE", "0000054": "WIDGETCO"}


class PartnerClock:
    """The Sterling emulator's clock in the demo: real time plus an offset the demo moves."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


PARTNER_CLOCK = PartnerClock()


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    # Partners answer 10 minutes after a document arrives (Sterling emulator time); change_source moves
    # that clock an hour on, so the second run reads the 997s of the first.
    return {
        "syspro-odata": {"seed": seed},
        "syspro-enet": {"seed": seed},
        "sterling": {"seed": seed, "ack_delay_s": 600, "clock": PARTNER_CLOCK},
    }


def prepare(settings: Settings) -> None:
    pass


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    now = app.clock.now()
    connect_syspro_odata(app, served["syspro-odata"])
    sterling = served["sterling"]
    scred = sterling.app.state.credentials
    store_connection(
        app.connections, "sterling", "sterling",
        {"base_url": f"{sterling.url}/B2BAPIs/svc/", "username": scred["username"], "allow_insecure_http": "true"},
        {"password": scred["password"]}, now, replace=True,
    )  # fmt: skip
    if "syspro-enet" in served:
        connect_syspro_enet(app, served["syspro-enet"])
    for kind, table in (("supplier", SUPPLIERS), ("customer", CUSTOMERS)):
        for code, partner in table.items():
            if app.store.mappings.get(NAME, kind, code) is None:
                app.store.mappings.set(NAME, kind, code, partner, now)


def change_source(served: dict[str, ServedEmulator]) -> str:
    """A buyer raises a few purchase orders in SYSPRO; an hour passes at the partners (997s come back)."""
    PARTNER_CLOCK.offset += timedelta(hours=1)
    state = served["syspro-odata"].app.state.emulator
    stock = state.rows("InvMaster")[:2]
    supplier = next(iter(SUPPLIERS))
    for _ in range(NEW_ORDERS):
        header = state.insert("PorMasterHdr", [{"Supplier": supplier, "Warehouse": "AK", "Buyer": "DEMO"}])[0]
        state.insert("PorMasterDetail", [
            {"PurchaseOrder": header["PurchaseOrder"], "Line": n + 1, "LineType": "1", "MStockCode": s["StockCode"],
             "MStockDes": s.get("Description", ""), "MWarehouse": "AK", "MOrderQty": 5.0 * (n + 1),
             "MReceivedQty": 0.0, "MPrice": 42.0, "MOrderUom": "EA", "MCompleteFlag": " "}
            for n, s in enumerate(stock)
        ])  # fmt: skip
    return f"{NEW_ORDERS} new purchase orders in SYSPRO for supplier {supplier}, 997s back from the partners"


def show_result(settings: Settings) -> str:
    return (
        "Sterling: every document is a message in /MLCONNECT/Outbox routed to its partner's Inbox; 997s are\n"
        "  read from /MLCONNECT/Inbox. Look at one:\n"
        f"  .venv/bin/ml-connector edi trace <PO number> -c {settings.data_dir / 'ml-connector.toml'}\n"
        f"  .venv/bin/ml-connector edi show <PO number> -c {settings.data_dir / 'ml-connector.toml'}"
    )
