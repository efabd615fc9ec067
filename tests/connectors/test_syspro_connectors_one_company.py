"""The SYSPRO connectors against one emulated company: what the e.net client writes, the OData client reads
back with the same keys (the chain Commerce order -> SYSPRO sales order -> Pipedrive deal relies on it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import ArCustomer, SalesOrder, SalesOrderLine
from ml_connector.connectors.syspro.odata.client import SysproODataClient, SysproODataSettings, quote_string
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.syspro_enet.company import create_app
from ml_connector.secrets.secret import Secret


def _clients(serve_asgi: Callable[[Any], str], enet_credentials: Any, clock: FixedClock) -> tuple[Any, Any, Any]:
    app = create_app(seed=5, odata={"clock": clock.now}, enet={"clock": clock})
    url = serve_asgi(app)
    enet = SysproEnetClient.connect(
        f"{url}/SYSPROWCFService/Rest", enet_credentials(app.enet), sleep=lambda _s: None, lease_timeout_s=0
    )
    creds = app.state.credentials["odata"]
    odata = SysproODataClient(
        SysproODataSettings(base_url=f"{url}/SYSPRO8OData/SYSPROOData", company=creds["company"]),
        creds["operator"],
        Secret(creds["password"]),
    )
    return app, enet, odata


def _rows(odata: SysproODataClient, entity_set: str, filter: str) -> list[dict[str, Any]]:
    return [row for page in odata.pages(entity_set, filter=filter) for row in page]


def test_an_order_posted_through_enet_is_read_over_odata_with_its_key(
    serve_asgi: Callable[[Any], str], enet_credentials: Any, clock: FixedClock
) -> None:
    app, enet, odata = _clients(serve_asgi, enet_credentials, clock)
    try:
        db = app.state.emulator
        customer = db.rows("ArCustomer")[4]
        warehouse = {"01": "AK", "02": "TU", "03": "FR"}[customer["Branch"]]
        code = next(r["StockCode"] for r in db.rows("InvWarehouse") if r["Warehouse"] == warehouse)
        order = SalesOrder(
            customer["Customer"],
            "WEB100000042",
            date(2026, 11, 20),
            (
                SalesOrderLine(code, 4, "199.00", warehouse=warehouse),
                SalesOrderLine("SVC-INSTALL", 1, "80", description="Install", stocked=False, product_class="SERV"),
            ),
            freight_value="25",
        )
        number = enet.post_sales_order(order)
        assert number == "000000000400301"
        assert enet.find_order_by_customer_po("WEB100000042", customer=customer["Customer"]) == number
        [header] = _rows(odata, "SorMaster", f"CustomerPoNumber eq {quote_string('WEB100000042')}")
        assert (header["SalesOrder"], header["Customer"], header["OrderStatus"]) == (number, customer["Customer"], "1")
        lines = _rows(odata, "SorDetail", f"SalesOrder eq {quote_string(number)}")
        assert [(ln["LineType"], ln["MStockCode"], ln["MOrderQty"], ln["MPrice"]) for ln in lines] == [
            ("1", code, 4, 199),
            ("7", "SVC-INSTALL", 1, 80),
            ("4", "", 0, 0),
        ]
        assert lines[2]["NMscChargeValue"] == 25

        enet.upsert_customer(ArCustomer(customer="0000777", name="Lakeside Irrigation Co", branch="03"))
        [added] = _rows(odata, "ArCustomer", "Customer eq '0000777'")
        assert (added["Name"], added["Branch"]) == ("Lakeside Irrigation Co", "03")
        assert enet.get_customer("0000001") is not None  # e.net reads what OData seeded
    finally:
        enet.close()
        odata.close()
