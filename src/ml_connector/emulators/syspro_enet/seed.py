"""Seeded company data for the e.net emulator: a manufacturer with three plants (cost centres 200,
300, 400; warehouses AK, TU, FR; AR branches 01..03), a segmented GL like the OData emulator's
(``<company>-<account>-<cost centre>``, e.g. ``10-4000-200``; corporate accounts on centre 100),
stock items, customers, and the current year's posting periods (past and current open, future not)."""

from __future__ import annotations

from decimal import Decimal

from ml_connector.emulators.syspro_enet.state import EnetState

COMPANY_SEGMENT = "10"  # same GL shape as the OData emulator: <company>-<account>-<cost centre>
CORPORATE_CENTRE = "100"
# Plant cost centre -> (warehouse, description); the AR branch of each plant.
PLANTS = {"200": ("AK", "AKRON PLANT"), "300": ("TU", "TULSA PLANT"), "400": ("FR", "FRESNO PLANT")}
BRANCHES = {"01": "Akron", "02": "Tulsa", "03": "Fresno"}
CORPORATE_ACCOUNTS = (
    ("1000", "Cash at bank", "A"),
    ("1100", "Accounts receivable control", "A"),
    ("2100", "Accrued liabilities", "L"),
    ("2200", "Sales tax payable", "L"),
    ("7000", "Bank charges", "E"),
)
PLANT_ACCOUNTS = (
    ("1220", "Finished goods inventory", "A"),
    ("4000", "Sales - valves", "R"),
    ("4010", "Sales - pumps", "R"),
    ("4100", "Sales returns and allowances", "R"),
    ("4200", "Freight recovered", "R"),
    ("5000", "Cost of goods sold", "E"),
)
STOCK = (
    ("FG-1001", "Steel mounting bracket", "EA", "FG", Decimal("12.50")),
    ("FG-1002", "Aluminium hinge 80mm", "EA", "FG", Decimal("4.10")),
    ("FG-1003", "Hydraulic pump seal kit", "KIT", "FG", Decimal("38.00")),
    ("FG-1004", "Conveyor roller 600mm", "EA", "FG", Decimal("55.75")),
    ("FG-1005", "Stainless bolt M8 (box 100)", "BOX", "HW", Decimal("9.90")),
    ("FG-1006", "Gearbox oil 5L", "EA", "CON", Decimal("21.30")),
)
NAMES = (
    "Acme Fabrication",
    "Brightline Tools",
    "Cobalt Engineering",
    "Delta Fluid Systems",
    "Evergreen Packaging",
    "Foundry & Forge Co",
    "Granite Motors",
    "Harbor Logistics",
    "Ironclad Supplies",
    "Juniper Robotics",
    "Keystone Hydraulics",
    "Lumen Electrical",
)
CITIES = ("Springfield", "Riverside", "Lakeside", "Fairview", "Georgetown", "Franklin")


def seed_company(state: EnetState) -> None:
    """Fill ``state`` deterministically from its random generator. Over a shared database, warehouses,
    stock and customers come from that database's seed; only branches, GL accounts and periods are added."""
    for branch, description in BRANCHES.items():
        state.insert("SalBranch", {"Branch": branch, "Description": description})
    if state.shared is None:
        for warehouse, description in [*PLANTS.values(), ("FG", "FINISHED GOODS - MEMPHIS")]:
            state.insert("InvWhControl", {"Warehouse": warehouse, "Description": description})
    for account, description, kind in CORPORATE_ACCOUNTS:
        state.add_gl_account(f"{COMPANY_SEGMENT}-{account}-{CORPORATE_CENTRE}", description, kind, account[:1])
    for centre in PLANTS:
        for account, description, kind in PLANT_ACCOUNTS:
            code = f"{COMPANY_SEGMENT}-{account}-{centre}"
            state.add_gl_account(code, f"{description} - plant {centre}", kind, account[:1])
    if state.shared is None:
        _stock_and_customers(state)
    year, current = state.current_period()
    for period in range(1, 13):
        if period <= current:
            state.open_period(year, period)
    for period in range(1, 13):
        state.close_period(year - 1, period)


def _stock_and_customers(state: EnetState) -> None:
    rng = state.rng
    for stock_code, description, uom, product_class, cost in STOCK:
        state.insert(
            "InvMaster",
            {"StockCode": stock_code, "Description": description, "StockUom": uom,
             "ProductClass": product_class, "TaxCode": "A"},
        )  # fmt: skip
        for warehouse, _ in PLANTS.values():
            state.insert(
                "InvWarehouse",
                {"StockCode": stock_code, "Warehouse": warehouse, "QtyOnHand": Decimal(rng.randint(0, 500)),
                 "QtyAllocated": Decimal(0), "UnitCost": cost},
            )  # fmt: skip
    branches = list(BRANCHES)
    for number, name in enumerate(NAMES, start=1):
        city = rng.choice(CITIES)
        state.add_customer(
            f"{number:06d}", name,
            ShortName=name[:20], Branch=branches[(number - 1) % 3],
            Email=f"accounts@{name.split()[0].lower()}.example", Telephone=f"555-{rng.randint(1000, 9999)}",
            Contact=rng.choice(("Pat Lee", "Sam Jones", "Alex Kim", "Jo Smith")),
            CreditLimit=Decimal(rng.choice((5000, 10000, 25000, 50000))),
            SoldToAddr1=f"{rng.randint(1, 999)} Industrial Way", SoldToAddr2=city,
            SoldPostalCode=f"{rng.randint(10000, 99999)}",
        )  # fmt: skip
    state.update("ArCustomer", ("000012",), {"CustomerOnHold": "Y"})
