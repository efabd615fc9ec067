"""Shared set-up for the SYSPRO -> Sterling tests: emulators on 127.0.0.1, an app with a real store,
connections and partner mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_connector.bootstrap import bootstrap
from ml_connector.core.clock import Clock
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.settings import Settings

SEED = 11
SUPPLIERS = {"000021": "ACMEWHOLESALE", "000016": "WIDGETCO"}
CUSTOMERS = {"0000197": "ACMEWHOLESALE", "0000103": "WIDGETCO"}
OUTBOX, INBOX = "/MLCONNECT/Outbox", "/MLCONNECT/Inbox"


def make_app(
    tmp_path: Path,
    syspro: Any,
    sterling: Any,
    *,
    section: dict | None = None,
    clock: Clock | None = None,
    suppliers: dict | None = None,
    customers: dict | None = None,
):
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data"), "syspro-sterling": section or {}})
    app = bootstrap(settings, create_keys=True, clock=clock)
    store_connections(app, syspro, sterling)
    now = app.clock.now()
    for kind, table in (
        ("supplier", SUPPLIERS if suppliers is None else suppliers),
        ("customer", CUSTOMERS if customers is None else customers),
    ):
        for code, partner in table.items():
            app.store.mappings.set("syspro-sterling", kind, code, partner, now)
    return app


def store_connections(app: Any, syspro: Any, sterling: Any) -> None:
    now = app.clock.now()
    connect_syspro_odata(app, syspro)
    scred = sterling.app.state.credentials
    app.connections.put(
        "sterling",
        "sterling",
        {"base_url": f"{sterling.url}/B2BAPIs/svc/", "username": scred["username"], "allow_insecure_http": "true"},
        {"password": scred["password"]},
        now,
    )


def outbox(sterling: Any) -> list[tuple[Any, bytes]]:
    return sterling.app.state.emulator.mailbox_messages(OUTBOX)


def new_purchase_orders(syspro: Any, supplier: str, count: int, *, lines: int = 2) -> list[str]:
    """Create ``count`` POs (dated today) with ``lines`` lines each in the OData emulator."""
    state = syspro.app.state.emulator
    stock = [r for r in state.rows("InvMaster")][:lines]
    made = []
    for _ in range(count):
        header = state.insert("PorMasterHdr", [{"Supplier": supplier, "Warehouse": "AK", "Buyer": "KMORRIS"}])[0]
        state.insert(
            "PorMasterDetail",
            [
                {
                    "PurchaseOrder": header["PurchaseOrder"],
                    "Line": n + 1,
                    "LineType": "1",
                    "MStockCode": s["StockCode"],
                    "MStockDes": s.get("Description", ""),
                    "MWarehouse": "AK",
                    "MOrderQty": 10.0 + n,
                    "MReceivedQty": 0.0,
                    "MPrice": 12.5,
                    "MOrderUom": "EA",
                    "MCompleteFlag": " ",
                }
                for n, s in enumerate(stock)
            ],
        )
        made.append(header["PurchaseOrder"])
    return made


def new_invoices(syspro: Any, customer: str, count: int) -> list[str]:
    state = syspro.app.state.emulator
    rows = state.insert(
        "ArInvoice",
        [
            {"Customer": customer, "CurrencyValue": 100.0 + n, "TaxPortion": 7.0, "CustomerPoNumber": f"CP{n}"}
            for n in range(count)
        ],
    )
    return [r["Invoice"] for r in rows]
