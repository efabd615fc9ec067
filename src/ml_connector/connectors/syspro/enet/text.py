"""Value rules for SYSPRO e.net documents: the Windows-1252 repertoire, XML-safe characters, field
widths (truncate descriptive text, refuse keys) and SYSPRO's number and date formats.

The rules are documented in this package's README ("e.net: value rules"); tests pin each one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

from ml_connector.connectors.syspro.enet.errors import SYSTEM, EnetDocumentInvalidError

UNMAPPABLE = "?"
_LINE_BREAKS = {"\t", "\n", "\r", "\v", "\f", "\x85", "\u2028", "\u2029"}


def to_cp1252(value: str) -> str:
    """Map ``value`` onto what a SYSPRO (Windows-1252 varchar) column can hold.

    1. NFC normalisation; 2. tabs and line breaks become one space each, other control characters
    are dropped (XML 1.0 cannot carry them); 3. a character outside Windows-1252 is replaced by the
    Windows-1252 characters of its compatibility decomposition when it has one ("ő" -> "o",
    "ﬁ" -> "fi", fullwidth "Ａ" -> "A"), otherwise by ``?`` (what SQL Server stores for it);
    4. leading and trailing spaces are removed (SYSPRO pads char columns, so they never survive).
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", value):
        if char in _LINE_BREAKS:
            out.append(" ")
        elif unicodedata.category(char) == "Cc":
            continue
        elif _in_cp1252(char):
            out.append(char)
        else:
            out.append(_fallback(char))
    return "".join(out).strip(" ")


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _fallback(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and _in_cp1252(c))
    kept = "".join(c for c in kept if unicodedata.category(c) != "Cc")
    return kept or UNMAPPABLE


class Overflow(Enum):
    """What to do with a value longer than its SYSPRO column."""

    TRUNCATE = "truncate"  # descriptive text: names, addresses, comments
    REFUSE = "refuse"  # keys and references we look objects up by: truncating would break lookups


@dataclass(frozen=True)
class FieldSpec:
    """A SYSPRO field: its element name, width in characters (= bytes in Windows-1252), overflow rule."""

    name: str
    width: int
    overflow: Overflow = Overflow.TRUNCATE


def fit(value: str | None, spec: FieldSpec, *, document: str) -> str:
    """Apply :func:`to_cp1252`, then the width rule (truncate and strip, or refuse)."""
    text = to_cp1252(value or "")
    if len(text) <= spec.width:
        return text
    if spec.overflow is Overflow.TRUNCATE:
        return text[: spec.width].rstrip(" ")
    raise refusal(
        document,
        f"{spec.name} is {len(text)} characters long but SYSPRO's field holds {spec.width} "
        f"(value starts {text[:40]!r}). Shorten it at the source or in the mapping",
    )


def refusal(document: str, why: str) -> EnetDocumentInvalidError:
    """The error for a document we refuse to send, naming the document and what to do."""
    return EnetDocumentInvalidError(f"Refused to send {document} to SYSPRO: {why}.", system=SYSTEM)


def to_decimal(value: Decimal | int | str | float, *, name: str, document: str) -> Decimal:
    """Coerce a number; refuse NaN, infinity, booleans and text that is not a number."""
    if isinstance(value, bool):
        raise refusal(document, f"{name} is a boolean, not a number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise refusal(document, f"{name} {value!r} is not a number") from None
    if not number.is_finite():
        raise refusal(document, f"{name} {value!r} is not a finite number")
    return number


def format_decimal(
    value: Decimal | int | str | float,
    *,
    precision: int,
    scale: int,
    name: str,
    document: str,
    allow_negative: bool = True,
) -> str:
    """SQL ``decimal(precision, scale)`` text: rounded half-up to ``scale`` places, plain notation
    (SYSPRO rejected a 15-significant-digit price as "not numeric", so never an exponent)."""
    number = to_decimal(value, name=name, document=document)
    rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if rounded < 0 and not allow_negative:
        raise refusal(document, f"{name} {number} is negative; SYSPRO needs zero or more here")
    integer_digits = len(str(abs(rounded).to_integral_value(rounding=ROUND_DOWN)).lstrip("0"))
    if integer_digits > precision - scale:
        raise refusal(document, f"{name} {number} does not fit SYSPRO's decimal({precision},{scale})")
    return f"{rounded:f}"


def parse_number(text: str | None) -> Decimal | None:
    """SYSPRO numbers arrive space- or zero-padded (``'       1'``, ``'000001'``)."""
    stripped = (text or "").strip()
    if not stripped:
        return None
    try:
        return Decimal(stripped)
    except InvalidOperation:
        return None


def format_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def parse_date(text: str | None) -> date | None:
    """``YYYY-MM-DD``; SYSPRO writes ``0000-00-00`` (or nothing) for an empty date."""
    stripped = (text or "").strip()
    if not stripped or stripped.startswith("0000"):
        return None
    return date.fromisoformat(stripped[:10])
