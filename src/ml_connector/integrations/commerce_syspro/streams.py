"""Commerce -> SYSPRO streams and the pure functions that turn Commerce/SYSPRO payloads into rows.

Order rows keep only what SYSPRO is told (amounts, lines, customer, ship-to, cancelled or not): a
status change or shipment does not change the content hash, a changed amount does (-> review).
Customer rows on both sides reduce to the same card (code, name, email after SYSPRO's value rules),
so the content hash of a card is comparable across directions: that is how echoes are recognised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ml_connector.connectors.commerce.models import Customer, Order
from ml_connector.connectors.syspro.enet.models import ArCustomer
from ml_connector.connectors.syspro.enet.text import FieldSpec, fit
from ml_connector.core.cursors import CursorSpec, Precision
from ml_connector.core.streams import Row, StreamSpec

NAME = "commerce-syspro"
SALES_ORDER, JOURNAL = "sales_order", "order_journal"
INVOICE_JOURNAL, REFUND_JOURNAL, RETURN_TO_STOCK = "invoice_journal", "refund_journal", "return_to_stock"
CANCEL_JOURNAL, CANCEL_SALES_ORDER = "cancel_journal", "cancel_sales_order"
CUSTOMER_TO_SYSPRO, CUSTOMER_TO_COMMERCE = "customer_to_syspro", "customer_to_commerce"
MIRROR = {CUSTOMER_TO_SYSPRO: CUSTOMER_TO_COMMERCE, CUSTOMER_TO_COMMERCE: CUSTOMER_TO_SYSPRO}
CARD = ("code", "name", "email")  # the fields both customer directions share (and hash)
SINGLE_NAME_LASTNAME = "-"  # Commerce needs a last name; a one-word SYSPRO name gets this one


def _money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def order_row(order: Order) -> Row:
    """A Commerce order as the sales order and journal streams see it (JSON-safe, amounts as text)."""
    ship = order.shipping_address or order.billing_address
    ship_to = None
    if ship is not None:
        lines = [*ship.street, ship.city or "", " ".join(p for p in (ship.region_code, ship.country_id) if p)]
        ship_to = {"lines": [line for line in lines if line], "postal_code": ship.postcode or ""}
    name = " ".join(p for p in (order.customer_firstname, order.customer_lastname) if p)
    return {
        "increment_id": order.increment_id,
        "entity_id": order.entity_id,
        "store_id": order.store_id,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "state": order.state,
        "canceled": order.state == "canceled",
        "customer_id": order.customer_id,
        "customer_email": order.customer_email,
        "customer_name": name,
        "customer_group_id": order.customer_group_id,
        "currency": order.order_currency_code or "",
        "grand_total": _money(order.grand_total),
        "subtotal": _money(order.subtotal),
        "tax": _money(order.tax_amount),
        "shipping": _money(order.shipping_amount),
        "discount": _money(order.discount_amount),
        "lines": [
            {
                "sku": item.sku,
                "name": item.name or "",
                "qty": str(item.qty_ordered),
                "price": _money(item.price),
                "row_total": _money(item.row_total),
            }
            for item in order.lines
        ],
        "ship_to": ship_to,
        "total_invoiced": _money(order.total_invoiced),
    }


def card(code: str, name: str, email: str) -> Row:
    """The shared customer card, after SYSPRO's value rules (what SYSPRO can hold is what we compare)."""
    where = f"customer {code}"
    return {
        "code": code,
        "name": fit(name, FieldSpec("Name", 50), document=where),
        "email": fit((email or "").strip().lower(), FieldSpec("Email", 255), document=where),
    }


def commerce_customer_row(customer: Customer, code: str) -> Row:
    """Commerce customer -> card + what else SYSPRO gets on ARSSCS (not hashed)."""
    last = "" if customer.lastname == SINGLE_NAME_LASTNAME else customer.lastname
    address = next(
        (a for a in customer.addresses if a.default_billing), customer.addresses[0] if customer.addresses else None
    )
    return {
        **card(code, " ".join(p for p in (customer.firstname, last) if p), customer.email),
        "commerce_id": customer.id,
        "store_id": customer.store_id,
        "telephone": address.telephone if address else "",
        "sold_to": [*address.street, address.city] if address else [],
        "sold_postal_code": address.postcode if address else "",
        "updated_at": customer.updated_at.isoformat() if customer.updated_at else None,
    }


def syspro_customer_row(customer: ArCustomer) -> Row:
    return {**card(customer.customer, customer.name, customer.email), "rowversion": customer.rowversion}


def identity(row: Mapping[str, Any]) -> Row:
    return dict(row)


ORDER_IGNORE = frozenset({"updated_at", "state", "total_invoiced"})
DOCUMENT_IGNORE = frozenset({"updated_at", "order_refunded_before"})
COMMERCE_CUSTOMER_IGNORE = frozenset(
    {"commerce_id", "store_id", "telephone", "sold_to", "sold_postal_code", "updated_at"}
)


def streams(
    *,
    lookback_s: int,
    lag_s: int,
    customers_to_syspro: bool = True,
    customers_to_commerce: bool = True,
    posting_trigger: str = "order_placed",
    refunds: bool = False,
    restock: str = "off",
    cancel_after_post: str = "review",
) -> list[StreamSpec]:
    """In run order: customers into SYSPRO, sales orders, order or invoice journals, cancellations,
    refunds, lines returned to stock, customers back to Commerce."""
    commerce_cursor = CursorSpec(
        "updated_at", Precision.INSTANT, lookback=timedelta(seconds=lookback_s), lag=timedelta(seconds=lag_s)
    )
    declared = []
    if customers_to_syspro:
        declared.append(
            StreamSpec(
                CUSTOMER_TO_SYSPRO,
                "customers",
                ("code",),
                "ARSSCS",
                ("code",),
                identity,
                cursor=commerce_cursor,
                hash_ignore=COMMERCE_CUSTOMER_IGNORE,
            )
        )
    # Reversing cancellations: a cancel is not a content change of the posted order (no review flag).
    order_ignore = ORDER_IGNORE | ({"canceled"} if cancel_after_post == "reverse" else set())

    def spec(name: str, source: str, target: str, ignore: frozenset[str]) -> StreamSpec:
        return StreamSpec(
            name,
            source,
            ("increment_id",),
            target,
            ("increment_id",),
            identity,
            cursor=commerce_cursor,
            hash_ignore=ignore,
        )

    declared.append(spec(SALES_ORDER, "orders", "SORTOI", order_ignore))
    if posting_trigger == "invoice_created":
        declared.append(spec(INVOICE_JOURNAL, "invoices", "GENTJL", DOCUMENT_IGNORE))
    else:
        declared.append(spec(JOURNAL, "orders", "GENTJL", order_ignore))
    if cancel_after_post == "reverse":
        if posting_trigger != "invoice_created":
            declared.append(spec(CANCEL_JOURNAL, "orders", "GENTJL", ORDER_IGNORE))
        declared.append(spec(CANCEL_SALES_ORDER, "orders", "SORTOI", ORDER_IGNORE))
    if refunds:
        declared.append(spec(REFUND_JOURNAL, "creditmemos", "GENTJL", DOCUMENT_IGNORE))
        if restock in ("flag", "credit_note"):
            target = "SORTOI" if restock == "credit_note" else "warehouse"
            declared.append(spec(RETURN_TO_STOCK, "creditmemos", target, DOCUMENT_IGNORE))
    if customers_to_commerce:
        declared.append(
            StreamSpec(
                CUSTOMER_TO_COMMERCE,
                "ArCustomer",
                ("code",),
                "customers",
                ("code",),
                identity,
                cursor=CursorSpec("rowversion", Precision.ROWVERSION),
                hash_ignore=frozenset({"rowversion"}),
            )
        )
    return declared
