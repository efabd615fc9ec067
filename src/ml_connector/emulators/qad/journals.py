"""Journal entries through the business-entity API (docs/PROTOCOLS.md (QAD)): create (voucher numbered
per entity + daybook + year), read by keys, update guarded by ``concurrencyHash``. Validation answers
HTTP 200 with ``submitResult.success=false`` and ``errors[{fieldName,message,severity,code,value}]``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ml_connector.emulators.qad.tenant import JournalEntry, Tenant

TEXT_LIMIT = 40  # PostingText / PostingSecondText character(40) [F]
COLLECTION = "journalEntries"


class Invalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def error(field: str, message: str, value: Any = "") -> dict[str, Any]:
    return {"fieldName": field, "message": message, "severity": 1, "code": "", "value": str(value)}


def _amount(line: dict[str, Any], name: str, n: int, errors: list[dict[str, Any]]) -> Decimal:
    try:
        value = Decimal(str(line.get(name) or 0))
    except InvalidOperation:
        errors.append(error(name, f"Line {n}: not a number.", line.get(name)))
        return Decimal(0)
    if value < 0:
        errors.append(error(name, f"Line {n}: amounts are positive; use the debit or the credit column.", value))
    return value


def validate(tenant: Tenant, body: dict[str, Any]) -> date:
    """Raise :class:`Invalid` with every problem found; return the posting date."""
    errors: list[dict[str, Any]] = []
    for name in ("postingText", "postingSecondText"):
        text = body.get(name) or ""
        if len(text) > TEXT_LIMIT:
            errors.append(error(name, f"Value exceeds the maximum length of {TEXT_LIMIT} characters.", text))
    daybook = tenant.daybooks.get(body.get("daybookCode") or "")
    if daybook is None or not daybook["JournalIsActive"]:
        errors.append(error("daybookCode", "Field is mandatory. (daybookCode)", body.get("daybookCode")))
    try:
        day = date.fromisoformat(str(body.get("postingDate", ""))[:10])
    except ValueError:
        raise Invalid([error("postingDate", "Field is mandatory. (postingDate)", body.get("postingDate"))]) from None
    year, period = int(body.get("postingYear") or day.year), int(body.get("postingPeriod") or day.month)
    found = tenant.periods.get((year, period))
    if found is None:
        errors.append(error("postingPeriod", f"GL period {year}/{period:02d} does not exist.", period))
    elif found.closed:
        errors.append(
            error("postingPeriod", f"GL period {year}/{period:02d} is closed for entity {tenant.entity}.", period)
        )
    lines = body.get("journalEntryLines") or []
    if not lines:
        errors.append(error("journalEntryLines", "A journal entry needs at least one line."))
    debit = credit = Decimal(0)
    for n, line in enumerate(lines, start=1):
        account = tenant.accounts.get(line.get("glCode") or "")
        if account is None or not account["GLIsActive"]:
            errors.append(error("glCode", f"Line {n}: Field is mandatory. (glCode)", line.get("glCode")))
        centre_code = line.get("costCentreCode") or ""
        centre = tenant.cost_centres.get(centre_code)
        if centre_code and (centre is None or not centre["CostCentreIsActive"]):
            errors.append(error("costCentreCode", f"Line {n}: Field is mandatory. (costCentreCode)", centre_code))
        d, c = _amount(line, "postingLineDebitTC", n, errors), _amount(line, "postingLineCreditTC", n, errors)
        if d and c:
            errors.append(error("postingLineDebitTC", f"Line {n}: enter a debit or a credit, not both.", d))
        debit, credit = debit + d, credit + c
    if debit != credit:
        errors.append(error("journalEntryLines", f"The journal entry is not balanced: debit {debit}, credit {credit}."))
    if errors:
        raise Invalid(errors)
    return day


def create(tenant: Tenant, body: dict[str, Any]) -> JournalEntry:
    with tenant.lock:
        day = validate(tenant, body)
        year, period = int(body.get("postingYear") or day.year), int(body.get("postingPeriod") or day.month)
        key = (tenant.entity, body["daybookCode"], year)
        tenant.vouchers[key] = tenant.vouchers.get(key, 0) + 1
        entry = JournalEntry(
            company=tenant.entity,
            daybook=body["daybookCode"],
            year=year,
            period=period,
            voucher=tenant.vouchers[key],
            posting_date=day.isoformat(),
            text=body.get("postingText") or "",
            second_text=body.get("postingSecondText") or "",
            lines=[_line(line) for line in body["journalEntryLines"]],
        )
        tenant.journals.append(entry)
        return entry


def _line(line: dict[str, Any]) -> dict[str, Any]:
    keep = ("glCode", "costCentreCode", "divisionCode", "projectCode", "currencyCode", "postingLineText")
    out = {k: line.get(k) or "" for k in keep}
    for name in ("postingLineDebitTC", "postingLineCreditTC"):
        out[name] = float(Decimal(str(line.get(name) or 0)))
    return out


def find(tenant: Tenant, company: str, year: int, daybook: str, voucher: int) -> JournalEntry | None:
    with tenant.lock:
        for entry in tenant.journals:
            if (entry.company, entry.year, entry.daybook, entry.voucher) == (company, year, daybook, voucher):
                return entry
    return None


def wire(entry: JournalEntry) -> dict[str, Any]:
    return {
        "uri": f"urn:be:com.qad.financials.generalledger.journalentry.IJournalEntry:"
        f"{entry.company}.{entry.year}.{entry.daybook}.{entry.voucher}",
        "companyCode": entry.company,
        "daybookCode": entry.daybook,
        "postingYear": entry.year,
        "postingPeriod": entry.period,
        "postingVoucher": entry.voucher,
        "postingDate": f"{entry.posting_date}T00:00:00.000Z",
        "postingText": entry.text,
        "postingSecondText": entry.second_text,
        "journalEntryLines": [dict(line) for line in entry.lines],
        "concurrencyHash": entry.concurrency_hash(),
        "changeStatus": "",
        "dataOperation": "",
    }


def update(tenant: Tenant, entry: JournalEntry, body: dict[str, Any]) -> JournalEntry:
    """Texts may change; the hash must be the current one (it rotates on every update [T])."""
    with tenant.lock:
        if body.get("concurrencyHash") != entry.concurrency_hash():
            raise Invalid(
                [
                    error(
                        "concurrencyHash",
                        "The record was changed by another user since you read it. Read it again.",
                        body.get("concurrencyHash"),
                    )
                ]
            )
        errors = [
            error(name, f"Value exceeds the maximum length of {TEXT_LIMIT} characters.", body.get(name))
            for name in ("postingText", "postingSecondText")
            if len(body.get(name) or "") > TEXT_LIMIT
        ]
        if errors:
            raise Invalid(errors)
        entry.text = body.get("postingText", entry.text) or ""
        entry.second_text = body.get("postingSecondText", entry.second_text) or ""
        entry.concurrency += 1
        return entry
