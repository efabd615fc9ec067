"""Value objects the e.net client takes and returns: sales orders (SORTOI), GL journals (GENTJL),
AR customers (ARSSCS / ArCustomer), AP suppliers (APSSSP / ApSupplier) and journal keys. Field names
follow SYSPRO's where they map 1:1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

Number = Decimal | int | str


@dataclass(frozen=True)
class SalesOrderLine:
    """One SORTOI line: a ``StockLine`` (``stocked=True``) or a ``NonStockedLine``.

    ``price`` is the unit price; SYSPRO's ``AlwaysUsePriceEntered=Y`` keeps it as sent.
    """

    stock_code: str
    quantity: Number
    price: Number
    warehouse: str = ""
    description: str = ""  # NStockDes for non-stocked lines
    uom: str = ""
    stocked: bool = True
    product_class: str = ""  # NProductClass for non-stocked lines
    tax_code: str = ""


@dataclass(frozen=True)
class SalesOrder:
    """A sales order to import with SORTOI. ``customer_po_number`` carries the external reference
    (the Commerce order number) that :meth:`SysproEnetClient.find_order_by_customer_po` finds."""

    customer: str
    customer_po_number: str
    order_date: date
    lines: tuple[SalesOrderLine, ...]
    requested_ship_date: date | None = None
    email: str = ""
    ship_address: tuple[str, ...] = ()  # up to five lines: ShipAddress1..5
    ship_postal_code: str = ""
    shipping_instrs: str = ""
    freight_value: Number | None = None


@dataclass(frozen=True)
class GlJournalLine:
    """One GENTJL ``JournalDetails`` entry. ``amount`` is signed: positive debit, negative credit."""

    ledger_code: str
    amount: Number
    comment: str = ""


@dataclass(frozen=True)
class GlJournal:
    """A normal GL journal. ``reference`` (<= 30 characters) is written to ``JournalReference`` and
    to every line's ``Reference``; :meth:`SysproEnetClient.find_journal_by_reference` finds it."""

    reference: str
    posting_year: int
    posting_period: int
    lines: tuple[GlJournalLine, ...]
    journal_date: date | None = None
    notation: str = ""
    journal_type: str = "N"


@dataclass(frozen=True, order=True)
class JournalKey:
    """SYSPRO's key of a journal: ``GlYear/GlPeriod/GlJournal``; ``ref`` renders it as ``2026/03/12``."""

    year: int
    period: int
    journal: int

    @property
    def ref(self) -> str:
        return f"{self.year}/{self.period:02d}/{self.journal}"

    @classmethod
    def parse(cls, ref: str) -> JournalKey:
        year, period, journal = (int(part) for part in ref.split("/"))
        return cls(year, period, journal)


@dataclass(frozen=True)
class ArCustomer:
    """An AR customer as ARSSCS writes it and COMFND on ArCustomer reads it back.

    ``credit_limit`` is whole currency units (ArCustomer.CreditLimit is decimal(12,0)).
    ``rowversion`` is ArCustomer.TimeStamp, set on reads only.
    """

    customer: str
    name: str
    short_name: str = ""
    email: str = ""
    telephone: str = ""
    contact: str = ""
    branch: str = ""
    currency: str = ""
    terms_code: str = ""
    customer_class: str = ""
    credit_limit: Number | None = None
    sold_to: tuple[str, ...] = ()  # SoldToAddr1..5
    sold_postal_code: str = ""
    ship_to: tuple[str, ...] = ()  # ShipToAddr1..5
    ship_postal_code: str = ""
    on_hold: bool = False
    rowversion: int | None = None


@dataclass(frozen=True)
class CustomerChanges:
    """Customers changed after a rowversion watermark, and the new watermark to store."""

    customers: tuple[ArCustomer, ...]
    watermark: int


@dataclass(frozen=True)
class ApSupplier:
    """An AP supplier as APSSSP writes it and COMFND on ApSupplier reads it back.

    ``address`` is SupAddr1..5 (ApSupplierAddr in SYSPRO 7+); ``edi_receiver_code`` is EdiReceiverCode.
    ``rowversion`` is ApSupplier.TimeStamp, set on reads only.
    """

    supplier: str
    name: str
    short_name: str = ""
    currency: str = ""
    telephone: str = ""
    email: str = ""
    contact: str = ""
    address: tuple[str, ...] = ()  # SupAddr1..5
    postal_code: str = ""
    edi_receiver_code: str = ""
    rowversion: int | None = None
