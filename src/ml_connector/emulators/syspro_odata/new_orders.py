"""Defaults for sales-order rows a mutation-API caller (or the e.net face, or the activity simulation)
inserts: a new SorMaster takes the next 15-digit order number and the customer's details, a new SorDetail
line its stock item's description, class and cost and its order's warehouse and ship date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import vocabulary as v
from .seed_sales import BRANCH_WAREHOUSE

if TYPE_CHECKING:
    from .database import CompanyDatabase

Values = dict[str, Any]
ORDER_DIGITS = 15  # SorMaster.SalesOrder: varchar(20) holding a zero-filled number, e.g. 000000000400001


def next_sales_order(state: CompanyDatabase) -> str:
    """The next sales order number, padded like the seeded ones (and like the e.net face writes them)."""
    from .new_rows import next_number

    return next_number(state, "SorMaster", "SalesOrder", ORDER_DIGITS)


def order_defaults(state: CompanyDatabase, given: Values, day: str) -> Values:
    customer = state.get("ArCustomer", Customer=given.get("Customer")) if given.get("Customer") else None
    customer = customer or {}
    ship = {f"ShipAddress{n}": customer.get(f"ShipToAddr{n}", "") for n in range(1, 6)}
    return {
        "SalesOrder": next_sales_order(state),
        "OrderStatus": "1",
        "DocumentType": "O",
        "CustomerName": customer.get("Name", ""),
        "OrderDate": day,
        "EntrySystemDate": day,
        "Branch": customer.get("Branch", ""),
        "Salesperson": customer.get("Salesperson", ""),
        "Warehouse": BRANCH_WAREHOUSE.get(str(customer.get("Branch", "")), "FG"),
        "CancelledFlag": " ",
        "Currency": customer.get("Currency", v.LOCAL_CURRENCY),
        "Email": customer.get("Email", ""),
        **ship,
        "ShipPostalCode": customer.get("ShipPostalCode", ""),
    }


def line_defaults(state: CompanyDatabase, given: Values) -> Values:
    order = state.get("SorMaster", SalesOrder=given["SalesOrder"]) if given.get("SalesOrder") else None
    order = order or {}
    line_type = str(given.get("LineType", "1")).strip() or "1"
    qty = float(given.get("MOrderQty", 1 if line_type == "1" else 0) or 0)
    shipped = float(given.get("MShipQty", 0) or 0)
    out: Values = {
        "LineType": line_type,
        "MLineShipDate": order.get("ReqShipDate"),
        "MOrderQty": qty,
        "MShipQty": shipped,
        "MBackOrderQty": max(qty - shipped, 0.0),
    }
    if given.get("SalesOrder") and "SalesOrderLine" not in given:
        out["SalesOrderLine"] = _next_line(state, str(given["SalesOrder"]))
    if line_type != "1":
        return out
    item = state.get("InvMaster", StockCode=given["MStockCode"]) if given.get("MStockCode") else None
    item = item or {}
    cost = float(item.get("MaterialCost", 0) or 0)
    return out | {
        "MStockDes": item.get("Description", ""),
        "MWarehouse": order.get("Warehouse", ""),
        "MUnitCost": cost,
        "MPrice": round(cost * 1.6, 5),
        "MOrderUom": item.get("StockUom", "EA"),
        "MProductClass": item.get("ProductClass", ""),
        "MTaxCode": item.get("TaxCode", "A"),
    }


def _next_line(state: CompanyDatabase, order: str) -> int:
    what = ("SorDetail", order)
    taken = [row[1] for row in state.store("SorDetail").rows if row[0] == order]
    number = max([*taken, state.allocations.get(what, 0)], default=0) + 1
    state.allocations[what] = number
    return int(number)
