"""Fidelity of the SYSPRO OData emulator's customer, sales-order and stock tables (ArCustomer, SorMaster,
SorDetail, InvMaster, InvWarehouse): key padding, seeded statuses and shortages, query options, paging at
the cap, $filter on the change columns, and the activity simulation that moves them between runs."""

from __future__ import annotations

import base64
import re
import warnings
from collections import Counter, defaultdict
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from ml_connector.emulators.syspro_odata.app import create_app, credentials_header
from ml_connector.emulators.syspro_odata.tables import TABLES

with warnings.catch_warnings():  # starlette warns that its TestClient will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = "/SYSPRO8OData/SYSPROOData/A"
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
OPEN = "1248"


def make(**options):
    app = create_app(clock=lambda: NOW, **options)
    return app, TestClient(app), credentials_header(app)


@pytest.fixture(scope="module")
def seeded():
    return make()


def get(client, headers, url, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def walk(client, headers, url):
    rows, pages = [], 0
    while url:
        body = get(client, headers, url)
        rows.extend(body["value"])
        pages += 1
        url = body.get("@odata.nextLink")
    return rows, pages


def filtered(client, headers, table, expression, **extra):
    params = "".join(f"&{k}={quote(str(v))}" for k, v in extra.items())
    return walk(client, headers, f"{ROOT}/{table}?$filter={quote(expression)}{params}")[0]


def mark(state) -> str:
    return base64.b64encode(state.rowversion.value.to_bytes(8, "big")).decode()


def stock_by_position(state):
    return {(r["StockCode"], r["Warehouse"]): r for r in state.rows("InvWarehouse")}


def open_lines(state):
    status = {o["SalesOrder"]: o["OrderStatus"] for o in state.rows("SorMaster")}
    return [ln for ln in state.rows("SorDetail") if status[ln["SalesOrder"]] in OPEN and ln["MBackOrderQty"] > 0]


def test_keys_are_padded_like_syspro(seeded):
    app, client, headers = seeded
    orders = get(client, headers, f"{ROOT}/SorMaster?$top=3&$select=SalesOrder,Customer,OrderStatus")["value"]
    assert [o["SalesOrder"] for o in orders] == ["000000000400001", "000000000400002", "000000000400003"]
    assert all(re.fullmatch(r"\d{7}", o["Customer"]) for o in orders)
    one = get(client, headers, f"{ROOT}/SorMaster('000000000400001')")
    assert one["SalesOrder"] == "000000000400001" and len(one["CancelledFlag"]) == 1
    assert get(client, headers, f"{ROOT}/SorMaster('400001')", status=404)["error"]["code"]  # exact, not trimmed
    line = get(client, headers, f"{ROOT}/SorDetail(SalesOrder='000000000400001',SalesOrderLine=1)")
    assert line["SalesOrderLine"] == 1 and line["MTaxCode"] == "A  "  # char(3) keeps its spaces
    customer = get(client, headers, f"{ROOT}/ArCustomer('0000001')")
    assert len(customer["TermsCode"]) == 2 and len(customer["Currency"]) == 3
    stock = app.state.emulator.rows("InvWarehouse")[0]
    by_key = get(
        client, headers, f"{ROOT}/InvWarehouse(StockCode='{stock['StockCode']}',Warehouse='{stock['Warehouse']}')"
    )
    assert by_key == {"@odata.context": by_key["@odata.context"], **stock}
    assert re.fullmatch(r"[A-Z]{3}-\d{4}", stock["StockCode"])


def test_orders_have_every_status_and_lines_on_stocked_items(seeded):
    app, _, _ = seeded
    state = app.state.emulator
    orders = state.rows("SorMaster")
    assert len(orders) == 300
    statuses = Counter(o["OrderStatus"] for o in orders)
    assert set(statuses) == {
        "1",
        "2",
        "4",
        "8",
        "9",
        "\\",
    }  # open, back order, in warehouse, to invoice, done, cancelled
    assert all((o["CancelledFlag"] == "Y") == (o["OrderStatus"] == "\\") for o in orders)
    assert all(o["DateLastInvPrt"] for o in orders if o["OrderStatus"] == "9")
    assert {o["Warehouse"] for o in orders} == {"AK", "TU", "FR"}  # three plants, by the customer's branch
    assert all({"01": "AK", "02": "TU", "03": "FR"}[o["Branch"]] == o["Warehouse"] for o in orders)
    stock = stock_by_position(state)
    header = {o["SalesOrder"]: o for o in orders}
    lines = state.rows("SorDetail")
    assert (
        1
        <= min(Counter(ln["SalesOrder"] for ln in lines).values())
        <= max(Counter(ln["SalesOrder"] for ln in lines).values())
        <= 5
    )
    for ln in lines:
        assert ln["MWarehouse"] == header[ln["SalesOrder"]]["Warehouse"]
        assert (ln["MStockCode"], ln["MWarehouse"]) in stock
        assert ln["MShipQty"] + ln["MBackOrderQty"] == ln["MOrderQty"]
        if header[ln["SalesOrder"]]["OrderStatus"] in "89":
            assert ln["MBackOrderQty"] == 0
    assert state.integrity() == []


def test_some_open_lines_are_short_and_most_are_covered(seeded):
    state = seeded[0].state.emulator
    stock = stock_by_position(state)
    short = covered = 0
    for ln in open_lines(state):
        position = stock[(ln["MStockCode"], ln["MWarehouse"])]
        available = position["QtyOnHand"] - position["QtyAllocated"]
        if ln["MBackOrderQty"] > available:
            short += 1
        else:
            covered += 1
    assert short >= 5
    assert covered > 2 * short


def test_scaled_seeding_sizes_customers_and_orders():
    app, client, headers = make(scale={"ArCustomer": 2000, "SorMaster": 5000}, page_cap=1000)
    state = app.state.emulator
    assert client.get(f"{ROOT}/ArCustomer/$count", headers=headers).text == "2000"
    assert client.get(f"{ROOT}/SorMaster/$count", headers=headers).text == "5000"
    assert len({o["Customer"] for o in state.rows("SorMaster")}) > 1500  # orders spread over the customers
    assert state.integrity() == []
    again = create_app(clock=lambda: NOW, scale={"ArCustomer": 2000, "SorMaster": 5000}).state.emulator
    assert again.rows("SorDetail") == state.rows("SorDetail")


def test_paging_at_the_cap_on_customers_and_lines():
    app, client, headers = make(scale={"ArCustomer": 1000}, page_cap=500)
    state = app.state.emulator
    exact = get(client, headers, f"{ROOT}/ArCustomer?$top=500")
    assert len(exact["value"]) == 500 and "@odata.nextLink" not in exact
    rows, pages = walk(client, headers, f"{ROOT}/ArCustomer")
    assert (len(rows), pages) == (1000, 2)  # 1000 = 2 x cap: the second page is full and has no link
    assert [r["Customer"] for r in rows] == [f"{n:07d}" for n in range(1, 1001)]
    lines, pages = walk(client, headers, f"{ROOT}/SorDetail")
    assert pages == -(-len(state.rows("SorDetail")) // 500)
    assert len({(r["SalesOrder"], r["SalesOrderLine"]) for r in lines}) == len(lines) == len(state.rows("SorDetail"))


def test_query_options_on_order_lines(seeded):
    app, client, headers = seeded
    state = app.state.emulator
    body = get(
        client,
        headers,
        f"{ROOT}/SorDetail?$filter={quote('MWarehouse eq ' + chr(39) + 'TU' + chr(39) + ' and MBackOrderQty gt 0')}"
        f"&$select=SalesOrder,SalesOrderLine,MStockCode,MBackOrderQty&$orderby={quote('MBackOrderQty desc,SalesOrder')}"
        "&$count=true",
    )
    expected = [r for r in state.rows("SorDetail") if r["MWarehouse"] == "TU" and r["MBackOrderQty"] > 0]
    expected.sort(key=lambda r: r["SalesOrder"])
    expected.sort(key=lambda r: r["MBackOrderQty"], reverse=True)
    assert body["@odata.count"] == len(expected) > 0
    assert body["value"] == [
        {k: r[k] for k in ("SalesOrder", "SalesOrderLine", "MStockCode", "MBackOrderQty")} for r in expected
    ]
    assert body["@odata.context"].endswith("$metadata#SorDetail(SalesOrder,SalesOrderLine,MStockCode,MBackOrderQty)")
    cancelled = filtered(client, headers, "SorMaster", "OrderStatus eq '\\'")
    assert {o["SalesOrder"] for o in cancelled} == {
        o["SalesOrder"] for o in state.rows("SorMaster") if o["OrderStatus"] == "\\"
    }
    pumps = filtered(client, headers, "InvMaster", "startswith(StockCode,'PMP-') and ProductClass eq 'PUMP'")
    assert pumps and all(r["StockCode"].startswith("PMP-") for r in pumps)


def test_filters_on_the_change_columns(seeded):
    app, client, headers = seeded
    state = app.state.emulator
    orders = state.rows("SorMaster")
    recent = filtered(client, headers, "SorMaster", "OrderDate ge 2026-03-01")
    assert recent == [o for o in orders if o["OrderDate"] >= "2026-03-01T00:00:00Z"]
    assert filtered(client, headers, "SorMaster", "EntrySystemDate ge 2026-03-01T00:00:00Z") == recent
    shipped = filtered(client, headers, "SorMaster", "DateLastInvPrt ge 2026-03-15 and OrderStatus eq '9'")
    assert shipped and all(o["DateLastInvPrt"] >= "2026-03-15T00:00:00Z" for o in shipped)
    due = filtered(client, headers, "SorDetail", "MLineShipDate lt 2026-03-10 and MBackOrderQty gt 0")
    assert all(r["MLineShipDate"] < "2026-03-10T00:00:00Z" for r in due)
    sold = filtered(client, headers, "InvWarehouse", "DateLastSale ge 2026-03-01")
    assert sold == [r for r in state.rows("InvWarehouse") if (r["DateLastSale"] or "") >= "2026-03-01T00:00:00Z"]
    paid = filtered(client, headers, "ArCustomer", "DateLastPay ne null")
    assert paid == [c for c in state.rows("ArCustomer") if c["DateLastPay"] is not None] != []
    added = filtered(client, headers, "InvMaster", "DateStkAdded ge 2026-01-01")
    assert added == [r for r in state.rows("InvMaster") if r["DateStkAdded"] >= "2026-01-01T00:00:00Z"]


def test_activity_changes_only_what_it_reports_and_timestamps_find_them():
    app, client, headers = make(timestamp_filters=True)
    state = app.state.emulator
    before = {t: {tuple(r[k] for k in TABLES[t].key): r for r in state.rows(t)} for t in ("ArCustomer", "SorMaster")}
    since = mark(state)
    done = client.post("/__emulator/activity", json={"customers": 4, "orders": 6, "stock": 5, "new_orders": 2}).json()
    assert len(done["customers"]) == 4 and len(done["orders"]) == 6 and len(done["new_orders"]) == 2
    assert len(done["stock"]) == 5
    changed = filtered(client, headers, "ArCustomer", f"TimeStamp gt binary'{since}'", **{"$orderby": "TimeStamp"})
    invoiced_customers = {o["Customer"] for o in state.rows("SorMaster") if o["SalesOrder"] in done["orders"]}
    codes = {c["Customer"] for c in changed}
    assert set(done["customers"]) <= codes <= set(done["customers"]) | invoiced_customers
    for row in changed:
        assert row != before["ArCustomer"][(row["Customer"],)]
    moved = filtered(client, headers, "SorMaster", f"TimeStamp gt binary'{since}'")
    assert {o["SalesOrder"] for o in moved} == set(done["orders"]) | set(done["new_orders"])
    for order in moved:
        old = before["SorMaster"].get((order["SalesOrder"],))
        if old is None:
            assert order["OrderStatus"] == "1" and order["OrderDate"] == "2026-04-02T00:00:00Z"
        else:
            assert (old["OrderStatus"], order["OrderStatus"]) in {
                ("1", "4"),
                ("2", "4"),
                ("4", "8"),
                ("8", "9"),
                ("1", "\\"),
                ("2", "\\"),
                ("4", "\\"),
                ("8", "\\"),
            }
            if order["OrderStatus"] == "9":
                assert order["LastInvoice"] in done["invoices"] and order["DateLastInvPrt"] == "2026-04-02T00:00:00Z"
    new_lines = filtered(client, headers, "SorDetail", f"TimeStamp gt binary'{since}'")
    assert {ln["SalesOrder"] for ln in new_lines} >= set(done["new_orders"])
    stock = filtered(client, headers, "InvWarehouse", f"TimeStamp gt binary'{since}'")
    assert {f"{r['StockCode']}@{r['Warehouse']}" for r in stock} >= set(done["stock"])
    assert all(
        r["DateLastSale"] == "2026-04-02T00:00:00Z" or r["DateLastPurchase"] == "2026-04-02T00:00:00Z" for r in stock
    )
    invoices = filtered(client, headers, "ArInvoice", "InvoiceDate eq 2026-04-02")
    assert sorted(i["Invoice"] for i in invoices) == sorted(done["invoices"])
    assert state.integrity() == []


def test_activity_is_deterministic_and_validates_its_counts():
    runs = []
    for _ in range(2):
        app, client, _ = make()
        runs.append(app.state.emulator.simulate_activity(customers=2, orders=3, stock=2, new_orders=1))
        runs.append(app.state.emulator.rows("SorDetail")[-3:])
    assert runs[0] == runs[2] and runs[1] == runs[3]
    bad = client.post("/__emulator/activity", json={"orders": -1})
    assert bad.status_code == 400 and "must be >= 0" in bad.json()["error"]["message"]


def test_inserting_orders_through_the_mutation_api_fills_syspro_defaults():
    app, _, _ = make()
    state = app.state.emulator
    [order] = state.insert("SorMaster", [{"Customer": "0000007", "Warehouse": "TU"}])
    assert order["SalesOrder"] == "000000000400301"
    customer = state.get("ArCustomer", Customer="0000007")
    assert (order["CustomerName"], order["Salesperson"], order["ShipAddress3"]) == (
        customer["Name"],
        customer["Salesperson"],
        customer["ShipToAddr3"],
    )
    code = next(r["StockCode"] for r in state.rows("InvWarehouse") if r["Warehouse"] == "TU")
    lines = state.insert(
        "SorDetail",
        [
            {"SalesOrder": order["SalesOrder"], "MStockCode": code, "MOrderQty": 12},
            {"SalesOrder": order["SalesOrder"], "LineType": "7", "MStockCode": "NOT-IN-INVMASTER", "MOrderQty": 1},
        ],
    )
    assert [ln["SalesOrderLine"] for ln in lines] == [1, 2]
    assert (lines[0]["MWarehouse"], lines[0]["MBackOrderQty"], lines[0]["MStockDes"]) == (
        "TU",
        12,
        state.get("InvMaster", StockCode=code)["Description"],
    )
    assert state.integrity() == []  # a non-stocked line names no InvMaster row, legitimately
    with pytest.raises(Exception, match="not in InvMaster"):
        state.insert("SorDetail", [{"SalesOrder": order["SalesOrder"], "MStockCode": "NOT-IN-INVMASTER"}])


def test_metadata_lists_the_new_columns(seeded):
    _, client, headers = seeded
    xml = client.get(f"{ROOT}/$metadata", headers=headers).text
    for column in ("ShipToAddr1", "DateLastPay", "LastInvoice", "DateLastInvPrt", "NMscChargeValue", "TaxCode"):
        assert f'Name="{column}"' in xml
    per_order = defaultdict(int)
    for line in seeded[0].state.emulator.rows("SorDetail"):
        per_order[line["SalesOrder"]] += 1
    assert len(per_order) == 300


def test_hostile_values_for_client_tests_round_trip_over_the_wire():
    app, client, headers = make()
    state = app.state.emulator
    name = ("Ölwerk 東京 💧 \x07\t" * 700)[:10_000]
    with pytest.raises(Exception, match="would be truncated"):
        state.insert("ArCustomer", [{"Name": name}])
    [hostile] = state.insert("ArCustomer", [{"Name": name, "CreditLimit": -5}], allow_overlong=True)
    body = get(client, headers, f"{ROOT}/ArCustomer('{hostile['Customer']}')")
    assert (body["Name"], body["CreditLimit"]) == (name, -5)
    [edited] = state.update(
        "ArCustomer", keys=[{"Customer": "0000002"}], changes={"Contact": "x" * 300}, allow_overlong=True
    )
    assert len(get(client, headers, f"{ROOT}/ArCustomer('0000002')")["Contact"]) == 300 == len(edited["Contact"])
    orphan = state.orphan_fact("SorMaster", column="Customer")  # an order whose customer is not there yet
    assert state.integrity()[0]["missing_in"] == "ArCustomer"
    state.insert("ArCustomer", [orphan["missing"]["key"]])
    assert state.integrity() == []
