"""Envelope inputs (who sends to whom, control numbers, time) and the written document value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ml_connector.edi.controlnumbers import ControlNumbers
from ml_connector.edi.delimiters import ContentWarning

FUNCTIONAL_IDS = {"850": "PO", "810": "IN", "856": "SH", "997": "FA"}  # ST01 -> GS01
ISA_VERSION = "00401"
GS_VERSION = "004010"
ISA_STANDARDS_ID = "U"  # ISA11 in 00401 (a repetition separator only from 00403)


@dataclass(frozen=True)
class Envelope:
    """Everything the ISA/GS need besides the transaction sets.

    `created_at` is written as given (ISA09/10, GS04/05): pass it in the time zone agreed with the
    partner. `control_numbers` must be an issued state (`ControlNumbers.next()` result).
    """

    sender_id: str
    receiver_id: str
    control_numbers: ControlNumbers
    created_at: datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    usage: str = "P"  # ISA15: P production, T test
    ack_requested: bool = False  # ISA14: 1 asks for a TA1
    application_sender: str | None = None  # GS02; defaults to sender_id
    application_receiver: str | None = None  # GS03; defaults to receiver_id
    authorization_qualifier: str = "00"
    authorization: str = ""
    security_qualifier: str = "00"
    security: str = ""

    def __post_init__(self) -> None:
        if self.usage not in ("P", "T"):
            raise ValueError(f"ISA15 usage indicator must be 'P' or 'T', got {self.usage!r}")

    @property
    def gs_sender(self) -> str:
        return self.application_sender if self.application_sender is not None else self.sender_id.strip()

    @property
    def gs_receiver(self) -> str:
        if self.application_receiver is not None:
            return self.application_receiver
        return self.receiver_id.strip()


@dataclass(frozen=True)
class X12Document:
    """A complete interchange as written, with what the writer changed on the way."""

    text: str
    transaction_set: str  # ST01 of the (first) set: 850, 810, 856, 997
    control_numbers: ControlNumbers
    segment_count: int  # SE01 summed over the sets (ST..SE inclusive)
    warnings: tuple[ContentWarning, ...] = ()

    def __str__(self) -> str:
        return self.text

    def encode(self) -> bytes:
        """Wire bytes: the writer only emits 7-bit ASCII."""
        return self.text.encode("ascii")
