"""QadClient: the QAD Adaptive ERP REST calls ml-connector makes. Reads go through browses
(``page`` + ``pageAction`` always sent: without them QAD silently returns nothing), writes through the
business-entity API (``submitResult`` errors and 403 turned into clear messages, ``concurrencyHash``
on updates). Paths that are not public are :class:`QadPaths` fields (docs/PROTOCOLS.md (QAD)).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ml_connector.connectors.qad.auth import QadBasicAuth, QadPasswordAuth
from ml_connector.connectors.qad.browses import BROWSE_PATH, SYSTEM, QadBrowses, QadPaths
from ml_connector.connectors.qad.models import (
    JournalEntry,
    SubmitError,
)
from ml_connector.errors import RemoteAuthError, RemoteProtocolError, RemoteRejectedError
from ml_connector.http.auth import AuthFlow
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.secrets.secret import Secret

__all__ = ["BROWSE_PATH", "QadClient", "QadPaths", "QadPermissionError", "QadSubmitError"]


class QadSubmitError(RemoteRejectedError):
    """``submitResult.success`` was false; ``errors`` holds QAD's field errors."""

    def __init__(self, message: str, *, errors: list[SubmitError], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = errors


class QadPermissionError(RemoteAuthError):
    """HTTP 403 ``Access is denied``: the API user lacks a role for this object."""


class QadClient(QadBrowses):
    """One QAD tenant (``https://<tenant>.qad.com/clouderp``), one API user, one domain/entity workspace."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: Secret,
        *,
        domain: str,
        entity: str,
        client_id: str | None = None,
        auth: str = "oauth",
        paths: QadPaths | None = None,
        page_size: int = 500,
        timeout_s: float = 60.0,
        verify: bool = True,
        retry: RetryPolicy | None = None,
        budget: SlidingWindowBudget | None = None,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.domain, self.entity = domain, entity
        self.paths = paths or QadPaths()
        self.page_size = page_size
        self.http = HttpClient(
            system=SYSTEM,
            base_url=self.base_url,
            retry=retry,
            budget=budget,
            timeout_s=timeout_s,
            verify=verify,
            transport=transport,
            sleep=sleep,
            headers={"x-qad-workspace-id": f"{domain}_{entity}", "Accept": "application/json"},
        )
        self.auth: AuthFlow
        if auth == "basic":
            self.auth = QadBasicAuth(username, password)
        else:
            self.auth = QadPasswordAuth(self.http, username, password, client_id, monotonic=monotonic)
        self.http.auth = self.auth

    def close(self) -> None:
        self.http.close()

    # -- journal entries (business-entity API) --------------------------------------------------------

    def create_journal_entry(self, entry: JournalEntry) -> JournalEntry:
        """Create one entry (URL carries only ``viewUri`` [F]); return it as QAD numbered it."""
        what = f"creating a journal entry in daybook {entry.daybook} ({entry.second_text or entry.text})"
        return self._submit(entry.wire(), {}, what)

    def create_request(self, entry: JournalEntry) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """What ``create_journal_entry`` POSTs: path, query parameters and body (`run --dry-run` shows it)."""
        return self._collection_path(), {"viewUri": self.paths.journal_view}, self._body(entry.wire())

    def read_journal_entry(self, year: int, daybook: str, voucher: int) -> JournalEntry | None:
        params = self._keys(year, daybook, voucher)
        data = self._call(
            "GET", self._collection_path(), f"reading journal entry {daybook} {year}/{voucher}", params=params
        )
        found = data.get("data", {}).get(self.paths.journal_collection) or []
        return JournalEntry.model_validate(found[0]) if found else None

    def update_journal_entry(self, entry: JournalEntry) -> JournalEntry:
        """POST the entry back with its keys and the ``concurrencyHash`` it was read with; QAD refuses
        a stale hash (someone changed it in between): read it again and re-apply the change."""
        what = f"updating journal entry {entry.key}"
        return self._submit(entry.wire(), self._keys(entry.year, entry.daybook, entry.voucher), what)

    def can_create_journal_entries(self) -> bool:
        """Probe the create permission without posting [I]: an empty create is refused with 403 when the
        role lacks it, answered with a validation result otherwise."""
        try:
            self.http.request(
                "POST",
                self._collection_path(),
                params={"viewUri": self.paths.journal_view},
                json={"supplementaryMessages": [], self.paths.journal_collection: []},
            )
        except RemoteAuthError as exc:
            if exc.status == 403:
                return False
            raise
        return True

    # -- plumbing --------------------------------------------------------------------------------------

    def _collection_path(self) -> str:
        return f"/api/erp/{self.paths.journal_collection}"

    def _keys(self, year: int, daybook: str, voucher: int) -> dict[str, Any]:
        return {
            "companyCode": self.entity,
            "postingYear": year,
            "daybookCode": daybook,
            "voucher": voucher,
            "viewUri": self.paths.journal_view,
        }

    def _submit(self, wire: dict[str, Any], keys: dict[str, Any], what: str) -> JournalEntry:
        params = keys or {"viewUri": self.paths.journal_view}
        data = self._call("POST", self._collection_path(), what, params=params, json=self._body(wire))
        result = data.get("submitResult") or {}
        if not result.get("success", False):
            errors = [SubmitError.model_validate(e) for e in result.get("errors") or []]
            listed = "; ".join(e.describe() for e in errors) or "no error text"
            raise QadSubmitError(
                f"QAD refused {what}: {listed}. Fix the cause in QAD or in the figure config, then "
                "`ml-connector replay` the record.",
                errors=errors,
                system=SYSTEM,
                status=200,
                request=f"POST {self._collection_path()}",
            )
        saved = (data.get("data") or {}).get(self.paths.journal_collection) or []
        if not saved:
            raise RemoteProtocolError(
                f"QAD accepted {what} but returned no entry; look it up by its reference before resending.",
                system=SYSTEM,
                request=f"POST {self._collection_path()}",
            )
        return JournalEntry.model_validate(saved[0])

    def _body(self, wire: dict[str, Any]) -> dict[str, Any]:
        return {"supplementaryMessages": [], self.paths.journal_collection: [wire]}

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        try:
            return self.http.request(method, path, **kwargs).json()
        except RemoteAuthError as exc:
            if exc.status == 403:
                raise QadPermissionError(
                    f"QAD denied {what} (HTTP 403 Access is denied). Give the API user a role that may do "
                    "this for the workspace's domain/entity in QAD, then run `ml-connector check`.",
                    system=SYSTEM,
                    status=403,
                    request=exc.request,
                    body=exc.body,
                ) from None
            raise
