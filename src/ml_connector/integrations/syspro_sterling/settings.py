"""The `[syspro-sterling]` config section: connections, our X12 identity, and per-partner settings.

Partner routing (which SYSPRO supplier / customer is which trading partner) lives in the store
(`ml-connector mappings`, kinds `supplier` and `customer`); everything else about a partner is here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ml_connector.errors import ConfigError

DocumentType = Literal["850", "810", "856"]


ALL_DOCUMENTS: tuple[DocumentType, ...] = ("850", "810", "856")


class PartnerSettings(BaseModel):
    """One trading partner, keyed by its Sterling partner name."""

    receiver_id: str | None = None  # ISA08; None: the partner's EDI code in Sterling (synced), else its name
    receiver_qualifier: str = "ZZ"  # ISA07
    application_receiver: str | None = None  # GS03; default = receiver_id
    usage: Literal["P", "T"] = "T"  # ISA15 test / production
    documents: list[DocumentType] = Field(default_factory=lambda: list(ALL_DOCUMENTS))
    expect_997: bool = True
    ack_window_minutes: int = 24 * 60  # flag a document with no 997 after this long
    po_changes: Literal["change", "review"] = "change"  # 850 BEG01=04, or park the change for a person
    element_separator: str = "*"
    component_separator: str = ">"
    segment_terminator: str = "~"
    line_break: bool = False  # a newline after each segment terminator
    outbox: str | None = None  # mailbox to post to; default /<company>/Outbox

    @field_validator("element_separator", "component_separator", "segment_terminator")
    @classmethod
    def _single(cls, value: str) -> str:
        if len(value) != 1 or value.isalnum() or value.isspace():
            raise ValueError("a delimiter is one non-alphanumeric, non-space character")
        return value


class SysproSterlingSettings(BaseModel):
    syspro_connection: str = "syspro-odata"
    sterling_connection: str = "sterling"
    syspro_enet_connection: str | None = "syspro-enet"  # Sterling -> SYSPRO supplier writes; not stored: record only
    company: str = "MLCONNECT"  # our partner name in Sterling: /<company>/Outbox and /<company>/Inbox
    sender_id: str = "MLCONNECT"  # ISA06
    sender_qualifier: str = "ZZ"  # ISA05
    application_sender: str | None = None  # GS02; default = sender_id
    community: str = "Suppliers"  # community of partners created from SYSPRO suppliers
    since: str | None = None  # only documents dated on/after this day (YYYY-MM-DD); None: all
    lookback_days: int = 3
    shipment_statuses: list[str] = Field(default_factory=lambda: ["8", "9"])  # SorMaster.OrderStatus shipped
    sync_suppliers: bool = True
    partners: dict[str, PartnerSettings] = Field(default_factory=dict)

    @property
    def outbox(self) -> str:
        return f"/{self.company}/Outbox"

    @property
    def inbox(self) -> str:
        return f"/{self.company}/Inbox"

    def partner(self, name: str) -> PartnerSettings:
        return self.partners.get(name) or PartnerSettings()


def load(raw: dict[str, object]) -> SysproSterlingSettings:
    try:
        return SysproSterlingSettings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"[syspro-sterling] in the config is invalid:\n{exc}") from None
