"""The emulated QAD tenant's master data: one domain/entity, a chart of accounts, cost centres (three
plants), daybooks and GL periods (one closed), plus the journal entries posted into it.

Field names follow the QAD Financials classes (BGL, BCostCentre, BJournalEntry; docs/PROTOCOLS.md (QAD)).
"""

from __future__ import annotations

import calendar
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# Natural account, description, type, cost-centre analysis (docs/PROTOCOLS.md (QAD) "analysis type").
ACCOUNTS: tuple[tuple[str, str, str, bool], ...] = (
    ("1000", "Cash at bank", "BALANCE", False),
    ("1100", "Accounts receivable control", "BALANCE", False),
    ("1200", "Raw materials inventory", "BALANCE", True),
    ("1210", "Work in progress", "BALANCE", True),
    ("1220", "Finished goods inventory", "BALANCE", True),
    ("1500", "Plant and machinery", "BALANCE", True),
    ("1510", "Accumulated depreciation", "BALANCE", True),
    ("2000", "Accounts payable control", "BALANCE", False),
    ("2100", "Accrued expenses", "BALANCE", False),
    ("2200", "Sales tax payable", "BALANCE", False),
    ("2300", "Payroll liabilities", "BALANCE", False),
    ("3000", "Common stock", "BALANCE", False),
    ("3100", "Retained earnings", "BALANCE", False),
    ("4000", "Sales - products", "PROFITLOSS", True),
    ("4010", "Sales - services", "PROFITLOSS", True),
    ("4100", "Sales returns and allowances", "PROFITLOSS", True),
    ("4200", "Freight recovered", "PROFITLOSS", True),
    ("5000", "Cost of goods sold", "PROFITLOSS", True),
    ("5100", "Direct labour", "PROFITLOSS", True),
    ("5200", "Manufacturing overhead", "PROFITLOSS", True),
    ("5300", "Purchase price variance", "PROFITLOSS", True),
    ("6000", "Salaries and wages", "PROFITLOSS", True),
    ("6100", "Utilities", "PROFITLOSS", True),
    ("6200", "Repairs and maintenance", "PROFITLOSS", True),
    ("6300", "Rent and leases", "PROFITLOSS", True),
    ("6400", "Freight out", "PROFITLOSS", True),
    ("6500", "Insurance", "PROFITLOSS", True),
    ("6600", "Travel", "PROFITLOSS", True),
    ("6700", "Supplies", "PROFITLOSS", True),
    ("6800", "Professional fees", "PROFITLOSS", True),
    ("6900", "Depreciation", "PROFITLOSS", True),
    ("7000", "Bank charges", "PROFITLOSS", True),
    ("7100", "Sundry expenses", "PROFITLOSS", True),
    ("9990", "Reconciliation memo offset", "STATISTICAL", False),
)
INACTIVE_ACCOUNTS = ("6950",)  # exists but blocked for posting
# Not in this chart on purpose: 5400 (purchase price variance), so a figure line on it parks.
COST_CENTRES: tuple[tuple[str, str, bool], ...] = (
    ("200", "Akron plant", True),
    ("300", "Tulsa plant", True),
    ("400", "Fresno plant", True),
    ("900", "Closed plant (Dayton)", False),
)
DAYBOOKS: tuple[tuple[str, str, str, bool], ...] = (
    ("RECON", "Reconciliation references (memo)", "JOURNALENTRIES", True),
    ("GLJ", "General journal", "JOURNALENTRIES", True),
    ("OLDMEMO", "Old memo daybook", "JOURNALENTRIES", False),
)


@dataclass
class Period:
    year: int
    period: int
    start: date
    end: date
    closed: bool = False

    @property
    def label(self) -> str:
        return f"{self.year}/{self.period:02d}"


@dataclass
class JournalEntry:
    """A posted journal entry (BJournalEntry header + tPostingLine rows), wire keys camelCase."""

    company: str
    daybook: str
    year: int
    period: int
    voucher: int
    posting_date: str
    text: str
    second_text: str
    lines: list[dict[str, Any]]
    concurrency: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def concurrency_hash(self) -> str:
        return f"{self.company}.{self.daybook}.{self.year}.{self.voucher}.{self.concurrency:06d}"


@dataclass
class Tenant:
    """All state of one emulated tenant (thread-safe through ``lock``)."""

    domain: str
    entity: str
    accounts: dict[str, dict[str, Any]]
    cost_centres: dict[str, dict[str, Any]]
    daybooks: dict[str, dict[str, Any]]
    periods: dict[tuple[int, int], Period]
    journals: list[JournalEntry] = field(default_factory=list)
    vouchers: dict[tuple[str, str, int], int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- test and demo controls (what a QAD administrator would do in the UI) -------------------
    def set_period_closed(self, year: int, period: int, closed: bool) -> None:
        with self.lock:
            self.periods[year, period].closed = closed

    def add_account(self, code: str, description: str = "", *, active: bool = True, cost_centre: bool = True) -> None:
        with self.lock:
            self.accounts[code] = _account(code, description or f"Account {code}", "PROFITLOSS", cost_centre, active)

    def add_cost_centre(self, code: str, description: str = "", *, active: bool = True) -> None:
        with self.lock:
            self.cost_centres[code] = _cost_centre(code, description or f"Cost centre {code}", active)

    def period_of(self, day: date) -> Period | None:
        return self.periods.get((day.year, day.month))

    def sums(self, *, exclude_accounts: tuple[str, ...] = ()) -> dict[tuple[str, str, str], Decimal]:
        """Debit minus credit per (account, cost centre, "YYYY/PP") over every posted entry."""
        out: dict[tuple[str, str, str], Decimal] = {}
        with self.lock:
            for entry in self.journals:
                for line in entry.lines:
                    if line["glCode"] in exclude_accounts:
                        continue
                    key = (line["glCode"], line.get("costCentreCode") or "", f"{entry.year}/{entry.period:02d}")
                    value = Decimal(str(line.get("postingLineDebitTC") or 0)) - Decimal(
                        str(line.get("postingLineCreditTC") or 0)
                    )
                    out[key] = out.get(key, Decimal(0)) + value
        return out


def _account(code: str, description: str, kind: str, cost_centre: bool, active: bool) -> dict[str, Any]:
    return {
        "GLCode": code,
        "GLDescription": description,
        "GLTypeCode": kind,
        "GLIsCostCentreAccount": cost_centre,
        "GLIsActive": active,
    }


def _cost_centre(code: str, description: str, active: bool) -> dict[str, Any]:
    return {"CostCentreCode": code, "CostCentreDescription": description, "CostCentreIsActive": active}


def seed_tenant(domain: str, entity: str, today: date, closed: list[tuple[int, int]] | None) -> Tenant:
    """Accounts, cost centres, daybooks; monthly periods from two years back to next year. Unless
    ``closed`` says otherwise, the one closed period is the month three before ``today``."""
    accounts = {code: _account(code, desc, kind, cc, True) for code, desc, kind, cc in ACCOUNTS}
    for code in INACTIVE_ACCOUNTS:
        accounts[code] = _account(code, "Obsolete expense", "PROFITLOSS", True, False)
    centres = {code: _cost_centre(code, desc, active) for code, desc, active in COST_CENTRES}
    daybooks = {
        code: {"JournalCode": code, "JournalDescription": desc, "JournalTypeCode": kind, "JournalIsActive": active}
        for code, desc, kind, active in DAYBOOKS
    }
    periods: dict[tuple[int, int], Period] = {}
    for year in range(today.year - 2, today.year + 2):
        for month in range(1, 13):
            end = date(year, month, calendar.monthrange(year, month)[1])
            periods[year, month] = Period(year, month, date(year, month, 1), end)
    if closed is None:
        year, month = today.year, today.month - 3
        if month < 1:
            year, month = year - 1, month + 12
        closed = [(year, month)]
    for key in closed:
        periods[key].closed = True
    return Tenant(domain, entity, accounts, centres, daybooks, periods)
