"""Knobs for the parts of the Sterling B2B REST API that public sources do not pin down ([I] in reference
Part 2). Defaults match the emulator; change them here, not in the client, when a real system differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UploadMode(StrEnum):
    """How a payload becomes a mailbox message.

    DOCUMENT_THEN_MESSAGE: "Create Mailbox Message" takes a ``documentId``, not the payload, so the
        document is created first (``POST /svc/documents/``) and the message then points at it [F S2].
    MESSAGE_BATCH: one multipart ``POST /svc/messagebatches/`` (parts ``upstream`` + ``mailboxName``);
        the returned id is the mailbox message id [F S4].
    """

    DOCUMENT_THEN_MESSAGE = "document_then_message"
    MESSAGE_BATCH = "messagebatch"


@dataclass(frozen=True)
class SterlingOptions:
    """Wire details that are inference, kept in one place.

    Attributes:
        upload_mode: see :class:`UploadMode` (both are [F]; the two-step one is IBM's documented path).
        document_content_field: [I] field of the Create Document body carrying the base64 payload.
        document_name_field: [I] field naming the document.
        message_name_field: [I] field of Create Mailbox Message holding the message name (reads return
            ``name`` [F]).
        message_mailbox_field: [I] ``mailboxPath`` (or ``mailboxId``) in Create Mailbox Message.
        page_size: rows asked per ``_range`` ([F] ``_range=0-999`` in the clients; [I] a page shorter than
            this is the last one).
        narrow_name_search: [I] send ``searchFor=<message name>`` to ``mailboxcontents`` when looking a
            message up. Off by default: exactness of the lookup must not depend on an unverified filter.
        new_message_extractable_count: ``None`` = messages we post are extractable always (the [F] sample
            upload shows ``extractableAlways: Yes``); a number = extractable that many times.
    """

    upload_mode: UploadMode = UploadMode.DOCUMENT_THEN_MESSAGE
    document_content_field: str = "body"
    document_name_field: str = "documentName"
    message_name_field: str = "name"
    message_mailbox_field: str = "mailboxPath"
    page_size: int = 1000
    narrow_name_search: bool = False
    new_message_extractable_count: int | None = None

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.message_mailbox_field not in ("mailboxPath", "mailboxId"):
            raise ValueError("message_mailbox_field must be 'mailboxPath' or 'mailboxId'")
