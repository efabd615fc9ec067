"""SYSPRO -> Pipedrive streams and the pure functions that turn SYSPRO rows into the rows the targets send.

Rows carry business values only (no Pipedrive keys): the content hash of a row changes exactly when
something Pipedrive should show changes, so an unchanged customer, order or product costs no token.
Text is cleaned for Pipedrive (control characters dropped, trailing SYSPRO padding trimmed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ml_connector.core.streams import Row, StreamKind, StreamSpec

NAME = "syspro-pipedrive"
PRODUCT, ORGANIZATION, DEAL = "product", "organization", "deal"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BREAKS = re.compile(r" *[\t\r\n][\t\r\n ]*")
ZERO, CENT = Decimal(0), Decimal("0.01")
STOCK_LINE = "1"  # SorDetail.LineType: 1 = stocked line (syspro-qad.md §6.15)


def text(value: Any) -> str:
    """SYSPRO text as Pipedrive should show it: control characters dropped, padding trimmed."""
    return BREAKS.sub(" ", CONTROL.sub("", str(value or ""))).strip()


def number(value: Any) -> float:
    return float(Decimal(str(value or 0)))


def qty(value: float) -> str:
    return f"{value:g}"


def address(row: Mapping[str, Any]) -> str:
    parts = [text(row.get(f"SoldToAddr{n}")) for n in range(1, 6)] + [text(row.get("SoldPostalCode"))]
    return ", ".join(p for p in parts if p)


def available(stock: Mapping[tuple[str, str], Mapping[str, Any]], code: str, warehouse: str) -> float:
    row = stock.get((code, warehouse))
    return number(row["QtyOnHand"]) - number(row["QtyAllocated"]) if row else 0.0


def outstanding(line: Mapping[str, Any]) -> float:
    """What the line still has to ship: ``MBackOrderQty`` (= MOrderQty - MShipQty as the SYSPRO emulator
    models it; [I] on a real SYSPRO check that your release process keeps it so)."""
    return number(line.get("MBackOrderQty"))


def stock_status(lines: Sequence[Mapping[str, Any]], stock: Mapping[tuple[str, str], Mapping[str, Any]]) -> str:
    """'all 5 lines available' or '2 of 5 lines short: 10-4010 (needs 40, 12 available); ...'."""
    open_lines = [ln for ln in lines if text(ln.get("LineType")) == STOCK_LINE and outstanding(ln) > 0]
    if not open_lines:
        return "no open stock lines"
    short = []
    for ln in open_lines:
        code, warehouse = text(ln["MStockCode"]), text(ln["MWarehouse"])
        have = available(stock, code, warehouse)
        if have < outstanding(ln):
            short.append(f"{code} (needs {qty(outstanding(ln))}, {qty(max(have, 0.0))} available)")
    if not short:
        return f"all {len(open_lines)} lines available"
    return f"{len(short)} of {len(open_lines)} lines short: " + "; ".join(short)


def product_row(master: Mapping[str, Any], stock_rows: Sequence[Mapping[str, Any]], currency: str) -> Row:
    per_warehouse = []
    for s in sorted(stock_rows, key=lambda r: text(r["Warehouse"])):
        on_hand, allocated = number(s["QtyOnHand"]), number(s["QtyAllocated"])
        per_warehouse.append(
            f"{text(s['Warehouse'])}: on hand {qty(on_hand)}, allocated {qty(allocated)}, "
            f"available {qty(on_hand - allocated)}"
        )
    return {
        "code": text(master["StockCode"]),
        "name": text(master.get("Description")) or text(master["StockCode"]),
        "unit": text(master.get("StockUom")),
        "cost": number(master.get("MaterialCost")),
        "currency": currency,
        "stock": "; ".join(per_warehouse) or "not stocked in any warehouse",
    }


def balances(invoices: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Customer code -> the sum of ``InvoiceBal1`` over its AR documents, added up as Decimal and rounded
    to cents (``ROUND_HALF_UP``; the column is decimal(14,2), so this only normalises).

    ``InvoiceBal1`` is the outstanding local-currency balance of one invoice, credit note or debit note
    (syspro-qad.md §6.2 [I]); it is summed as signed: an open credit note is stored negative (as the SYSPRO
    OData emulator seeds it), so it lowers the balance. No sign is flipped by ``DocumentType``.
    Customers without open documents are absent (their balance is 0).
    """
    totals: dict[str, Decimal] = {}
    for inv in invoices:
        code = text(inv["Customer"])
        totals[code] = totals.get(code, ZERO) + Decimal(str(inv.get("InvoiceBal1") or 0))
    return {code: money(total) for code, total in totals.items()}


def money(value: Decimal) -> float:
    """Cents, as the JSON number Pipedrive's double field takes; never ``-0.0`` (its hash would differ)."""
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return float(cents) if cents else 0.0


def organization_row(customer: Mapping[str, Any], status: str, balance: float | None = None) -> Row:
    """``balance`` is None when the balance field is not written (``org_fields``): the row then has none,
    so invoice changes do not touch the organization's content hash."""
    row: Row = {
        "code": text(customer["Customer"]),
        "name": text(customer.get("Name")) or text(customer["Customer"]),
        "address": address(customer),
        "branch": text(customer.get("Branch")),
        "salesperson": text(customer.get("Salesperson")),
        "credit_limit": number(customer.get("CreditLimit")),
        "on_hold": "yes" if text(customer.get("CustomerOnHold")) == "Y" else "no",
        "currency": text(customer.get("Currency")),
        "stock_status": status,
    }
    if balance is not None:
        row["balance"] = balance
    return row


def deal_row(order: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], status: str) -> Row:
    stocked = [ln for ln in lines if text(ln.get("LineType")) == STOCK_LINE]
    value = sum(number(ln.get("MOrderQty")) * number(ln.get("MPrice")) for ln in stocked)
    backlog = sum(outstanding(ln) * number(ln.get("MPrice")) for ln in stocked)
    return {
        "order": text(order["SalesOrder"]),
        "customer": text(order["Customer"]),
        "title": f"SYSPRO order {text(order['SalesOrder']).lstrip('0')} {text(order.get('CustomerName'))}".strip(),
        "value": round(value, 2),
        "currency": text(order.get("Currency")),
        "order_date": str(order.get("OrderDate") or "")[:10],
        "expected_close_date": str(order.get("ReqShipDate") or "")[:10] or None,
        "order_status": text(order.get("OrderStatus")) or " ",
        "cancelled": text(order.get("CancelledFlag")) == "Y",
        "backlog_value": round(backlog, 2),
        "stock_status": status,
        "lines": [
            {
                "line": int(number(ln["SalesOrderLine"])),
                "code": text(ln["MStockCode"]),
                "qty": number(ln.get("MOrderQty")),
                "price": number(ln.get("MPrice")),
            }
            for ln in sorted(stocked, key=lambda r: number(r["SalesOrderLine"]))
        ],
    }


def identity(row: Mapping[str, Any]) -> Row:
    return dict(row)


def streams() -> list[StreamSpec]:
    """Products first (deal lines need them), then organizations, then deals (they need both)."""
    return [
        StreamSpec(PRODUCT, "InvMaster", ("code",), "products", ("code",), identity, kind=StreamKind.DIMENSION),
        StreamSpec(
            ORGANIZATION, "ArCustomer", ("code",), "organizations", ("code",), identity, kind=StreamKind.DIMENSION
        ),
        StreamSpec(DEAL, "SorMaster", ("order",), "deals", ("order",), identity, kind=StreamKind.FACT),
    ]
