"""Seeded operational facts: stock balances (InvWarehouse) and purchase orders (PorMasterHdr/PorMasterDetail).
Sales orders, which draw on the stock balances, are in :mod:`.seed_sales`."""

from __future__ import annotations

from datetime import timedelta

from . import vocabulary as v
from .seed_context import Rows, SeedContext
from .seed_dimensions import Dimensions


def stock_balances(ctx: SeedContext, dims: Dimensions) -> Rows:
    rng = ctx.rng("InvWarehouse")
    combos = [(item, wh) for item in dims.items for wh in dims.warehouses]
    rng.shuffle(combos)
    rows: Rows = []
    for (code, _desc, _class, cost), warehouse in sorted(combos[: ctx.counts["InvWarehouse"]]):
        on_hand = float(rng.choice((0, rng.randint(1, 40), rng.randint(40, 2500))))
        sale = rng.choice(ctx.workdays) if rng.random() < 0.8 else None
        purchase = rng.choice(ctx.workdays) if rng.random() < 0.85 else None
        rows.append(
            (
                code,
                warehouse,
                on_hand,
                float(rng.randint(0, int(on_hand) // 3 + 1)),
                float(rng.choice((0, 0, rng.randint(10, 500)))),
                float(rng.choice((0, 0, 0, rng.randint(1, 50)))),
                round(cost * rng.uniform(0.95, 1.05), 5),
                f"{rng.choice('ABCD')}{rng.randint(1, 30):02d}-{rng.randint(1, 6):02d}",
                ctx.dates.day(sale) if sale else None,
                ctx.dates.day(purchase) if purchase else None,
                ctx.rowversion.next(),
            )
        )
    return rows


def purchase_orders(ctx: SeedContext, dims: Dimensions) -> tuple[Rows, Rows]:
    rng = ctx.rng("PorMasterHdr")
    days = sorted(rng.choices(ctx.recent_workdays(150), k=ctx.counts["PorMasterHdr"]))
    plants = [w for w in dims.warehouses if w != "FG"] or dims.warehouses
    headers: Rows = []
    lines: Rows = []
    for number, day in enumerate(days, start=70001):
        supplier, currency, _branch, _terms, rate = rng.choice(dims.suppliers)
        order, warehouse = f"{number:015d}", rng.choice(plants)
        due = day + timedelta(days=rng.randint(14, 45))
        complete = due < ctx.as_of and rng.random() < 0.85
        done = min(due + timedelta(days=rng.randint(-5, 5)), ctx.as_of) if complete else None
        exchange = 1.0 if currency == "USD" else round(rate, 6)
        headers.append(
            (
                order,
                "9" if complete else rng.choice("14"),
                supplier,
                ctx.dates.day(day),
                ctx.dates.day(due),
                ctx.dates.day(done) if done else None,
                rng.choice(v.BUYERS),
                " ",
                warehouse,
                currency,
                exchange,
                ctx.rowversion.next(),
            )
        )
        for line in range(1, rng.randint(1, 4) + 1):
            code, desc, _class, cost = rng.choice(dims.items)
            qty = float(rng.randint(10, 1000))
            received = qty if complete else float(rng.choice((0, rng.randint(0, int(qty)))))
            lines.append(
                (
                    order,
                    line,
                    "1",
                    code,
                    desc,
                    warehouse,
                    qty,
                    received,
                    round(cost * 0.6, 5),
                    "EA",
                    ctx.dates.day(due),
                    ctx.dates.day(due),
                    "Y" if complete else " ",
                    ctx.rowversion.next(),
                )
            )
    return headers, lines
