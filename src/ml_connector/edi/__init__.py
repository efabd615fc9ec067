"""X12 004010 for the Sterling integration: writer, reader, 850/810/856 builders, 997 read/build,
envelope and control numbers. Pure: stdlib only, no I/O."""

from __future__ import annotations

from ml_connector.edi.ack997 import AckError, FunctionalAck, SetAck, build_997, read_997
from ml_connector.edi.asn856 import build_856
from ml_connector.edi.controlnumbers import MAX_CONTROL_NUMBER, ControlNumbers
from ml_connector.edi.delimiters import ContentPolicy, ContentWarning, Delimiters, clean_content
from ml_connector.edi.documents import (
    Carrier,
    Charge,
    Contact,
    DateReference,
    Invoice810,
    InvoiceLine,
    OrderLine,
    Pack,
    Packaging,
    Party,
    PaymentTerms,
    ProductId,
    PurchaseOrder850,
    Reference,
    ShipmentOrder,
    ShipNotice856,
    ShippedItem,
    ShippedUnits,
    Tax,
)
from ml_connector.edi.envelope import Envelope, X12Document
from ml_connector.edi.errors import (
    ControlNumberError,
    X12ContentError,
    X12ElementError,
    X12EnvelopeError,
    X12Error,
    X12SyntaxError,
)
from ml_connector.edi.invoice810 import build_810
from ml_connector.edi.po850 import build_850
from ml_connector.edi.reader import read_interchange, read_interchanges
from ml_connector.edi.segments import EnvelopeProblem, FunctionalGroup, Interchange, Segment, TransactionSet
from ml_connector.edi.validator import ElementError, SegmentError, SetReport, check_transaction_set
from ml_connector.edi.writer import SegmentWriter, write_interchange

__all__ = [
    "MAX_CONTROL_NUMBER", "AckError", "Carrier", "Charge", "Contact", "ContentPolicy", "ContentWarning",
    "ControlNumberError", "ControlNumbers", "DateReference", "Delimiters", "ElementError", "Envelope",
    "EnvelopeProblem", "FunctionalAck", "FunctionalGroup", "Interchange", "Invoice810", "InvoiceLine",
    "OrderLine", "Pack", "Packaging", "Party", "PaymentTerms", "ProductId", "PurchaseOrder850", "Reference",
    "Segment", "SegmentError", "SegmentWriter", "SetAck", "SetReport", "ShipNotice856", "ShipmentOrder",
    "ShippedItem", "ShippedUnits", "Tax", "TransactionSet", "X12ContentError", "X12Document",
    "X12ElementError", "X12EnvelopeError", "X12Error", "X12SyntaxError", "build_810", "build_850",
    "build_856", "build_997", "check_transaction_set", "clean_content", "read_997", "read_interchange",
    "read_interchanges", "write_interchange",
]  # fmt: skip
