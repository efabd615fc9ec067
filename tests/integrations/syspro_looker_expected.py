"""What the syspro-looker warehouse must hold, worked out here from the emulator's own rows with a mapping
written out by hand (not the product's column maps), and a value-by-value comparison with the warehouse.

Used by the end-to-end value test and the crash tests: a swapped column, a lost or doubled row, a wrong
sum or a stale value after a merge all show up as a named difference.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _qty(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(MICRO, ROUND_HALF_UP)


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _part(code: Any, index: int) -> str | None:
    if code is None:
        return None
    parts = str(code).split("-")
    return parts[index] if len(parts) >= 3 else None


def expected_tables(state: Any, cost_centre_category: str = "CC") -> dict[str, dict[str, dict[str, Any]]]:
    """table -> key -> row, from the emulator's tables (``state.rows``)."""
    addr = {r["Supplier"]: r for r in state.rows("ApSupplierAddr")}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    out["dim_gl_account"] = {
        r["GlCode"]: {
            "gl_code": r["GlCode"],
            "description": r["Description"],
            "account_type": r["AccountType"],
            "gl_group": r["GlGroup"],
            "company": _part(r["GlCode"], 0),
            "account": _part(r["GlCode"], 1),
            "cost_center": _part(r["GlCode"], 2),
        }
        for r in state.rows("GenMaster")
    }
    out["dim_cost_center"] = {
        r["AnalysisCode"]: {
            "cost_center": r["AnalysisCode"],
            "description": r["Description"],
            "category": r["AnalysisCategory"],
        }
        for r in state.rows("GenAnalysisCode")
        if r["AnalysisCategory"] == cost_centre_category
    }
    out["dim_supplier"] = {}
    for r in state.rows("ApSupplier"):
        a = addr.get(r["Supplier"], {})
        out["dim_supplier"][r["Supplier"]] = {
            "supplier": r["Supplier"],
            "name": r["SupplierName"],
            "currency": r["Currency"],
            "on_hold": r["OnHold"],
            "branch": r["Branch"],
            "terms_code": r["TermsCode"],
            "city": a.get("SupAddr3"),
            "postal_code": a.get("SupPostalCode"),
            "country": a.get("SupAddr5"),
        }
    out["dim_warehouse"] = {
        r["Warehouse"]: {"warehouse": r["Warehouse"], "description": r["Description"]}
        for r in state.rows("InvWhControl")
    }
    out["fct_gl_posting"] = {}
    for r in state.rows("GenTransaction"):
        year, period, journal, entry = (int(r[k]) for k in ("GlYear", "GlPeriod", "Journal", "EntryNumber"))
        key = f"{year}-{period}-{journal}-{entry}"
        out["fct_gl_posting"][key] = {
            "posting_id": key,
            "gl_year": year,
            "gl_period": period,
            "journal": journal,
            "entry_number": entry,
            "gl_code": r["GlCode"],
            "cost_center": _part(r["GlCode"], 2),
            "posting_date": _day(r["JnlDate"]),
            "amount": _money(r["EntryValue"]),
            "reference": r["Reference"],
            "comment": r["Comment"],
            "source": r["Source"],
        }
    out["fct_ap_invoice"] = {
        f"{r['Supplier']}|{r['Invoice']}": {
            "invoice_id": f"{r['Supplier']}|{r['Invoice']}",
            "supplier": r["Supplier"],
            "invoice": r["Invoice"],
            "invoice_date": _day(r["InvoiceDate"]),
            "due_date": _day(r["DueDate"]),
            "currency": r["Currency"],
            "amount": _money(r["OrigInvValue"]),
            "balance": _money(r["MthInvBal1"]),
            "status": r["InvoiceStatus"],
            "branch": r["Branch"],
        }
        for r in state.rows("ApInvoice")
    }
    out["fct_ar_invoice"] = {
        f"{r['Customer']}|{r['Invoice']}|{r['DocumentType']}": {
            "invoice_id": f"{r['Customer']}|{r['Invoice']}|{r['DocumentType']}",
            "customer": r["Customer"],
            "invoice": r["Invoice"],
            "document_type": r["DocumentType"],
            "invoice_date": _day(r["InvoiceDate"]),
            "sales_order": r["SalesOrder"],
            "customer_po": r["CustomerPoNumber"],
            "branch": r["Branch"],
            "amount": _money(r["CurrencyValue"]),
            "balance": _money(r["InvoiceBal1"]),
            "tax": _money(r["TaxPortion"]),
        }
        for r in state.rows("ArInvoice")
    }
    out["fct_inventory_balance"] = {}
    for r in state.rows("InvWarehouse"):
        key = f"{r['StockCode']}|{r['Warehouse']}"
        on_hand, cost = Decimal(str(r["QtyOnHand"] or 0)), Decimal(str(r["UnitCost"] or 0))
        out["fct_inventory_balance"][key] = {
            "balance_id": key,
            "stock_code": r["StockCode"],
            "warehouse": r["Warehouse"],
            "qty_on_hand": _qty(r["QtyOnHand"]),
            "qty_allocated": _qty(r["QtyAllocated"]),
            "qty_on_order": _qty(r["QtyOnOrder"]),
            "unit_cost": _money(r["UnitCost"]),
            "stock_value": (on_hand * cost).quantize(CENT, ROUND_HALF_UP),  # exact product, half a cent up
        }
    return out


KEYS = {
    "dim_gl_account": "gl_code",
    "dim_cost_center": "cost_center",
    "dim_supplier": "supplier",
    "dim_warehouse": "warehouse",
    "fct_gl_posting": "posting_id",
    "fct_ap_invoice": "invoice_id",
    "fct_ar_invoice": "invoice_id",
    "fct_inventory_balance": "balance_id",
}


def warehouse_rows(path: Path, table: str, columns: list[str], schema: str = "syspro") -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as db:
        cursor = db.execute(f"select {', '.join(columns)} from {schema}.{table}")
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def differences(path: Path, state: Any, tables: list[str] | None = None, limit: int = 20) -> list[str]:
    """Every mismatch between the warehouse and the source, as readable lines (empty when equal)."""
    expected = expected_tables(state)
    problems: list[str] = []
    for table in tables or list(KEYS):
        want = expected[table]
        columns = list(next(iter(want.values())).keys())
        got_rows = warehouse_rows(path, table, columns)
        got: dict[str, dict[str, Any]] = {}
        for row in got_rows:
            key = row[KEYS[table]]
            if key in got:
                problems.append(f"{table}: key {key!r} twice")
            got[key] = row
        for key in want.keys() - got.keys():
            problems.append(f"{table}: {key!r} missing")
        for key in got.keys() - want.keys():
            problems.append(f"{table}: {key!r} not in the source")
        for key in want.keys() & got.keys():
            for column in columns:
                a, b = want[key][column], got[key][column]
                if isinstance(b, float) or isinstance(a, float):
                    a, b = _money(a), _money(b)
                if a != b:
                    problems.append(f"{table}[{key!r}].{column}: source {a!r}, warehouse {b!r}")
        if len(problems) >= limit:
            break
    return problems[:limit]


def gl_sums_from_source(state: Any) -> dict[tuple[str, int, int], Decimal]:
    """sum(EntryValue) per GL code, year and period, straight from the emulator's GenTransaction rows."""
    sums: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    for r in state.rows("GenTransaction"):
        sums[(r["GlCode"], int(r["GlYear"]), int(r["GlPeriod"]))] += Decimal(str(r["EntryValue"]))
    return {k: v.quantize(CENT) for k, v in sums.items()}


def gl_sums_in_warehouse(path: Path) -> dict[tuple[str, int, int], Decimal]:
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.execute(
            "select gl_code, gl_year, gl_period, sum(amount) from syspro.fct_gl_posting group by 1, 2, 3"
        ).fetchall()
    return {(code, int(y), int(p)): Decimal(str(total)).quantize(CENT) for code, y, p, total in rows}
