"""syspro-pipedrive's pure row functions: stock status text, cleaning of SYSPRO text, the stage table,
and the request body built from logical fields."""

from __future__ import annotations

from ml_connector.integrations.syspro_pipedrive.mappings import stage_for
from ml_connector.integrations.syspro_pipedrive.settings import SysproPipedriveSettings
from ml_connector.integrations.syspro_pipedrive.streams import deal_row, stock_status, text
from ml_connector.integrations.syspro_pipedrive.targets import body_of, fit, parse_ref

STOCK = {
    ("10-4010", "AK"): {"QtyOnHand": 20, "QtyAllocated": 8},
    ("VLV-1", "AK"): {"QtyOnHand": 100, "QtyAllocated": 0},
}


def line(n: int, code: str, backorder: float, price: float = 10.0, kind: str = "1") -> dict:
    return {"SalesOrderLine": n, "LineType": kind, "MStockCode": code, "MWarehouse": "AK", "MOrderQty": backorder,
            "MShipQty": 0, "MBackOrderQty": backorder, "MPrice": price}  # fmt: skip


def test_stock_status_names_short_lines_with_need_and_availability() -> None:
    assert stock_status([line(1, "VLV-1", 5), line(2, "VLV-1", 7)], STOCK) == "all 2 lines available"
    short = stock_status([line(1, "10-4010", 40), line(2, "VLV-1", 5), line(3, "NOPE", 1)], STOCK)
    assert short == "2 of 3 lines short: 10-4010 (needs 40, 12 available); NOPE (needs 1, 0 available)"
    assert stock_status([line(1, "VLV-1", 0), line(2, "FREIGHT", 3, kind="4")], STOCK) == "no open stock lines"


def test_text_is_cleaned_and_long_values_are_cut_with_a_mark() -> None:
    assert text("  Tab\there\x07\x00 \r\nnext  ") == "Tab here next"
    assert text(None) == ""
    assert fit("x" * 10_000) == "x" * 254 + "…" and len(fit("x" * 10_000)) == 255
    assert fit("Ωμέγα 🚀") == "Ωμέγα 🚀"


def test_deal_row_values_and_stage_table() -> None:
    order = {
        "SalesOrder": "000000000400007",
        "Customer": "0000001",
        "CustomerName": "Acme",
        "Currency": "EUR",
        "OrderDate": "2026-03-02T00:00:00Z",
        "ReqShipDate": None,
        "OrderStatus": "4",
        "CancelledFlag": " ",
    }
    row = deal_row(order, [line(1, "VLV-1", 2, 1e12), line(2, "X", 1, 5.0, kind="6")], "all 1 lines available")
    assert row["title"] == "SYSPRO order 400007 Acme"
    assert row["value"] == 2e12 and row["backlog_value"] == 2e12  # huge amounts stay exact enough as numbers
    assert [ln["code"] for ln in row["lines"]] == ["VLV-1"]  # comment lines are not products
    assert row["expected_close_date"] is None
    cfg = SysproPipedriveSettings()
    assert stage_for(row, cfg) == {"status": "open", "stage_id": 3}
    assert stage_for({**row, "order_status": "9"}, cfg) == {"status": "won"}
    assert stage_for({**row, "order_status": "\\"}, cfg) == {"status": "lost"}
    assert stage_for({**row, "cancelled": True}, cfg) == {"status": "lost"}


def test_body_of_nests_custom_fields_and_expands_the_stage() -> None:
    body = body_of({"title": "T", "stage": {"status": "open", "stage_id": 2}, "cf:abc": 1, "cf:def": None})
    assert body == {"title": "T", "status": "open", "stage_id": 2, "custom_fields": {"abc": 1, "def": None}}
    assert parse_ref("123 (merged: 45 into 123)") == 123 and parse_ref(None) is None
