"""810 Invoice builder: BIG, CUR, REF, N1 loop, ITD, DTM, IT1 loop (PID), TDS, TXI, CAD, SAC, ISS, CTT."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ml_connector.edi.delimiters import ContentPolicy, Delimiters
from ml_connector.edi.documents import Invoice810
from ml_connector.edi.envelope import Envelope, X12Document
from ml_connector.edi.formats import format_date, format_n2, format_optional_date, format_optional_r, format_r
from ml_connector.edi.loops import add_dates, add_description, add_party, add_references, product_pairs
from ml_connector.edi.writer import SegmentWriter, write_interchange

IT1_PRODUCT_PAIRS = 10
CENT = Decimal("0.01")


def build_810(
    invoice: Invoice810,
    envelope: Envelope,
    *,
    delimiters: Delimiters | None = None,
    policy: ContentPolicy | None = None,
    line_break: str = "",
) -> X12Document:
    """One interchange holding `invoice` as a single 810 transaction set."""
    return write_interchange(envelope, [write_810_body(invoice, delimiters, policy)], line_break=line_break)


def write_810_body(
    invoice: Invoice810, delimiters: Delimiters | None = None, policy: ContentPolicy | None = None
) -> SegmentWriter:
    """The segments between ST and SE for `invoice`."""
    writer = SegmentWriter("810", delimiters, policy)
    writer.add(
        "BIG", format_date(invoice.invoice_date), invoice.invoice_number, format_optional_date(invoice.po_date),
        invoice.po_number, "", "", invoice.transaction_type,
    )  # fmt: skip
    if invoice.currency:
        writer.add("CUR", "SE", invoice.currency)
    add_references(writer, invoice.references)
    for party in invoice.parties:
        add_party(writer, party)
    if (terms := invoice.terms) is not None:
        writer.add(
            "ITD", terms.type_code, terms.basis_date_code, format_optional_r(terms.discount_percent),
            format_optional_date(terms.discount_due_date), _optional_int(terms.discount_days),
            format_optional_date(terms.net_due_date), _optional_int(terms.net_days), "", "", "", "",
            terms.description,
        )  # fmt: skip
    add_dates(writer, invoice.dates)
    for line in invoice.lines:
        writer.add(
            "IT1", line.line_number, format_r(line.quantity), line.unit, format_r(line.unit_price),
            line.price_basis, *product_pairs("IT1", line.product_ids, IT1_PRODUCT_PAIRS),
        )  # fmt: skip
        add_description(writer, line.description)
    writer.add("TDS", format_n2(invoice_total(invoice)))
    for tax in invoice.taxes:
        writer.add("TXI", tax.type_code, format_r(tax.amount), format_optional_r(tax.percent))
    if (carrier := invoice.carrier) is not None:
        writer.add("CAD", carrier.transport_method, "", "", carrier.scac, carrier.routing)
    for charge in invoice.charges:
        writer.add(
            "SAC", charge.indicator, charge.code, "", "", format_n2(charge.amount), *_description(charge.description)
        )
    if (units := invoice.shipped_units) is not None:
        writer.add("ISS", format_r(units.quantity), units.unit, format_optional_r(units.weight), units.weight_unit)
    writer.add("CTT", str(len(invoice.lines)))
    return writer


def invoice_total(invoice: Invoice810) -> Decimal:
    """TDS01: the given total, else lines + charges - allowances + taxes, rounded half-up to cents."""
    if invoice.total_amount is not None:
        return invoice.total_amount
    total = sum((line.quantity * line.unit_price for line in invoice.lines), Decimal(0))
    for charge in invoice.charges:
        total += charge.amount if charge.indicator == "C" else -charge.amount if charge.indicator == "A" else 0
    total += sum((tax.amount for tax in invoice.taxes), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def _optional_int(value: int | None) -> str:
    return "" if value is None else str(value)


def _description(text: str) -> list[str]:
    """SAC06..SAC15 padding so the description lands in SAC15."""
    return ["", "", "", "", "", "", "", "", "", text] if text else []
