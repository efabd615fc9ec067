"""Builders of the transaction and setup business objects the e.net client posts: SORTOI (sales order
import), GENTJL (GL journal), ARSSCS (AR customer setup) and APSSSP (AP supplier setup), plus readers
of their answers.

Shapes and the references written: docs/PROTOCOLS.md (SYSPRO e.net, business objects).
"""

from __future__ import annotations

from decimal import Decimal
from xml.etree.ElementTree import Element

from ml_connector.connectors.syspro.enet.models import ApSupplier, ArCustomer, GlJournal, JournalKey, SalesOrder
from ml_connector.connectors.syspro.enet.text import (
    FieldSpec,
    Overflow,
    fit,
    format_date,
    format_decimal,
    parse_number,
    refusal,
)
from ml_connector.connectors.syspro.enet.xml import add, child, document, text_at

R = Overflow.REFUSE
CUSTOMER_CODE = FieldSpec("Customer", 15, R)
SUPPLIER_CODE = FieldSpec("Supplier", 15, R)
CUSTOMER_PO = FieldSpec("CustomerPoNumber", 30, R)
JOURNAL_REFERENCE = FieldSpec("JournalReference", 30, R)  # [I] syspro-qad.md §3.8: keep <= 30
LEDGER_CODE = FieldSpec("LedgerCode", 35, R)
ADDRESS_LINES = 5


def order_label(order: SalesOrder) -> str:
    return f"sales order for customer PO {order.customer_po_number[:40]!r} (SORTOI)"


def journal_label(journal: GlJournal) -> str:
    return f"journal {journal.reference[:40]!r} (GENTJL)"


def customer_label(customer: ArCustomer) -> str:
    return f"customer {customer.customer[:40]!r} (ARSSCS)"


def supplier_label(supplier: ApSupplier) -> str:
    return f"supplier {supplier.supplier[:40]!r} (APSSSP)"


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _required(value: str, spec: FieldSpec, doing: str) -> str:
    text = fit(value, spec, document=doing)
    if not text:
        raise refusal(doing, f"{spec.name} is empty; SYSPRO needs it")
    return text


def _address(parent: Element, prefix: str, lines: tuple[str, ...], doing: str) -> None:
    if len(lines) > ADDRESS_LINES:
        raise refusal(doing, f"{prefix}1..{ADDRESS_LINES} hold five lines, the record has {len(lines)}")
    for number, line in enumerate(lines, start=1):
        text = fit(line, FieldSpec(f"{prefix}{number}", 40), document=doing)
        if text:
            add(parent, f"{prefix}{number}", text)


# -- SORTOI -------------------------------------------------------------------------------------


def sortoi_parameters(*, validate_only: bool = False, allow_duplicate_po: bool = False) -> str:
    """``AllowDuplicateOrderNumbers=N`` makes SYSPRO itself refuse a second order with the same PO."""
    root = Element("SalesOrders")
    params = add(root, "Parameters")
    for tag, value in (
        ("Process", "Import"),
        ("ValidateOnly", _yn(validate_only)),
        ("IgnoreWarnings", "W"),
        ("AlwaysUsePriceEntered", "Y"),
        ("AllowZeroPrice", "Y"),
        ("AllowDuplicateOrderNumbers", _yn(allow_duplicate_po)),
        ("OrderStatus", "1"),
    ):
        add(params, tag, value)
    return document(root)


def sortoi_document(order: SalesOrder) -> str:
    doing = order_label(order)
    if not order.lines:
        raise refusal(doing, "the order has no lines")
    root = Element("SalesOrders")
    orders = add(root, "Orders")
    header = add(orders, "OrderHeader")
    add(header, "CustomerPoNumber", _required(order.customer_po_number, CUSTOMER_PO, doing))
    add(header, "OrderActionType", "A")
    add(header, "Customer", _required(order.customer, CUSTOMER_CODE, doing))
    add(header, "OrderDate", format_date(order.order_date))
    if order.requested_ship_date is not None:
        add(header, "RequestedShipDate", format_date(order.requested_ship_date))
    for value, spec in (
        (order.email, FieldSpec("Email", 255, R)),
        (order.shipping_instrs, FieldSpec("ShippingInstrs", 30)),
    ):
        text = fit(value, spec, document=doing)
        if text:
            add(header, spec.name, text)
    _address(header, "ShipAddress", order.ship_address, doing)
    postal = fit(order.ship_postal_code, FieldSpec("ShipPostalCode", 10, R), document=doing)
    if postal:
        add(header, "ShipPostalCode", postal)
    details = add(orders, "OrderDetails")
    for number, line in enumerate(order.lines, start=1):
        where = f"{doing} line {number}"
        quantity = format_decimal(
            line.quantity, precision=18, scale=6, name="quantity", document=where, allow_negative=False
        )
        if Decimal(quantity) == 0:
            raise refusal(where, "quantity is zero")
        price = format_decimal(line.price, precision=15, scale=5, name="price", document=where, allow_negative=False)
        if line.stocked:
            item = add(details, "StockLine")
            add(item, "CustomerPoLine", str(number))
            add(item, "LineActionType", "A")
            add(item, "StockCode", _required(line.stock_code, FieldSpec("StockCode", 30, R), where))
            _optional(item, line.warehouse, FieldSpec("Warehouse", 10, R), where)
            add(item, "OrderQty", quantity)
            _optional(item, line.uom, FieldSpec("OrderUom", 10, R), where)
            add(item, "Price", price)
            _optional(item, line.uom, FieldSpec("PriceUom", 10, R), where)
            _optional(item, line.tax_code, FieldSpec("StockTaxCode", 3, R), where)
        else:
            item = add(details, "NonStockedLine")
            add(item, "NStockCode", _required(line.stock_code, FieldSpec("NStockCode", 30, R), where))
            _optional(item, line.description, FieldSpec("NStockDes", 50), where)
            add(item, "NOrderQty", quantity)
            add(item, "NPrice", price)
            _optional(item, line.product_class, FieldSpec("NProductClass", 20, R), where)
    if order.freight_value is not None:
        freight = format_decimal(
            order.freight_value, precision=14, scale=2, name="freight", document=doing, allow_negative=False
        )
        add(add(details, "FreightLine"), "FreightValue", freight)
    return document(root)


def _optional(parent: Element, value: str, spec: FieldSpec, doing: str) -> None:
    text = fit(value, spec, document=doing)
    if text:
        add(parent, spec.name, text)


def sortoi_sales_order(root: Element) -> tuple[bool, str]:
    """(whether an ``Order`` block came back, the SalesOrder number in it or ``""``).

    A failed import can answer an ``Order`` with an empty ``SalesOrder`` and no error (syspro-qad.md §2.4 #3);
    a clean success may answer only ``StatusOfItems``."""
    order = child(root, "Order")
    return order is not None, text_at(order, "SalesOrder")


def status_count(root: Element, name: str) -> int:
    value = parse_number(text_at(root, "StatusOfItems", name))
    return int(value) if value is not None else 0


# -- GENTJL -------------------------------------------------------------------------------------


def gentjl_parameters(*, validate_only: bool = False) -> str:
    root = Element("PostGlJournal")
    params = add(root, "Parameters")
    for tag, value in (
        ("IgnoreWarnings", "W"),  # e.g. "control account" is a warning, not a reason to refuse
        ("ApplyIfEntireDocumentValid", "Y"),
        ("ValidateOnly", _yn(validate_only)),
        ("ActionType", "A"),
        ("IgnoreAnalysis", "Y"),
    ):
        add(params, tag, value)
    return document(root)


def gentjl_document(journal: GlJournal) -> str:
    """Refuses, before anything is sent, a journal whose debits and credits differ (after rounding
    each amount half-up to cents) or that has fewer than two lines."""
    doing = journal_label(journal)
    reference = _required(journal.reference, JOURNAL_REFERENCE, doing)
    if not 1 <= journal.posting_period <= 13 or not 1900 <= journal.posting_year <= 9999:
        raise refusal(doing, f"posting period {journal.posting_year}/{journal.posting_period} is not valid")
    if len(journal.lines) < 2:
        raise refusal(doing, f"a journal needs at least two lines, it has {len(journal.lines)}")
    amounts = [
        format_decimal(line.amount, precision=14, scale=2, name="amount", document=f"{doing} line {n}")
        for n, line in enumerate(journal.lines, start=1)
    ]
    debits = sum((Decimal(a) for a in amounts if Decimal(a) > 0), Decimal("0.00"))
    credits = -sum((Decimal(a) for a in amounts if Decimal(a) < 0), Decimal("0.00"))
    if debits != credits:
        raise refusal(
            doing,
            f"it does not balance: debits {debits}, credits {credits}, difference {debits - credits}. "
            "A GENTJL journal must sum to zero (positive amounts debit, negative amounts credit)",
        )
    root = Element("PostGlJournal")
    item = add(root, "Item")
    add(item, "JournalType", journal.journal_type)
    add(item, "PostJournal", "Y")
    if journal.journal_date is not None:
        add(item, "JournalDate", format_date(journal.journal_date))
    add(item, "JournalReference", reference)
    notation = fit(journal.notation, FieldSpec("Notation", 100), document=doing)
    if notation:
        add(item, "Notation", notation)
    add(item, "PostingPeriod", str(journal.posting_period))
    add(item, "PostingYear", str(journal.posting_year))
    for number, (line, amount) in enumerate(zip(journal.lines, amounts, strict=True), start=1):
        where = f"{doing} line {number}"
        detail = add(item, "JournalDetails")
        add(detail, "LedgerCode", _required(line.ledger_code, LEDGER_CODE, where))
        add(detail, "Reference", reference)
        add(detail, "EntryAmount", amount)
        _optional(detail, line.comment, FieldSpec("Comment", 100), where)
    return document(root)


def gentjl_key(root: Element) -> JournalKey | None:
    """``Item/Transaction/Key/{GlYear,GlPeriod,GlJournal}`` of the posted journal, if any."""
    key = child(child(child(root, "Item"), "Transaction"), "Key")
    numbers = [parse_number(text_at(key, name)) for name in ("GlYear", "GlPeriod", "GlJournal")]
    if key is None or any(n is None for n in numbers):
        return None
    year, period, journal = (int(n) for n in numbers if n is not None)
    return JournalKey(year, period, journal)


# -- ARSSCS -------------------------------------------------------------------------------------

CUSTOMER_TEXT_FIELDS: tuple[tuple[str, FieldSpec], ...] = (
    ("short_name", FieldSpec("ShortName", 20)),
    ("email", FieldSpec("Email", 255, R)),
    ("telephone", FieldSpec("Telephone", 20)),
    ("contact", FieldSpec("Contact", 50)),
    ("branch", FieldSpec("Branch", 10, R)),
    ("currency", FieldSpec("Currency", 3, R)),
    ("terms_code", FieldSpec("TermsCode", 2, R)),
    ("customer_class", FieldSpec("CustomerClass", 10, R)),
    ("sold_postal_code", FieldSpec("SoldPostalCode", 10, R)),
    ("ship_postal_code", FieldSpec("ShipPostalCode", 10, R)),
)


def arsscs_parameters(*, validate_only: bool = False) -> str:
    root = Element("SetupArCustomer")
    params = add(root, "Parameters")
    add(params, "ApplyIfEntireDocumentValid", "Y")
    add(params, "IgnoreWarnings", "N")
    add(params, "ValidateOnly", _yn(validate_only))
    return document(root)


def arsscs_document(customer: ArCustomer) -> str:
    """The same document serves /Setup/Add and /Setup/Update. Empty values are left out, so an
    update never blanks a field someone maintains in SYSPRO."""
    doing = customer_label(customer)
    root = Element("SetupArCustomer")
    item = add(root, "Item")
    add(add(item, "Key"), "Customer", _required(customer.customer, CUSTOMER_CODE, doing))
    add(item, "Name", _required(customer.name, FieldSpec("Name", 50), doing))
    for attribute, spec in CUSTOMER_TEXT_FIELDS:
        _optional(item, getattr(customer, attribute), spec, doing)
    if customer.credit_limit is not None:
        limit = format_decimal(
            customer.credit_limit,
            precision=12,
            scale=0,
            name="credit limit",
            document=doing,
            allow_negative=False,
        )
        add(item, "CreditLimit", limit)
    add(item, "CustomerOnHold", _yn(customer.on_hold))
    _address(item, "SoldToAddr", customer.sold_to, doing)
    _address(item, "ShipToAddr", customer.ship_to, doing)
    return document(root)


# -- APSSSP -------------------------------------------------------------------------------------

SUPPLIER_TEXT_FIELDS: tuple[tuple[str, FieldSpec], ...] = (
    ("short_name", FieldSpec("SupShortName", 20)),
    ("currency", FieldSpec("Currency", 3, R)),
    ("telephone", FieldSpec("Telephone", 20)),
    ("email", FieldSpec("Email", 255, R)),
    ("contact", FieldSpec("Contact", 40)),
    ("postal_code", FieldSpec("SupPostalCode", 10, R)),
    ("edi_receiver_code", FieldSpec("EdiReceiverCode", 15, R)),
)


def apsssp_parameters(*, validate_only: bool = False) -> str:
    root = Element("SetupApSupplier")
    params = add(root, "Parameters")
    add(params, "ApplyIfEntireDocumentValid", "Y")
    add(params, "IgnoreWarnings", "N")
    add(params, "ValidateOnly", _yn(validate_only))
    return document(root)


def apsssp_document(supplier: ApSupplier) -> str:
    """Serves /Setup/Add and /Setup/Update; empty values are left out, so an update never blanks a
    field someone maintains in SYSPRO."""
    doing = supplier_label(supplier)
    root = Element("SetupApSupplier")
    item = add(root, "Item")
    add(add(item, "Key"), "Supplier", _required(supplier.supplier, SUPPLIER_CODE, doing))
    add(item, "SupplierName", _required(supplier.name, FieldSpec("SupplierName", 50), doing))
    for attribute, spec in SUPPLIER_TEXT_FIELDS:
        _optional(item, getattr(supplier, attribute), spec, doing)
    _address(item, "SupAddr", supplier.address, doing)
    return document(root)


def setup_records_invalid(root: Element) -> int:
    return status_count(root, "RecordsInvalid")
