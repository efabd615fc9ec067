"""Cancelling a SYSPRO sales order over e.net: SORTOI with ``OrderActionType`` ``D`` naming the
``SalesOrder`` (docs/PROTOCOLS.md (SYSPRO); [I] A add / C change / D cancel), and the status look-up
that makes it safe to repeat: an order already at ``OrderStatus`` ``\\`` (cancelled, syspro-qad.md §6.14) is
not cancelled again. A refusal (invoiced/complete, unknown order) raises RemoteRejectedError with
SYSPRO's text, so the record is failed with that reason and can be replayed.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.queries import Condition
from ml_connector.connectors.syspro.enet.text import fit
from ml_connector.connectors.syspro.enet.xml import add, document
from ml_connector.errors import RemoteRejectedError

CANCELLED = "\\"
SYSTEM = "SYSPRO"


def sales_order_status(client: SysproEnetClient, customer_po_number: str, customer: str) -> tuple[str, str] | None:
    """(SalesOrder, OrderStatus) of the order carrying ``customer_po_number`` for ``customer`` (any customer
    when empty), or None."""
    po = fit(customer_po_number, bo.CUSTOMER_PO, document="order lookup")
    where = [Condition("CustomerPoNumber", po)]
    if customer:
        where.append(Condition("Customer", fit(customer, bo.CUSTOMER_CODE, document=po)))
    found = client._query(
        "SorMaster", ("SalesOrder", "OrderStatus", "CustomerPoNumber"), where, order_by=("SalesOrder",), return_rows=1
    )
    if not found:
        return None
    return found[0].get("salesorder") or "", found[0].get("orderstatus") or ""


def cancel_document(sales_order: str, customer_po_number: str, customer: str) -> str:
    root = Element("SalesOrders")
    header = add(add(root, "Orders"), "OrderHeader")
    add(header, "SalesOrder", sales_order)
    add(header, "CustomerPoNumber", fit(customer_po_number, bo.CUSTOMER_PO, document=customer_po_number))
    add(header, "OrderActionType", "D")
    add(header, "Customer", fit(customer, bo.CUSTOMER_CODE, document=customer_po_number))
    return document(root)


def cancel_sales_order(client: SysproEnetClient, sales_order: str, customer_po_number: str, customer: str) -> str:
    """Cancel ``sales_order``; return its number. Raises RemoteRejectedError when SYSPRO refuses."""
    doing = f"cancellation of sales order {sales_order} (PO {customer_po_number})"
    root = client._post("/Transaction/Post", "SORTOI", bo.sortoi_parameters(), cancel_document(
        sales_order, customer_po_number, customer), doing)  # fmt: skip
    has_order, number = bo.sortoi_sales_order(root)
    if number or (not has_order and bo.status_count(root, "ItemsProcessed") > 0):
        return number or sales_order
    raise RemoteRejectedError(
        f"SYSPRO did not cancel {doing}: no order came back processed. Check the order in SYSPRO, then replay.",
        system=SYSTEM,
        status=200,
    )
