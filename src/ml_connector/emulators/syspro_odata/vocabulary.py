"""Fixed business vocabulary of the demo company: a valve and pump maker with three plants.

Plants in Akron, Tulsa and Fresno feed a finished-goods warehouse in Memphis. GL codes are
``10-<account>-<cost centre>``; cost centres are GenAnalysisCode rows of category ``CC``.
"""

from __future__ import annotations

GL_COMPANY_SEGMENT = "10"
COST_CENTRE_CATEGORY = "CC"
LOCAL_CURRENCY = "USD"

# Warehouse code, InvWhControl description, city, state, ZIP, production cost centre.
WAREHOUSES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("AK", "AKRON PLANT", "Akron", "OH", "44305", "200"),
    ("TU", "TULSA PLANT", "Tulsa", "OK", "74107", "300"),
    ("FR", "FRESNO PLANT", "Fresno", "CA", "93725", "400"),
    ("FG", "FINISHED GOODS - MEMPHIS", "Memphis", "TN", "38118", "500"),
)

COST_CENTRES: tuple[tuple[str, str], ...] = (
    ("100", "Corporate administration"),
    ("110", "Finance"),
    ("120", "Information technology"),
    ("130", "Sales and marketing"),
    ("200", "Akron production"),
    ("210", "Akron maintenance"),
    ("300", "Tulsa production"),
    ("310", "Tulsa maintenance"),
    ("400", "Fresno production"),
    ("410", "Fresno maintenance"),
    ("500", "Memphis distribution"),
    ("600", "Research and development"),
)
PLANT_COST_CENTRES = ("200", "210", "300", "310", "400", "410", "500")

# Natural account, description, AccountType, GlGroup, which cost centres carry it.
# scope: "corp" = 100 only, "plant" = plant/distribution centres, "all" = every cost centre.
ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("1000", "Cash at bank", "A", "CASH", "corp"),
    ("1100", "Accounts receivable control", "A", "RECEIV", "corp"),
    ("1200", "Raw materials inventory", "A", "INVENT", "plant"),
    ("1210", "Work in progress", "A", "INVENT", "plant"),
    ("1220", "Finished goods inventory", "A", "INVENT", "plant"),
    ("1500", "Plant and machinery", "A", "FIXED", "plant"),
    ("1510", "Accumulated depreciation", "A", "FIXED", "plant"),
    ("2000", "Accounts payable control", "L", "PAYABL", "corp"),
    ("2100", "Accrued liabilities", "L", "ACCRUE", "corp"),
    ("2200", "Sales tax payable", "L", "TAX", "corp"),
    ("2300", "Payroll liabilities", "L", "ACCRUE", "corp"),
    ("3000", "Common stock", "C", "EQUITY", "corp"),
    ("3100", "Retained earnings", "C", "EQUITY", "corp"),
    ("4000", "Sales - valves", "R", "SALES", "plant"),
    ("4010", "Sales - pumps", "R", "SALES", "plant"),
    ("4100", "Sales returns and allowances", "R", "SALES", "plant"),
    ("4200", "Freight recovered", "R", "OTHINC", "plant"),
    ("5000", "Cost of goods sold", "E", "COGS", "plant"),
    ("5100", "Direct labour", "E", "COGS", "plant"),
    ("5200", "Materials usage", "E", "COGS", "plant"),
    ("5300", "Factory overhead", "E", "COGS", "plant"),
    ("5400", "Purchase price variance", "E", "COGS", "plant"),
    ("6000", "Salaries and wages", "E", "OPEX", "all"),
    ("6100", "Rent and rates", "E", "OPEX", "all"),
    ("6200", "Utilities", "E", "OPEX", "all"),
    ("6300", "Travel and entertainment", "E", "OPEX", "all"),
    ("6400", "Repairs and maintenance", "E", "OPEX", "all"),
    ("6500", "Depreciation", "E", "OPEX", "all"),
    ("6600", "Insurance", "E", "OPEX", "all"),
    ("6700", "Office supplies", "E", "OPEX", "all"),
    ("6800", "Software and IT services", "E", "OPEX", "all"),
    ("6900", "Marketing and advertising", "E", "OPEX", "all"),
    ("7000", "Bank charges", "E", "FINANC", "corp"),
    ("7100", "Interest expense", "E", "FINANC", "corp"),
)

SURNAMES = (
    "Keller",
    "O'Brien",
    "Novak",
    "Hargrove",
    "Whitfield",
    "Delgado",
    "Lindqvist",
    "Pearson",
    "Okafor",
    "Brandt",
    "McAllister",
    "Tanaka",
    "Rossi",
    "Dunmore",
    "Fairbanks",
    "Kowalski",
    "Greer",
    "Ashworth",
    "D'Angelo",
    "Vasquez",
    "Holloway",
    "Sandoval",
    "Whitaker",
    "Brennan",
)
PLACES = (
    "Great Lakes",
    "Ozark",
    "Tri-State",
    "Prairie",
    "Cascade",
    "Gulf Coast",
    "Ohio Valley",
    "Summit",
    "Red River",
    "Blue Ridge",
    "Heartland",
    "Pacific",
    "Keystone",
    "Lone Star",
    "Mesa",
    "Northern",
)
SUPPLIER_TRADES = (
    "Steel Supply",
    "Castings",
    "Fasteners",
    "Bearings",
    "Industrial Gases",
    "Packaging",
    "Logistics",
    "Machine Works",
    "Seals & Gaskets",
    "Electric Motors",
    "Foundry",
    "Plastics",
    "Tooling",
    "Coatings",
)
CUSTOMER_TRADES = (
    "Plumbing Supply",
    "Irrigation",
    "Water Systems",
    "Process Controls",
    "Mechanical",
    "Fluid Power",
    "Municipal Services",
    "Oil & Gas Services",
    "HVAC Wholesale",
    "Farm Equipment",
    "Pump & Valve",
)
SUFFIXES = ("Inc", "Co", "LLC", "Corp", "& Sons", "Ltd", "Group")
FIRST_NAMES = (
    "Maria",
    "James",
    "Aisha",
    "Tom",
    "Priya",
    "Carlos",
    "Linda",
    "Kevin",
    "Yuki",
    "Sean",
    "Fatima",
    "Greg",
    "Nina",
    "Omar",
    "Rachel",
    "Luis",
)
STREETS = (
    "Industrial Pkwy",
    "Commerce Dr",
    "Main St",
    "Foundry Rd",
    "Harbor Blvd",
    "Elm St",
    "Airport Rd",
    "Mill St",
    "Enterprise Way",
    "Riverside Ave",
    "Depot St",
    "Quarry Ln",
)
# City, state, ZIP prefix, area code.
CITIES = (
    ("Cleveland", "OH", "441", "216"),
    ("Dayton", "OH", "454", "937"),
    ("Pittsburgh", "PA", "152", "412"),
    ("Houston", "TX", "770", "713"),
    ("Wichita", "KS", "672", "316"),
    ("Denver", "CO", "802", "303"),
    ("Sacramento", "CA", "958", "916"),
    ("Phoenix", "AZ", "850", "602"),
    ("Nashville", "TN", "372", "615"),
    ("Chicago", "IL", "606", "312"),
    ("Detroit", "MI", "482", "313"),
    ("Omaha", "NE", "681", "402"),
    ("Toronto", "ON", "M5V", "416"),
    ("Monterrey", "NL", "640", "818"),
)
FOREIGN_CURRENCY = {"ON": ("CAD", 0.73), "NL": ("MXN", 0.058)}  # state -> currency, USD per unit

PRODUCT_FAMILIES: tuple[tuple[str, str, str, str], ...] = (
    ("VLV", "VALV", "Ball valve", "brass"),
    ("GTV", "VALV", "Gate valve", "cast iron"),
    ("CHK", "VALV", "Check valve", "stainless"),
    ("PMP", "PUMP", "Centrifugal pump", "cast iron"),
    ("SUB", "PUMP", "Submersible pump", "stainless"),
    ("FTG", "FITT", "Flanged fitting", "carbon steel"),
    ("GSK", "SPAR", "Gasket kit", "EPDM"),
    ("BRG", "SPAR", "Bearing assembly", "chrome steel"),
)
SIZES = ("1/2in", "3/4in", "1in", "1-1/2in", "2in", "3in", "4in", "6in")
SALESPEOPLE = ("JBROOKS", "MCHEN", "RPATEL", "SKOWALSKI", "TNGUYEN", "AOKAFOR")
BUYERS = ("DLEE", "KMORRIS", "PGRANT")
TERMS = (("30", 30), ("45", 45), ("60", 60), ("10", 10))
