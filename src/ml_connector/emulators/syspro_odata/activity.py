"""A day of business in the emulated SYSPRO company, for demos and incremental-sync tests.

:func:`simulate_activity` changes a few customers (credit limit, telephone, contact or on-hold), moves a few
open sales orders along (open -> in warehouse -> to invoice -> complete with an AR invoice, or cancelled),
ships and receives stock where open order lines draw on it, and enters a few new orders. Every write
goes through the mutation API, so each changed row gets a new ``TimeStamp`` and the date columns SYSPRO
stamps (``DateLastSale``/``DateLastPurchase``, ``DateLastInvPrt``, ``OrderDate`` of a new order).
Deterministic for the emulator's seed and the sequence of calls.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .seed_sales import BRANCH_WAREHOUSE, OPEN_STATUSES

if TYPE_CHECKING:
    from .state import EmulatorState

Values = dict[str, Any]
NEXT_STATUS = {"1": "4", "2": "4", "4": "8", "8": "9"}


def simulate_activity(
    state: EmulatorState, *, customers: int = 3, orders: int = 5, stock: int = 5, new_orders: int = 2
) -> dict[str, list[str]]:
    """Change about this many rows of each kind; returns the keys touched per kind."""
    if min(customers, orders, stock, new_orders) < 0:
        raise ValueError("activity counts must be >= 0.")
    done: dict[str, list[str]] = {"customers": [], "orders": [], "new_orders": [], "stock": [], "invoices": []}
    with state.lock:
        rng = state.rng
        for row in rng.sample(state.store("ArCustomer").rows, min(customers, len(state.store("ArCustomer")))):
            code = row[0]
            state.update("ArCustomer", keys=[{"Customer": code}], changes=_customer_change(state, code))
            done["customers"].append(code)
        master = state.store("SorMaster")
        status_at = master.table.index("OrderStatus")
        open_orders = [row[0] for row in master.rows if row[status_at] in OPEN_STATUSES]
        for number in rng.sample(open_orders, min(orders, len(open_orders))):
            _advance(state, number, done)
        for _ in range(new_orders):
            done["new_orders"].append(_new_order(state))
        for code, warehouse in _positions(state, stock):
            _move_stock(state, code, warehouse, rng.choice((-1, 1)) * float(rng.randint(5, 150)))
            done["stock"].append(f"{code}@{warehouse}")
    return done


def _customer_change(state: EmulatorState, code: str) -> Values:
    rng, row = state.rng, state.get("ArCustomer", Customer=code) or {}
    kind = rng.choice(("credit", "phone", "contact", "hold"))
    if kind == "credit":
        return {"CreditLimit": int(row.get("CreditLimit", 10000)) + rng.choice((5000, 10000, 25000))}
    if kind == "phone":
        return {"Telephone": f"({rng.randint(201, 989)}) 555-{rng.randint(1000, 9999)}"}
    if kind == "contact":
        return {"Contact": rng.choice(("Dana Whitfield", "Raj Patel", "Elena Rossi", "Marcus Greer"))}
    return {"CustomerOnHold": "N" if row.get("CustomerOnHold") == "Y" else "Y"}


def _lines(state: EmulatorState, number: str) -> list[Values]:
    table = state.table("SorDetail")
    return [state.row_dict(table, r) for r in state.store("SorDetail").rows if r[0] == number]


def _advance(state: EmulatorState, number: str, done: dict[str, list[str]]) -> None:
    order = state.get("SorMaster", SalesOrder=number) or {}
    if state.rng.random() < 0.15:
        state.update("SorMaster", keys=[{"SalesOrder": number}], changes={"OrderStatus": "\\", "CancelledFlag": "Y"})
        done["orders"].append(number)
        return
    status = NEXT_STATUS.get(order["OrderStatus"], "9")
    total = 0.0
    for line in _lines(state, number):
        qty, shipped = float(line["MOrderQty"]), float(line["MShipQty"])
        target = qty if status in "89" else float(state.rng.randint(int(shipped), int(qty)))
        total += qty * float(line["MPrice"])
        if line["LineType"] == "1" and target != shipped:
            state.update(
                "SorDetail",
                keys=[{"SalesOrder": number, "SalesOrderLine": line["SalesOrderLine"]}],
                changes={"MShipQty": target, "MBackOrderQty": qty - target},
            )
            _move_stock(state, line["MStockCode"], line["MWarehouse"], shipped - target)
    changes: Values = {"OrderStatus": status}
    if status == "9":
        [invoice] = state.insert(
            "ArInvoice",
            [{"Customer": order["Customer"], "SalesOrder": number, "CustomerPoNumber": order["CustomerPoNumber"],
              "CurrencyValue": round(total, 2)}],
        )  # fmt: skip
        changes |= {"LastInvoice": invoice["Invoice"], "DateLastInvPrt": state.today()}
        state.update("ArCustomer", keys=[{"Customer": order["Customer"]}], changes={"DateLastSale": state.today()})
        done["invoices"].append(invoice["Invoice"])
    state.update("SorMaster", keys=[{"SalesOrder": number}], changes=changes)
    done["orders"].append(number)


def _new_order(state: EmulatorState) -> str:
    rng = state.rng
    customer = state.row_dict(state.table("ArCustomer"), rng.choice(state.store("ArCustomer").rows))
    stock = state.store("InvWarehouse").rows
    warehouse = BRANCH_WAREHOUSE.get(customer["Branch"], "AK")
    if not any(r[1] == warehouse for r in stock):
        warehouse = stock[0][1] if stock else state.store("InvWhControl").rows[0][0]
    codes = [r[0] for r in stock if r[1] == warehouse]
    today = state.today()
    header = {
        "Customer": customer["Customer"],
        "Warehouse": warehouse,
        "CustomerPoNumber": f"PO{rng.randint(10000, 99999)}",
        "ReqShipDate": today + timedelta(days=rng.randint(7, 21)),
    }
    [order] = state.insert("SorMaster", [header])
    rows = [
        {"SalesOrder": order["SalesOrder"], "MStockCode": code, "MOrderQty": float(rng.randint(1, 60))}
        for code in rng.sample(codes, min(len(codes), rng.randint(1, 4)))
    ]
    if rows:
        state.insert("SorDetail", rows)
    return str(order["SalesOrder"])


def _positions(state: EmulatorState, count: int) -> list[tuple[str, str]]:
    """Stock positions that open order lines draw on (so their stock status can change)."""
    detail = state.store("SorDetail")
    status_at = state.table("SorMaster").index("OrderStatus")
    open_orders = {r[0] for r in state.store("SorMaster").rows if r[status_at] in OPEN_STATUSES}
    found = sorted({(r[3], r[5]) for r in detail.rows if r[0] in open_orders and r[2] == "1" and r[8] > 0})
    return state.rng.sample(found, min(count, len(found)))


def _move_stock(state: EmulatorState, code: str, warehouse: str, delta: float) -> None:
    row = state.get("InvWarehouse", StockCode=code, Warehouse=warehouse)
    if row is None or not delta:
        return
    state.update(
        "InvWarehouse",
        keys=[{"StockCode": code, "Warehouse": warehouse}],
        changes={"QtyOnHand": max(float(row["QtyOnHand"]) + delta, 0.0)},
    )
