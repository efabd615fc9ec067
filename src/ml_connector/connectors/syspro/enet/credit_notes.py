"""A SYSPRO credit note against a sales order over e.net: SORTOI importing a sales document of type C
(credit note) whose lines are what the customer sent back. [I] SorMaster.DocumentType ``C`` is SYSPRO's
credit note (docs/PROTOCOLS.md (SYSPRO) lists DocumentType); the header element ``DocumentType`` and
the link to the original order in ``ShippingInstrs`` ("CREDIT FOR SO <number>") are this connector's
assumption where the reference is silent, so the prefix and wording are settings of the integration.
The credit note carries its own CustomerPoNumber (e.g. ``CN`` + credit memo number): that is its
check-before-post key (:meth:`SysproEnetClient.find_order_by_customer_po`).
"""

from __future__ import annotations

from dataclasses import replace
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import SalesOrder
from ml_connector.connectors.syspro.enet.text import FieldSpec, fit
from ml_connector.connectors.syspro.enet.xml import document
from ml_connector.errors import RemoteRejectedError

CREDIT_NOTE = "C"
SHIPPING_INSTRS = FieldSpec("ShippingInstrs", 30)


def credit_note_document(note: SalesOrder, against_sales_order: str) -> str:
    link = fit(f"CREDIT FOR SO {against_sales_order}", SHIPPING_INSTRS, document=note.customer_po_number)
    root: Element = fromstring(bo.sortoi_document(replace(note, shipping_instrs=link)))
    header = root.find("Orders/OrderHeader")
    assert header is not None  # sortoi_document always writes one
    position = [child.tag for child in header].index("OrderActionType") + 1
    kind = Element("DocumentType")
    kind.text = CREDIT_NOTE
    header.insert(position, kind)
    return document(root)


def post_credit_note(client: SysproEnetClient, note: SalesOrder, against_sales_order: str) -> str:
    """Import the credit note; return its SalesOrder number (found by its PO number if SYSPRO answers
    only StatusOfItems). Refusals raise like :meth:`SysproEnetClient.post_sales_order`."""
    doing = f"credit note {note.customer_po_number} against sales order {against_sales_order}"
    root = client._post(
        "/Transaction/Post", "SORTOI", bo.sortoi_parameters(), credit_note_document(note, against_sales_order), doing
    )
    has_order, number = bo.sortoi_sales_order(root)
    if not number and not has_order and bo.status_count(root, "ItemsProcessed") > 0:
        number = client.find_order_by_customer_po(note.customer_po_number, customer=note.customer) or ""
    if not number:
        raise RemoteRejectedError(
            f"SYSPRO did not create {doing}: no SalesOrder number came back. Check SYSPRO, then replay.",
            system="SYSPRO",
            status=200,
        )
    return number
