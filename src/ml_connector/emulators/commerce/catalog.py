"""Static reference data of the emulated store: three websites (retail, B2B portal, marketplace),
the product catalogue of a pump and valve manufacturer, US regions with Magento region ids and tax
rates, and the name pools the seeded customers are drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreView:
    """One website / store group / store view triple (Magento keeps all three; we need one each)."""

    store_id: int
    code: str
    website_id: int
    website_name: str
    group_name: str
    view_name: str
    channel: str  # retail | b2b | marketplace
    increment_prefix: str  # sequence prefix: orders are prefix + 9 digits
    customer_group_id: int  # 1 General, 2 Wholesale, 3 Retailer
    shipping_method: str
    shipping_description: str
    payment_method: str
    payment_title: str

    @property
    def store_name(self) -> str:
        # Magento stores the three names joined by newlines (commerce-sterling-x12.md §1.5).
        return f"{self.website_name}\n{self.group_name}\n{self.view_name}"


STORES: tuple[StoreView, ...] = (
    StoreView(
        1,
        "default",
        1,
        "Main Website",
        "Retail Web Store",
        "Default Store View",
        "retail",
        "",
        1,
        "flatrate_flatrate",
        "Flat Rate - Fixed",
        "checkmo",
        "Check / Money order",
    ),
    StoreView(
        2,
        "b2b",
        2,
        "B2B Website",
        "B2B Portal",
        "B2B English",
        "b2b",
        "2",
        2,
        "tablerate_bestway",
        "Freight - LTL Best Way",
        "purchaseorder",
        "Purchase Order",
    ),
    StoreView(
        3,
        "marketplace",
        3,
        "Marketplace Website",
        "Marketplace",
        "Marketplace Feed",
        "marketplace",
        "3",
        1,
        "freeshipping_freeshipping",
        "Free Shipping - Free",
        "banktransfer",
        "Bank Transfer Payment",
    ),
)
STORES_BY_CODE = {s.code: s for s in STORES}
STORES_BY_ID = {s.store_id: s for s in STORES}


@dataclass(frozen=True)
class Product:
    product_id: int
    sku: str
    name: str
    price: float
    weight: float
    is_virtual: bool = False
    parent_id: int | None = None  # configurable parent product id for a variant


PRODUCTS: tuple[Product, ...] = (
    Product(101, "PMP-CF-1HP-SS", "Centrifugal Pump 1 HP Stainless", 649.00, 38.0),
    Product(102, "PMP-CF-3HP-CI", "Centrifugal Pump 3 HP Cast Iron", 1189.00, 71.5),
    Product(103, "PMP-SUB-05", "Submersible Sump Pump 1/2 HP", 239.00, 17.2),
    Product(104, "PMP-DIA-AOD1", "Air-Operated Diaphragm Pump 1in", 1425.00, 29.0),
    Product(111, "VLV-BALL-2IN-BR", "Ball Valve 2in Brass", 58.40, 2.6),
    Product(112, "VLV-GATE-4IN-CI", "Gate Valve 4in Cast Iron Flanged", 412.00, 48.0),
    Product(113, "VLV-CHK-1IN-SS", "Swing Check Valve 1in Stainless", 96.75, 1.9),
    Product(114, "VLV-BFY-6IN", "Butterfly Valve 6in Lug Style", 318.00, 22.4),
    Product(121, "FLT-CART-10M", "Filter Cartridge 10 Micron (6 pack)", 42.90, 3.1),
    Product(122, "FLT-HSG-BB20", "Big Blue Filter Housing 20in", 129.00, 6.8),
    Product(131, "SEAL-MECH-16", "Mechanical Seal Kit 16mm", 74.20, 0.4),
    Product(132, "GSK-KIT-ANSI-4", "Gasket Kit ANSI 150 4in", 18.60, 0.3),
    Product(141, "MTR-3PH-5HP", "Motor 3-Phase 5 HP TEFC", 896.00, 64.0),
    Product(142, "VFD-2HP-230", "Variable Frequency Drive 2 HP 230V", 455.00, 5.2),
    Product(151, "HOS-SUC-2IN-25", "Suction Hose 2in x 25ft", 87.30, 9.4),
    Product(152, "FIT-CAM-2IN-AL", "Camlock Fitting 2in Aluminium", 14.95, 0.5),
    Product(161, "GAUGE-PRS-160", "Pressure Gauge 0-160 psi", 23.40, 0.3),
    Product(171, "WTY-EXT-2Y", "Extended Warranty 2 Years", 119.00, 0.0, is_virtual=True),
    # Configurable "Nitrile Work Gloves" (parent 180) with its simple variants.
    Product(181, "GLV-NIT-M", "Nitrile Work Gloves-M", 12.50, 0.2, parent_id=180),
    Product(182, "GLV-NIT-L", "Nitrile Work Gloves-L", 12.50, 0.2, parent_id=180),
    Product(183, "GLV-NIT-XL", "Nitrile Work Gloves-XL", 13.50, 0.2, parent_id=180),
)
CONFIGURABLE_PARENTS = {180: "Nitrile Work Gloves"}


@dataclass(frozen=True)
class Region:
    region_id: int  # Magento directory_country_region id for the US
    code: str
    name: str
    tax_rate: float  # percent
    places: tuple[tuple[str, str, str], ...]  # (city, postcode, area code)


REGIONS: tuple[Region, ...] = (
    Region(12, "CA", "California", 7.25, (("Fresno", "93721", "559"), ("Sacramento", "95814", "916"))),
    Region(57, "TX", "Texas", 8.25, (("Houston", "77002", "713"), ("Austin", "78701", "512"))),
    Region(43, "NY", "New York", 8.875, (("Buffalo", "14202", "716"), ("Albany", "12207", "518"))),
    Region(23, "IL", "Illinois", 6.25, (("Peoria", "61602", "309"), ("Chicago", "60607", "312"))),
    Region(47, "OH", "Ohio", 5.75, (("Dayton", "45402", "937"), ("Toledo", "43604", "419"))),
    Region(62, "WA", "Washington", 6.5, (("Spokane", "99201", "509"), ("Tacoma", "98402", "253"))),
    Region(18, "FL", "Florida", 6.0, (("Tampa", "33602", "813"), ("Orlando", "32801", "407"))),
    Region(44, "NC", "North Carolina", 4.75, (("Charlotte", "28202", "704"), ("Raleigh", "27601", "919"))),
    Region(13, "CO", "Colorado", 2.9, (("Denver", "80202", "303"), ("Pueblo", "81003", "719"))),
    Region(33, "MI", "Michigan", 6.0, (("Grand Rapids", "49503", "616"), ("Lansing", "48933", "517"))),
)

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Benjamin",
    "Harper",
    "Henry",
    "Evelyn",
    "Daniel",
    "Priya",
    "Wei",
    "Fatima",
    "Diego",
    "Hannah",
    "Kwame",
    "Grace",
    "Tomasz",
    "Aisha",
    "Carlos",
    "Yuki",
    "Rachel",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Okafor",
    "Schmidt",
    "O'Brien",
    "Yamamoto",
    "Chen",
)
STREETS = (
    "Industrial Pkwy",
    "Commerce Dr",
    "Main St",
    "Oak Ave",
    "Maple St",
    "Harbor Blvd",
    "Mill Rd",
    "Foundry Ln",
    "Canal St",
    "Riverside Dr",
    "Depot St",
    "Airport Rd",
)
COMPANY_WORDS = (
    ("Aqua", "Summit", "Prairie", "Keystone", "Cascade", "Ironwood", "Bluewater", "Granite", "Pioneer"),
    ("Irrigation", "Plumbing Supply", "Water Works", "Mechanical", "Agri Services", "Process Systems"),
    ("Inc.", "LLC", "Co.", "Corp."),
)
COUPONS = (("SPRING10", 10.0, "1"), ("PUMPDAY15", 15.0, "2"))
B2B_TIER_DISCOUNT = (5.0, "3")  # percent, rule id
MARKETPLACE_PREFIX = "MKT-"
