"""SYSPRO -> warehouse (read by Looker): reference data first, then GL postings, invoices and stock.

Declaration only: the streams, their keys, cursors, references and mappings. The engine does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ml_connector.core.cursors import CursorSpec, Precision
from ml_connector.core.streams import Reference, Row, StreamKind, StreamSpec

NAME = "syspro-looker"
ROWVERSION = "TimeStamp"


def _day(value: Any) -> str | None:
    """SYSPRO datetimes carry a 00:00 time; the business value is the date."""
    return None if value in (None, "") else str(value)[:10]


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def gl_account(row: Mapping[str, Any]) -> Row:
    code = row["GlCode"]
    segments = code.split("-")
    return {
        "gl_code": code,
        "description": row.get("Description"),
        "account_type": row.get("AccountType"),
        "gl_group": row.get("GlGroup"),
        "company": segments[0] if len(segments) > 2 else None,
        "account": segments[1] if len(segments) > 2 else segments[0],
        "cost_center": segments[-1] if len(segments) > 2 else None,
    }


def cost_center(row: Mapping[str, Any]) -> Row:
    return {"cost_center": row["AnalysisCode"], "description": row.get("Description"),
            "category": row.get("AnalysisCategory")}


def supplier(row: Mapping[str, Any]) -> Row:
    """ApSupplier joined with ApSupplierAddr (SupAddr3 = city, SupAddr5 = country in the seeded layout)."""
    return {
        "supplier": row["Supplier"], "name": row.get("SupplierName"), "currency": row.get("Currency"),
        "on_hold": row.get("OnHold"), "branch": row.get("Branch"), "terms_code": row.get("TermsCode"),
        "city": row.get("SupAddr3"), "postal_code": row.get("SupPostalCode"), "country": row.get("SupAddr5"),
    }


def warehouse(row: Mapping[str, Any]) -> Row:
    return {"warehouse": row["Warehouse"], "description": row.get("Description")}


def gl_posting(row: Mapping[str, Any]) -> Row:
    code = row["GlCode"]
    segments = code.split("-")
    return {
        "posting_id": f"{_int(row['GlYear'])}-{_int(row['GlPeriod'])}-{_int(row['Journal'])}-{_int(row['EntryNumber'])}",
        "gl_year": _int(row["GlYear"]), "gl_period": _int(row["GlPeriod"]), "journal": _int(row["Journal"]),
        "entry_number": _int(row["EntryNumber"]), "gl_code": code,
        "cost_center": segments[-1] if len(segments) > 2 else None,
        "posting_date": _day(row.get("JnlDate")), "amount": row.get("EntryValue"), "reference": row.get("Reference"),
        "comment": row.get("Comment"), "source": row.get("Source"),
    }


def ap_invoice(row: Mapping[str, Any]) -> Row:
    return {
        "invoice_id": f"{row['Supplier']}|{row['Invoice']}", "supplier": row["Supplier"], "invoice": row["Invoice"],
        "invoice_date": _day(row.get("InvoiceDate")), "due_date": _day(row.get("DueDate")),
        "currency": row.get("Currency"), "amount": row.get("OrigInvValue"), "balance": row.get("MthInvBal1"),
        "status": row.get("InvoiceStatus"), "branch": row.get("Branch"),
    }


def ar_invoice(row: Mapping[str, Any]) -> Row:
    return {
        "invoice_id": f"{row['Customer']}|{row['Invoice']}|{row['DocumentType']}", "customer": row["Customer"],
        "invoice": row["Invoice"], "document_type": row["DocumentType"], "invoice_date": _day(row.get("InvoiceDate")),
        "sales_order": row.get("SalesOrder"), "customer_po": row.get("CustomerPoNumber"), "branch": row.get("Branch"),
        "amount": row.get("CurrencyValue"), "balance": row.get("InvoiceBal1"), "tax": row.get("TaxPortion"),
    }


def inventory_balance(row: Mapping[str, Any]) -> Row:
    qty, cost = row.get("QtyOnHand") or 0, row.get("UnitCost") or 0
    return {
        "balance_id": f"{row['StockCode']}|{row['Warehouse']}", "stock_code": row["StockCode"],
        "warehouse": row["Warehouse"], "qty_on_hand": row.get("QtyOnHand"), "qty_allocated": row.get("QtyAllocated"),
        "qty_on_order": row.get("QtyOnOrder"), "unit_cost": row.get("UnitCost"),
        "stock_value": round(float(qty) * float(cost), 2),
    }


DEFAULT_CURSORS: dict[str, tuple[str, Precision]] = {
    # stream: (column, precision). Date columns per syspro-qad.md 4.4; "rowversion" uses TimeStamp.
    "gl_posting": ("JnlDate", Precision.DATE),
    "ap_invoice": ("JournalDate", Precision.DATE),
    "ar_invoice": ("InvoiceDate", Precision.DATE),
}


def streams(
    cursor_modes: Mapping[str, str] | None = None, *, lookback_days: int = 3, cost_centre_category: str = "CC"
) -> list[StreamSpec]:
    """The streams, with each fact's cursor as configured: "date" (default), "rowversion" or "full"."""
    modes = dict(cursor_modes or {})

    def cursor(stream: str) -> CursorSpec | None:
        mode = modes.get(stream, "date" if stream in DEFAULT_CURSORS else "full")
        if mode == "full":
            return None
        if mode == "rowversion":
            return CursorSpec(ROWVERSION, Precision.ROWVERSION)
        column, precision = DEFAULT_CURSORS[stream]
        return CursorSpec(column, precision, lookback=timedelta(days=lookback_days))

    ignore = frozenset({ROWVERSION})
    dims = [
        StreamSpec("gl_account", "GenMaster", ("GlCode",), "dim_gl_account", ("gl_code",), gl_account,
                   StreamKind.DIMENSION, hash_ignore=ignore),
        StreamSpec("cost_center", "GenAnalysisCode", ("AnalysisCategory", "AnalysisCode"), "dim_cost_center",
                   ("cost_center",), cost_center, StreamKind.DIMENSION, hash_ignore=ignore,
                   options={"filter": f"AnalysisCategory eq '{cost_centre_category.replace(chr(39), chr(39) * 2)}'"}),
        StreamSpec("supplier", "ApSupplier", ("Supplier",), "dim_supplier", ("supplier",), supplier,
                   StreamKind.DIMENSION, hash_ignore=frozenset({ROWVERSION}),
                   options={"join": ("ApSupplierAddr", "Supplier")}),
        StreamSpec("warehouse", "InvWhControl", ("Warehouse",), "dim_warehouse", ("warehouse",), warehouse,
                   StreamKind.DIMENSION, hash_ignore=ignore),
    ]
    facts = [
        StreamSpec("gl_posting", "GenTransaction", ("GlYear", "GlPeriod", "Journal", "EntryNumber"),
                   "fct_gl_posting", ("posting_id",), gl_posting, cursor=cursor("gl_posting"), hash_ignore=ignore,
                   references=(Reference("gl_code", "gl_account", "GL account"),
                               Reference("cost_center", "cost_center", "cost centre"))),
        StreamSpec("ap_invoice", "ApInvoice", ("Supplier", "Invoice"), "fct_ap_invoice", ("invoice_id",),
                   ap_invoice, cursor=cursor("ap_invoice"), hash_ignore=ignore,
                   references=(Reference("supplier", "supplier", "supplier"),)),
        StreamSpec("ar_invoice", "ArInvoice", ("Customer", "Invoice", "DocumentType"), "fct_ar_invoice",
                   ("invoice_id",), ar_invoice, cursor=cursor("ar_invoice"), hash_ignore=ignore),
        StreamSpec("inventory_balance", "InvWarehouse", ("StockCode", "Warehouse"), "fct_inventory_balance",
                   ("balance_id",), inventory_balance, cursor=cursor("inventory_balance"), hash_ignore=ignore,
                   references=(Reference("warehouse", "warehouse", "warehouse"),)),
    ]
    return dims + facts
