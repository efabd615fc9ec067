"""SYSPRO -> warehouse (read by Looker): reference data first, then GL postings, invoices and stock.

Declaration only: the streams, their keys, cursors, references and mappings. The engine does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ml_connector.core.columns import ColumnMap, Copy, Day, Int, Join, Product, Segment
from ml_connector.core.cursors import CursorSpec, Precision
from ml_connector.core.streams import Reference, StreamKind, StreamSpec, mapped_by

NAME = "syspro-looker"
ROWVERSION = "TimeStamp"


GL_ACCOUNT: ColumnMap = (
    ("gl_code", Copy("GlCode")),
    ("description", Copy("Description")),
    ("account_type", Copy("AccountType")),
    ("gl_group", Copy("GlGroup")),
    ("company", Segment("GlCode", 0)),
    ("account", Segment("GlCode", 1)),
    ("cost_center", Segment("GlCode", 2)),
)
COST_CENTER: ColumnMap = (
    ("cost_center", Copy("AnalysisCode")),
    ("description", Copy("Description")),
    ("category", Copy("AnalysisCategory")),
)
# ApSupplier joined with ApSupplierAddr (SupAddr3 = city, SupAddr5 = country in the seeded layout).
SUPPLIER: ColumnMap = (
    ("supplier", Copy("Supplier")),
    ("name", Copy("SupplierName")),
    ("currency", Copy("Currency")),
    ("on_hold", Copy("OnHold")),
    ("branch", Copy("Branch")),
    ("terms_code", Copy("TermsCode")),
    ("city", Copy("SupAddr3")),
    ("postal_code", Copy("SupPostalCode")),
    ("country", Copy("SupAddr5")),
)
WAREHOUSE: ColumnMap = (("warehouse", Copy("Warehouse")), ("description", Copy("Description")))
GL_POSTING: ColumnMap = (
    ("posting_id", Join(("GlYear", "GlPeriod", "Journal", "EntryNumber"), "-", integers=True)),
    ("gl_year", Int("GlYear")),
    ("gl_period", Int("GlPeriod")),
    ("journal", Int("Journal")),
    ("entry_number", Int("EntryNumber")),
    ("gl_code", Copy("GlCode")),
    ("cost_center", Segment("GlCode", 2)),
    ("posting_date", Day("JnlDate")),
    ("amount", Copy("EntryValue")),
    ("reference", Copy("Reference")),
    ("comment", Copy("Comment")),
    ("source", Copy("Source")),
)
AP_INVOICE: ColumnMap = (
    ("invoice_id", Join(("Supplier", "Invoice"))),
    ("supplier", Copy("Supplier")),
    ("invoice", Copy("Invoice")),
    ("invoice_date", Day("InvoiceDate")),
    ("due_date", Day("DueDate")),
    ("currency", Copy("Currency")),
    ("amount", Copy("OrigInvValue")),
    ("balance", Copy("MthInvBal1")),
    ("status", Copy("InvoiceStatus")),
    ("branch", Copy("Branch")),
)
AR_INVOICE: ColumnMap = (
    ("invoice_id", Join(("Customer", "Invoice", "DocumentType"))),
    ("customer", Copy("Customer")),
    ("invoice", Copy("Invoice")),
    ("document_type", Copy("DocumentType")),
    ("invoice_date", Day("InvoiceDate")),
    ("sales_order", Copy("SalesOrder")),
    ("customer_po", Copy("CustomerPoNumber")),
    ("branch", Copy("Branch")),
    ("amount", Copy("CurrencyValue")),
    ("balance", Copy("InvoiceBal1")),
    ("tax", Copy("TaxPortion")),
)
INVENTORY_BALANCE: ColumnMap = (
    ("balance_id", Join(("StockCode", "Warehouse"))),
    ("stock_code", Copy("StockCode")),
    ("warehouse", Copy("Warehouse")),
    ("qty_on_hand", Copy("QtyOnHand")),
    ("qty_allocated", Copy("QtyAllocated")),
    ("qty_on_order", Copy("QtyOnOrder")),
    ("unit_cost", Copy("UnitCost")),
    ("stock_value", Product("QtyOnHand", "UnitCost")),
)


DEFAULT_CURSORS: dict[str, tuple[str, Precision]] = {
    # stream: (column, precision). Date columns: docs/PROTOCOLS.md (SYSPRO OData); "rowversion" uses TimeStamp.
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

    def spec(
        name: str,
        source: str,
        key: tuple[str, ...],
        target: str,
        target_key: str,
        columns: ColumnMap,
        kind: StreamKind = StreamKind.FACT,
        **extra: Any,
    ) -> StreamSpec:
        return StreamSpec(
            name,
            source,
            key,
            target,
            (target_key,),
            mapped_by(columns),
            kind,
            columns=columns,
            hash_ignore=ignore,
            **extra,
        )

    category = cost_centre_category.replace("'", "''")
    dims = [
        spec("gl_account", "GenMaster", ("GlCode",), "dim_gl_account", "gl_code", GL_ACCOUNT, StreamKind.DIMENSION),
        spec(
            "cost_center",
            "GenAnalysisCode",
            ("AnalysisCategory", "AnalysisCode"),
            "dim_cost_center",
            "cost_center",
            COST_CENTER,
            StreamKind.DIMENSION,
            options={"filter": f"AnalysisCategory eq '{category}'"},
        ),
        spec(
            "supplier",
            "ApSupplier",
            ("Supplier",),
            "dim_supplier",
            "supplier",
            SUPPLIER,
            StreamKind.DIMENSION,
            options={"join": ("ApSupplierAddr", "Supplier")},
        ),
        spec(
            "warehouse", "InvWhControl", ("Warehouse",), "dim_warehouse", "warehouse", WAREHOUSE, StreamKind.DIMENSION
        ),
    ]
    facts = [
        spec(
            "gl_posting",
            "GenTransaction",
            ("GlYear", "GlPeriod", "Journal", "EntryNumber"),
            "fct_gl_posting",
            "posting_id",
            GL_POSTING,
            cursor=cursor("gl_posting"),
            references=(
                Reference("gl_code", "gl_account", "GL account"),
                Reference("cost_center", "cost_center", "cost centre"),
            ),
        ),
        spec(
            "ap_invoice",
            "ApInvoice",
            ("Supplier", "Invoice"),
            "fct_ap_invoice",
            "invoice_id",
            AP_INVOICE,
            cursor=cursor("ap_invoice"),
            references=(Reference("supplier", "supplier", "supplier"),),
        ),
        spec(
            "ar_invoice",
            "ArInvoice",
            ("Customer", "Invoice", "DocumentType"),
            "fct_ar_invoice",
            "invoice_id",
            AR_INVOICE,
            cursor=cursor("ar_invoice"),
        ),
        spec(
            "inventory_balance",
            "InvWarehouse",
            ("StockCode", "Warehouse"),
            "fct_inventory_balance",
            "balance_id",
            INVENTORY_BALANCE,
            cursor=cursor("inventory_balance"),
            references=(Reference("warehouse", "warehouse", "warehouse"),),
        ),
    ]
    return dims + facts
