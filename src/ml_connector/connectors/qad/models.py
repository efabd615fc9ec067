"""Pydantic models of what crosses the QAD wire: tokens, browse rows turned into master data, journal
entries (BJournalEntry + tPostingLine, camelCase on the wire [I]) and submitResult errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TokenResponse(BaseModel):
    """``POST /oauth/token`` success body (docs/PROTOCOLS.md (QAD))."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - a scheme name
    refresh_token: str | None = None
    expires_in: int = 3600


class SubmitError(BaseModel):
    model_config = ConfigDict(extra="allow")

    fieldName: str = ""
    message: str = ""
    severity: int | str | None = None
    code: str | None = None
    value: str | None = None

    def describe(self) -> str:
        where = f" [{self.fieldName}" + (f"={self.value}" if self.value else "") + "]" if self.fieldName else ""
        return f"{self.message}{where}"


class GlAccount(BaseModel):
    code: str
    description: str = ""
    active: bool = True
    cost_centre_analysis: bool = False


class CostCentre(BaseModel):
    code: str
    description: str = ""
    active: bool = True


class Daybook(BaseModel):
    code: str
    description: str = ""
    kind: str = ""
    active: bool = True


class GlPeriod(BaseModel):
    year: int
    period: int
    start: date
    end: date
    closed: bool

    @property
    def label(self) -> str:
        return f"{self.year}/{self.period:02d}"


class JournalEntryLine(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    gl_code: str = Field(alias="glCode")
    cost_centre: str = Field(default="", alias="costCentreCode")
    division: str = Field(default="", alias="divisionCode")  # QAD's sub-account
    project: str = Field(default="", alias="projectCode")
    debit: Decimal = Field(default=Decimal(0), alias="postingLineDebitTC")
    credit: Decimal = Field(default=Decimal(0), alias="postingLineCreditTC")
    text: str = Field(default="", alias="postingLineText")

    def wire(self) -> dict[str, Any]:
        out = self.model_dump(by_alias=True)
        out["postingLineDebitTC"] = float(self.debit)
        out["postingLineCreditTC"] = float(self.credit)
        return out


class JournalEntry(BaseModel):
    """A journal entry; ``voucher`` is 0 on create (QAD numbers it per entity + daybook + year [F])."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    company: str = Field(default="", alias="companyCode")
    daybook: str = Field(alias="daybookCode")
    year: int = Field(alias="postingYear")
    period: int = Field(alias="postingPeriod")
    voucher: int = Field(default=0, alias="postingVoucher")
    posting_date: str = Field(alias="postingDate")
    text: str = Field(default="", alias="postingText")
    second_text: str = Field(default="", alias="postingSecondText")
    lines: list[JournalEntryLine] = Field(default_factory=list, alias="journalEntryLines")
    concurrency_hash: str = Field(default="", alias="concurrencyHash")

    @property
    def key(self) -> str:
        """Our target reference: ``entity/year/daybook/voucher``."""
        return f"{self.company}/{self.year}/{self.daybook}/{self.voucher}"

    def wire(self) -> dict[str, Any]:
        out = self.model_dump(by_alias=True, exclude={"lines"})
        out["journalEntryLines"] = [line.wire() for line in self.lines]
        out["changeStatus"], out["dataOperation"] = ("2", "C") if not self.voucher else ("", "")
        return out


class PostedLine(BaseModel):
    """One row of the journal-entry-lines browse: a posted line with its header's keys and texts."""

    company: str
    daybook: str
    year: int
    period: int
    voucher: int
    text: str
    second_text: str
    gl_code: str
    cost_centre: str
    division: str
    project: str
    debit: Decimal
    credit: Decimal
    line_text: str

    @property
    def entry_key(self) -> str:
        return f"{self.company}/{self.year}/{self.daybook}/{self.voucher}"

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit
