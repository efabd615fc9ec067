"""``GET /api/qracore/browses``: rows keyed ``table.field``, paged by ``page`` + ``pageAction``
(without both, QAD answers 200 with zero rows [F/T]), filtered by ``field,op,value,literal``.

Browse ids for finance objects are not public [I]; the defaults below are configurable per app.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ml_connector.emulators.qad.tenant import Tenant

Row = dict[str, Any]
DEFAULT_BROWSES: dict[str, str] = {
    "urn:browse:bebrowse:com.qad.erp.financials.glAccounts": "accounts",
    "urn:browse:bebrowse:com.qad.erp.financials.costCentres": "cost_centres",
    "urn:browse:bebrowse:com.qad.erp.financials.daybooks": "daybooks",
    "urn:browse:bebrowse:com.qad.erp.financials.glPeriods": "periods",
    "urn:browse:bebrowse:com.qad.erp.financials.journalEntryLines": "journal_lines",
    "urn:browse:bebrowse:com.qad.erp.base.domainV3s": "domains",
}
MAX_PAGE_SIZE = 500
OPS: dict[str, Callable[[str, str], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "begins": lambda a, b: a.startswith(b),
    "matches": lambda a, b: b.replace("*", "") in a,
}
ORDERED = {"gt": lambda c: c > 0, "ge": lambda c: c >= 0, "lt": lambda c: c < 0, "le": lambda c: c <= 0}


class BrowseError(ValueError):
    """A filter the browse cannot apply (answered 400 with QAD's errors body [I])."""


def rows_for(kind: str, tenant: Tenant) -> list[Row]:
    with tenant.lock:
        if kind == "accounts":
            return [{f"gl.{k}": v for k, v in a.items()} for a in tenant.accounts.values()]
        if kind == "cost_centres":
            return [{f"costcentre.{k}": v for k, v in c.items()} for c in tenant.cost_centres.values()]
        if kind == "daybooks":
            return [{f"journal.{k}": v for k, v in d.items()} for d in tenant.daybooks.values()]
        if kind == "periods":
            return [
                {
                    "period.PeriodYear": p.year,
                    "period.PeriodPeriod": p.period,
                    "period.PeriodStartDate": p.start.isoformat(),
                    "period.PeriodEndDate": p.end.isoformat(),
                    "period.PeriodStatus": "C" if p.closed else "O",
                }
                for p in tenant.periods.values()
            ]
        if kind == "domains":
            return [{"domain.DomainCode": tenant.domain, "company.CompanyCode": tenant.entity}]
        return [
            {
                "company.CompanyCode": e.company,
                "journal.JournalCode": e.daybook,
                "posting.PostingYear": e.year,
                "posting.PostingPeriod": e.period,
                "posting.PostingVoucher": e.voucher,
                "posting.PostingDate": e.posting_date,
                "posting.PostingText": e.text,
                "posting.PostingSecondText": e.second_text,
                "postingline.PostingLineSequence": n,
                "gl.GLCode": line["glCode"],
                "costcentre.CostCentreCode": line.get("costCentreCode") or "",
                "division.DivisionCode": line.get("divisionCode") or "",
                "project.ProjectCode": line.get("projectCode") or "",
                "postingline.PostingLineDebitTC": line.get("postingLineDebitTC") or 0,
                "postingline.PostingLineCreditTC": line.get("postingLineCreditTC") or 0,
                "postingline.PostingLineText": line.get("postingLineText") or "",
            }
            for e in tenant.journals
            for n, line in enumerate(e.lines, start=1)
        ]


def _compare(value: Any, op: str, wanted: str) -> bool:
    if op in OPS:
        return bool(OPS[op](_text(value), wanted))
    if op not in ORDERED:
        raise BrowseError(f"Unknown filter operator '{op}'.")
    try:
        left, right = Decimal(str(value)), Decimal(wanted)
        return bool(ORDERED[op]((left > right) - (left < right)))
    except ArithmeticError:
        text = _text(value)
        return bool(ORDERED[op]((text > wanted) - (text < wanted)))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def apply_filters(rows: list[Row], filters: list[str]) -> list[Row]:
    for raw in filters:
        parts = raw.split(",")
        if len(parts) < 3:
            raise BrowseError(f"Filter '{raw}' must be field,op,value[,literal].")
        name, op, value = parts[0], parts[1], ",".join(parts[2:-1] if len(parts) > 3 else parts[2:])
        rows = [r for r in rows if name in r and _compare(r[name], op, value)]
    return rows


def page_of(rows: list[Row], page: str | None, page_size: str | None, action: str | None) -> list[Row]:
    """QAD's page rules: no ``page`` or no ``pageAction`` -> zero rows; ``first`` is page 1 [F/T, I]."""
    if not page or not action:
        return []
    size = max(1, min(int(page_size or 50), MAX_PAGE_SIZE))
    number = max(1, int(page))
    if action == "first":
        number = 1
    elif action == "last":
        number = max(1, -(-len(rows) // size))
    elif action not in ("next", "prev", "current"):
        return []
    return rows[(number - 1) * size : number * size]
