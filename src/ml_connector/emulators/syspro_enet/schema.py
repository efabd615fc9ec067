"""The SYSPRO company tables the e.net emulator keeps, with SQL types from docs/PROTOCOLS.md (tables read) and
section 6 (exact where the reference has an EF scaffold, [I] elsewhere), and how COMFND renders them:
char columns space-padded, decimals right-aligned, empty dates ``0000-00-00``, rowversion as hex."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Col:
    """A column: ``kind`` is varchar, char, decimal, date or rowversion."""

    kind: str
    width: int = 0
    scale: int = 0


def V(width: int) -> Col:
    return Col("varchar", width)


def C(width: int) -> Col:
    return Col("char", width)


def D(precision: int, scale: int = 0) -> Col:
    return Col("decimal", precision, scale)


DATE = Col("date")
ROWVERSION = Col("rowversion")


def _addr(prefix: str, width: int = 40) -> dict[str, Col]:
    return {f"{prefix}{n}": V(width) for n in range(1, 6)}


TABLES: dict[str, tuple[tuple[str, ...], dict[str, Col]]] = {
    "ArCustomer": (("Customer",), {
        "Customer": V(15), "Name": V(50), "ShortName": V(20), "Branch": V(10), "Email": V(255),
        "Telephone": V(20), "Contact": V(50), "Currency": C(3), "TermsCode": C(2), "CustomerClass": V(10),
        "CreditLimit": D(12), **_addr("SoldToAddr"), "SoldPostalCode": V(10), **_addr("ShipToAddr"),
        "ShipPostalCode": V(10), "CustomerOnHold": C(1), "DateCustAdded": DATE, "TimeStamp": ROWVERSION,
    }),
    "ApSupplier": (("Supplier",), {  # SupAddr* live in ApSupplierAddr in SYSPRO 7+; one row here
        "Supplier": V(15), "SupplierName": V(50), "SupShortName": V(20), "Currency": C(3), "Telephone": V(20),
        "Email": V(255), "Contact": V(40), **_addr("SupAddr"), "SupPostalCode": V(10), "EdiReceiverCode": V(15),
        "OnHold": C(1), "SupplierType": C(1), "DateSuppAdded": DATE, "TimeStamp": ROWVERSION,
    }),
    "SalBranch": (("Branch",), {"Branch": V(10), "Description": V(50), "TimeStamp": ROWVERSION}),
    "SorMaster": (("SalesOrder",), {
        "SalesOrder": V(20), "OrderStatus": C(1), "DocumentType": C(1), "Customer": V(15),
        "CustomerPoNumber": V(30), "OrderDate": DATE, "EntrySystemDate": DATE, "ReqShipDate": DATE,
        "ShippingInstrs": V(50), "Branch": V(10), "Warehouse": V(10), "CustomerName": V(50),
        **_addr("ShipAddress"), "ShipPostalCode": V(10), "Email": V(255), "Currency": C(3),
        "LastInvoice": V(20), "TimeStamp": ROWVERSION,
    }),
    "SorDetail": (("SalesOrder", "SalesOrderLine"), {
        "SalesOrder": V(20), "SalesOrderLine": D(4), "LineType": C(1), "MStockCode": V(30),
        "MStockDes": V(50), "MWarehouse": V(10), "MOrderQty": D(18, 6), "MOrderUom": V(10),
        "MPrice": D(15, 5), "MProductClass": V(20), "MTaxCode": C(3), "MCusSupStkCode": V(30),
        "NMscChargeValue": D(14, 2), "TimeStamp": ROWVERSION,
    }),
    "ArInvoice": (("Customer", "Invoice", "DocumentType"), {
        "Customer": V(15), "Invoice": V(20), "DocumentType": C(1), "InvoiceDate": DATE,
        "SalesOrder": V(20), "CustomerPoNumber": V(30), "Branch": V(10), "CurrencyValue": D(14, 2),
        "InvoiceBal1": D(14, 2), "InvoiceYear": D(4), "InvoiceMonth": D(2), "TimeStamp": ROWVERSION,
    }),
    "GenMaster": (("GlCode",), {
        "GlCode": V(35), "Description": V(50), "AccountType": C(1), "GlGroup": V(10), "TimeStamp": ROWVERSION,
    }),
    "GenJournalCtl": (("GlYear", "GlPeriod", "Journal"), {
        "GlYear": D(4), "GlPeriod": D(2), "Journal": D(10), "JournalDate": DATE, "JournalType": C(1),
        "Reference": V(30), "Notation": V(100), "JnlStatus": C(1), "NumOfEntries": D(10),
        "DebitAmount": D(14, 2), "CreditAmount": D(14, 2), "Operator": V(20), "TimeStamp": ROWVERSION,
    }),
    "GenJournalDetail": (("GlYear", "GlPeriod", "Journal", "EntryNumber"), {
        "GlYear": D(4), "GlPeriod": D(2), "Journal": D(10), "EntryNumber": D(10), "EntryType": C(1),
        "GlCode": V(35), "Reference": V(30), "Comment": V(100), "EntryValue": D(14, 2),
        "EntryDate": DATE, "EntryPosted": C(1), "TimeStamp": ROWVERSION,
    }),
    "GenTransaction": (("GlYear", "GlPeriod", "Journal", "EntryNumber"), {
        "GlYear": D(4), "GlPeriod": D(2), "Journal": D(10), "EntryNumber": D(10), "GlCode": V(35),
        "JnlDate": DATE, "EntryValue": D(14, 2), "Reference": V(30), "Comment": V(100), "Source": C(2),
        "TimeStamp": ROWVERSION,
    }),
    "InvMaster": (("StockCode",), {
        "StockCode": V(30), "Description": V(50), "StockUom": V(10), "ProductClass": V(20),
        "TaxCode": C(3), "TimeStamp": ROWVERSION,
    }),
    "InvWhControl": (("Warehouse",), {"Warehouse": V(10), "Description": V(50), "TimeStamp": ROWVERSION}),
    "InvWarehouse": (("StockCode", "Warehouse"), {
        "StockCode": V(30), "Warehouse": V(10), "QtyOnHand": D(18, 6), "QtyAllocated": D(18, 6),
        "UnitCost": D(15, 5), "TimeStamp": ROWVERSION,
    }),
}  # fmt: skip


def canonical_table(name: str) -> str | None:
    """SQL Server names are case-insensitive."""
    return next((t for t in TABLES if t.lower() == name.strip().lower()), None)


def canonical_column(table: str, name: str) -> str | None:
    return next((c for c in TABLES[table][1] if c.lower() == name.strip().lower()), None)


def render(col: Col, value: Any) -> str:
    """A value as COMFND/COMFCH print it."""
    if col.kind == "rowversion":
        return f"0x{int(value or 0):016X}"
    if col.kind == "date":
        return value.isoformat() if isinstance(value, date) else "0000-00-00"
    if col.kind == "decimal":
        number = Decimal(value if value is not None else 0)
        text = f"{number:.{col.scale}f}"
        return text.rjust(col.width + (1 if col.scale else 0))
    if col.kind == "char":
        return str(value or "").ljust(col.width)
    return str(value or "")


def data_type(col: Col) -> str:
    """COMBRW's ``DataType`` label."""
    return {"decimal": "Numeric", "date": "Date"}.get(col.kind, "AlphaNumeric")
