"""Cursor rules (ARCHITECTURE.md invariant 5): which window a poll reads, and where the cursor goes next.

Three precisions, each with its own rule:

* ``date``: the column holds dates, not instants (SYSPRO JnlDate, InvoiceDate). The stored value is the
  latest date read, never past today (UTC). A poll reads ``column >= stored - lookback`` with no upper
  bound, so the current day is re-read on every poll; unchanged rows are skipped by content hash.
* ``instant``: the stored value is the exclusive upper bound of the last window. A poll reads
  ``stored - lookback <= column < now - lag``; the lag keeps rows that are still being written out.
* ``rowversion``: SQL Server rowversion (SYSPRO ``TimeStamp``). A poll reads ``column > stored - lookback``
  (counted in versions); the stored value is the highest version read.

Ties at a window edge are harmless by construction: lower bounds are inclusive and the engine skips a
row whose (key, content hash) it has already handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class Precision(StrEnum):
    DATE = "date"
    INSTANT = "instant"
    ROWVERSION = "rowversion"


@dataclass(frozen=True)
class CursorSpec:
    """How one stream is polled incrementally."""

    column: str
    precision: Precision
    lookback: timedelta = timedelta(days=1)
    lag: timedelta = timedelta(minutes=2)
    lookback_versions: int = 0


@dataclass(frozen=True)
class Window:
    """The slice of a source table one poll reads. ``None`` bounds are open."""

    column: str
    precision: Precision
    lower: date | datetime | int | None = None  # inclusive for date/instant, exclusive for rowversion
    upper: datetime | None = None  # exclusive; instants only

    def describe(self) -> str:
        low = "start" if self.lower is None else str(self.lower)
        high = "now" if self.upper is None else str(self.upper)
        return f"{self.column} from {low} to {high}"


def plan_window(spec: CursorSpec, stored: str | None, now: datetime) -> Window:
    """The window to read given the stored cursor value (None on a first or full-refresh run)."""
    _require_utc(now)
    if spec.precision is Precision.DATE:
        lower_date = None if stored is None else date.fromisoformat(stored) - _whole_days(spec.lookback)
        return Window(spec.column, spec.precision, lower=lower_date)
    if spec.precision is Precision.INSTANT:
        upper = now - spec.lag
        lower_instant = None if stored is None else parse_instant(stored) - spec.lookback
        if lower_instant is not None and lower_instant > upper:
            lower_instant = upper
        return Window(spec.column, spec.precision, lower=lower_instant, upper=upper)
    lower_version = None if stored is None else max(0, int(stored) - spec.lookback_versions)
    return Window(spec.column, spec.precision, lower=lower_version)


def next_cursor(
    spec: CursorSpec,
    stored: str | None,
    window: Window,
    max_seen: date | datetime | int | None,
    now: datetime,
) -> str | None:
    """The value to store once every record of ``window`` is delivered or durably parked."""
    _require_utc(now)
    if spec.precision is Precision.DATE:
        today = now.astimezone(UTC).date()
        candidates = [date.fromisoformat(stored)] if stored else []
        if max_seen is not None:
            seen = max_seen.date() if isinstance(max_seen, datetime) else max_seen
            candidates.append(min(_as_date(seen), today))
        return max(candidates).isoformat() if candidates else None
    if spec.precision is Precision.INSTANT:
        assert window.upper is not None
        previous = parse_instant(stored) if stored else None
        upper = window.upper if previous is None else max(previous, window.upper)
        return format_instant(upper)
    versions = [int(stored)] if stored else []
    if max_seen is not None:
        versions.append(int(max_seen))  # type: ignore[arg-type]
    return str(max(versions)) if versions else None


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"Cursor instant {text!r} has no time zone; cursors are UTC.")
    return value.astimezone(UTC)


def format_instant(value: datetime) -> str:
    _require_utc(value)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_date(value: date | datetime | int) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"A date cursor cannot take {value!r}.")


def _whole_days(delta: timedelta) -> timedelta:
    return timedelta(days=max(0, delta.days + (1 if delta.seconds or delta.microseconds else 0)))


def _require_utc(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("Naive datetime in cursor code: pass timezone-aware UTC values.")
