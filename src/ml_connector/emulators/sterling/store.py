"""The emulator's state: mailboxes, documents, mailbox messages, trading partners, routing channels,
and what the routing did. One lock guards it all (FastAPI runs sync handlers in a thread pool).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ApiError(Exception):
    """Answered as ``{"errorCode": status, "errorDescription": description}`` (commerce-sterling-x12.md §2.2)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class Mailbox:
    id: int
    path: str
    description: str = ""
    mailbox_type: str = "R"
    linked_to: int | None = None
    users: str = ""
    groups: str = ""

    @property
    def permission(self) -> str:
        return f"{self.path} Mailbox"

    @property
    def parent_path(self) -> str:
        head = self.path.rsplit("/", 1)[0]
        return head or "/"


@dataclass
class Document:
    document_id: str
    content: bytes
    name: str
    created: datetime


@dataclass
class Message:
    id: int
    mailbox_id: int
    name: str
    document_id: str
    created: datetime
    extractable_always: bool = True
    extractable_count: int | None = None
    extractable_until: datetime | None = None
    description: str = ""

    def extractable(self, now: datetime) -> bool:
        if self.extractable_always:
            return True
        if self.extractable_count is not None and self.extractable_count > 0:
            return True
        return self.extractable_until is not None and now < self.extractable_until


@dataclass
class RoutingChannel:
    key: str
    template: str
    producer: str
    consumer: str
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingEvent:
    message_id: int
    outcome: str  # routed | no_rule | not_x12
    consumer: str = ""
    routed_message_id: int | None = None
    detail: str = ""


@dataclass
class PendingAck:
    due: datetime
    mailbox_path: str
    name: str
    content: bytes


def like(pattern: str, value: str) -> bool:
    """SQL LIKE as the API's filters use it (``%`` any run, ``_`` one character); case-insensitive."""
    glob = pattern.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]").replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(value.lower(), glob.lower())


class SterlingState:
    """Everything the emulated SB2Bi holds for one run."""

    def __init__(self, *, seed: int, now: Callable[[], datetime], host: str = "emulator") -> None:
        self.lock = threading.RLock()
        self.now = now
        rng = random.Random(seed)
        self._next_mailbox_id = 100 + rng.randrange(100)
        self._next_message_id = 1000 + rng.randrange(1000)
        self._document_prefix = f"{host}:node1:{rng.getrandbits(44):x}"
        self._next_document = 1
        self._next_channel = rng.randrange(1 << 20)
        self.mailboxes: dict[int, Mailbox] = {}
        self.documents: dict[str, Document] = {}
        self.messages: dict[int, Message] = {}
        self.partners: dict[str, dict[str, Any]] = {}
        self.communities: set[str] = set()
        self.channels: dict[str, RoutingChannel] = {}
        self.routing_log: list[RoutingEvent] = []
        self.pending_acks: list[PendingAck] = []
        self.ack_sequences: dict[str, int] = {}

    # mailboxes
    def mailbox_by_path(self, path: str) -> Mailbox | None:
        return next((m for m in self.mailboxes.values() if m.path == path), None)

    def mailbox(self, mailbox_id: int) -> Mailbox:
        found = self.mailboxes.get(mailbox_id)
        if found is None:
            raise ApiError(404, f"API000404: Mailbox with id {mailbox_id} does not exist.")
        return found

    def create_mailbox(
        self, path: str, description: str = "", *, create_parents: bool = False, **extra: Any
    ) -> Mailbox:
        if not path.startswith("/") or (path.endswith("/") and path != "/"):
            raise ApiError(400, f"API000150: Mailbox path '{path}' must be absolute, like /Partner/Inbox.")
        if self.mailbox_by_path(path) is not None:
            raise ApiError(400, f"API000151: Mailbox {path} already exists.")
        parent = path.rsplit("/", 1)[0] or "/"
        if parent != "/" and self.mailbox_by_path(parent) is None:
            if not create_parents:
                raise ApiError(400, f"API000152: Parent mailbox {parent} of {path} does not exist.")
            self.create_mailbox(parent, description, create_parents=True)
        mailbox = Mailbox(self._next_mailbox_id, path, description, **extra)
        self._next_mailbox_id += 1
        self.mailboxes[mailbox.id] = mailbox
        return mailbox

    def ensure_mailbox(self, path: str) -> Mailbox:
        return self.mailbox_by_path(path) or self.create_mailbox(path, create_parents=True)

    def children(self, mailbox: Mailbox) -> list[Mailbox]:
        return sorted(
            (m for m in self.mailboxes.values() if m.path != "/" and m.parent_path == mailbox.path), key=lambda m: m.id
        )

    # documents and messages
    def create_document(self, content: bytes, name: str = "") -> Document:
        document = Document(f"{self._document_prefix}:{self._next_document}", content, name, self.now())
        self._next_document += 1
        self.documents[document.document_id] = document
        return document

    def document(self, document_id: str) -> Document:
        found = self.documents.get(document_id)
        if found is None:
            raise ApiError(404, f"API000404: Document {document_id} does not exist.")
        return found

    def add_message(self, mailbox: Mailbox, name: str, document_id: str, **extractability: Any) -> Message:
        if not name or len(name) > 255:
            raise ApiError(400, "API000160: Message name is required and may have at most 255 characters.")
        self.document(document_id)
        message = Message(self._next_message_id, mailbox.id, name, document_id, self.now(), **extractability)
        self._next_message_id += 1
        self.messages[message.id] = message
        return message

    def message(self, message_id: int) -> Message:
        found = self.messages.get(message_id)
        if found is None:
            raise ApiError(404, f"API000404: Mailbox message {message_id} does not exist.")
        return found

    def messages_in(self, mailbox: Mailbox) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.mailbox_id == mailbox.id), key=lambda m: m.id)

    # trading partners and routing channels
    def partner(self, name: str) -> dict[str, Any]:
        found = self.partners.get(name)
        if found is None:
            raise ApiError(404, f"API000404: Trading partner {name} does not exist.")
        return found

    def partner_by_code(self, code: str) -> dict[str, Any] | None:
        wanted = code.strip().upper()
        return next((p for p in self.partners.values() if str(p.get("code", "")).strip().upper() == wanted), None)

    def create_channel(self, template: str, producer: str, consumer: str, facts: dict[str, str]) -> RoutingChannel:
        self.partner(producer)
        self.partner(consumer)
        if any(
            c.producer == producer and c.consumer == consumer and c.template == template for c in self.channels.values()
        ):
            raise ApiError(400, f"API000170: A routing channel {template} {producer} -> {consumer} exists.")
        self._next_channel += 1
        channel = RoutingChannel(f"RC{self._next_channel:08X}", template, producer, consumer, facts)
        self.channels[channel.key] = channel
        return channel

    def next_ack_control(self, partner: str) -> int:
        self.ack_sequences[partner] = self.ack_sequences.get(partner, 0) + 1
        return self.ack_sequences[partner]
