"""One SYSPRO company database behind both emulator faces: what e.net writes (SORTOI sales orders, ARSSCS
customers, invoicing) is what OData serves, with the same zero-padded keys and one rowversion counter, and
e.net queries (COMFND/COMFCH) see what OData seeded. Raw HTTP on both faces, no connector code."""

from __future__ import annotations

import base64
import warnings
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest

from ml_connector.core.clock import FixedClock
from ml_connector.emulators.registry import create_emulators
from ml_connector.emulators.syspro_enet.company import create_app
from ml_connector.emulators.syspro_odata.app import credentials_header

with warnings.catch_warnings():  # starlette warns that its TestClient will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REST = "/SYSPROWCFService/Rest"
ROOT = "/SYSPRO8OData/SYSPROOData/A"
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
SORTOI_PARAMS = "<SalesOrders><Parameters><IgnoreWarnings>W</IgnoreWarnings></Parameters></SalesOrders>"


@pytest.fixture
def company():
    app = create_app(seed=0, odata={"clock": lambda: NOW, "timestamp_filters": True}, enet={"clock": FixedClock(NOW)})
    client = TestClient(app)
    return app, client, credentials_header(app.odata)


def logon(client) -> str:
    params = {"CompanyId": "L", "CompanyPassword": "", "Operator": "ADMIN", "OperatorPassword": "enet-pass"}
    return client.get(f"{REST}/Logon", params=params).text


def call(client, user_id, path, bo, xml_in, params=None) -> ET.Element:
    query = {"UserId": user_id, "BusinessObject": bo, "XmlIn": xml_in}
    if params is not None:
        query["XmlParameters"] = params
    response = client.get(f"{REST}/{path}", params=query)
    assert response.status_code == 200 and response.content.startswith(b"<?xml"), response.content[:300]
    return ET.fromstring(response.content)


def odata(client, headers, path, status=200):
    response = client.get(f"{ROOT}/{path}", headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def order_xml(customer, po, *lines):
    body = "".join(
        f"<StockLine><StockCode>{code}</StockCode><Warehouse>{wh}</Warehouse><OrderQty>{qty}</OrderQty>"
        f"<Price>{price}</Price></StockLine>"
        for code, wh, qty, price in lines
    )
    return (
        f"<SalesOrders><Orders><OrderHeader><CustomerPoNumber>{po}</CustomerPoNumber><Customer>{customer}</Customer>"
        f"<OrderDate>2026-04-02</OrderDate><RequestedShipDate>2026-04-20</RequestedShipDate></OrderHeader>"
        f"<OrderDetails>{body}<NonStockedLine><NStockCode>INSTALL-KIT</NStockCode><NStockDes>Site install</NStockDes>"
        f"<NOrderQty>1</NOrderQty><NPrice>150</NPrice></NonStockedLine>"
        f"<FreightLine><FreightValue>45.50</FreightValue></FreightLine></OrderDetails></Orders></SalesOrders>"
    )


def stocked(state, warehouse, count=2):
    return [r["StockCode"] for r in state.rows("InvWarehouse") if r["Warehouse"] == warehouse][:count]


def test_sortoi_order_appears_over_odata_with_the_same_padded_key(company):
    app, client, headers = company
    db = app.state.emulator
    customer = db.get("ArCustomer", Customer="0000007")
    warehouse = {"01": "AK", "02": "TU", "03": "FR"}[customer["Branch"]]
    first, second = stocked(db, warehouse)
    before = db.rowversion.value
    answer = call(
        client,
        logon(client),
        "Transaction/Post",
        "SORTOI",
        order_xml("0000007", "WEB-1001", (first, warehouse, "3", "120.00"), (second, warehouse, "1.5", "9.99")),
        SORTOI_PARAMS,
    )
    number = answer.findtext("Order/SalesOrder")
    assert number == "000000000400301"  # next after the seeded 000000000400300, 15 digits on both faces
    header = odata(client, headers, f"SorMaster('{number}')")
    assert (header["Customer"], header["CustomerPoNumber"], header["CustomerName"]) == (
        "0000007",
        "WEB-1001",
        customer["Name"],
    )
    assert (header["OrderStatus"], header["OrderDate"], header["ReqShipDate"]) == (
        "1",
        "2026-04-02T00:00:00Z",
        "2026-04-20T00:00:00Z",
    )
    assert header["Warehouse"] == warehouse and header["Salesperson"] == customer["Salesperson"]
    assert int.from_bytes(base64.b64decode(header["TimeStamp"]), "big") > before
    lines = odata(client, headers, f"SorDetail?$filter={quote(f'SalesOrder eq {chr(39)}{number}{chr(39)}')}")["value"]
    assert [(ln["SalesOrderLine"], ln["LineType"], ln["MStockCode"]) for ln in lines] == [
        (1, "1", first),
        (2, "1", second),
        (3, "7", "INSTALL-KIT"),
        (4, "4", ""),
    ]
    assert (lines[0]["MOrderQty"], lines[0]["MBackOrderQty"], lines[0]["MPrice"]) == (3, 3, 120)
    assert lines[1]["MOrderQty"] == 1.5 and lines[3]["NMscChargeValue"] == 45.5
    assert lines[0]["MStockDes"] == db.get("InvMaster", StockCode=first)["Description"]
    assert db.integrity() == []  # the non-stocked and freight lines name no InvMaster row, legitimately
    since = base64.b64encode(before.to_bytes(8, "big")).decode()
    changed = odata(client, headers, f"SorMaster?$filter={quote(f'TimeStamp gt binary{chr(39)}{since}{chr(39)}')}")
    assert [o["SalesOrder"] for o in changed["value"]] == [number]


def test_the_duplicate_customer_po_rule_sees_odata_seeded_orders():
    # SYSPRO accepts a repeated customer PO by default; this company has the site's duplicate check on
    app = create_app(
        seed=0,
        odata={"clock": lambda: NOW, "timestamp_filters": True},
        enet={"clock": FixedClock(NOW), "refuse_duplicate_po": True},
    )
    client = TestClient(app)
    db = app.state.emulator
    seeded = next(o for o in db.rows("SorMaster") if o["OrderStatus"] == "1")
    warehouse = seeded["Warehouse"]
    [code] = stocked(db, warehouse, 1)
    answer = call(
        client,
        logon(client),
        "Transaction/Post",
        "SORTOI",
        order_xml(seeded["Customer"], seeded["CustomerPoNumber"], (code, warehouse, "1", "10")),
        SORTOI_PARAMS,
    )
    assert answer.findtext("Order/SalesOrder") == ""
    errors = " ".join(e.text or "" for e in answer.iter("ErrorDescription"))
    assert f"already exists on sales order {seeded['SalesOrder']}" in errors
    assert len(db.rows("SorMaster")) == 300


def test_arsscs_customers_are_odata_customers_and_back(company):
    app, client, headers = company
    db = app.state.emulator
    user_id = logon(client)
    add = (
        "<SetupArCustomer><Item><Key><Customer>0000901</Customer></Key><Name>Harbor Pump Works</Name>"
        "<Branch>02</Branch><CreditLimit>25000</CreditLimit><SoldToAddr1>1 Dock St</SoldToAddr1>"
        "<ShipToAddr1>Gate 4</ShipToAddr1></Item></SetupArCustomer>"
    )
    root = call(client, user_id, "Setup/Add", "ARSSCS", add, "<SetupArCustomer/>")
    assert root.findtext("StatusOfItems/RecordsInvalid") == "000000"
    added = odata(client, headers, "ArCustomer('0000901')")
    assert (added["Name"], added["Branch"], added["CreditLimit"], added["ShipToAddr1"]) == (
        "Harbor Pump Works",
        "02",
        25000,
        "Gate 4",
    )
    assert added["DateCustAdded"] == "2026-04-02T00:00:00Z" and added["TermsCode"] == "30"
    duplicate = add.replace("Harbor Pump Works", "Again")
    assert "already exists" in "".join(
        e.text or "" for e in call(client, user_id, "Setup/Add", "ARSSCS", duplicate, "<SetupArCustomer/>").iter()
    )
    update = (
        "<SetupArCustomer><Item><Key><Customer>0000001</Customer></Key>"
        "<Telephone>(216) 555-0199</Telephone></Item></SetupArCustomer>"
    )
    old_stamp = db.get("ArCustomer", Customer="0000001")["TimeStamp"]
    call(client, user_id, "Setup/Update", "ARSSCS", update, "<SetupArCustomer/>")
    updated = odata(client, headers, "ArCustomer('0000001')")
    assert updated["Telephone"] == "(216) 555-0199" and updated["TimeStamp"] != old_stamp


def test_enet_queries_see_odata_seeded_rows_and_odata_edits(company):
    app, client, _ = company
    db = app.state.emulator
    user_id = logon(client)
    query = (
        "<Query><TableName>ArCustomer</TableName><ReturnRows>3</ReturnRows><Columns><Column>Customer</Column>"
        "<Column>Name</Column><Column>CreditLimit</Column><Column>TimeStamp</Column></Columns>"
        "<Where><Expression><Column>Customer</Column><Condition>LE</Condition><Value>0000003</Value></Expression>"
        "</Where><OrderBy><Column>Customer</Column></OrderBy></Query>"
    )
    rows = call(client, user_id, "Query/Query", "COMFND", query).findall("Row")
    seeded = db.rows("ArCustomer")[:3]
    assert [r.findtext("Customer") for r in rows] == ["0000001", "0000002", "0000003"]
    assert [r.findtext("Name") for r in rows] == [c["Name"] for c in seeded]
    assert [Decimal(r.findtext("CreditLimit")) for r in rows] == [c["CreditLimit"] for c in seeded]
    stamps = [int(r.findtext("TimeStamp"), 16) for r in rows]
    assert stamps == [int.from_bytes(base64.b64decode(c["TimeStamp"]), "big") for c in seeded]  # one counter
    db.update("InvMaster", keys=[{"StockCode": "VLV-1000"}], changes={"Description": "Ball valve, revised"})
    fetch = "<Fetch><TableName>InvMaster</TableName><Key>vlv-1000 </Key><FullKeyProvided>Y</FullKeyProvided></Fetch>"
    item = ET.fromstring(client.get(f"{REST}/Query/Fetch", params={"UserId": user_id, "XmlIn": fetch}).content)
    assert (item.findtext("StockCode"), item.findtext("Description")) == ("VLV-1000", "Ball valve, revised")


def test_invoicing_through_enet_writes_the_odata_ar_invoice(company):
    app, client, headers = company
    db = app.state.emulator
    warehouse = "AK"
    [code] = stocked(db, warehouse, 1)
    customer = next(c for c in db.rows("ArCustomer") if c["Branch"] == "01")["Customer"]
    answer = call(
        client,
        logon(client),
        "Transaction/Post",
        "SORTOI",
        order_xml(customer, "WEB-2002", (code, warehouse, "2", "50")),
        SORTOI_PARAMS,
    )
    number = answer.findtext("Order/SalesOrder")
    invoice = app.state.enet.invoice_order(number)
    assert len(invoice) == 8 and invoice.isdigit()
    row = odata(client, headers, f"ArInvoice(Customer='{customer}',Invoice='{invoice}',DocumentType='I')")
    assert (row["SalesOrder"], row["CustomerPoNumber"], row["CurrencyValue"]) == (number, "WEB-2002", 295.5)
    done = odata(client, headers, f"SorMaster('{number}')")
    assert (done["OrderStatus"], done["LastInvoice"], done["DateLastInvPrt"]) == ("9", invoice, "2026-04-02T00:00:00Z")


def test_demo_and_emulate_build_the_faces_over_one_database():
    apps = create_emulators({"syspro-enet": {"seed": 4}, "syspro-odata": {"seed": 4}})
    assert list(apps) == ["syspro-enet", "syspro-odata"]
    assert apps["syspro-enet"].state.emulator.shared.db is apps["syspro-odata"].state.emulator
    alone = create_emulators({"syspro-enet": {"seed": 4}})["syspro-enet"]
    assert alone.state.emulator.shared is None
    assert alone.state.emulator.get("ArCustomer", "000001") is not None  # its own small company
