"""Value objects for the Sterling B2B Integrator REST API: mailboxes, mailbox items and messages,
trading partners (and their mapping from SYSPRO suppliers), routing channels.

Readers accept both shapes the API uses for enums and booleans: the bare value (requests, mailbox
contents rows) and ``{"code": ..., "display": ...}`` (single-object reads) [F commerce-sterling-x12.md §2.2].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_OFFSET = re.compile(r"([+-]\d\d)(\d\d)$")
_PARTNER_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def code_value(value: Any) -> Any:
    """``{"code": x, "display": ...}`` -> x; anything else unchanged."""
    return value.get("code") if isinstance(value, Mapping) and "code" in value else value


def as_bool(value: Any) -> bool | None:
    value = code_value(value)
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "y", "1")


def as_int(value: Any) -> int | None:
    value = code_value(value)
    return None if value in (None, "") else int(value)


def parse_timestamp(text: Any) -> datetime | None:
    """``2020-03-14T17:19:20.000+0000`` (no colon in the offset) -> aware UTC datetime."""
    if not text:
        return None
    parsed = datetime.fromisoformat(_OFFSET.sub(r"\1:\2", str(text)))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass(frozen=True)
class Mailbox:
    id: int
    path: str
    description: str = ""
    mailbox_type: str = "R"

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Mailbox:
        return cls(
            int(row.get("_id") or row["id"]),
            str(row["path"]),
            str(row.get("description") or ""),
            str(code_value(row.get("mailboxType")) or "R"),
        )


@dataclass(frozen=True)
class MailboxItem:
    """One row of ``mailboxcontents``: a message or a sub-mailbox."""

    id: int
    name: str
    is_mailbox: bool
    size: int | None = None
    document_id: str | None = None
    created: datetime | None = None
    extractable_always: bool | None = None
    extractable_count: int | None = None
    extractable_until: datetime | None = None

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> MailboxItem:
        return cls(
            id=int(row["id"]),
            name=str(row["name"]),
            is_mailbox=str(row.get("type", "")).lower() == "mailbox",
            size=as_int(row.get("size")),
            document_id=row.get("documentId"),
            created=parse_timestamp(row.get("creationDate")),
            extractable_always=as_bool(row.get("extractableAlways")),
            extractable_count=as_int(row.get("extractableCount")),
            extractable_until=parse_timestamp(row.get("extractableUntil")),
        )

    def extractable(self, now: datetime) -> bool:
        if self.extractable_always:
            return True
        if self.extractable_count is not None and self.extractable_count > 0:
            return True
        return self.extractable_until is not None and now < self.extractable_until


@dataclass(frozen=True)
class MailboxMessage:
    """``GET /svc/mailboxmessages/<id>`` [F commerce-sterling-x12.md §2.5]."""

    id: int
    name: str
    mailbox_path: str
    mailbox_id: int
    document_id: str
    size: int | None
    created: datetime | None
    extractable_always: bool | None
    extractable_count: int | None = None

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> MailboxMessage:
        return cls(
            id=int(row.get("id") or row["_id"]),
            name=str(row["name"]),
            mailbox_path=str(row.get("mailboxPath") or ""),
            mailbox_id=int(row.get("mailboxId") or 0),
            document_id=str(row["documentId"]),
            size=as_int(row.get("size")),
            created=parse_timestamp(row.get("creationDate")),
            extractable_always=as_bool(row.get("extractableAlways")),
            extractable_count=as_int(row.get("extractableCount")),
        )


@dataclass(frozen=True)
class RoutingChannel:
    """File Gateway routing channel: producer mailbox -> consumer, per template [F commerce-sterling-x12.md §2.7]."""

    key: str
    template: str
    producer: str
    consumer: str
    producer_mailbox_path: str = ""
    facts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> RoutingChannel:
        facts = {
            str(f.get("provFactName")): str(f.get("provFactValue", ""))
            for f in row.get("provisioningFacts") or []
            if isinstance(f, Mapping) and "provFactName" in f
        }
        return cls(
            str(row.get("routingChannelKey") or row["_id"]),
            str(row["templateName"]),
            str(row["producer"]),
            str(row.get("consumer") or ""),
            str(row.get("producerMailboxPath") or ""),
            facts,
        )


def safe_partner_name(text: str) -> str:
    """Partner names become mailbox paths and user names: keep letters, digits, ``_ . -`` [I]."""
    cleaned = _PARTNER_NAME_UNSAFE.sub("_", text.strip()).strip("_")
    if not cleaned:
        raise ValueError(f"Cannot derive a Sterling partner name from {text!r}.")
    return cleaned
