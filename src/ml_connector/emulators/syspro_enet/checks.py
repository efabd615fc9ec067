"""Field validation shared by the emulator's business objects: required values, Windows-1252
storage, column widths, numbers, dates. Each failure becomes a Value/ErrorNumber/ErrorDescription."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet.schema import TABLES
from ml_connector.emulators.syspro_enet.xmlio import as_cp1252, field_error, number, text_of

# [I] error numbers: SYSPRO's real numbers for these messages are not public.
E_REQUIRED = 100001
E_TOO_LONG = 100004
E_NOT_NUMERIC = 100005
E_NOT_FOUND = 100010
E_NEGATIVE = 100011
E_DATE = 100012
E_EXISTS = 100015
E_PERIOD = 100020
E_BALANCE = 100030
E_UNSUPPORTED = 100040
E_ON_HOLD = 100050


@dataclass
class Problem:
    tag: str
    value: str
    number: int
    description: str


@dataclass
class Checker:
    """Collects problems while reading one item of a document."""

    overlong: str = "error"
    problems: list[Problem] = field(default_factory=list)

    def fail(self, tag: str, value: str, number_: int, description: str) -> None:
        self.problems.append(Problem(tag, value[:100], number_, description))

    def text(self, elem: Element | None, tag: str, table: str, column: str, *, required: bool = False) -> str | None:
        """The stored form of a text field: None when absent, else cp1252-mapped and width-checked."""
        raw = text_of(elem, tag)
        if not raw:
            if required:
                self.fail(tag, "", E_REQUIRED, f"{tag} is required")
            return raw
        stored = as_cp1252(raw)
        width = TABLES[table][1][column].width
        if len(stored) > width:
            if self.overlong == "truncate":
                return stored[:width]
            self.fail(tag, raw, E_TOO_LONG, f"{tag} exceeds the maximum length of {width} characters")
            return None
        return stored

    def amount(
        self,
        elem: Element | None,
        tag: str,
        *,
        scale: int,
        precision: int,
        required: bool = False,
        negative: bool = True,
    ) -> Decimal | None:
        raw = text_of(elem, tag)
        if not raw:
            if required:
                self.fail(tag, "", E_REQUIRED, f"{tag} is required")
            return None
        value = number(raw)
        digits = raw.strip().lstrip("+-").replace(".", "").lstrip("0")
        if value is None or len(digits) > 15:
            self.fail(tag, raw, E_NOT_NUMERIC, f"{tag} '{raw[:30]}' is not numeric")
            return None
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if places > scale or abs(value) >= Decimal(10) ** (precision - scale):
            self.fail(tag, raw, E_NOT_NUMERIC, f"{tag} '{raw[:30]}' does not fit decimal({precision},{scale})")
            return None
        if value < 0 and not negative:
            self.fail(tag, raw, E_NEGATIVE, f"{tag} may not be negative")
            return None
        return value

    def day(self, elem: Element | None, tag: str) -> date | None:
        raw = text_of(elem, tag)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(tag, raw, E_DATE, f"{tag} '{raw[:20]}' is not a valid date (YYYY-MM-DD)")
            return None

    def attach(self, parent: Element) -> None:
        """Write the problems as SYSPRO's field error elements under ``parent``."""
        for problem in self.problems:
            field_error(parent, problem.tag, problem.value, problem.number, problem.description)
