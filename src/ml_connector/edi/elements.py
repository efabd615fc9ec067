"""X12 004010 element definitions (requirement, type, min/max length) for the segments of the
envelope, 850, 810, 856 and 997, and the checks a value must pass for its element."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# One entry per element: "<M|C> <type> <min>-<max>". Types: AN string, ID code, DT date CCYYMMDD,
# TM time HHMM[SS[d[d]]], R decimal with explicit point, N0 integer, N2 implied 2 decimals,
# CM composite (components are not checked here). Lengths of numbers count digits only.
_PRODUCT_PAIR = "C ID 2-2, C AN 1-48, "
_SEGMENTS_SPEC: dict[str, str] = {
    "GS": "M ID 2-2, M AN 2-15, M AN 2-15, M DT 8-8, M TM 4-8, M N0 1-9, M ID 1-2, M AN 1-12",
    "ST": "M ID 3-3, M AN 4-9",
    "SE": "M N0 1-10, M AN 4-9",
    "GE": "M N0 1-6, M N0 1-9",
    "IEA": "M N0 1-5, M N0 9-9",
    "BEG": "M ID 2-2, M ID 2-2, M AN 1-22, C AN 1-30, M DT 8-8, C AN 1-30, C ID 2-2, C ID 3-3, " + "C ID 2-2, " * 4,
    "CUR": "M ID 2-3, M ID 3-3, C R 4-10, C ID 2-3, C ID 3-3, C ID 3-3, " + "C ID 3-3, C DT 8-8, C TM 4-8, " * 5,
    "REF": "M ID 2-3, C AN 1-30, C AN 1-80, C CM 1-1",
    "PER": "M ID 2-2, C AN 1-60, C ID 2-2, C AN 1-80, C ID 2-2, C AN 1-80, C ID 2-2, C AN 1-80, C AN 1-20",
    "DTM": "M ID 3-3, C DT 8-8, C TM 4-8, C ID 2-2, C ID 2-3, C AN 1-35",
    "N1": "M ID 2-3, C AN 1-60, C ID 1-2, C AN 2-80, C ID 2-2, C ID 2-3",
    "N2": "M AN 1-60, C AN 1-60",
    "N3": "M AN 1-55, C AN 1-55",
    "N4": "C AN 2-30, C ID 2-2, C ID 3-15, C ID 2-3, C ID 1-2, C AN 1-30",
    "PO1": "C AN 1-20, C R 1-15, C ID 2-2, C R 1-17, C ID 2-2, " + _PRODUCT_PAIR * 10,
    "PID": "M ID 1-1, C ID 2-3, C ID 2-2, C AN 1-12, C AN 1-80, C ID 2-2, C AN 1-15, C ID 1-1, C ID 2-3",
    "PO4": "C N0 1-6, C R 1-8, C ID 2-2, C ID 3-5, C ID 1-2, C R 1-9, C ID 2-2, C R 1-9, C ID 2-2, "
    "C R 1-8, C R 1-8, C R 1-8, C ID 2-2, C N0 1-6, C ID 2-2, C AN 1-20, C AN 1-20, C N0 1-9",
    "CTT": "M N0 1-6, C R 1-10, C R 1-10, C ID 2-2, C R 1-8, C ID 2-2, C AN 1-80",
    "AMT": "M ID 1-3, M R 1-18, C ID 1-1",
    "BIG": "M DT 8-8, M AN 1-22, C DT 8-8, C AN 1-22, C AN 1-30, C AN 1-8, C ID 2-2, C ID 2-2, C ID 1-2, C AN 1-22",
    "ITD": "C ID 2-2, C ID 1-2, C R 1-6, C DT 8-8, C N0 1-3, C DT 8-8, C N0 1-3, C N2 1-10, C DT 8-8, "
    "C N2 1-10, C R 1-5, C AN 1-80, C N0 1-2, C ID 1-2, C R 1-10",
    "IT1": "C AN 1-20, C R 1-10, C ID 2-2, C R 1-17, C ID 2-2, " + _PRODUCT_PAIR * 10,
    "TDS": "M N2 1-15, C N2 1-15, C N2 1-15, C N2 1-15",
    "TXI": "M ID 2-2, C R 1-18, C R 1-10, C ID 1-2, C AN 1-10, C ID 1-1, C ID 1-1, C R 1-9, C AN 1-20, C AN 1-20",
    "SAC": "M ID 1-1, C ID 4-4, C ID 2-2, C AN 1-10, C N2 1-15, C ID 1-1, C R 1-6, C R 1-9, C ID 2-2, "
    "C R 1-15, C R 1-15, C ID 2-2, C AN 1-30, C AN 1-20, C AN 1-80, C ID 2-3",
    "CAD": "C ID 1-2, C AN 1-4, C AN 1-10, C ID 2-4, C AN 1-35, C ID 2-2, C ID 2-3, C AN 1-30, C ID 1-2",
    "ISS": "C R 1-10, C ID 2-2, C R 1-10, C ID 2-2, C R 1-8, C ID 2-2, C R 1-15, C R 1-10",
    "NTE": "C ID 3-3, M AN 1-80",
    "FOB": "M ID 2-2, C ID 1-2, C AN 1-80, C ID 2-2, C ID 3-3, C ID 1-2, C AN 1-80, C ID 2-2, C AN 1-80",
    "BSN": "M ID 2-2, M AN 2-30, M DT 8-8, M TM 4-8, C ID 4-4, C ID 2-2, C ID 3-3",
    "HL": "M AN 1-12, C AN 1-12, M ID 1-2, C ID 1-1",
    "TD1": "C AN 3-5, C N0 1-7, C ID 1-1, C AN 1-30, C AN 1-50, C ID 1-2, C R 1-10, C ID 2-2, C R 1-8, C ID 2-2",
    "TD5": "C ID 1-2, C ID 1-2, C AN 2-80, C ID 1-2, C AN 1-35, C ID 2-2, C ID 1-2, C AN 1-30, "
    "C ID 2-2, C ID 2-2, C R 1-4, C ID 2-2, C ID 2-2, C ID 2-2, C ID 2-3",
    "TD3": "C ID 2-2, C AN 1-4, C AN 1-10, C ID 1-2, C R 1-10, C ID 2-2, C ID 1-1, C ID 2-2, C AN 2-15, C ID 4-4",
    "PRF": "M AN 1-22, C AN 1-30, C AN 1-8, C DT 8-8, C AN 1-20, C AN 1-30, C ID 2-2",
    "MAN": "M ID 1-2, M AN 1-48, C AN 1-48, C ID 1-2, C AN 1-48, C AN 1-48",
    "LIN": "C AN 1-20, M ID 2-2, M AN 1-48, " + _PRODUCT_PAIR * 14,
    "SN1": "C AN 1-20, M R 1-10, M ID 2-2, C R 1-15, C R 1-15, C ID 2-2, C ID 1-2, C ID 2-2",
    "AK1": "M ID 2-2, M N0 1-9",
    "AK2": "M ID 3-3, M AN 4-9",
    "AK3": "M ID 2-3, M N0 1-6, C AN 1-6, C ID 1-3",
    "AK4": "M CM 1-1, C N0 1-4, M ID 1-3, C AN 1-99",
    "AK5": "M ID 1-1" + ", C ID 1-3" * 5,
    "AK9": "M ID 1-1, M N0 1-6, M N0 1-6, M N0 1-6" + ", C ID 1-3" * 5,
}

# Free-text elements (names, descriptions, addresses, routings): the only ones the writer may cut.
FREE_TEXT: frozenset[tuple[str, int]] = frozenset({
    ("REF", 3), ("PER", 2), ("N1", 2), ("N2", 1), ("N2", 2), ("N3", 1), ("N3", 2), ("N4", 1),
    ("PID", 5), ("ITD", 12), ("SAC", 15), ("CAD", 5), ("NTE", 2), ("TD1", 5), ("TD5", 5),
    ("AK4", 4),
})  # fmt: skip


@dataclass(frozen=True)
class ElementDef:
    """One element of a segment: position (1-based), requirement, type and length bounds."""

    segment: str
    position: int
    mandatory: bool
    type: str
    min_length: int
    max_length: int

    @property
    def name(self) -> str:
        return f"{self.segment}{self.position:02d}"

    @property
    def free_text(self) -> bool:
        return (self.segment, self.position) in FREE_TEXT


def _parse(segment: str, spec: str) -> tuple[ElementDef, ...]:
    defs = []
    for position, item in enumerate(filter(None, (part.strip() for part in spec.split(","))), 1):
        req, kind, bounds = item.split()
        low, high = bounds.split("-")
        defs.append(ElementDef(segment, position, req == "M", kind, int(low), int(high)))
    return tuple(defs)


SEGMENTS: dict[str, tuple[ElementDef, ...]] = {tag: _parse(tag, spec) for tag, spec in _SEGMENTS_SPEC.items()}

# AK403 codes (X12 element 723) used for the problems found below.
MANDATORY_MISSING, TOO_SHORT, TOO_LONG, INVALID_CHARACTER, INVALID_DATE, INVALID_TIME = (
    "1", "4", "5", "6", "8", "9",
)  # fmt: skip
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(\d+\.?\d*|\.\d+)")
_TIME_LENGTHS = (4, 6, 7, 8)


def check_value(defn: ElementDef, value: str) -> tuple[str, str] | None:
    """Return (AK403 code, explanation) when `value` breaks `defn`, else None. Empty = absent."""
    if value == "":
        return (MANDATORY_MISSING, "is mandatory but empty") if defn.mandatory else None
    if defn.type == "CM":
        return None
    if not value.isprintable():
        return INVALID_CHARACTER, "contains a control character"
    kind = defn.type
    if kind in ("N0", "N2", "R"):
        pattern = _DECIMAL if kind == "R" else _INTEGER
        if not pattern.fullmatch(value):
            expected = "a decimal number" if kind == "R" else "an integer (implied decimals)"
            return INVALID_CHARACTER, f"{value!r} is not {expected} ({kind})"
        length = sum(c.isdigit() for c in value)
    else:
        length = len(value)
    if length > defn.max_length:
        return TOO_LONG, f"is {length} characters long; the maximum is {defn.max_length}"
    if length < defn.min_length:
        return TOO_SHORT, f"is {length} characters long; the minimum is {defn.min_length}"
    if kind == "DT" and not _valid_date(value):
        return INVALID_DATE, f"{value!r} is not a valid CCYYMMDD date"
    if kind == "TM" and not _valid_time(value):
        return INVALID_TIME, f"{value!r} is not a valid HHMM[SS[d[d]]] time"
    return None


def _valid_date(value: str) -> bool:
    if not (value.isdigit() and len(value) == 8):
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def _valid_time(value: str) -> bool:
    if not value.isdigit() or len(value) not in _TIME_LENGTHS:
        return False
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60
