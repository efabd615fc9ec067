"""JSON shapes of the SB2Bi REST resources as the public clients see them (commerce-sterling-x12.md §2.2-2.6):
``_id``/``_title``/``$ref``/``href`` on every object, ``{code, display}`` for enums and booleans on
read, ``+0000`` timestamps, bare values inside ``mailboxcontents`` rows.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ml_connector.emulators.sterling.store import Document, Mailbox, Message, RoutingChannel

MAILBOX_TYPES = {"R": "Regular", "S": "Shared", "L": "Linked"}
PARTNER_ENUMS = ("authenticationType", "countryOrRegion", "timeZone")


def timestamp(at: datetime) -> str:
    """``2020-03-14T17:19:20.000+0000``: ISO-8601 with milliseconds and a colon-less offset."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def coded(value: Any, display: str | None = None) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"code": value, "display": "Yes" if value else "No"}
    return {"code": value, "display": display if display is not None else str(value)}


def resource(base: str, collection: str, key: str | int, title: str) -> dict[str, Any]:
    href = f"{base}/{collection}/{quote(str(key), safe=':')}"
    return {"_id": str(key), "_title": f"{title}({key})", "$ref": href, "href": href}


def mailbox_json(base: str, mailbox: Mailbox) -> dict[str, Any]:
    body = resource(base, "mailboxes", mailbox.id, "Mailbox")
    body.update(
        path=mailbox.path,
        description=mailbox.description,
        mailboxType=coded(mailbox.mailbox_type, MAILBOX_TYPES.get(mailbox.mailbox_type)),
        permission=mailbox.permission,
        users=mailbox.users,
        groups=mailbox.groups,
    )
    if mailbox.linked_to is not None:
        body["linkedToMailbox"] = mailbox.linked_to
    return body


def message_json(base: str, message: Message, mailbox: Mailbox, size: int) -> dict[str, Any]:
    body = resource(base, "mailboxmessages", message.id, "MailboxMessage")
    actions = f"{body['href']}/actions"
    body.update(
        actions={"href": actions, "$ref": actions},
        mailboxPath=mailbox.path,
        mailboxId=mailbox.id,
        name=message.name,
        id=message.id,
        creationDate=timestamp(message.created),
        extractableAlways=coded(message.extractable_always),
        size=size,
        documentId=message.document_id,
    )
    if message.extractable_count is not None:
        body["extractableCount"] = message.extractable_count
    if message.extractable_until is not None:
        body["extractableUntil"] = timestamp(message.extractable_until)
    if message.description:
        body["description"] = message.description
    return body


def content_row(message: Message, size: int, *, detail: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"id": message.id, "name": message.name, "type": "message"}
    if detail:
        row.update(
            description=message.description,
            documentId=message.document_id,
            size=size,
            extractableAlways=message.extractable_always,
            creationDate=timestamp(message.created),
        )
        if message.extractable_count is not None:
            row["extractableCount"] = message.extractable_count
        if message.extractable_until is not None:
            row["extractableUntil"] = timestamp(message.extractable_until)
    return row


def submailbox_row(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "id": mailbox.id,
        "name": mailbox.path.rsplit("/", 1)[-1],
        "type": "mailbox",
        "description": mailbox.description,
    }


def document_json(base: str, document: Document, content_field: str) -> dict[str, Any]:
    body = resource(base, "documents", document.document_id, "Document")
    body.update(
        documentId=document.document_id,
        documentName=document.name,
        size=len(document.content),
        creationDate=timestamp(document.created),
    )
    body[content_field] = base64.b64encode(document.content).decode("ascii")
    return body


def partner_json(base: str, partner: dict[str, Any]) -> dict[str, Any]:
    body = resource(base, "tradingpartners", partner["partnerName"], "TradingPartner")
    for key, value in partner.items():
        if key == "password":
            continue  # never echoed
        body[key] = coded(value) if isinstance(value, bool) or key in PARTNER_ENUMS else value
    return body


def channel_json(base: str, channel: RoutingChannel, producer_mailbox: str) -> dict[str, Any]:
    body = resource(base, "routingchannels", channel.key, "RoutingChannel")
    body.update(
        routingChannelKey=channel.key,
        templateName=channel.template,
        producer=channel.producer,
        consumer=channel.consumer,
        producerMailboxPath=producer_mailbox,
        provisioningFacts=[{"provFactName": k, "provFactValue": v} for k, v in channel.facts.items()],
    )
    return body


def project(row: dict[str, Any], include: str | None) -> dict[str, Any]:
    """``_include=a,b``: keep only those fields (and the identity fields)."""
    if not include:
        return row
    keep = {f.strip() for f in include.split(",") if f.strip()} | {"_id", "_title", "$ref", "href", "id"}
    return {k: v for k, v in row.items() if k in keep}
