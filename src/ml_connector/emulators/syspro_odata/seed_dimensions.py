"""Seeded dimension tables: cost centres, GL accounts, suppliers (+ addresses), warehouses, stock
items and customers. Each returns row tuples in column order plus facts needed by later steps."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import vocabulary as v
from .seed_context import Rows, SeedContext


@dataclass(frozen=True)
class CustomerSeed:
    """A customer's attributes, shared by ArCustomer, ArInvoice and SorMaster seeding."""

    code: str
    name: str
    short: str
    klass: str
    branch: str
    salesperson: str
    terms: tuple[str, int]
    currency: str
    limit: int
    hold: str
    phone: str
    contact: str
    email: str
    address: tuple[str, str, str, str, str]
    postal: str
    added: date
    weight: float


@dataclass
class Dimensions:
    """What fact seeding needs to know about the dimensions it must reference."""

    gl_by_account: dict[str, list[str]] = field(default_factory=dict)
    gl_codes: list[str] = field(default_factory=list)
    suppliers: list[tuple[str, str, str, int, float]] = field(default_factory=list)  # code, cur, branch, days, rate
    warehouses: list[str] = field(default_factory=list)
    items: list[tuple[str, str, str, float]] = field(default_factory=list)  # code, description, class, cost
    customers: list[CustomerSeed] = field(default_factory=list)


def company_names(rng: random.Random, count: int, trades: tuple[str, ...]) -> list[str]:
    combos = [f"{a} {t} {s}" for a in v.SURNAMES + v.PLACES for t in trades for s in v.SUFFIXES]
    rng.shuffle(combos)
    names = combos[:count]
    for extra in range(count - len(names)):
        names.append(f"{combos[extra % len(combos)]} {extra // len(combos) + 2}")
    return [name[:50] for name in names]


def address(rng: random.Random) -> tuple[str, str, str, str, str, str, str]:
    """Street, line 2, city, state, country, postal code, telephone."""
    city, state, zip_prefix, area = rng.choice(v.CITIES)
    country = {"ON": "CANADA", "NL": "MEXICO"}.get(state, "USA")
    postal = (
        f"{zip_prefix} {rng.randint(1, 9)}A{rng.randint(1, 9)}"
        if state == "ON"
        else f"{zip_prefix}{rng.randint(10, 99)}"
    )
    line2 = rng.choice(("", "", "", f"Suite {rng.randint(1, 9)}00", f"Unit {rng.randint(1, 40)}"))
    phone = f"({area}) 555-{rng.randint(100, 999):04d}"
    return f"{rng.randint(10, 9999)} {rng.choice(v.STREETS)}", line2, city, state, country, postal, phone


def analysis_codes(ctx: SeedContext) -> list[tuple[object, ...]]:
    codes = list(v.COST_CENTRES[: ctx.counts["GenAnalysisCode"]])
    for extra in range(ctx.counts["GenAnalysisCode"] - len(codes)):
        codes.append((str(700 + 10 * extra), f"Cost centre {700 + 10 * extra}"))
    return [(v.COST_CENTRE_CATEGORY, code, 1, desc, ctx.rowversion.next()) for code, desc in codes]


def gl_accounts(ctx: SeedContext, centres: list[str], dims: Dimensions) -> list[tuple[object, ...]]:
    rng = ctx.rng("GenMaster")
    plant = [c for c in centres if c in v.PLANT_COST_CENTRES] or centres[:1]
    corp = centres[0] if "100" not in centres else "100"
    scopes = {"corp": [corp], "plant": plant, "all": centres}
    core: list[tuple[str, str, str, str, str]] = []
    rest: list[tuple[str, str, str, str, str]] = []
    for account, desc, kind, group, scope in v.ACCOUNTS:
        for number, centre in enumerate(scopes[scope]):
            entry = (account, centre, desc, kind, group)
            (core if scope == "corp" or (number == 0 and account in ("1220", "4000", "5000")) else rest).append(entry)
    rng.shuffle(rest)
    chosen = (core + rest)[: ctx.counts["GenMaster"]]
    for extra in range(ctx.counts["GenMaster"] - len(chosen)):
        chosen.append((str(8000 + extra), corp, f"Sundry expense {extra + 1}", "E", "OPEX"))
    names = dict(v.COST_CENTRES)
    rows: Rows = []
    for account, centre, desc, kind, group in sorted(chosen):
        code = f"{v.GL_COMPANY_SEGMENT}-{account}-{centre}"
        dims.gl_by_account.setdefault(account, []).append(code)
        dims.gl_codes.append(code)
        label = f"{desc} - {names.get(centre, 'Cost centre ' + centre)}"[:50]
        rows.append((code, label, kind, group, account, centre, ctx.rowversion.next()))
    return rows


def suppliers(ctx: SeedContext, dims: Dimensions) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    rng = ctx.rng("ApSupplier")
    count = ctx.counts["ApSupplier"]
    names = company_names(rng, count, v.SUPPLIER_TRADES)
    added = ctx.workdays[0] - timedelta(days=3650)
    supplier_rows: Rows = []
    address_rows: Rows = []
    for number, name in enumerate(names, start=1):
        code = f"{number:06d}"
        street, line2, city, state, country, postal, phone = address(rng)
        currency, rate = v.FOREIGN_CURRENCY.get(state, (v.LOCAL_CURRENCY, 1.0))
        terms, days = rng.choice(v.TERMS)
        branch = rng.choice(("01", "02", "03"))
        contact = rng.choice(v.FIRST_NAMES)
        email = f"{contact.lower()}@{''.join(ch for ch in name.split()[0].lower() if ch.isalpha())}.example.com"
        when = added + timedelta(days=(number * 3650) // max(count, 1))
        supplier_rows.append(
            (
                code,
                name,
                name.upper()[:20].rstrip(),
                rng.choice(("RAW", "SERV", "FRT", "PACK")),
                branch,
                terms,
                currency,
                "Y" if rng.random() < 0.05 else "N",
                phone,
                contact,
                email,
                ctx.dates.day(when),
                "",
            )
        )
        address_rows.append((code, street, line2, city, state, country, postal, ""))
        dims.suppliers.append((code, currency, branch, days, rate))
    # Rowversions: suppliers then addresses, as a supplier setup would write them.
    supplier_rows = [(*r[:-1], ctx.rowversion.next()) for r in supplier_rows]
    address_rows = [(*r[:-1], ctx.rowversion.next()) for r in address_rows]
    return supplier_rows, address_rows


def warehouses(ctx: SeedContext, dims: Dimensions) -> list[tuple[object, ...]]:
    rows: Rows = []
    known = list(v.WAREHOUSES[: ctx.counts["InvWhControl"]])
    for extra in range(ctx.counts["InvWhControl"] - len(known)):
        known.append((f"W{extra + 5}", f"WAREHOUSE {extra + 5}", "", "", "", "100"))
    for number, (code, desc, *_rest) in enumerate(known):
        changed = ctx.workdays[0] + timedelta(days=11 * number)
        rows.append((code, desc, ctx.dates.day(changed), ctx.rowversion.next()))
        dims.warehouses.append(code)
    return rows


def stock_items(ctx: SeedContext, dims: Dimensions) -> list[tuple[object, ...]]:
    rng = ctx.rng("InvMaster")
    rows: Rows = []
    for number in range(ctx.counts["InvMaster"]):
        prefix, product_class, noun, material = v.PRODUCT_FAMILIES[number % len(v.PRODUCT_FAMILIES)]
        size = v.SIZES[(number // len(v.PRODUCT_FAMILIES)) % len(v.SIZES)]
        code = f"{prefix}-{1000 + number // len(v.PRODUCT_FAMILIES):04d}"
        description = f"{noun} {size} {material}"
        cost = round(rng.uniform(4, 900), 5)
        supplier = rng.choice(dims.suppliers)[0]
        added = date(2012, 1, 2) + timedelta(days=rng.randint(0, (ctx.as_of - date(2012, 1, 2)).days))
        rows.append(
            (
                code,
                description,
                f"{description}, {rng.choice(('ANSI 150', 'PN16', 'NPT', 'BSP'))}",
                "EA",
                product_class,
                "A",
                supplier,
                cost,
                ctx.dates.day(added),
                ctx.rowversion.next(),
            )
        )
        dims.items.append((code, description, product_class, cost))
    return rows


def customers(ctx: SeedContext, dims: Dimensions) -> None:
    """Customer attributes; rows are built after AR invoices so DateLastSale agrees with them."""
    rng = ctx.rng("ArCustomer")
    count = ctx.counts["ArCustomer"]
    for number, name in enumerate(company_names(rng, count, v.CUSTOMER_TRADES), start=1):
        street, line2, city, state, country, postal, phone = address(rng)
        currency = v.FOREIGN_CURRENCY.get(state, (v.LOCAL_CURRENCY, 1.0))[0]
        contact = f"{rng.choice(v.FIRST_NAMES)} {rng.choice(v.SURNAMES)}"
        domain = "".join(ch for ch in name.split()[0].lower() if ch.isalpha())
        added = ctx.workdays[0] - timedelta(days=rng.randint(-300, 3000))
        dims.customers.append(
            CustomerSeed(
                code=f"{number:07d}",
                name=name,
                short=name.upper()[:20].rstrip(),
                klass=rng.choice(("DI", "OE", "MU", "AG")),
                branch=rng.choice(("01", "02", "03")),
                salesperson=rng.choice(v.SALESPEOPLE),
                terms=rng.choice(v.TERMS),
                currency=currency,
                limit=rng.choice((5000, 10000, 25000, 50000, 100000, 250000)),
                hold="Y" if rng.random() < 0.03 else "N",
                phone=phone,
                contact=contact,
                email=f"accounts@{domain}.example.com",
                address=(street, line2, city, state, country),
                postal=postal,
                added=min(added, ctx.as_of),
                weight=rng.paretovariate(1.2),
            )
        )


def customer_rows(ctx: SeedContext, dims: Dimensions, last_sale: dict[str, date]) -> list[tuple[object, ...]]:
    rng = ctx.rng("ArCustomerPay")
    rows: Rows = []
    for c in dims.customers:
        sale = last_sale.get(c.code)
        paid = min(sale + timedelta(days=rng.randint(5, 45)), ctx.as_of) if sale else None
        rows.append(
            (
                c.code,
                c.name,
                c.short,
                c.klass,
                c.branch,
                c.salesperson,
                c.terms[0],
                c.currency,
                c.limit,
                c.hold,
                c.phone,
                c.contact,
                c.email,
                *c.address,
                c.postal,
                *c.address,  # ship-to = sold-to, as most customers are set up
                c.postal,
                ctx.dates.day(c.added),
                ctx.dates.day(sale) if sale else None,
                ctx.dates.day(paid) if paid else None,
                ctx.rowversion.next(),
            )
        )
    return rows
