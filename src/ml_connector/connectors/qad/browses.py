"""The read half of QadClient: browses (``page`` + ``pageAction`` always sent: without them QAD
silently returns nothing) and the master data and posted lines read through them; :class:`QadPaths`,
the browse ids and collection names QAD does not publish (docs/PROTOCOLS.md (QAD)).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ml_connector.connectors.qad.models import CostCentre, Daybook, GlAccount, GlPeriod, PostedLine
from ml_connector.errors import RemoteProtocolError

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


class QadBrowses:
    """Browse reads; the host class provides ``_call``, ``paths``, ``page_size``."""

    paths: QadPaths
    page_size: int

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by QadClient

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
