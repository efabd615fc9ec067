"""Realistic values for columns a mutation-API caller leaves out: next document numbers, names,
amounts, today's date where SYSPRO would stamp it. Callers pass only what their test is about."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from . import new_orders
from . import vocabulary as v
from .seed_dimensions import address, company_names

if TYPE_CHECKING:
    from .database import CompanyDatabase

Values = dict[str, Any]


def _highest(state: CompanyDatabase, table: str, what: tuple[Any, ...], scan: Any) -> int:
    """Highest value ``scan`` finds, memoised per table version, raised by this batch's allocations."""
    store = state.store(table)
    memo = state.scan_cache.get(what)
    if memo is None or memo[0] != store.version:
        memo = (store.version, scan(store.rows))
        state.scan_cache[what] = memo
    return max(memo[1], state.allocations.get(what, 0))


def next_number(state: CompanyDatabase, table: str, column: str, width: int) -> str:
    """One past the highest all-digit value of ``column``, zero-padded like SYSPRO keys."""
    i = state.table(table).index(column)
    what = (table, column)
    highest = _highest(
        state, table, what, lambda rows: max((int(r[i]) for r in rows if str(r[i]).isdigit()), default=0)
    )
    state.allocations[what] = highest + 1
    return f"{highest + 1:0{width}d}"


def next_journal(state: CompanyDatabase, year: int, period: int) -> int:
    what = ("GenTransaction", year, period)
    highest = _highest(
        state,
        "GenTransaction",
        what,
        lambda rows: max((r[2] for r in rows if r[0] == year and r[1] == period), default=0),
    )
    state.allocations[what] = highest + 1
    return highest + 1


def _lookup(state: CompanyDatabase, table: str, **key: Any) -> Values:
    return state.get(table, **key) or {}


def _amount(rng: random.Random) -> float:
    return round(100 + 9900 * rng.random(), 2)


def _on(given: Values, column: str, today: date, state: CompanyDatabase) -> date:
    text = given.get(column)
    return state.dates.to_date(text) if text else today


def defaults(state: CompanyDatabase, table: str, given: Values, today: date) -> Values:
    """Table-specific defaults; ``given`` holds the caller's values already in wire form."""
    rng, day = state.rng, state.dates.day
    if table == "GenTransaction":
        when = _on(given, "JnlDate", today, state)
        year, period = int(given.get("GlYear", when.year)), int(given.get("GlPeriod", when.month))
        return {
            "JnlDate": day(when),
            "GlYear": year,
            "GlPeriod": period,
            "EntryNumber": 1,
            "Journal": next_journal(state, year, period),
            "EntryValue": _amount(rng),
            "Source": "GL",
            "Reference": "EMULATOR",
            "Comment": "Journal posted through the emulator",
        }
    if table == "ApInvoice":
        supplier = _lookup(state, "ApSupplier", Supplier=given.get("Supplier"))
        when = _on(given, "JournalDate", today, state)
        value = float(given.get("CurrencyValue", _amount(rng)))
        taken = {row[1] for row in state.store("ApInvoice").rows if row[0] == given.get("Supplier")}
        invoice = next(f"EMU-{n:06d}" for n in range(1, 10**6) if f"EMU-{n:06d}" not in taken)
        return {
            "Invoice": invoice,
            "InvoiceDate": day(when),
            "JournalDate": day(when),
            "DueDate": day(when + timedelta(days=30)),
            "InvoiceStatus": " ",
            "Currency": supplier.get("Currency", v.LOCAL_CURRENCY),
            "ExchangeRate": 1.0,
            "CurrencyValue": value,
            "OrigInvValue": value,
            "MthInvBal1": value,
            "InvoiceYear": when.year,
            "InvoiceMonth": when.month,
            "Journal": 1,
            "Branch": supplier.get("Branch", "01"),
        }
    if table == "ArInvoice":
        customer = _lookup(state, "ArCustomer", Customer=given.get("Customer"))
        when = _on(given, "InvoiceDate", today, state)
        value = float(given.get("CurrencyValue", _amount(rng)))
        return {
            "Invoice": next_number(state, "ArInvoice", "Invoice", 8),
            "DocumentType": "I",
            "InvoiceDate": day(when),
            "InvoiceBal1": value,
            "CurrencyValue": value,
            "InvoiceYear": when.year,
            "InvoiceMonth": when.month,
            "PostCurrency": customer.get("Currency", v.LOCAL_CURRENCY),
            **{k: customer[k] for k in ("Salesperson", "Branch", "TermsCode") if k in customer},
        }
    if table == "ApSupplier":
        name = company_names(rng, 1, v.SUPPLIER_TRADES)[0]
        return {
            "Supplier": next_number(state, "ApSupplier", "Supplier", 6),
            "SupplierName": name,
            "SupShortName": name.upper()[:20].rstrip(),
            "SupplierClass": "RAW",
            "Branch": "01",
            "TermsCode": "30",
            "Currency": v.LOCAL_CURRENCY,
            "OnHold": "N",
            "DateSuppAdded": day(today),
        }
    if table == "ApSupplierAddr":
        street, line2, city, state_code, country, postal, _phone = address(rng)
        return {
            "SupAddr1": street,
            "SupAddr2": line2,
            "SupAddr3": city,
            "SupAddr4": state_code,
            "SupAddr5": country,
            "SupPostalCode": postal,
        }
    if table == "ArCustomer":
        name = company_names(rng, 1, v.CUSTOMER_TRADES)[0]
        return {
            "Customer": next_number(state, "ArCustomer", "Customer", 7),
            "Name": name,
            "ShortName": name.upper()[:20].rstrip(),
            "Branch": "01",
            "TermsCode": "30",
            "Currency": v.LOCAL_CURRENCY,
            "CreditLimit": 10000,
            "CustomerOnHold": "N",
            "DateCustAdded": day(today),
        }
    if table == "GenMaster":
        return gl_account_defaults(str(given.get("GlCode", "")))
    if table == "GenAnalysisCode":
        return {
            "AnalysisCategory": v.COST_CENTRE_CATEGORY,
            "AnalysisType": 1,
            "Description": f"Cost centre {given.get('AnalysisCode', '')}".strip(),
        }
    if table == "InvWhControl":
        return {"Description": f"WAREHOUSE {given.get('Warehouse', '')}".strip(), "DateLastChanged": day(today)}
    if table == "InvMaster":
        return {"Description": "New stock item", "StockUom": "EA", "ProductClass": "SPAR", "DateStkAdded": day(today)}
    if table == "SorMaster":
        return new_orders.order_defaults(state, given, day(today))
    if table == "SorDetail":
        return new_orders.line_defaults(state, given)
    if table == "PorMasterHdr":
        return {
            "PurchaseOrder": next_number(state, "PorMasterHdr", "PurchaseOrder", 15),
            "OrderStatus": "1",
            "OrderEntryDate": day(today),
            "CancelledFlag": " ",
            "Currency": v.LOCAL_CURRENCY,
            "ExchangeRate": 1.0,
        }
    return {}


def gl_account_defaults(code: str) -> Values:
    """Description, type and group of a GL code from its account and cost-centre segments."""
    parts = code.split("-")
    account = parts[1] if len(parts) == 3 else code
    centre = parts[2] if len(parts) == 3 else ""
    known = {a[0]: a for a in v.ACCOUNTS}.get(account)
    centres = dict(v.COST_CENTRES)
    desc = known[1] if known else f"Account {account}"
    label = f"{desc} - {centres.get(centre, 'Cost centre ' + centre)}" if centre else desc
    return {
        "Description": label[:50],
        "AccountType": known[2] if known else "E",
        "GlGroup": known[3] if known else "OPEX",
        "ReportIndex1": account,
        "ReportIndex2": centre,
    }


def new_dimension_key(state: CompanyDatabase, table: str) -> Values:
    """A key for ``table`` that does not exist yet (used to build orphan facts)."""
    if table == "GenMaster":
        taken = {row[0] for row in state.store("GenMaster").rows}
        for n in range(9500, 10000):
            code = f"{v.GL_COMPANY_SEGMENT}-{n}-100"
            if code not in taken:
                return {"GlCode": code}
    if table == "ApSupplier":
        return {"Supplier": next_number(state, "ApSupplier", "Supplier", 6)}
    if table == "ArCustomer":
        return {"Customer": next_number(state, "ArCustomer", "Customer", 7)}
    if table == "InvWhControl":
        taken = {row[0] for row in state.store("InvWhControl").rows}
        for code in ("DL", "KC", "RN", "SL", *(f"X{n}" for n in range(100))):
            if code not in taken:
                return {"Warehouse": code}
    if table == "InvMaster":
        taken = {row[0] for row in state.store("InvMaster").rows}
        return {"StockCode": next(f"NEW-{n:04d}" for n in range(1, 10**6) if f"NEW-{n:04d}" not in taken)}
    if table == "SorMaster":
        return {"SalesOrder": new_orders.next_sales_order(state)}
    if table == "PorMasterHdr":
        return {"PurchaseOrder": next_number(state, "PorMasterHdr", "PurchaseOrder", 15)}
    raise ValueError(f"Cannot invent a new key for {table}.")
