"""SterlingB2BClient: mailboxes, message upload / lookup / extraction, trading partners and routing
channels over the IBM Sterling B2B Integrator REST APIs (``/B2BAPIs/svc/``; reference Part 2).

Exactly-once: a message POST is never retried. When its outcome is unknown (5xx, lost connection) the
caller looks the message up by the name it chose (which carries our document id) with
:meth:`SterlingB2BClient.find_message` before sending again.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ml_connector.connectors.sterling.directory import DirectoryCalls
from ml_connector.connectors.sterling.models import Mailbox, MailboxItem, MailboxMessage
from ml_connector.connectors.sterling.options import SterlingOptions, UploadMode
from ml_connector.connectors.sterling.transport import SYSTEM, SterlingTransport, multipart_body
from ml_connector.errors import RemoteRejectedError, RemoteUnavailableError
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

MAX_MESSAGE_NAME = 255  # 100 on DB2 / z/OS [F commerce-sterling-x12.md §2.5]


class SterlingB2BClient(DirectoryCalls):
    """The product's door to one Sterling B2B Integrator (partner and routing calls: :class:`DirectoryCalls`)."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: Secret,
        *,
        verify: bool = True,
        allow_insecure_http: bool = False,
        options: SterlingOptions | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options or SterlingOptions()
        self._api = SterlingTransport(
            base_url,
            username,
            password,
            verify=verify,
            allow_insecure_http=allow_insecure_http,
            retry=retry,
            timeout_s=timeout_s,
            transport=transport,
            sleep=sleep,
        )

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> SterlingB2BClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self) -> None:
        """Prove the URL and the credentials work (one cheap authenticated read)."""
        self._api.call("GET", "mailboxes/", params={"_range": "0-0"}, what="list mailboxes")

    # mailboxes
    def list_mailboxes(self, path_pattern: str | None = None) -> list[Mailbox]:
        """Mailboxes whose path matches ``path_pattern`` (SQL ``%`` wildcard), or all of them."""
        params = {"path": path_pattern} if path_pattern else {}
        rows = self._api.pages("mailboxes/", params, what="list mailboxes", page_size=self.options.page_size)
        return [Mailbox.from_json(row) for row in rows]

    def get_mailbox(self, path: str) -> Mailbox | None:
        """The mailbox at exactly ``path`` (the API filter is a LIKE: ``_`` and ``%`` match more)."""
        return next((m for m in self.list_mailboxes(path) if m.path == path), None)

    def create_mailbox(self, path: str, description: str = "", *, create_parents: bool = False) -> Mailbox:
        body = {"path": path, "description": description, "mailboxType": "R", "createParentMailbox": create_parents}
        what = f"create mailbox {path}"
        try:
            response = self._api.call("POST", "mailboxes/", json=body, what=what)
        except RemoteUnavailableError:
            # Outcome unknown: a path is unique, so if it exists now, this create made it.
            existing = self.get_mailbox(path)
            if existing is None:
                raise
            return existing
        mailbox_id = self._api.location_key(response, what)
        found = self._api.call("GET", f"mailboxes/{mailbox_id}", what=f"read mailbox {path}")
        return Mailbox.from_json(self._api.json_object(found, what))

    def ensure_mailbox(self, path: str, description: str = "") -> Mailbox:
        return self.get_mailbox(path) or self.create_mailbox(path, description, create_parents=True)

    def iter_mailbox_contents(self, mailbox: Mailbox | str, *, name_prefix: str | None = None) -> Iterator[MailboxItem]:
        """Rows of ``mailboxcontents`` (messages and sub-mailboxes), with detail, all pages."""
        box = mailbox if isinstance(mailbox, Mailbox) else self._require_mailbox(mailbox)
        params: dict[str, Any] = {"parentMailboxId": box.id, "detail": "true"}
        if name_prefix:
            params["searchFor"] = name_prefix
        what = f"list the contents of mailbox {box.path}"
        for row in self._api.pages("mailboxcontents/", params, what=what, page_size=self.options.page_size):
            yield MailboxItem.from_json(row)

    def list_messages(
        self, mailbox_path: str, *, extractable_only: bool = False, now: datetime | None = None
    ) -> list[MailboxItem]:
        """Messages in a mailbox; ``extractable_only`` keeps those not yet extracted (needs ``now``)."""
        items = [i for i in self.iter_mailbox_contents(mailbox_path) if not i.is_mailbox]
        if extractable_only:
            if now is None:
                raise ValueError("extractable_only needs now= (an aware datetime from the run's clock)")
            items = [i for i in items if i.extractable(now)]
        return items

    # messages
    def find_message(self, mailbox_path: str, message_name: str) -> int | None:
        """The id of the (oldest) message called ``message_name`` in the mailbox, or None.

        Extracted messages count too: a routed message stays listed in its producer mailbox.
        """
        box = self.get_mailbox(mailbox_path)
        if box is None:
            return None
        prefix = message_name if self.options.narrow_name_search else None
        ids = [
            i.id
            for i in self.iter_mailbox_contents(box, name_prefix=prefix)
            if not i.is_mailbox and i.name == message_name
        ]
        return min(ids) if ids else None

    def upload_message(self, mailbox_path: str, message_name: str, content: bytes) -> int:
        """Put ``content`` into a mailbox as a message called ``message_name``; return the message id.

        Raises RemoteUnavailableError with an "outcome unknown" message when the create call may or may
        not have happened: call :meth:`find_message` before sending again. Never resend blindly.
        """
        _check_message_name(message_name)
        if self.options.upload_mode is UploadMode.MESSAGE_BATCH:
            return self._upload_batch(mailbox_path, message_name, content)
        document_id = self.create_document(content, message_name)
        field = self.options.message_mailbox_field
        target: Any = mailbox_path if field == "mailboxPath" else self._require_mailbox(mailbox_path).id
        body: dict[str, Any] = {
            field: target,
            self.options.message_name_field: message_name,
            "documentId": document_id,
            **self._extractability(),
        }
        return self._create_once("mailboxmessages/", mailbox_path, message_name, json=body)

    def create_document(self, content: bytes, name: str = "") -> str:
        """Store a payload; returns its ``documentId``. Safe to retry: a lost one is an unused orphan."""
        body = {
            self.options.document_content_field: base64.b64encode(content).decode("ascii"),
            self.options.document_name_field: name,
        }
        what = f"create the document for message {name}"
        response = self._api.call("POST", "documents/", json=body, what=what, retry_unsafe=True)
        return self._api.location_key(response, what)

    def get_message(self, message_id: int) -> MailboxMessage | None:
        what = f"read mailbox message {message_id}"
        response = self._api.call_optional("GET", f"mailboxmessages/{message_id}", what=what)
        return None if response is None else MailboxMessage.from_json(self._api.json_object(response, what))

    def extract_message(self, message_id: int, *, mark_extracted: bool = False) -> bytes:
        """Download a message's payload (through its document); optionally mark it extracted after."""
        message = self.get_message(message_id)
        if message is None:
            raise RemoteRejectedError(
                f"{SYSTEM} has no mailbox message {message_id} to extract; it may have been deleted or purged.",
                system=SYSTEM,
                status=404,
            )
        what = f"download document {message.document_id} of message {message_id} ({message.name})"
        response = self._api.call("GET", f"documents/{quote(message.document_id, safe=':')}", what=what)
        encoded = self._api.json_object(response, what).get(self.options.document_content_field)
        if not isinstance(encoded, str):
            raise RemoteRejectedError(
                f"{SYSTEM} returned document {message.document_id} without its "
                f"'{self.options.document_content_field}' content.",
                system=SYSTEM,
            )
        content = base64.b64decode(encoded)
        if mark_extracted:
            self.mark_extracted(message_id)
        return content

    def mark_extracted(self, message_id: int) -> None:
        """Make the message non-extractable, as an Extract Commit of its last count would [I]."""
        what = f"mark mailbox message {message_id} extracted"
        body = {"extractableAlways": False, "extractableCount": 0}
        response = self._api.call("PUT", f"mailboxmessages/{message_id}", json=body, what=what)
        self._api.expect_one_row(response, what)

    def delete_message(self, message_id: int) -> bool:
        """Delete a message; False when it was already gone (e.g. a retried DELETE)."""
        what = f"delete mailbox message {message_id}"
        response = self._api.call_optional("DELETE", f"mailboxmessages/{message_id}", what=what)
        if response is None:
            return False
        self._api.expect_one_row(response, what)
        return True

    # helpers
    def _require_mailbox(self, path: str) -> Mailbox:
        found = self.get_mailbox(path)
        if found is None:
            raise RemoteRejectedError(
                f"{SYSTEM} has no mailbox {path}. Create it (or fix the configured path) and run again.",
                system=SYSTEM,
                status=404,
            )
        return found

    def _extractability(self) -> dict[str, Any]:
        count = self.options.new_message_extractable_count
        return {"extractableAlways": True} if count is None else {"extractableAlways": False, "extractableCount": count}

    def _upload_batch(self, mailbox_path: str, message_name: str, content: bytes) -> int:
        body, content_type = multipart_body(upstream=(message_name, content), mailboxName=("", mailbox_path.encode()))
        headers = {"Content-Type": content_type}
        return self._create_once("messagebatches/", mailbox_path, message_name, content=body, headers=headers)

    def _create_once(self, path: str, mailbox_path: str, message_name: str, **kw: Any) -> int:
        what = f"create message {message_name} in {mailbox_path}"
        try:
            response = self._api.call("POST", path, what=what, **kw)
        except RemoteUnavailableError as exc:
            raise RemoteUnavailableError(
                f"Outcome unknown for message {message_name} in {mailbox_path}: {exc} Do not resend blindly: "
                f"call find_message({mailbox_path!r}, {message_name!r}) first; send again only if it is None.",
                system=SYSTEM,
                status=exc.status,
                request=exc.request,
                body=exc.body,
            ) from exc
        return int(self._api.location_key(response, what))


def _check_message_name(name: str) -> None:
    if not name or len(name) > MAX_MESSAGE_NAME or any(c in name for c in '/"\r\n'):
        raise ValueError(f'Message name {name!r} must be 1-{MAX_MESSAGE_NAME} characters without / " or newlines.')
