"""Seeded ledger facts: GL postings (GenTransaction), AP invoices and AR invoices.

GenTransaction is the big one (1M rows in ~2 s): journals are generated in date order with bulk
random draws, shared strings and no per-row dicts. Each seeded journal balances to zero.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from .seed_context import Rows, SeedContext
from .seed_dimensions import Dimensions

# Source, control natural account, control sign (+1 debit), counter-line accounts, comment.
JOURNAL_KINDS: tuple[tuple[str, str, int, tuple[str, ...], str], ...] = (
    ("AP", "2000", -1, ("1200", "5300", "6100", "6200", "6400", "6700", "6800"), "AP invoice register"),
    ("AR", "1100", 1, ("4000", "4010", "4200", "2200"), "AR sales journal"),
    ("IN", "1220", -1, ("5000", "5200"), "Inventory cost of sales"),
    ("CB", "1000", -1, ("2000", "7000", "2300"), "Cash book payments"),
    ("GL", "2100", -1, ("6000", "6300", "6500", "6600", "6900", "7100"), "Month-end accrual"),
    ("WP", "1200", -1, ("1210", "5100"), "WIP material issues"),
)
KIND_WEIGHTS = (25, 25, 20, 12, 10, 8)
LINE_COUNTS = (1, 1, 2, 2, 3, 4)  # counter lines per journal; plus one control line


def _pool(dims: Dimensions, accounts: tuple[str, ...]) -> list[str]:
    return [code for a in accounts for code in dims.gl_by_account.get(a, ())] or dims.gl_codes


def gl_postings(ctx: SeedContext, dims: Dimensions) -> list[tuple[object, ...]]:
    rng, total = ctx.rng("GenTransaction"), ctx.counts["GenTransaction"]
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        size = rng.choice(LINE_COUNTS) + 1
        size = remaining if remaining - size < 2 or remaining <= 5 else size
        sizes.append(size)
        remaining -= size
    days = sorted(rng.choices(ctx.workdays, k=len(sizes)))
    kinds = rng.choices(range(len(JOURNAL_KINDS)), weights=KIND_WEIGHTS, k=len(sizes))
    plans = []
    for source, control, sign, counters, comment in JOURNAL_KINDS:
        control_code = (dims.gl_by_account.get(control) or _pool(dims, counters))[0]
        refs = [f"{source}{n:05d}" for n in range(1, 301)]
        plans.append((source, control_code, sign, _pool(dims, counters), comment, refs))
    rows: Rows = []
    append, rand, choice = rows.append, rng.random, rng.choice
    journal_numbers: dict[tuple[int, int], int] = defaultdict(int)
    years: dict[int, int] = {}
    ts_next = ctx.rowversion.next
    for size, day, kind in zip(sizes, days, kinds, strict=True):
        source, control_code, sign, pool, comment, refs = plans[kind]
        year, period = years.setdefault(day.year, day.year), day.month
        journal_numbers[year, period] += 1
        journal = journal_numbers[year, period]
        when, ref = ctx.dates.day(day), choice(refs)
        balance = 0.0
        for entry in range(1, size):
            value = round(-sign * (5.0 + 24995.0 * rand() ** 3), 2)
            balance += value
            append((year, period, journal, entry, choice(pool), when, value, ref, comment, source, ts_next()))
        append((year, period, journal, size, control_code, when, round(-balance, 2), ref, comment, source, ts_next()))
    return rows


def ap_invoices(ctx: SeedContext, dims: Dimensions) -> list[tuple[object, ...]]:
    rng, count = ctx.rng("ApInvoice"), ctx.counts["ApInvoice"]
    days = sorted(rng.choices(ctx.workdays, k=count))
    next_number: dict[str, int] = {}
    journals: dict[tuple[int, int], int] = defaultdict(int)
    rows: Rows = []
    for invoice_day in days:
        supplier, currency, branch, terms, rate = rng.choice(dims.suppliers)
        number = next_number.get(supplier, rng.randint(1000, 90000)) + rng.randint(1, 40)
        next_number[supplier] = number
        style = int(supplier) % 3
        invoice = (f"INV-{number:06d}", f"{number:07d}", f"{number}/{invoice_day:%y}")[style]
        journal_day = min(invoice_day + timedelta(days=rng.randint(0, 6)), ctx.as_of)
        due = invoice_day + timedelta(days=terms)
        journals[journal_day.year, journal_day.month] += 0 if rng.random() < 0.7 else 1
        foreign = round(50 + 30000 * rng.random() ** 2, 2)
        exchange = round(rate * (1 + rng.uniform(-0.02, 0.02)), 6) if currency != "USD" else 1.0
        local = round(foreign * exchange, 2)
        paid = due < ctx.as_of - timedelta(days=5) and rng.random() < 0.95
        balance = 0.0 if paid else (local if rng.random() < 0.8 else round(local * rng.random(), 2))
        rows.append(
            (
                supplier,
                invoice,
                ctx.dates.day(invoice_day),
                ctx.dates.day(journal_day),
                ctx.dates.day(due),
                f"{rng.randint(1, 99999):015d}",
                " ",
                currency,
                exchange,
                foreign,
                local,
                balance,
                journal_day.year,
                journal_day.month,
                journals[journal_day.year, journal_day.month] + 1,
                branch,
                ctx.rowversion.next(),
            )
        )
    return rows


def ar_invoices(ctx: SeedContext, dims: Dimensions) -> tuple[list[tuple[object, ...]], dict[str, date]]:
    """AR invoices and credit notes, numbered in date order; also each customer's last sale date."""
    rng, count = ctx.rng("ArInvoice"), ctx.counts["ArInvoice"]
    days = sorted(rng.choices(ctx.workdays, k=count))
    people = rng.choices(dims.customers, weights=[c.weight for c in dims.customers], k=count)
    rows: Rows = []
    last_sale: dict[str, date] = {}
    for number, (day, c) in enumerate(zip(days, people, strict=True), start=100001):
        credit = rng.random() < 0.08
        net = round((-1 if credit else 1) * (80 + 20000 * rng.random() ** 2), 2)
        tax = round(net * 0.07, 2) if c.currency == "USD" else 0.0
        gross = round(net + tax, 2)
        days_terms = c.terms[1]
        open_ = day + timedelta(days=days_terms + 10) >= ctx.as_of or rng.random() < 0.03
        balance = gross if open_ else 0.0
        order = "" if credit else f"{rng.randint(1, 400000):015d}"
        rows.append(
            (
                c.code,
                f"{number:08d}",
                "C" if credit else "I",
                ctx.dates.day(day),
                order,
                "" if credit else f"PO{rng.randint(10000, 99999)}",
                c.salesperson,
                c.branch,
                c.terms[0],
                gross,
                tax,
                balance,
                day.year,
                day.month,
                c.currency,
                ctx.rowversion.next(),
            )
        )
        if not credit:
            last_sale[c.code] = day
    return rows, last_sale
