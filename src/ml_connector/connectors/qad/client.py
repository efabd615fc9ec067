"""QadClient: the QAD Adaptive ERP REST calls ml-connector makes. Reads go through browses
(``page`` + ``pageAction`` always sent: without them QAD silently returns nothing), writes through the
business-entity API (``submitResult`` errors and 403 turned into clear messages, ``concurrencyHash``
on updates). Paths that are not public are :class:`QadPaths` fields (syspro-qad.md 7.3-7.5).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ml_connector.connectors.qad.auth import QadPasswordAuth
from ml_connector.connectors.qad.models import (
    CostCentre,
    Daybook,
    GlAccount,
    GlPeriod,
    JournalEntry,
    PostedLine,
    SubmitError,
)
from ml_connector.errors import RemoteAuthError, RemoteProtocolError, RemoteRejectedError
from ml_connector.http.auth import AuthFlow, BasicAuth
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.secrets.secret import Secret

SYSTEM = "QAD"
BROWSE_PATH = "/api/qracore/browses"
_B = "urn:browse:bebrowse:com.qad.erp."


@dataclass(frozen=True)
class QadPaths:
    """Browse ids, collection and view URI that QAD does not publish [I]: the reference's defaults."""

    accounts_browse: str = _B + "financials.glAccounts"
    cost_centres_browse: str = _B + "financials.costCentres"
    daybooks_browse: str = _B + "financials.daybooks"
    periods_browse: str = _B + "financials.glPeriods"
    journal_lines_browse: str = _B + "financials.journalEntryLines"
    domains_browse: str = _B + "base.domainV3s"
    journal_collection: str = "journalEntries"
    journal_view: str = "urn:be:com.qad.financials.generalledger.journalentry.IJournalEntry"


class QadSubmitError(RemoteRejectedError):
    """``submitResult.success`` was false; ``errors`` holds QAD's field errors."""

    def __init__(self, message: str, *, errors: list[SubmitError], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = errors


class QadPermissionError(RemoteAuthError):
    """HTTP 403 ``Access is denied``: the API user lacks a role for this object."""


class QadClient:
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
            self.auth = BasicAuth(username, password)
        else:
            self.auth = QadPasswordAuth(self.http, username, password, client_id, monotonic=monotonic)
        self.http.auth = self.auth

    def close(self) -> None:
        self.http.close()

    # -- browses ---------------------------------------------------------------------------------------

    def browse(self, browse_id: str, filters: list[str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``table.field`` rows; stops at the first page shorter than ``page_size``."""
        page, previous = 1, None
        while True:
            params: dict[str, Any] = {
                "browseId": browse_id,
                "page": page,
                "pageSize": self.page_size,
                "pageAction": "first" if page == 1 else "next",
            }
            if filters:
                params["filter"] = filters
            rows = self._call("GET", BROWSE_PATH, f"reading browse {browse_id} page {page}", params=params)["data"]
            if rows and rows == previous:
                raise RemoteProtocolError(
                    f"QAD answered page {page} of browse {browse_id} with the previous page again; "
                    "stopping instead of looping. Check the browse id in the connection settings.",
                    system=SYSTEM,
                    request=f"GET {BROWSE_PATH}",
                )
            yield rows
            if len(rows) < self.page_size:
                return
            page, previous = page + 1, rows

    def _all(self, browse_id: str, filters: list[str] | None = None) -> list[dict[str, Any]]:
        return [row for page in self.browse(browse_id, filters) for row in page]

    def gl_accounts(self) -> dict[str, GlAccount]:
        return {
            str(r["gl.GLCode"]): GlAccount(
                code=str(r["gl.GLCode"]),
                description=r.get("gl.GLDescription") or "",
                active=bool(r.get("gl.GLIsActive", True)),
                cost_centre_analysis=bool(r.get("gl.GLIsCostCentreAccount", False)),
            )
            for r in self._all(self.paths.accounts_browse)
        }

    def cost_centres(self) -> dict[str, CostCentre]:
        return {
            str(r["costcentre.CostCentreCode"]): CostCentre(
                code=str(r["costcentre.CostCentreCode"]),
                description=r.get("costcentre.CostCentreDescription") or "",
                active=bool(r.get("costcentre.CostCentreIsActive", True)),
            )
            for r in self._all(self.paths.cost_centres_browse)
        }

    def daybooks(self) -> dict[str, Daybook]:
        return {
            str(r["journal.JournalCode"]): Daybook(
                code=str(r["journal.JournalCode"]),
                description=r.get("journal.JournalDescription") or "",
                kind=r.get("journal.JournalTypeCode") or "",
                active=bool(r.get("journal.JournalIsActive", True)),
            )
            for r in self._all(self.paths.daybooks_browse)
        }

    def periods(self) -> list[GlPeriod]:
        return sorted(
            (
                GlPeriod(
                    year=int(r["period.PeriodYear"]),
                    period=int(r["period.PeriodPeriod"]),
                    start=r["period.PeriodStartDate"],
                    end=r["period.PeriodEndDate"],
                    closed=str(r.get("period.PeriodStatus", "O")).upper() == "C",
                )
                for r in self._all(self.paths.periods_browse)
            ),
            key=lambda p: (p.year, p.period),
        )

    def workspaces(self) -> list[tuple[str, str]]:
        """(domain, entity) pairs the API user sees; proves the workspace header is accepted."""
        return [
            (str(r.get("domain.DomainCode")), str(r.get("company.CompanyCode")))
            for r in self._all(self.paths.domains_browse)
        ]

    def journal_lines(self, filters: list[str]) -> list[PostedLine]:
        return [
            PostedLine(
                company=r["company.CompanyCode"],
                daybook=r["journal.JournalCode"],
                year=r["posting.PostingYear"],
                period=r["posting.PostingPeriod"],
                voucher=r["posting.PostingVoucher"],
                text=r.get("posting.PostingText") or "",
                second_text=r.get("posting.PostingSecondText") or "",
                gl_code=str(r["gl.GLCode"]),
                cost_centre=r.get("costcentre.CostCentreCode") or "",
                division=r.get("division.DivisionCode") or "",
                project=r.get("project.ProjectCode") or "",
                debit=Decimal(str(r.get("postingline.PostingLineDebitTC") or 0)),
                credit=Decimal(str(r.get("postingline.PostingLineCreditTC") or 0)),
                line_text=r.get("postingline.PostingLineText") or "",
            )
            for r in self._all(self.paths.journal_lines_browse, filters)
        ]

    def lines_with_text(self, text: str, *, begins: bool = False) -> list[PostedLine]:
        """Posted lines whose ``PostingLineText`` equals (or begins with) ``text``: the reference search."""
        return self.journal_lines([f"postingline.PostingLineText,{'begins' if begins else 'eq'},{text},literal"])

    # -- journal entries (business-entity API) --------------------------------------------------------

    def create_journal_entry(self, entry: JournalEntry) -> JournalEntry:
        """Create one entry (URL carries only ``viewUri`` [F]); return it as QAD numbered it."""
        what = f"creating a journal entry in daybook {entry.daybook} ({entry.second_text or entry.text})"
        return self._submit(entry.wire(), {}, what)

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
        body = {"supplementaryMessages": [], self.paths.journal_collection: [wire]}
        data = self._call("POST", self._collection_path(), what, params=params, json=body)
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
