"""SORTOI order actions beyond add, in the emulator: ``OrderActionType`` ``D`` cancels an existing sales
order (found by ``SalesOrder``, else by ``Customer`` + ``CustomerPoNumber``). [I] SYSPRO's SORTOI
documents A add / C change / D delete-cancel; a cancelled order keeps its row with ``OrderStatus``
``\\`` (cancelled, docs/PROTOCOLS.md (SYSPRO)), and an order already invoiced (status 9) or cancelled
is refused with an error, as SYSPRO will not cancel it. A header ``DocumentType`` ``C`` imports the
document as a credit note ([I] SorMaster.DocumentType C). Anything else goes to :func:`sales_orders.sortoi`.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet import checks, sales_orders
from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import answer_root, counter, flag, sub, text_of

CANCELLED = "\\"
COMPLETE = "9"


def sortoi(state: EnetState, params: Element, document: Element, operator: str) -> Element:
    """Dispatch: cancellations here, everything else to the add handler."""
    headers = [orders.find("OrderHeader") for orders in document.findall("Orders")]
    if not any((text_of(h, "OrderActionType") or "A").upper() == "D" for h in headers):
        answer = sales_orders.sortoi(state, params, document, operator)
        _mark_credit_notes(state, headers)
        return answer
    validate_only = flag(text_of(params.find("Parameters"), "ValidateOnly"), "N") == "Y"
    root = answer_root("SalesOrders")
    processed = invalid = 0
    for header in headers:
        checker = Checker(state.options.overlong)
        found = _find(state, checker, header)
        out = sub(root, "Order")
        if found is not None and not checker.problems:
            if found["OrderStatus"] == CANCELLED:
                checker.fail("SalesOrder", found["SalesOrder"], checks.E_EXISTS, "Sales order is already cancelled")
            elif found["OrderStatus"] == COMPLETE:
                checker.fail(
                    "SalesOrder",
                    found["SalesOrder"],
                    checks.E_UNSUPPORTED,
                    "Sales order is complete and cannot be cancelled",
                )
        if checker.problems or found is None:
            invalid += 1
        else:
            processed += 1
            if not validate_only:
                state.update("SorMaster", (found["SalesOrder"],), {"OrderStatus": CANCELLED})
        sub(out, "SalesOrder", found["SalesOrder"] if found is not None and not checker.problems else "")
        sub(out, "CustomerPoNumber", text_of(header, "CustomerPoNumber") or "")
        sub(out, "OrderActionType", "D")
        checker.attach(out)
    totals = sub(root, "StatusOfItems")
    sub(totals, "ItemsProcessed", counter(processed))
    sub(totals, "ItemsRejectedWithWarnings", counter(0))
    sub(totals, "ItemsProcessedWithWarnings", counter(0))
    sub(totals, "ItemsInvalid", counter(invalid))
    return root


def _mark_credit_notes(state: EnetState, headers: list[Element | None]) -> None:
    for header in headers:
        if (text_of(header, "DocumentType") or "O").upper() != "C":
            continue
        po = (text_of(header, "CustomerPoNumber") or "").strip().casefold()
        for row in state.rows("SorMaster"):
            if po and row["CustomerPoNumber"].strip().casefold() == po and row["DocumentType"] == "O":
                state.update("SorMaster", (row["SalesOrder"],), {"DocumentType": "C"})


def _find(state: EnetState, checker: Checker, header: Element | None) -> dict[str, Any] | None:
    number = (text_of(header, "SalesOrder") or "").strip()
    if number:
        found = state.get("SorMaster", number)
        if found is None:
            checker.fail("SalesOrder", number, checks.E_NOT_FOUND, f"Sales order '{number}' not found")
        return found
    customer = (text_of(header, "Customer") or "").strip().casefold()
    po = (text_of(header, "CustomerPoNumber") or "").strip().casefold()
    match = [
        r
        for r in state.rows("SorMaster")
        if r["CustomerPoNumber"].strip().casefold() == po and (not customer or r["Customer"].casefold() == customer)
    ]
    if not po or not match:
        checker.fail("SalesOrder", po, checks.E_NOT_FOUND, "Sales order to cancel not found (SalesOrder or PO)")
        return None
    return match[0]
