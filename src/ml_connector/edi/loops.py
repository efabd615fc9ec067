"""Segment groups shared by the 850/810/856 builders: N1 party loop, REF, PER, DTM, product id
pairs, PID descriptions and the CTT hash total."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ml_connector.edi.documents import Contact, DateReference, Party, ProductId, Reference
from ml_connector.edi.errors import X12ElementError
from ml_connector.edi.formats import format_date, format_r
from ml_connector.edi.writer import SegmentWriter

HASH_TOTAL_DIGITS = 10  # CTT02 is R 1-10


def add_party(writer: SegmentWriter, party: Party) -> None:
    """N1 (+ N3 for each pair of address lines, + N4 when any locality field is set)."""
    name = writer.text("N1", 2, party.name)
    if not name and not party.identifier:
        raise X12ElementError(
            "N1", 2, f"party {party.role} has neither a name nor an identifier (after cleaning); give one"
        )
    writer.add("N1", party.role, name, party.id_qualifier, party.identifier)
    lines = [text for line in party.address if (text := writer.text("N3", 1, line))]
    for start in range(0, len(lines), 2):
        writer.add("N3", *lines[start : start + 2])
    locality = (party.city, party.state, party.postal_code, party.country)
    if any(locality):
        writer.add("N4", *locality)


def add_references(writer: SegmentWriter, references: Iterable[Reference]) -> None:
    """One REF per reference; a reference whose value and description are both empty is refused."""
    for reference in references:
        value = writer.text("REF", 2, reference.value)
        description = writer.text("REF", 3, reference.description)
        if not value and not description:
            raise X12ElementError("REF", 2, f"reference {reference.qualifier} is empty (after cleaning)")
        writer.add("REF", reference.qualifier, value, description)


def add_contacts(writer: SegmentWriter, contacts: Iterable[Contact]) -> None:
    """PER with name and up to three communication numbers (TE phone, EM email, FX fax)."""
    for contact in contacts:
        numbers: list[str] = []
        for qualifier, value in (("TE", contact.phone), ("EM", contact.email), ("FX", contact.fax)):
            if text := writer.text("PER", 4, value):
                numbers += [qualifier, text]
        writer.add("PER", contact.function, contact.name, *numbers)


def add_dates(writer: SegmentWriter, dates: Iterable[DateReference]) -> None:
    """One DTM per date."""
    for item in dates:
        writer.add("DTM", item.qualifier, format_date(item.value))


def product_pairs(segment: str, ids: tuple[ProductId, ...], max_pairs: int) -> list[str]:
    """Flatten qualifier/value pairs for PO1/IT1/LIN, refusing more pairs than the segment holds."""
    if len(ids) > max_pairs:
        raise X12ElementError(segment, 0, f"{len(ids)} product ids given; the segment holds {max_pairs}")
    return [part for product in ids for part in (product.qualifier, product.value)]


def add_description(writer: SegmentWriter, description: str) -> None:
    """PID*F****text; skipped when the description is empty after cleaning."""
    if text := writer.text("PID", 5, description):
        writer.add("PID", "F", "", "", "", text)


def hash_total(values: Iterable[Decimal]) -> str:
    """CTT02: the values summed without regard to decimal points or signs; when the sum is longer
    than 10 digits the leftmost digits are dropped (the truncation X12 defines for hash totals)."""
    total = sum(int(format_r(abs(value)).replace(".", "")) for value in values)
    return str(total)[-HASH_TOTAL_DIGITS:].lstrip("0") or "0"
