"""Invoices in their REST shape (``sales-data-invoice-interface``, commerce-sterling-x12.md §1.7) and the raw model
data that event and webhook payloads carry instead of the REST form (commerce-sterling-x12.md §1.12).
"""

from __future__ import annotations

from typing import Any

from ml_connector.emulators.commerce.customers import Entity
from ml_connector.emulators.commerce.orders import Ids

# sales_invoice's own columns (a table, so they exist before the first row): searchCriteria may filter on them
# on an empty store, as real Commerce allows, instead of the emulator learning them from rows it has seen.
COLUMNS = frozenset(("entity_id", "increment_id", "order_id", "store_id", "state", "created_at", "updated_at",
                     "grand_total", "subtotal", "tax_amount", "shipping_amount", "discount_amount",
                     "billing_address_id", "order_currency_code", "email_sent", "transaction_id"))  # fmt: skip


def build_invoice(ids: Ids, order: Entity, increment_id: str, at: str) -> Entity:
    """An invoice for the whole order, captured (state 2 = paid)."""
    entity_id = ids("invoice")
    items = [
        {
            "base_discount_amount": i["base_discount_amount"],
            "base_price": i["base_price"],
            "base_price_incl_tax": i["base_price_incl_tax"],
            "base_row_total": i["base_row_total"],
            "base_row_total_incl_tax": i["base_row_total_incl_tax"],
            "base_tax_amount": i["base_tax_amount"],
            "discount_amount": i["discount_amount"],
            "entity_id": ids("invoice_item"),
            "name": i["name"],
            "order_item_id": i["item_id"],
            "parent_id": entity_id,
            "price": i["price"],
            "price_incl_tax": i["price_incl_tax"],
            "product_id": i["product_id"],
            "qty": i["qty_ordered"],
            "row_total": i["row_total"],
            "row_total_incl_tax": i["row_total_incl_tax"],
            "sku": i["sku"],
            "tax_amount": i["tax_amount"],
        }
        for i in order["items"]
    ]
    shipping_address = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    return {
        "base_currency_code": "USD", "base_discount_amount": order["base_discount_amount"],
        "base_grand_total": order["base_grand_total"], "base_shipping_amount": order["base_shipping_amount"],
        "base_shipping_incl_tax": order["base_shipping_incl_tax"], "base_subtotal": order["base_subtotal"],
        "base_subtotal_incl_tax": order["base_subtotal_incl_tax"], "base_tax_amount": order["base_tax_amount"],
        "base_to_global_rate": 1, "base_to_order_rate": 1, "billing_address_id": order["billing_address_id"],
        "can_void_flag": 0, "created_at": at, "discount_amount": order["discount_amount"], "email_sent": 1,
        "entity_id": entity_id, "global_currency_code": "USD", "grand_total": order["grand_total"],
        "increment_id": increment_id, "order_currency_code": "USD", "order_id": order["entity_id"],
        "shipping_address_id": shipping_address["entity_id"], "shipping_amount": order["shipping_amount"],
        "shipping_incl_tax": order["shipping_incl_tax"], "shipping_tax_amount": 0, "state": 2,
        "store_currency_code": "USD", "store_id": order["store_id"], "subtotal": order["subtotal"],
        "subtotal_incl_tax": order["subtotal_incl_tax"], "tax_amount": order["tax_amount"],
        "total_qty": order["total_qty_ordered"], "updated_at": at, "items": items, "comments": [],
    }  # fmt: skip


def model_data(entity: Any) -> Any:
    """Raw model data as event payloads carry it: numbers as strings, no extension_attributes (1.12)."""
    if isinstance(entity, dict):
        return {k: model_data(v) for k, v in entity.items() if k != "extension_attributes"}
    if isinstance(entity, list):
        return [model_data(v) for v in entity]
    if isinstance(entity, bool):
        return "1" if entity else "0"
    if isinstance(entity, int):
        return str(entity)
    if isinstance(entity, float):
        return f"{entity:.4f}"
    return entity
