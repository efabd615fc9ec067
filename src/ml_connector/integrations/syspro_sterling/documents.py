"""Mapped SYSPRO documents -> X12 004010 interchanges (850 / 810 / 856) through ``ml_connector.edi``.

The mapped row is plain JSON (it may sit in the parked table); control numbers and the envelope time
are only known at send time, so the X12 text is built there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from ml_connector.edi import (
    ContentPolicy,
    DateReference,
    Delimiters,
    Envelope,
    Invoice810,
    InvoiceLine,
    OrderLine,
    Party,
    ProductId,
    PurchaseOrder850,
    Reference,
    ShipmentOrder,
    ShipNotice856,
    ShippedItem,
    Tax,
    X12Document,
    build_810,
    build_850,
    build_856,
    clean_content,
)

# BIG04 / PRF01 hold at most 22 characters; SYSPRO's CustomerPoNumber has 30. An identifier is never cut:
# a longer one goes into REF*PO (30) instead, and PRF01 carries the sales order number.
PO_MAX = 22


def _po_fits(po: str, delimiters: Delimiters | None) -> bool:
    """Whether the PO number fits BIG04/PRF01 after the X12 content rule (ß becomes ss, so it can grow)."""
    cleaned, _ = clean_content(po, delimiters or Delimiters(), ContentPolicy(), "BIG", 4)
    return len(cleaned) <= PO_MAX


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).normalize()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _required(text: str | None, doc: Mapping[str, Any]) -> date:
    if not text:
        raise ValueError(f"document {doc['document_id']} has no date")
    return date.fromisoformat(text)


def _references(*pairs: tuple[str, Any], delimiters: Delimiters | None) -> tuple[Reference, ...]:
    """Optional REFs; one whose value is empty once the X12 content rule has cleaned it is left out."""
    rule, policy = delimiters or Delimiters(), ContentPolicy()
    return tuple(
        Reference(qualifier, str(value))
        for qualifier, value in pairs
        if value and clean_content(str(value), rule, policy, "REF", 2)[0].strip()
    )


def _price(value: Any) -> Decimal | None:
    return None if value is None else _d(round(float(value), 4))


def purchase_order(doc: Mapping[str, Any], *, change: bool, delimiters: Delimiters | None = None) -> PurchaseOrder850:
    lines = tuple(
        OrderLine(str(ln["line"]), _d(ln["quantity"]), ln["unit"][:2].upper() or "EA", _price(ln["price"]),
                  (ProductId("BP", ln["stock_code"]),), ln["description"], "PE" if ln["price"] is not None else "",
                  tuple(DateReference("002", d) for d in [_date(ln.get("due_date"))] if d))
        for ln in doc["lines"]
    )  # fmt: skip
    dates = tuple(DateReference("002", d) for d in [_date(doc.get("due_date"))] if d)
    purpose = "01" if doc.get("cancelled") else "04" if change else "00"
    refs = _references(("DP", doc.get("warehouse")), delimiters=delimiters)
    return PurchaseOrder850(
        doc["document_id"], _required(doc["date"], doc), lines, purpose=purpose, currency=doc.get("currency") or None,
        references=refs, dates=dates, parties=(Party("VN", "", "92", doc["party"]),),
    )  # fmt: skip


def invoice(doc: Mapping[str, Any], *, delimiters: Delimiters | None = None) -> Invoice810:
    lines = tuple(
        InvoiceLine(str(ln["line"]), _d(ln["quantity"]), ln["unit"][:2].upper() or "EA",
                    _d(round(float(ln["price"]), 4)), (ProductId("VP", ln["stock_code"]),), ln["description"])
        for ln in doc["lines"]
    )  # fmt: skip
    taxes = (Tax("ST", _d(doc["tax"])),) if doc.get("tax") else ()
    po = doc.get("po_number", "")
    fits = _po_fits(po, delimiters)
    refs = _references(("SO", doc.get("sales_order")), ("PO", "" if fits else po), delimiters=delimiters)
    return Invoice810(
        doc["invoice"], _required(doc["date"], doc), lines, po_number=po if fits else "",
        currency=doc.get("currency") or None, references=refs, parties=(Party("BT", "", "92", doc["party"]),),
        total_amount=_d(round(float(doc["amount"]), 2)), taxes=taxes,
    )  # fmt: skip


def shipment(doc: Mapping[str, Any], *, delimiters: Delimiters | None = None) -> ShipNotice856:
    items = tuple(
        ShippedItem(str(ln["line"]), (ProductId("VP", ln["stock_code"]),), _d(ln["quantity"]),
                    ln["unit"][:2].upper() or "EA", _d(ln["ordered"]) if ln.get("ordered") is not None else None,
                    description=ln["description"])
        for ln in doc["lines"]
    )  # fmt: skip
    if not items:
        raise ValueError(f"shipment {doc['document_id']} has no shipped lines")
    po = doc["po_number"]
    fits = _po_fits(po, delimiters)
    ship_to = Party("ST", doc.get("customer_name", ""), "92", doc["party"], tuple(a for a in doc["address"] if a),
                    doc.get("city", ""), doc.get("state", "")[:2], doc.get("postal_code", ""))  # fmt: skip
    return ShipNotice856(
        doc["document_id"], _required(doc["date"], doc), time(0, 0),
        (ShipmentOrder(po if fits else doc["document_id"], _date(doc.get("order_date")), items=items),),
        dates=tuple(DateReference("011", d) for d in [_date(doc["date"])] if d), parties=(ship_to,),
        references=_references(("PO", "" if fits else po), delimiters=delimiters),
    )  # fmt: skip


def build(
    doc: Mapping[str, Any], envelope: Envelope, delimiters: Delimiters, *, change: bool = False, line_break: str = ""
) -> X12Document:
    """The interchange for one mapped document (free text is cleaned and cut by the edi content rule)."""
    policy = ContentPolicy()
    kind = doc["set"]
    if kind == "850":
        return build_850(
            purchase_order(doc, change=change), envelope, delimiters=delimiters, policy=policy, line_break=line_break
        )
    if kind == "810":
        return build_810(
            invoice(doc, delimiters=delimiters), envelope, delimiters=delimiters, policy=policy, line_break=line_break
        )
    if kind == "856":
        return build_856(
            shipment(doc, delimiters=delimiters), envelope, delimiters=delimiters, policy=policy, line_break=line_break
        )
    raise ValueError(f"unknown transaction set {kind!r}")


def envelope_time(now: datetime) -> datetime:
    """ISA09/10 in UTC without seconds noise."""
    return now.replace(second=0, microsecond=0)
