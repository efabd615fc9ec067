"""Seeded sales orders (SorMaster/SorDetail) on stocked items, and the shortages of their open lines.

An order ships from the plant serving the customer's AR branch (01 Akron ``AK``, 02 Tulsa ``TU``,
03 Fresno ``FR``); each stock line names a StockCode that has an InvWarehouse row in that warehouse.
Statuses (SorMaster.OrderStatus): ``1`` open, ``2`` open back order, ``4`` in warehouse, ``8`` to
invoice, ``9`` complete, ``\\`` cancelled (with CancelledFlag ``Y``). A line's outstanding quantity is
``MBackOrderQty`` (= MOrderQty - MShipQty). Afterwards about one stock position in seven with open
demand is made short: available (QtyOnHand - QtyAllocated) below the largest outstanding open line there;
every other such position covers its largest line.
"""

from __future__ import annotations

from datetime import timedelta

from .seed_context import Rows, SeedContext
from .seed_dimensions import Dimensions

OPEN_STATUSES = "1248"
BRANCH_WAREHOUSE = {"01": "AK", "02": "TU", "03": "FR"}
SHORT_SHARE = 0.15
RECENT_STATUSES = "11111112222444488999"  # orders of the last 30 days; older ones are mostly complete


def sales_orders(ctx: SeedContext, dims: Dimensions, stock: Rows) -> tuple[Rows, Rows]:
    rng = ctx.rng("SorMaster")
    days = sorted(rng.choices(ctx.recent_workdays(120), k=ctx.counts["SorMaster"]))
    items = {code: (desc, klass, cost) for code, desc, klass, cost in dims.items}
    stocked: dict[str, list[str]] = {}
    for row in stock:
        stocked.setdefault(str(row[1]), []).append(str(row[0]))
    fallback = sorted(stocked, key=lambda w: -len(stocked[w]))[0] if stocked else dims.warehouses[0]
    headers: Rows = []
    lines: Rows = []
    for number, day in enumerate(days, start=400001):
        c = rng.choice(dims.customers)
        warehouse = BRANCH_WAREHOUSE.get(c.branch, fallback)
        if warehouse not in stocked:
            warehouse = fallback
        codes = stocked.get(warehouse) or list(items)
        order = f"{number:015d}"
        age = (ctx.as_of - day).days
        status = rng.choice(RECENT_STATUSES) if age <= 30 else ("9" if rng.random() < 0.9 else rng.choice("248"))
        cancelled = rng.random() < 0.03
        ship = day + timedelta(days=rng.randint(7, 21))
        invoiced = min(ship + timedelta(days=rng.randint(0, 5)), ctx.as_of) if status == "9" else None
        headers.append(
            (
                order,
                "\\" if cancelled else status,
                "O",
                c.code,
                c.name,
                f"PO{rng.randint(10000, 99999)}",
                ctx.dates.day(day),
                ctx.dates.day(day),
                ctx.dates.day(ship),
                c.branch,
                warehouse,
                c.salesperson,
                c.currency,
                *c.address,
                c.postal,
                c.email,
                rng.choice(("", "", "", "Call before delivery", "Dock 3, forklift on site")),
                "Y" if cancelled else " ",
                "",
                ctx.dates.day(invoiced) if invoiced and not cancelled else None,
                ctx.rowversion.next(),
            )
        )
        for line in range(1, rng.randint(1, 5) + 1):
            code = rng.choice(codes)
            desc, product_class, cost = items[code]
            qty = float(rng.randint(1, 120))
            if status in "98":
                shipped = qty
            elif status == "4":
                shipped = float(rng.randint(0, int(qty)))
            else:
                shipped = 0.0
            lines.append(
                (
                    order,
                    line,
                    "1",
                    code,
                    desc,
                    warehouse,
                    qty,
                    shipped,
                    qty - shipped,
                    cost,
                    round(cost * rng.uniform(1.4, 1.9), 5),
                    "EA",
                    ctx.dates.day(ship),
                    product_class,
                    "A  ",
                    "",
                    "",
                    0.0,
                    ctx.rowversion.next(),
                )
            )
    return headers, lines


def shortages(ctx: SeedContext, stock: Rows, headers: Rows, lines: Rows) -> Rows:
    """Stock rows adjusted so that some open lines are short and the others are covered."""
    rng = ctx.rng("Shortages")
    open_orders = {h[0] for h in headers if str(h[1]) in OPEN_STATUSES}
    need: dict[tuple[object, object], float] = {}
    for ln in lines:
        outstanding = float(ln[8])  # type: ignore[arg-type]
        if ln[0] in open_orders and outstanding > 0:
            key = (ln[3], ln[5])
            need[key] = max(need.get(key, 0.0), outstanding)
    out: Rows = []
    for row in stock:
        want = need.get((row[0], row[1]))
        if want is None:
            out.append(row)
            continue
        on_hand, allocated = float(row[2]), float(row[3])  # type: ignore[arg-type]
        if rng.random() < SHORT_SHARE:
            on_hand = allocated + float(rng.randint(0, int(want) - 1))
        elif on_hand - allocated < want:
            on_hand = allocated + want + float(rng.randint(0, 200))
        out.append((row[0], row[1], on_hand, *row[3:]))
    return out
