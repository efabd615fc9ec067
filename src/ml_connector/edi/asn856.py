"""856 Ship Notice builder: BSN, then the HL tree shipment S (TD1, TD5, REF, DTM, N1 loop) ->
order O (PRF) -> pack P (MAN, optional) -> item I (LIN, SN1, PID), then CTT with the HL count."""

from __future__ import annotations

from ml_connector.edi.delimiters import ContentPolicy, Delimiters
from ml_connector.edi.documents import ShipNotice856, ShippedItem
from ml_connector.edi.envelope import Envelope, X12Document
from ml_connector.edi.formats import format_date, format_optional_date, format_optional_r, format_r, format_time
from ml_connector.edi.loops import add_dates, add_description, add_party, add_references, product_pairs
from ml_connector.edi.writer import SegmentWriter, write_interchange

LIN_PRODUCT_PAIRS = 15
PICK_AND_PACK = "0001"  # Shipment, Order, Packaging, Item
STANDARD_PACK = "0004"  # Shipment, Order, Item


def build_856(
    notice: ShipNotice856,
    envelope: Envelope,
    *,
    delimiters: Delimiters | None = None,
    policy: ContentPolicy | None = None,
    line_break: str = "",
    child_codes: bool = True,
) -> X12Document:
    """One interchange holding `notice` as a single 856 transaction set.

    child_codes: write HL04 (1 = has children, 0 = none); some partners want it left out.
    """
    body = write_856_body(notice, delimiters, policy, child_codes=child_codes)
    return write_interchange(envelope, [body], line_break=line_break)


class _HierarchyWriter:
    """Numbers HL segments 1, 2, 3... in order of appearance, parents before children."""

    def __init__(self, writer: SegmentWriter, child_codes: bool) -> None:
        self.writer = writer
        self.child_codes = child_codes
        self.count = 0

    def open(self, parent: int | None, level: str, has_children: bool) -> int:
        self.count += 1
        child_code = ("1" if has_children else "0") if self.child_codes else ""
        self.writer.add("HL", str(self.count), "" if parent is None else str(parent), level, child_code)
        return self.count


def write_856_body(
    notice: ShipNotice856,
    delimiters: Delimiters | None = None,
    policy: ContentPolicy | None = None,
    *,
    child_codes: bool = True,
) -> SegmentWriter:
    """The segments between ST and SE for `notice`."""
    writer = SegmentWriter("856", delimiters, policy)
    packed = bool(notice.orders[0].packs)
    writer.add(
        "BSN", notice.purpose, notice.shipment_id, format_date(notice.ship_date), format_time(notice.ship_time),
        PICK_AND_PACK if packed else STANDARD_PACK,
    )  # fmt: skip
    tree = _HierarchyWriter(writer, child_codes)
    shipment = tree.open(None, "S", has_children=True)
    if (packaging := notice.packaging) is not None:
        weight = format_optional_r(packaging.weight)
        writer.add(
            "TD1", packaging.packaging_code, str(packaging.lading_quantity), "", "", "",
            packaging.weight_qualifier if weight else "", weight, packaging.weight_unit if weight else "",
        )  # fmt: skip
    if (carrier := notice.carrier) is not None:
        writer.add(
            "TD5", carrier.routing_sequence, "2" if carrier.scac else "", carrier.scac,
            carrier.transport_method, carrier.routing,
        )  # fmt: skip
    add_references(writer, notice.references)
    add_dates(writer, notice.dates)
    for party in notice.parties:
        add_party(writer, party)
    for order in notice.orders:
        order_id = tree.open(shipment, "O", has_children=True)
        writer.add("PRF", order.po_number, "", "", format_optional_date(order.po_date))
        for item in order.items:
            _add_item(writer, tree, order_id, item)
        for pack in order.packs:
            pack_id = tree.open(order_id, "P", has_children=bool(pack.items))
            writer.add("MAN", pack.marks_qualifier, pack.marks)
            for item in pack.items:
                _add_item(writer, tree, pack_id, item)
    writer.add("CTT", str(tree.count))
    return writer


def _add_item(writer: SegmentWriter, tree: _HierarchyWriter, parent: int, item: ShippedItem) -> None:
    tree.open(parent, "I", has_children=False)
    writer.add("LIN", item.line_number, *product_pairs("LIN", item.product_ids, LIN_PRODUCT_PAIRS))
    writer.add(
        "SN1", item.line_number, format_r(item.quantity), item.unit, "",
        format_optional_r(item.ordered_quantity), item.unit if item.ordered_quantity is not None else "",
        "", item.status,
    )  # fmt: skip
    add_description(writer, item.description)
