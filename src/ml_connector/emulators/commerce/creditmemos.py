"""What happens to an order after it is placed, beyond a whole-order invoice: partial invoices, credit
memos (refunds: online through an invoice, offline, partial, with adjustment refunds and fees, lines
returned to stock) and cancellation, in their REST shapes (``sales-data-creditmemo-interface``,
``sales-data-invoice-interface``) with Commerce's limits, firing the store's webhooks.

Amounts follow Commerce: a part of a line takes its share of the line's tax and discount, the last
part takes what is left (so parts always add up to the line); discounts are negative on documents;
``grand_total = subtotal + discount + tax + shipping + adjustment_positive - adjustment_negative``.
Functions take the :class:`CommerceStore` and hold its lock; ``force_creditmemo`` skips the limits so a
test can hand the connector a memo Commerce would refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml_connector.emulators.commerce.catalog import STORES
from ml_connector.emulators.commerce.customers import Entity, money, stamp
from ml_connector.emulators.commerce.errors import WebapiError

if TYPE_CHECKING:
    from ml_connector.emulators.commerce.store import CommerceStore

MEMO_OPEN, MEMO_REFUNDED = 1, 2  # Creditmemo::STATE_OPEN / STATE_REFUNDED
CREDITMEMO_SAVED = "observer.sales_order_creditmemo_save_after"
ORDER_CANCELED = "observer.order_cancel_after"
# The sales_creditmemo columns a search may filter on even before the first memo exists.
COLUMNS = frozenset(("entity_id", "increment_id", "order_id", "invoice_id", "store_id", "state", "created_at",
                     "updated_at", "grand_total", "creditmemo_status", "transaction_id"))  # fmt: skip


def _top(order: Entity) -> dict[int, Entity]:
    return {i["item_id"]: i for i in order["items"] if "parent_item_id" not in i}


def _share(item: Entity, qty: float, done_qty: float, field: str, done_field: str) -> float:
    """``qty`` of the line's ``field`` amount; the part that completes the line takes the remainder."""
    if qty + done_qty >= item["qty_ordered"]:
        return money(item[field] - item.get(done_field, 0))
    return money(item[field] * qty / item["qty_ordered"])


def _doc_lines(order: Entity, qtys: dict[int, float], done: str, kind: str) -> list[Entity]:
    """Document lines for ``qtys`` (order item id -> qty); ``kind`` is "invoiced" or "refunded"."""
    top, lines = _top(order), []
    for item_id, qty in qtys.items():
        item = top.get(int(item_id))
        if item is None:
            raise WebapiError(400, 'The order item "%1" was not found.', [str(item_id)])
        if qty <= 0:
            continue
        prior = item.get(done, 0)
        lines.append({
            "order_item_id": item["item_id"], "sku": item["sku"], "name": item["name"],
            "product_id": item["product_id"], "qty": qty, "price": item["price"], "base_price": item["price"],
            "base_cost": 0, "row_total": money(item["price"] * qty),
            "tax_amount": _share(item, qty, prior, "tax_amount", f"tax_{kind}"),
            "discount_amount": _share(item, qty, prior, "discount_amount", f"discount_{kind}"),
        })  # fmt: skip
    return lines


def _totals(lines: list[Entity], shipping: float, adj_pos: float = 0.0, adj_neg: float = 0.0) -> Entity:
    subtotal = money(sum(line["row_total"] for line in lines))
    tax = money(sum(line["tax_amount"] for line in lines))
    discount = money(sum(line["discount_amount"] for line in lines))
    grand = money(subtotal - discount + tax + shipping + adj_pos - adj_neg)
    return {
        "subtotal": subtotal, "base_subtotal": subtotal, "tax_amount": tax, "base_tax_amount": tax,
        "discount_amount": -discount if discount else 0.0, "base_discount_amount": -discount if discount else 0.0,
        "shipping_amount": shipping, "base_shipping_amount": shipping, "shipping_incl_tax": shipping,
        "grand_total": grand, "base_grand_total": grand,
    }  # fmt: skip


def _view(order: Entity) -> Any:
    return next(s for s in STORES if s.store_id == order["store_id"])


def invoice_items(store: CommerceStore, entity_id: int, qtys: dict[int, float] | None) -> Entity:
    """POST /V1/order/{id}/invoice with ``items``: invoice part of an order (shipping on the first
    invoice, as Commerce does). ``qtys`` None invoices everything not yet invoiced."""
    with store.lock:
        order = store._order(entity_id)
        top = _top(order)
        if qtys is None:
            qtys = {i: it["qty_ordered"] - it["qty_invoiced"] for i, it in top.items()}
        for item_id, qty in qtys.items():
            item = top.get(int(item_id))
            if order["state"] == "canceled" or item is None or qty > item["qty_ordered"] - item["qty_invoiced"]:
                raise WebapiError(400, "The order does not allow an invoice to be created.")
        lines = _doc_lines(order, qtys, "qty_invoiced", "invoiced")
        if not lines:
            raise WebapiError(400, "The invoice can't be created without products. Add products and try again.")
        shipping = 0.0 if order.get("shipping_invoiced") else order["shipping_amount"]
        at = stamp(store.now())
        entity = store.next_id("invoice")
        invoice = {
            "entity_id": entity, "increment_id": store._increment_id("invoice", _view(order)),
            "order_id": order["entity_id"], "store_id": order["store_id"], "state": 2, "created_at": at,
            "updated_at": at, "order_currency_code": "USD", "base_currency_code": "USD",
            "total_qty": sum(line["qty"] for line in lines), **_totals(lines, shipping),
            "items": [{**line, "entity_id": store.next_id("invoice_item"), "parent_id": entity} for line in lines],
            "comments": [],
        }  # fmt: skip
        for line in lines:
            item = top[line["order_item_id"]]
            item["qty_invoiced"] += line["qty"]
            item["row_invoiced"] = money(item.get("row_invoiced", 0) + line["row_total"])
            item["tax_invoiced"] = money(item.get("tax_invoiced", 0) + line["tax_amount"])
            item["discount_invoiced"] = money(item.get("discount_invoiced", 0) + line["discount_amount"])
        order["shipping_invoiced"] = money(order.get("shipping_invoiced", 0) + shipping)
        order["total_invoiced"] = money((order.get("total_invoiced") or 0) + invoice["grand_total"])
        order["total_paid"] = order["total_invoiced"]
        order["state"] = order["status"] = "processing"
        order["updated_at"] = at
        store._put("invoices", invoice)
        store._put("orders", order)
    store._emit("observer.sales_order_invoice_save_after", {"invoice": invoice})
    return invoice


def refund(
    store: CommerceStore,
    entity_id: int,
    qtys: dict[int, float],
    *,
    shipping: float | None = None,
    adjustment_positive: float = 0.0,
    adjustment_negative: float = 0.0,
    return_to_stock: list[int] | tuple[int, ...] = (),
    invoice_id: int | None = None,
    online: bool = False,
    force: bool = False,
) -> Entity:
    """A credit memo for ``qtys`` of an invoiced order (order/{id}/refund or invoice/{id}/refund).
    ``shipping`` None refunds the shipping not refunded yet. ``force`` skips Commerce's limits."""
    with store.lock:
        order = store._order(entity_id)
        top = _top(order)
        if not force:
            if not order.get("total_invoiced"):
                raise WebapiError(400, "We can't create creditmemo for the order.")
            for item_id, qty in qtys.items():
                item = top.get(int(item_id))
                if item is not None and qty > item["qty_invoiced"] - item.get("qty_refunded", 0):
                    raise WebapiError(
                        400, 'The quantity to refund must not be greater than the unrefunded quantity for "%1".',
                        [item["sku"]],
                    )  # fmt: skip
        left = money(order.get("shipping_invoiced", 0) - order.get("shipping_refunded", 0))
        ship = left if shipping is None else money(shipping)
        if not force and (ship > left or min(adjustment_positive, adjustment_negative) < 0):
            raise WebapiError(400, "The most money available to refund is %1.", [str(order.get("total_paid"))])
        lines = _doc_lines(order, qtys, "qty_refunded", "refunded")
        totals = _totals(lines, ship, adjustment_positive, adjustment_negative)
        if not force and totals["grand_total"] <= 0:
            raise WebapiError(400, "The credit memo's total must be positive.")
        invoice = invoice_id or next((i["entity_id"] for i in store.invoices.values() if i["order_id"] == entity_id), 0)
        at = stamp(store.now())
        memo_id = store.next_id("creditmemo")
        memo = {
            "entity_id": memo_id, "increment_id": store._increment_id("creditmemo", _view(order)),
            "order_id": order["entity_id"], "invoice_id": invoice, "store_id": order["store_id"],
            "state": MEMO_REFUNDED, "creditmemo_status": MEMO_REFUNDED, "created_at": at, "updated_at": at,
            "order_currency_code": "USD", "base_currency_code": "USD", "email_sent": 0,
            "adjustment_positive": money(adjustment_positive), "base_adjustment_positive": money(adjustment_positive),
            "adjustment_negative": money(adjustment_negative), "base_adjustment_negative": money(adjustment_negative),
            "adjustment": money(adjustment_positive - adjustment_negative), "shipping_tax_amount": 0, **totals,
            "items": [{**line, "entity_id": store.next_id("creditmemo_item"), "parent_id": memo_id} for line in lines],
            "comments": [],
            "extension_attributes": {"return_to_stock_items": [int(i) for i in return_to_stock]},
        }  # fmt: skip
        if online:
            memo["transaction_id"] = f"txn-refund-{memo_id}"
        for line in lines:
            item = top[line["order_item_id"]]
            item["qty_refunded"] = item.get("qty_refunded", 0) + line["qty"]
            item["amount_refunded"] = money(item.get("amount_refunded", 0) + line["row_total"])
            item["tax_refunded"] = money(item.get("tax_refunded", 0) + line["tax_amount"])
            item["discount_refunded"] = money(item.get("discount_refunded", 0) + line["discount_amount"])
        order["shipping_refunded"] = money(order.get("shipping_refunded", 0) + ship)
        order["total_refunded"] = money((order.get("total_refunded") or 0) + memo["grand_total"])
        if all(i.get("qty_refunded", 0) >= i["qty_ordered"] for i in top.values()):
            order["state"] = order["status"] = "closed"
        order["updated_at"] = at
        store._put("creditmemos", memo)
        store._put("orders", order)
    store._emit(CREDITMEMO_SAVED, {"creditmemo": memo})
    return memo


def cancel(store: CommerceStore, entity_id: int) -> bool:
    """POST /V1/orders/{id}/cancel: false when the order cannot be cancelled (anything invoiced, or
    already canceled / closed / complete); an invoiced order is refunded with a credit memo instead."""
    with store.lock:
        order = store._order(entity_id)
        if order["state"] in ("canceled", "closed", "complete") or order.get("total_invoiced"):
            return False
        for item in order["items"]:
            item["qty_canceled"] = item["qty_ordered"]
        order["state"] = order["status"] = "canceled"
        order["updated_at"] = stamp(store.now())
        store._put("orders", order)
    store._emit(ORDER_CANCELED, {"order": order})
    return True
