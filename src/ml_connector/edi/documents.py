"""Business documents the builders turn into X12: frozen dataclasses for the 850 purchase order,
810 invoice and 856 ship notice, and the parties, references and lines they share. Money is Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal


@dataclass(frozen=True)
class ProductId:
    """A product identifier pair: qualifier (VP vendor part, BP buyer part, UP UPC, SK SKU...) + value."""

    qualifier: str
    value: str


@dataclass(frozen=True)
class Party:
    """N1 loop: role (N101: ST ship-to, BT bill-to, VN vendor, SF ship-from, RE remit-to, BY buyer),
    name and/or id (N103 qualifier: 92 buyer-assigned, 91 seller-assigned, 1 DUNS, UL GLN), address."""

    role: str
    name: str = ""
    id_qualifier: str = ""
    identifier: str = ""
    address: tuple[str, ...] = ()  # up to 4 lines -> up to 2 N3 segments
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""

    def __post_init__(self) -> None:
        if bool(self.id_qualifier) != bool(self.identifier):
            raise ValueError(f"party {self.role}: id_qualifier and identifier go together (N103/N104)")
        if len(self.address) > 4:
            raise ValueError(f"party {self.role}: at most 4 address lines (2 N3 segments)")


@dataclass(frozen=True)
class Reference:
    """REF: qualifier (DP department, IA vendor number, BM bill of lading, PO...) and value."""

    qualifier: str
    value: str
    description: str = ""


@dataclass(frozen=True)
class Contact:
    """PER: function (BD buyer, IC information contact) with name and numbers."""

    function: str = "BD"
    name: str = ""
    phone: str = ""
    email: str = ""
    fax: str = ""


@dataclass(frozen=True)
class DateReference:
    """DTM: qualifier (002 delivery requested, 010 requested ship, 011 shipped, 017 estimated delivery)."""

    qualifier: str
    value: date


@dataclass(frozen=True)
class Carrier:
    """Carrier for TD5 (856) / CAD (810): SCAC, transport method (M motor, A air, U parcel), routing."""

    scac: str = ""
    transport_method: str = "M"
    routing: str = ""
    routing_sequence: str = "B"  # TD501: B origin carrier


@dataclass(frozen=True)
class OrderLine:
    """One PO1 line (850)."""

    line_number: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    product_ids: tuple[ProductId, ...] = ()
    description: str = ""
    price_basis: str = ""  # PO105: PE price per each...
    dates: tuple[DateReference, ...] = ()


@dataclass(frozen=True)
class PurchaseOrder850:
    """850 Purchase Order. purpose (BEG01): 00 original, 04 change, 01 cancellation;
    order_type (BEG02): SA stand-alone, NE new order."""

    po_number: str
    po_date: date
    lines: tuple[OrderLine, ...]
    purpose: str = "00"
    order_type: str = "SA"
    release_number: str = ""
    currency: str | None = None
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()
    dates: tuple[DateReference, ...] = ()
    parties: tuple[Party, ...] = ()
    total_amount: Decimal | None = None  # AMT*TT; None = sum of line extensions when all are priced

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError(f"purchase order {self.po_number}: an 850 needs at least one line (PO1)")
        if self.purpose not in ("00", "01", "04", "05", "06"):
            raise ValueError(f"purchase order {self.po_number}: BEG01 purpose {self.purpose!r} is not known")


@dataclass(frozen=True)
class InvoiceLine:
    """One IT1 line (810)."""

    line_number: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    product_ids: tuple[ProductId, ...] = ()
    description: str = ""
    price_basis: str = ""


@dataclass(frozen=True)
class PaymentTerms:
    """ITD: type (01 basic, 05 discount not applicable, 14 previously agreed), basis date (3 invoice)."""

    type_code: str = "01"
    basis_date_code: str = "3"
    discount_percent: Decimal | None = None
    discount_due_date: date | None = None
    discount_days: int | None = None
    net_due_date: date | None = None
    net_days: int | None = None
    description: str = ""


@dataclass(frozen=True)
class Charge:
    """SAC: indicator C charge / A allowance, code (D240 freight, C310 discount...), amount."""

    indicator: str
    code: str
    amount: Decimal
    description: str = ""


@dataclass(frozen=True)
class Tax:
    """TXI: type (ST state sales, FD federal...), amount, optional percent."""

    type_code: str
    amount: Decimal
    percent: Decimal | None = None


@dataclass(frozen=True)
class ShippedUnits:
    """ISS summary: number of units shipped with its unit, optional weight."""

    quantity: Decimal
    unit: str = "EA"
    weight: Decimal | None = None
    weight_unit: str = ""


@dataclass(frozen=True)
class Invoice810:
    """810 Invoice. total_amount (TDS01) None = lines + charges - allowances + taxes."""

    invoice_number: str
    invoice_date: date
    lines: tuple[InvoiceLine, ...]
    po_number: str = ""
    po_date: date | None = None
    transaction_type: str = ""  # BIG07: DI debit invoice, CR credit memo
    currency: str | None = None
    references: tuple[Reference, ...] = ()
    parties: tuple[Party, ...] = ()
    terms: PaymentTerms | None = None
    dates: tuple[DateReference, ...] = ()
    total_amount: Decimal | None = None
    taxes: tuple[Tax, ...] = ()
    carrier: Carrier | None = None
    charges: tuple[Charge, ...] = ()
    shipped_units: ShippedUnits | None = None

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError(f"invoice {self.invoice_number}: an 810 needs at least one line (IT1)")


@dataclass(frozen=True)
class ShippedItem:
    """Item level (HL I): LIN with the product ids (the first pair is mandatory) and SN1."""

    line_number: str
    product_ids: tuple[ProductId, ...]
    quantity: Decimal
    unit: str
    ordered_quantity: Decimal | None = None
    status: str = ""  # SN108: AC accepted and shipped...
    description: str = ""

    def __post_init__(self) -> None:
        if not self.product_ids:
            raise ValueError(f"shipped item {self.line_number}: LIN needs at least one product id")


@dataclass(frozen=True)
class Pack:
    """Pack level (HL P): MAN marks (GM = SSCC-18) and the items in it."""

    marks: str
    items: tuple[ShippedItem, ...]
    marks_qualifier: str = "GM"


@dataclass(frozen=True)
class ShipmentOrder:
    """Order level (HL O): PRF with the PO; either packs (pick and pack) or items directly."""

    po_number: str
    po_date: date | None = None
    items: tuple[ShippedItem, ...] = ()
    packs: tuple[Pack, ...] = ()

    def __post_init__(self) -> None:
        if bool(self.items) == bool(self.packs):
            raise ValueError(f"shipment order {self.po_number}: give either packs or items (exactly one)")


@dataclass(frozen=True)
class Packaging:
    """TD1 at shipment level: packaging code (CTN25, PLT94), lading quantity, gross weight."""

    packaging_code: str
    lading_quantity: int
    weight: Decimal | None = None
    weight_unit: str = "LB"
    weight_qualifier: str = "G"


@dataclass(frozen=True)
class ShipNotice856:
    """856 Ship Notice: shipment -> orders -> (packs ->) items. BSN05 is 0001 (S/O/P/I) when the
    orders carry packs, 0004 (S/O/I) when they carry items; all orders must agree."""

    shipment_id: str
    ship_date: date
    ship_time: time
    orders: tuple[ShipmentOrder, ...]
    purpose: str = "00"
    packaging: Packaging | None = None
    carrier: Carrier | None = None
    references: tuple[Reference, ...] = ()
    dates: tuple[DateReference, ...] = ()
    parties: tuple[Party, ...] = ()

    def __post_init__(self) -> None:
        if not self.orders:
            raise ValueError(f"ship notice {self.shipment_id}: an 856 needs at least one order")
        if len({bool(order.packs) for order in self.orders}) != 1:
            raise ValueError(f"ship notice {self.shipment_id}: either every order has packs or none has (BSN05)")
