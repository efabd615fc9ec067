"""Inputs every seeding step shares: seed, reference date, row counts, date formatting, rowversion."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .values import DateFormat, RowVersionCounter

Rows = list[tuple[object, ...]]  # row tuples in column order

DEFAULT_COUNTS: dict[str, int] = {
    "GenAnalysisCode": 12,
    "GenMaster": 150,
    "ApSupplier": 60,
    "InvWhControl": 4,
    "InvMaster": 600,
    "ArCustomer": 200,
    "GenTransaction": 5000,
    "ApInvoice": 800,
    "ArInvoice": 1500,
    "InvWarehouse": 2000,
    "SorMaster": 300,
    "PorMasterHdr": 120,
}
# Sized from their parents: one address per supplier, 1-5 lines per order.
DERIVED_TABLES = ("ApSupplierAddr", "SorDetail", "PorMasterDetail")


def resolve_counts(scale: dict[str, int] | None) -> dict[str, int]:
    counts = dict(DEFAULT_COUNTS)
    for name, value in (scale or {}).items():
        if name not in counts:
            allowed = ", ".join(sorted(counts))
            hint = f" ({name} is sized from its parent table)" if name in DERIVED_TABLES else ""
            raise ValueError(f"scale: cannot size {name!r}{hint}. Tables you can size: {allowed}.")
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"scale[{name!r}] must be a non-negative integer, not {value!r}.")
        counts[name] = value
    for name in ("GenAnalysisCode", "GenMaster", "ApSupplier", "InvWhControl", "InvMaster", "ArCustomer"):
        if counts[name] < 1:
            raise ValueError(f"scale[{name!r}] must be at least 1: facts need a dimension row to name.")
    warehouses = counts["InvWhControl"]
    counts["InvMaster"] = max(counts["InvMaster"], -(-counts["InvWarehouse"] // warehouses))
    return counts


@dataclass
class SeedContext:
    """Shared seeding inputs. ``rng(name)`` gives each table its own stream, so resizing one table
    leaves the others unchanged."""

    seed: int
    as_of: date
    dates: DateFormat
    rowversion: RowVersionCounter
    counts: dict[str, int]
    history_months: int = 15
    workdays: list[date] = field(default_factory=list)

    def __post_init__(self) -> None:
        year, month = self.as_of.year, self.as_of.month - (self.history_months - 1)
        while month < 1:
            year, month = year - 1, month + 12
        day, self.workdays = date(year, month, 1), []
        while day <= self.as_of:
            if day.weekday() < 5:
                self.workdays.append(day)
            day += timedelta(days=1)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def recent_workdays(self, days: int) -> list[date]:
        start = self.as_of - timedelta(days=days)
        return [d for d in self.workdays if d > start] or self.workdays[-1:]
