"""850 Purchase Order builder: BEG, CUR, REF, PER, DTM, N1 loop, PO1 loop (PID, DTM), CTT, AMT."""

from __future__ import annotations

from decimal import Decimal

from ml_connector.edi.delimiters import ContentPolicy, Delimiters
from ml_connector.edi.documents import PurchaseOrder850
from ml_connector.edi.envelope import Envelope, X12Document
from ml_connector.edi.formats import format_date, format_optional_r, format_r
from ml_connector.edi.loops import (
    add_contacts,
    add_dates,
    add_description,
    add_party,
    add_references,
    hash_total,
    product_pairs,
)
from ml_connector.edi.writer import SegmentWriter, write_interchange

PO1_PRODUCT_PAIRS = 10


def build_850(
    order: PurchaseOrder850,
    envelope: Envelope,
    *,
    delimiters: Delimiters | None = None,
    policy: ContentPolicy | None = None,
    line_break: str = "",
) -> X12Document:
    """One interchange holding `order` as a single 850 transaction set."""
    return write_interchange(envelope, [write_850_body(order, delimiters, policy)], line_break=line_break)


def write_850_body(
    order: PurchaseOrder850, delimiters: Delimiters | None = None, policy: ContentPolicy | None = None
) -> SegmentWriter:
    """The segments between ST and SE for `order`."""
    writer = SegmentWriter("850", delimiters, policy)
    writer.add(
        "BEG", order.purpose, order.order_type, order.po_number, order.release_number, format_date(order.po_date)
    )
    if order.currency:
        writer.add("CUR", "BY", order.currency)
    add_references(writer, order.references)
    add_contacts(writer, order.contacts)
    add_dates(writer, order.dates)
    for party in order.parties:
        add_party(writer, party)
    for line in order.lines:
        writer.add(
            "PO1", line.line_number, format_r(line.quantity), line.unit, format_optional_r(line.unit_price),
            line.price_basis, *product_pairs("PO1", line.product_ids, PO1_PRODUCT_PAIRS),
        )  # fmt: skip
        add_description(writer, line.description)
        add_dates(writer, line.dates)
    writer.add("CTT", str(len(order.lines)), hash_total(line.quantity for line in order.lines))
    total = order_total(order)
    if total is not None:
        writer.add("AMT", "TT", format_r(total))
    return writer


def order_total(order: PurchaseOrder850) -> Decimal | None:
    """AMT*TT value: the given total, else the sum of quantity x price when every line is priced."""
    if order.total_amount is not None:
        return order.total_amount
    if any(line.unit_price is None for line in order.lines):
        return None
    return sum((line.quantity * line.unit_price for line in order.lines if line.unit_price is not None), Decimal(0))
