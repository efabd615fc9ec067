"""Rows for what follows a Commerce order: its invoices (posting trigger ``invoice_created``) and its
credit memos (refunds). Pure functions of the Commerce payloads, JSON-safe, amounts as text.

An invoice row has the order row's journal fields (increment_id, store_id, lines with sku and
row_total, grand_total, tax, shipping, discount), so the order journal's builder posts it. A credit
memo row carries the memo's amounts line by line, its order's and invoice's numbers (what it
reverses), the order's total (a memo may not refund more) and the lines returned to stock.
"""

from __future__ import annotations

from decimal import Decimal

from ml_connector.connectors.commerce.creditmemos import CreditMemo
from ml_connector.connectors.commerce.models import Invoice, Order
from ml_connector.core.streams import Row


def money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def invoice_row(invoice: Invoice, order: Order | None) -> Row:
    """``order`` None: Commerce no longer has the invoice's order; the row is kept (and refused with that
    reason by :func:`invoice_problem`), never dropped."""
    names = (order.customer_firstname, order.customer_lastname) if order is not None else ()
    return {
        "increment_id": invoice.increment_id or str(invoice.entity_id),
        "entity_id": invoice.entity_id,
        "order_increment_id": order.increment_id if order is not None else f"(entity {invoice.order_id})",
        "order_found": order is not None,
        "store_id": invoice.store_id if invoice.store_id is not None or order is None else order.store_id,
        "created_at": invoice.created_at.isoformat(),
        "updated_at": invoice.updated_at.isoformat(),
        "customer_name": " ".join(p for p in names if p),
        "grand_total": money(invoice.grand_total),
        "subtotal": money(invoice.subtotal),
        "tax": money(invoice.tax_amount),
        "shipping": money(invoice.shipping_amount),
        "discount": money(invoice.discount_amount),
        "lines": [
            {
                "sku": i.sku,
                "name": i.name or "",
                "qty": str(i.qty),
                "price": money(i.price),
                "row_total": money(i.row_total),
            }
            for i in invoice.items
            if i.row_total or i.qty
        ],
    }


def creditmemo_row(
    memo: CreditMemo, order: Order | None, invoice_increment_id: str, refunded_before: Decimal = Decimal(0)
) -> Row:
    """``order`` None: Commerce no longer has the memo's order; the row is kept (and refused with that
    reason by :func:`memo_problem`), never dropped."""
    ordered = {item.item_id: item for item in order.items} if order is not None else {}
    restocked = memo.returned_to_stock()
    lines = []
    for item in memo.items:
        source = ordered.get(item.order_item_id)
        if source is not None and source.parent_item_id is not None and not item.row_total:
            continue  # a configurable's child line: the parent line carries the amounts
        lines.append({
            "order_item_id": item.order_item_id,
            "sku": item.sku or (source.sku if source else ""),
            "name": item.name or "",
            "qty": str(item.qty),
            "qty_ordered": str(source.qty_ordered) if source else "0",
            "row_total": money(item.row_total),
            "tax": money(item.tax_amount),
            "discount": money(item.discount_amount),
            "back_to_stock": item.order_item_id in restocked,
        })  # fmt: skip
    return {
        "increment_id": memo.increment_id,
        "entity_id": memo.entity_id,
        "order_increment_id": order.increment_id if order is not None else f"(entity {memo.order_id})",
        "order_found": order is not None,
        "invoice_increment_id": invoice_increment_id,
        "store_id": memo.store_id if memo.store_id is not None or order is None else order.store_id,
        "created_at": memo.created_at.isoformat(),
        "updated_at": memo.updated_at.isoformat(),
        "offline": memo.offline,
        "currency": memo.order_currency_code or (order.order_currency_code if order is not None else "") or "",
        "subtotal": money(memo.subtotal),
        "tax": money(memo.tax_amount),
        "shipping": money(memo.shipping_amount),
        "discount": money(memo.discount_amount),
        "adjustment_positive": money(memo.adjustment_positive),
        "adjustment_negative": money(memo.adjustment_negative),
        "grand_total": money(memo.grand_total),
        "order_grand_total": money(order.grand_total if order is not None else None),
        "order_refunded_before": money(refunded_before),
        "lines": lines,
    }


def invoice_problem(row: Row) -> str | None:
    """Why an invoice cannot be posted as it is (refused, replayable), or None."""
    if not row.get("order_found", True):
        return (
            f"its order {row['order_increment_id']} is not in Commerce any more, so it is unknown which SYSPRO "
            "sales order it belongs to. Restore the order in Commerce, then `ml-connector run commerce-syspro "
            "--full-refresh` reads the invoice again and posts it; or post its journal by hand in SYSPRO"
        )
    return None


def memo_problem(row: Row) -> str | None:
    """Why a credit memo cannot be posted as it is (refused, replayable), or None."""
    if not row.get("order_found", True):
        return f"its order {row['order_increment_id']} is not in Commerce any more; post the refund by hand"
    for field in ("adjustment_positive", "adjustment_negative", "shipping", "tax", "subtotal", "grand_total"):
        if Decimal(row[field]) < 0:
            return f"{field} is negative ({row[field]}); Commerce never stores it so. Correct the credit memo"
    if Decimal(row["grand_total"]) > Decimal(row["order_grand_total"]):
        return (
            f"it refunds {row['grand_total']}, more than its order {row['order_increment_id']} was for "
            f"({row['order_grand_total']})"
        )
    before = Decimal(row.get("order_refunded_before") or 0)
    if before and before + Decimal(row["grand_total"]) > Decimal(row["order_grand_total"]):
        return (
            f"with the refunds before it ({row['order_refunded_before']}) it brings order "
            f"{row['order_increment_id']}'s refunds to {before + Decimal(row['grand_total'])}, more than the "
            f"order was for ({row['order_grand_total']})"
        )
    for line in row["lines"]:
        if Decimal(line["qty"]) > Decimal(line["qty_ordered"]) or Decimal(line["qty"]) < 0:
            return f"line {line['sku']} refunds {line['qty']} of {line['qty_ordered']} ordered"
    if not row["lines"] and Decimal(row["grand_total"]) == 0:
        return "it refunds nothing"
    return None
