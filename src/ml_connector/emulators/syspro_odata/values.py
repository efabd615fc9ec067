"""Wire representation of values: date strings, rowversion text, and coercion of mutation input.

Dates are stored already formatted for the wire (``2026-03-31T00:00:00Z``, or ``2026-03-31`` when the
emulator exposes ``Edm.Date``), so fixed-width strings compare and sort like the instants they name.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import InvalidRow
from .schema import Column

_PACK = struct.Struct(">Q").pack
_B2A = binascii.b2a_base64
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def rowversion_text(value: int) -> str:
    """Base64 of the 8-byte big-endian rowversion, as OData serialises Edm.Binary."""
    return _B2A(_PACK(value), newline=False).decode("ascii")


def rowversion_bytes(text: str) -> bytes:
    return base64.b64decode(text)


def parse_instant(text: str) -> datetime | None:
    """Parse an OData DateTimeOffset (``Z`` or ``+hh:mm``) or Date literal; None if neither."""
    m = _DATETIME.match(text)
    if m:
        y, mo, d, h, mi, s, frac, tz = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        offset = timedelta(0) if tz == "Z" else _offset(tz)
        naive = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)  # noqa: DTZ001
        return (naive - offset).replace(tzinfo=UTC)
    m = _DATE.match(text)
    if m:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
    return None


def _offset(tz: str) -> timedelta:
    sign = -1 if tz[0] == "-" else 1
    return sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))


class DateFormat:
    """Formats instants for the wire at the service's granularity (seconds, or days for Edm.Date)."""

    def __init__(self, date_type: str = "DateTimeOffset") -> None:
        if date_type not in ("DateTimeOffset", "Date"):
            raise ValueError(f"date_type must be 'DateTimeOffset' or 'Date', not {date_type!r}")
        self.date_type = date_type
        self._cache: dict[date, str] = {}

    def day(self, day: date) -> str:
        """Wire text of a calendar date at 00:00 UTC (cached: a few hundred distinct days)."""
        text = self._cache.get(day)
        if text is None:
            text = day.isoformat() if self.date_type == "Date" else f"{day.isoformat()}T00:00:00Z"
            self._cache[day] = text
        return text

    def instant(self, moment: datetime) -> str:
        moment = moment.astimezone(UTC)
        if self.date_type == "Date":
            return self.day(moment.date())
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def floor(self, moment: datetime) -> tuple[str, bool]:
        """Wire text of the latest storable instant <= moment, and whether it equals moment."""
        moment = moment.astimezone(UTC)
        if self.date_type == "Date":
            exact = moment.time() == datetime.min.time()
            return self.day(moment.date()), exact
        return self.instant(moment.replace(microsecond=0)), moment.microsecond == 0

    def ceil(self, moment: datetime) -> str:
        text, exact = self.floor(moment)
        if exact:
            return text
        step = timedelta(days=1) if self.date_type == "Date" else timedelta(seconds=1)
        return self.floor(moment + step)[0]

    def to_date(self, text: str) -> date:
        return date.fromisoformat(text[:10])


def coerce(column: Column, value: Any, dates: DateFormat, *, overlong: bool = False) -> Any:
    """Turn mutation input into the stored wire value of ``column``; raise InvalidRow if it cannot.
    ``overlong``: keep a string longer than the column (hostile-input tests; SQL Server would refuse it)."""
    where = f"column {column.name}"
    if value is None:
        if column.nullable:
            return None
        raise InvalidRow(f"{where} does not allow null; give a value.")
    if column.sql_type == "rowversion":
        raise InvalidRow(f"{where} is a rowversion set by the server; leave it out.")
    if column.kind == "str":
        if not isinstance(value, str):
            raise InvalidRow(f"{where} takes a string, got {value!r}.")
        if column.length is not None and len(value) > column.length and not overlong:
            raise InvalidRow(f"{where} is {column.sql_text}; {value!r} would be truncated.")
        return value.ljust(column.length or 0) if column.sql_type == "char" else value
    if column.kind == "num":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidRow(f"{where} takes a number, got {value!r}.")
        try:
            number = float(value)
        except ValueError:
            raise InvalidRow(f"{where} takes a number, got {value!r}.") from None
        return round(number) if column.scale == 0 else round(number, column.scale)
    return _coerce_date(where, value, dates)


def _coerce_date(where: str, value: Any, dates: DateFormat) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRow(f"{where}: give an aware datetime (UTC), not a naive one.")
        return dates.instant(value)
    if isinstance(value, date):
        return dates.day(value)
    if isinstance(value, str):
        moment = parse_instant(value)
        if moment is not None:
            return dates.instant(moment)
    raise InvalidRow(f"{where} takes a date like 2026-03-31 or 2026-03-31T00:00:00Z, got {value!r}.")


class RowVersionCounter:
    """SQL Server ``rowversion``: one counter per database, bumped by every insert and update."""

    def __init__(self, start: int = 2000) -> None:
        self.value = start

    def next(self) -> str:
        self.value += 1
        return rowversion_text(self.value)
