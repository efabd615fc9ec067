"""SORTOI (sales order import, ``/Transaction/Post``) in the emulator: validates customer, PO number,
stock codes, warehouses, quantities and prices; writes SorMaster + SorDetail; answers the shape
rectella saw from a live SYSPRO 8 (docs/PROTOCOLS.md, SYSPRO e.net)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet import checks
from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import answer_root, counter, flag, sub, text_of


def sortoi(state: EnetState, params: Element, document: Element, operator: str) -> Element:
    options = params.find("Parameters")
    validate_only = flag(text_of(options, "ValidateOnly"), "N") == "Y"
    ignore_warnings = flag(text_of(options, "IgnoreWarnings"), "N")
    allow_duplicates = flag(text_of(options, "AllowDuplicateOrderNumbers"), "N") == "Y"
    allow_zero = flag(text_of(options, "AllowZeroPrice"), "N") == "Y"
    status = (text_of(options, "OrderStatus") or "1")[:1]
    root = answer_root("SalesOrders")
    tally = {"processed": 0, "warned": 0, "rejected_warnings": 0, "invalid": 0}
    for orders in document.findall("Orders"):
        header, details = orders.find("OrderHeader"), orders.find("OrderDetails")
        checker = Checker(state.options.overlong)
        warnings: list[str] = []
        order = _header(state, checker, header, warnings, allow_duplicates)
        lines = _lines(state, checker, details, allow_zero)
        out = sub(root, "Order")
        number = ""
        if checker.problems:
            tally["invalid"] += 1
        elif warnings and ignore_warnings == "N":
            tally["rejected_warnings"] += 1
        else:
            tally["warned" if warnings else "processed"] += 1
            if not validate_only:
                number = _write(state, order, lines, status, operator)
        sub(out, "SalesOrder", number)
        sub(out, "CustomerPoNumber", order.get("CustomerPoNumber") or "")
        sub(out, "OrderActionType", text_of(header, "OrderActionType") or "A")
        checker.attach(out)
        for warning in warnings:
            sub(out, "WarningDescription", warning)
    if state.options.sortoi_success == "status_only" and tally["invalid"] == tally["rejected_warnings"] == 0:
        for order_el in root.findall("Order"):
            root.remove(order_el)
    totals = sub(root, "StatusOfItems")
    sub(totals, "ItemsProcessed", counter(tally["processed"] + tally["warned"]))
    sub(totals, "ItemsRejectedWithWarnings", counter(tally["rejected_warnings"]))
    sub(totals, "ItemsProcessedWithWarnings", counter(tally["warned"]))
    sub(totals, "ItemsInvalid", counter(tally["invalid"]))
    return root


def _header(
    state: EnetState, checker: Checker, header: Element | None, warnings: list[str], allow_duplicates: bool
) -> dict[str, Any]:
    action = text_of(header, "OrderActionType") or "A"
    if action != "A":
        checker.fail(
            "OrderActionType",
            action,
            checks.E_UNSUPPORTED,
            f"Order action type '{action}' is not supported by this emulator (only A)",
        )
    code = checker.text(header, "Customer", "ArCustomer", "Customer", required=True)
    customer = state.get("ArCustomer", code) if code else None
    if code and customer is None:
        checker.fail("Customer", code, checks.E_NOT_FOUND, f"Customer '{code}' not found")
    elif customer is not None and customer.get("CustomerOnHold") == "Y":
        warnings.append(f"Customer '{customer['Customer']}' is on hold")
    po = checker.text(header, "CustomerPoNumber", "SorMaster", "CustomerPoNumber") or ""
    if po and customer is not None and state.options.refuse_duplicate_po and not allow_duplicates:
        clash = [
            r["SalesOrder"]
            for r in state.rows("SorMaster")
            if r["Customer"] == customer["Customer"] and r["CustomerPoNumber"].casefold() == po.casefold()
        ]
        if clash:
            checker.fail(
                "CustomerPoNumber",
                po,
                checks.E_EXISTS,
                f"Customer purchase order number '{po}' already exists on sales order {clash[0]}",
            )
    order: dict[str, Any] = {
        "Customer": customer["Customer"] if customer else code,
        "CustomerPoNumber": po,
        "CustomerName": customer["Name"] if customer else "",
        "Branch": customer.get("Branch", "") if customer else "",
        "Currency": customer.get("Currency", "") if customer else "",
        "OrderDate": checker.day(header, "OrderDate") or state.today(),
        "ReqShipDate": checker.day(header, "RequestedShipDate"),
    }
    columns = ["Email", "ShippingInstrs", "ShipPostalCode", *(f"ShipAddress{n}" for n in range(1, 6))]
    for column in columns:
        order[column] = checker.text(header, column, "SorMaster", column) or ""
    return order


def _lines(state: EnetState, checker: Checker, details: Element | None, allow_zero: bool) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for line in [] if details is None else list(details):
        if line.tag == "StockLine":
            lines.append(_stock_line(state, checker, line, allow_zero))
        elif line.tag == "NonStockedLine":
            lines.append(_non_stocked_line(checker, line, allow_zero))
        elif line.tag == "FreightLine":
            value = checker.amount(line, "FreightValue", scale=2, precision=14, required=True, negative=False)
            lines.append({"LineType": "4", "NMscChargeValue": value})
        # CommentLine, MiscChargeLine and unknown elements are ignored, as SYSPRO ignores unknown ones
    if not lines:
        checker.fail("OrderDetails", "", checks.E_REQUIRED, "The order has no lines")
    return lines


def _stock_line(state: EnetState, checker: Checker, line: Element, allow_zero: bool) -> dict[str, Any]:
    code = checker.text(line, "StockCode", "SorDetail", "MStockCode", required=True)
    stock = state.get("InvMaster", code) if code else None
    if code and stock is None:
        checker.fail("StockCode", code, checks.E_NOT_FOUND, f"Stock code '{code}' not found")
    warehouse = checker.text(line, "Warehouse", "SorDetail", "MWarehouse") or state.options.default_warehouse
    if state.get("InvWhControl", warehouse) is None:
        checker.fail("Warehouse", warehouse, checks.E_NOT_FOUND, f"Warehouse '{warehouse}' not found")
    elif stock is not None and state.get("InvWarehouse", stock["StockCode"], warehouse) is None:
        message = f"Stock code '{code}' is not stocked in warehouse '{warehouse}'"
        checker.fail("Warehouse", warehouse, checks.E_NOT_FOUND, message)
    quantity = _quantity(checker, line, "OrderQty")
    price = _price(checker, line, "Price", allow_zero)
    stock = stock or {}
    return {
        "LineType": "1",
        "MStockCode": stock.get("StockCode", code),
        "MStockDes": stock.get("Description", ""),
        "MWarehouse": warehouse,
        "MOrderQty": quantity,
        "MPrice": price,
        "MOrderUom": text_of(line, "OrderUom") or stock.get("StockUom", ""),
        "MProductClass": stock.get("ProductClass", ""),
        "MTaxCode": text_of(line, "StockTaxCode") or "",
        "MCusSupStkCode": text_of(line, "CustomerPoLine") or "",
    }


def _non_stocked_line(checker: Checker, line: Element, allow_zero: bool) -> dict[str, Any]:
    return {
        "LineType": "7",
        "MStockCode": checker.text(line, "NStockCode", "SorDetail", "MStockCode", required=True),
        "MStockDes": checker.text(line, "NStockDes", "SorDetail", "MStockDes") or "",
        "MOrderQty": _quantity(checker, line, "NOrderQty"),
        "MPrice": _price(checker, line, "NPrice", allow_zero),
        "MProductClass": checker.text(line, "NProductClass", "SorDetail", "MProductClass") or "",
    }


def _quantity(checker: Checker, line: Element, tag: str) -> Decimal:
    quantity = checker.amount(line, tag, scale=6, precision=18, required=True, negative=False)
    if quantity is not None and quantity == 0:
        checker.fail(tag, "0", checks.E_NEGATIVE, "Order quantity must be greater than zero")
    return quantity or Decimal(0)


def _price(checker: Checker, line: Element, tag: str, allow_zero: bool) -> Decimal:
    price = checker.amount(line, tag, scale=5, precision=15, negative=False)
    if price is not None and price == 0 and not allow_zero:
        checker.fail(tag, "0", checks.E_NEGATIVE, "A zero price is not allowed (AllowZeroPrice=N)")
    return price or Decimal(0)


def _write(state: EnetState, order: dict[str, Any], lines: list[dict[str, Any]], status: str, operator: str) -> str:
    with state.lock:
        number = state.new_sales_order_number()
        state.insert(
            "SorMaster",
            order
            | {
                "SalesOrder": number,
                "OrderStatus": status,
                "DocumentType": "O",
                "EntrySystemDate": state.today(),
                "Warehouse": next((ln["MWarehouse"] for ln in lines if ln.get("MWarehouse")), ""),
            },
        )
        for index, line in enumerate(lines, start=1):
            state.insert("SorDetail", line | {"SalesOrder": number, "SalesOrderLine": index})
    return number
