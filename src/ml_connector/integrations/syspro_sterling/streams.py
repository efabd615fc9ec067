"""SYSPRO -> Sterling streams: purchase orders (850), customer invoices (810), shipments (856), the
supplier <-> trading partner sync, and the 997 inbox. Declarations and pure mappers only.

Shipments: SYSPRO has no shipment table in OData, so a shipment is a sales order (SorMaster) whose
OrderStatus says it was dispatched (8 to invoice, 9 complete; configurable), with its SorDetail lines
that have MShipQty > 0; the shipment id is the sales order number.
Invoice lines: ArInvoice has no detail table in OData; lines come from the SorDetail of the invoice's
SalesOrder, else one line carrying the invoice value. Credit notes (DocumentType C) are not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ml_connector.core.cursors import CursorSpec, Precision
from ml_connector.core.streams import Row, StreamKind, StreamSpec

NAME = "syspro-sterling"
IGNORED = frozenset({"TimeStamp"})
DOCUMENT_STREAMS = {"purchase_order": "850", "invoice": "810", "shipment": "856"}
ACK_STREAM = "ack_997"


def _day(value: Any) -> str | None:
    return None if value in (None, "") else str(value)[:10]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def purchase_order(row: Mapping[str, Any]) -> Row:
    return {
        "set": "850", "document_id": _text(row["PurchaseOrder"]), "party_kind": "supplier",
        "party": _text(row["Supplier"]), "date": _day(row.get("OrderEntryDate")),
        "due_date": _day(row.get("OrderDueDate")), "buyer": _text(row.get("Buyer")),
        "currency": _text(row.get("Currency")), "warehouse": _text(row.get("Warehouse")),
        "cancelled": _text(row.get("CancelledFlag")) == "Y",
        "lines": [
            {"line": int(d["Line"]), "stock_code": _text(d.get("MStockCode")), "description": _text(d.get("MStockDes")),
             "quantity": d.get("MOrderQty") or 0, "unit": _text(d.get("MOrderUom")) or "EA", "price": d.get("MPrice"),
             "due_date": _day(d.get("MLatestDueDate"))}
            for d in row.get("Lines", []) if _text(d.get("MStockCode"))
        ],
    }  # fmt: skip


def invoice(row: Mapping[str, Any]) -> Row:
    lines = [
        {"line": int(d["SalesOrderLine"]), "stock_code": _text(d.get("MStockCode")),
         "description": _text(d.get("MStockDes")), "quantity": d.get("MShipQty") or d.get("MOrderQty") or 0,
         "unit": _text(d.get("MOrderUom")) or "EA", "price": d.get("MPrice") or 0}
        for d in row.get("Lines", []) if _text(d.get("MStockCode"))
    ]  # fmt: skip
    amount, tax = row.get("CurrencyValue") or 0, row.get("TaxPortion") or 0
    if not lines:
        lines = [{"line": 1, "stock_code": "INVOICE", "description": "Invoice total", "quantity": 1, "unit": "EA",
                  "price": round(float(amount) - float(tax), 2)}]  # fmt: skip
    return {
        "set": "810", "document_id": f"{_text(row['Customer'])}-{_text(row['Invoice'])}", "party_kind": "customer",
        "party": _text(row["Customer"]), "invoice": _text(row["Invoice"]), "date": _day(row.get("InvoiceDate")),
        "po_number": _text(row.get("CustomerPoNumber")), "sales_order": _text(row.get("SalesOrder")),
        "currency": _text(row.get("PostCurrency")), "amount": amount, "tax": tax,
        "terms": _text(row.get("TermsCode")), "lines": lines,
    }  # fmt: skip


def shipment(row: Mapping[str, Any]) -> Row:
    lines = [
        {"line": int(d["SalesOrderLine"]), "stock_code": _text(d.get("MStockCode")),
         "description": _text(d.get("MStockDes")), "quantity": d.get("MShipQty"), "ordered": d.get("MOrderQty"),
         "unit": _text(d.get("MOrderUom")) or "EA", "ship_date": _day(d.get("MLineShipDate"))}
        for d in row.get("Lines", []) if _text(d.get("MStockCode")) and (d.get("MShipQty") or 0) > 0
    ]  # fmt: skip
    dates = [line["ship_date"] for line in lines if line["ship_date"]]
    return {
        "set": "856", "document_id": _text(row["SalesOrder"]), "party_kind": "customer",
        "party": _text(row["Customer"]), "customer_name": _text(row.get("CustomerName")),
        "po_number": _text(row.get("CustomerPoNumber")) or _text(row["SalesOrder"]),
        "order_date": _day(row.get("OrderDate")),
        "date": max(dates) if dates else _day(row.get("ReqShipDate")) or _day(row.get("OrderDate")),
        "address": [_text(row.get(f"ShipAddress{i}")) for i in (1, 2)],
        "city": _text(row.get("ShipAddress3")), "state": _text(row.get("ShipAddress4")),
        "postal_code": _text(row.get("ShipPostalCode")), "lines": lines,
    }  # fmt: skip


def supplier(row: Mapping[str, Any]) -> Row:
    """ApSupplier + ApSupplierAddr (SupAddr3 city, SupAddr4 state, SupAddr5 country in the seeded layout)."""
    return {
        "code": _text(row["Supplier"]), "name": _text(row.get("SupplierName")),
        "address": [a for a in (_text(row.get("SupAddr1")), _text(row.get("SupAddr2"))) if a],
        "city": _text(row.get("SupAddr3")), "state": _text(row.get("SupAddr4")),
        "postal_code": _text(row.get("SupPostalCode")), "country": _text(row.get("SupAddr5")),
        "contact": _text(row.get("Contact")), "email": _text(row.get("Email")), "phone": _text(row.get("Telephone")),
    }  # fmt: skip


def _in(column: str, values: list[str]) -> str:
    quoted = " or ".join(f"{column} eq '{v.replace(chr(39), chr(39) * 2)}'" for v in values)
    return f"({quoted})" if values else "false"


def streams(
    suppliers: list[str],
    customers: list[str],
    *,
    since: str | None,
    lookback_days: int,
    shipment_statuses: list[str],
    sync_suppliers: bool,
) -> list[StreamSpec]:
    """Only documents of SYSPRO suppliers / customers mapped to a trading partner are read."""
    lookback = timedelta(days=lookback_days)

    def dated(column: str, *parts: str) -> str:
        return " and ".join([*parts, *([f"{column} ge {since}T00:00:00Z"] if since else [])])

    specs: list[StreamSpec] = []
    if sync_suppliers and suppliers:
        specs.append(
            StreamSpec(
                "supplier_partner",
                "ApSupplier",
                ("Supplier",),
                "tradingpartners",
                ("code",),
                supplier,
                StreamKind.DIMENSION,
                hash_ignore=IGNORED,
                options={"filter": _in("Supplier", suppliers), "join": ("ApSupplierAddr", "Supplier")},
            )
        )
    documents = [
        StreamSpec("purchase_order", "PorMasterHdr", ("PurchaseOrder",), "x12:850", ("document_id",), purchase_order,
                   cursor=CursorSpec("OrderEntryDate", Precision.DATE, lookback=lookback), hash_ignore=IGNORED,
                   options={"filter": dated("OrderEntryDate", _in("Supplier", suppliers)),
                            "lines": ("PorMasterDetail", "PurchaseOrder", "PurchaseOrder", "Line")}),
        StreamSpec("invoice", "ArInvoice", ("Customer", "Invoice", "DocumentType"), "x12:810", ("document_id",),
                   invoice, cursor=CursorSpec("InvoiceDate", Precision.DATE, lookback=lookback),
                   hash_ignore=IGNORED | {"InvoiceBal1"},
                   options={"filter": dated("InvoiceDate", "DocumentType eq 'I'", _in("Customer", customers)),
                            "lines": ("SorDetail", "SalesOrder", "SalesOrder", "SalesOrderLine")}),
        StreamSpec("shipment", "SorMaster", ("SalesOrder",), "x12:856", ("document_id",), shipment,
                   hash_ignore=IGNORED | {"OrderStatus"},
                   options={"filter": dated("OrderDate", _in("OrderStatus", shipment_statuses),
                                            _in("Customer", customers)),
                            "lines": ("SorDetail", "SalesOrder", "SalesOrder", "SalesOrderLine")}),
    ]  # fmt: skip
    wanted = {"purchase_order": bool(suppliers), "invoice": bool(customers), "shipment": bool(customers)}
    specs += [s for s in documents if wanted[s.name]]
    specs.append(StreamSpec(ACK_STREAM, "Sterling inbox", ("message",), "ledger", ("message",), dict))
    return specs
