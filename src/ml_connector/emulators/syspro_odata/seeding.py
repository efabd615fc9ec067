"""Builds every table of the demo company from a seed: dimensions first, then the facts naming them."""

from __future__ import annotations

from . import seed_dimensions as dim
from . import seed_ledgers as ledger
from . import seed_operations as ops
from . import seed_sales as sales
from .seed_context import SeedContext


def seed_database(ctx: SeedContext) -> dict[str, list[tuple[object, ...]]]:
    """All rows by table name, in column order. Deterministic for (seed, as_of, counts, date type)."""
    dims = dim.Dimensions()
    rows: dict[str, list[tuple[object, ...]]] = {}
    rows["GenAnalysisCode"] = dim.analysis_codes(ctx)
    centres = [str(r[1]) for r in rows["GenAnalysisCode"]]
    rows["GenMaster"] = dim.gl_accounts(ctx, centres, dims)
    rows["ApSupplier"], rows["ApSupplierAddr"] = dim.suppliers(ctx, dims)
    rows["InvWhControl"] = dim.warehouses(ctx, dims)
    rows["InvMaster"] = dim.stock_items(ctx, dims)
    dim.customers(ctx, dims)
    rows["GenTransaction"] = ledger.gl_postings(ctx, dims)
    rows["ApInvoice"] = ledger.ap_invoices(ctx, dims)
    rows["ArInvoice"], last_sale = ledger.ar_invoices(ctx, dims)
    rows["ArCustomer"] = dim.customer_rows(ctx, dims, last_sale)
    stock = ops.stock_balances(ctx, dims)
    rows["SorMaster"], rows["SorDetail"] = sales.sales_orders(ctx, dims, stock)
    rows["InvWarehouse"] = sales.shortages(ctx, stock, rows["SorMaster"], rows["SorDetail"])
    rows["PorMasterHdr"], rows["PorMasterDetail"] = ops.purchase_orders(ctx, dims)
    return rows
