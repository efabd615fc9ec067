"""Looker filter expressions -> SQL predicates, for string, number, date and yes/no fields.

Supported: exact values and comma lists, ``-x`` / ``NOT``, ``%`` wildcards, ``NULL`` / ``EMPTY``,
comparisons (``>=5``), ranges (``[a,b]``, ``(a,b)``, ``a to b``), ``AND`` chains, and dates
(``2026/01/01``, ``2026/01``, ``2026``, ``a to b``, ``after a``, ``before a``, ``today``,
``yesterday``, ``last N days``, ``N days``, ``this month``, ``this year``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from ml_connector.emulators.looker.errors import LookerApiError


class FilterError(LookerApiError):
    def __init__(self, field: str, value: str, why: str) -> None:
        super().__init__(400, f"Invalid filter on {field!r}: {value!r} ({why}). Use Looker filter syntax.")


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets; ``^`` escapes the next character (Looker's escape)."""
    parts, buf, depth, i = [], [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "^" and i + 1 < len(text):
            buf.append(ch + text[i + 1])
            i += 2
            continue
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def filter_predicate(expr: str, kind: str, value: str, field: str, today: date) -> str:
    """A SQL predicate for ``value`` applied to the SQL expression ``expr``."""
    value = value.strip()
    if value == "":
        return "1=1"
    if kind == "number":
        return _number(expr, value, field)
    if kind == "date":
        return _dates(expr, value, field, today)
    if kind == "yesno":
        return f"{expr} = {sql_literal('Yes' if value.lower() == 'yes' else 'No')}"
    return _string(expr, value)


def _combine(positive: list[str], negative: list[str]) -> str:
    pos = "(" + " OR ".join(positive) + ")" if positive else ""
    neg = " AND ".join(negative)
    return " AND ".join(p for p in (pos, neg) if p) or "1=1"


def _string(expr: str, value: str) -> str:
    positive: list[str] = []
    negative: list[str] = []
    for raw in split_top_level(value):
        neg = raw.startswith("-")
        item = raw[1:] if neg else raw
        null_test = item.upper() in ("NULL", "EMPTY")
        if item.upper() == "NULL":
            sql = f"{expr} IS NULL"
        elif item.upper() == "EMPTY":
            sql = f"({expr} IS NULL OR {expr} = '')"
        else:
            text = re.sub(r"\^(.)", r"\1", item)
            sql = f"{expr} LIKE {sql_literal(text)}" if "%" in text else f"{expr} = {sql_literal(text)}"
        if neg:
            # Looker's "is not" keeps NULL rows unless the test itself is about NULL/EMPTY.
            negative.append(f"NOT ({sql})" if null_test else f"({expr} IS NULL OR NOT ({sql}))")
        else:
            positive.append(sql)
    return _combine(positive, negative)


_RANGE = re.compile(r"^([\[(])\s*(\S+?)\s*,\s*(\S+?)\s*([\])])$")
_COMPARE = re.compile(r"^(>=|<=|!=|<>|>|<|=)\s*(\S+)$")


def _num(text: str, field: str, value: str) -> str:
    try:
        float(text)
    except ValueError:
        raise FilterError(field, value, f"{text!r} is not a number") from None
    return text


def _number(expr: str, value: str, field: str) -> str:
    positive: list[str] = []
    negative: list[str] = []
    for raw in split_top_level(value):
        parts = [p.strip() for p in re.split(r"\s+AND\s+", raw, flags=re.IGNORECASE)]
        clauses = []
        neg = False
        for part in parts:
            if part.upper().startswith("NOT "):
                neg, part = True, part[4:].strip()
            clauses.append(_number_clause(expr, part, field, value))
        clause = " AND ".join(clauses)
        if neg:
            negative.append(f"NOT ({clause})")
        else:
            positive.append(f"({clause})")
    return _combine(positive, negative)


def _number_clause(expr: str, part: str, field: str, value: str) -> str:
    if part.upper() == "NULL":
        return f"{expr} IS NULL"
    if m := _RANGE.match(part):
        low = ">=" if m.group(1) == "[" else ">"
        high = "<=" if m.group(4) == "]" else "<"
        a, b = _num(m.group(2), field, value), _num(m.group(3), field, value)
        return f"{expr} {low} {a} AND {expr} {high} {b}"
    if m := re.match(r"^(\S+)\s+to\s+(\S+)$", part, re.IGNORECASE):
        a, b = _num(m.group(1), field, value), _num(m.group(2), field, value)
        return f"{expr} >= {a} AND {expr} <= {b}"
    if m := _COMPARE.match(part):
        op = "<>" if m.group(1) == "!=" else m.group(1)
        return f"{expr} {op} {_num(m.group(2), field, value)}"
    return f"{expr} = {_num(part, field, value)}"


def _parse_day(text: str, field: str, value: str) -> tuple[date, date]:
    """A date literal as the half-open day/month/year interval it names."""
    text = text.strip().replace("-", "/")
    try:
        parts = [int(p) for p in text.split(" ")[0].split("/")]
    except ValueError:
        raise FilterError(field, value, f"{text!r} is not a date") from None
    try:
        if len(parts) == 3:
            start = date(*parts)
            return start, start + timedelta(days=1)
        if len(parts) == 2:
            start = date(parts[0], parts[1], 1)
            return start, _add_months(start, 1)
        if len(parts) == 1 and parts[0] > 999:
            return date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
    except ValueError:
        pass
    raise FilterError(field, value, f"{text!r} is not a date")


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _dates(expr: str, value: str, field: str, today: date) -> str:
    clauses: list[str] = []
    for raw in split_top_level(value):
        item = raw.strip()
        low = item.lower()
        neg = low.startswith("not ")
        if neg:
            item, low = item[4:].strip(), low[4:].strip()
        if low == "null":
            clause = f"{expr} IS NULL"
        else:
            start, end = _date_interval(low, item, field, value, today)
            parts = []
            if start is not None:
                parts.append(f"{expr} >= DATE '{start.isoformat()}'")
            if end is not None:
                parts.append(f"{expr} < DATE '{end.isoformat()}'")
            clause = " AND ".join(parts)
        clauses.append(f"NOT ({clause})" if neg else f"({clause})")
    return " OR ".join(clauses) if clauses else "1=1"


def _date_interval(low: str, item: str, field: str, value: str, today: date) -> tuple[date | None, date | None]:
    tomorrow = today + timedelta(days=1)
    if " to " in low:
        a, b = re.split(r"(?i)\s+to\s+", item, maxsplit=1)
        return _parse_day(a, field, value)[0], _parse_day(b, field, value)[0]
    if low.startswith("after "):
        return _parse_day(item[6:], field, value)[0], None
    if low.startswith("before "):
        return None, _parse_day(item[7:], field, value)[0]
    if low == "today":
        return today, tomorrow
    if low == "yesterday":
        return today - timedelta(days=1), today
    if m := re.match(r"^(?:last\s+)?(\d+)\s+days?$", low):
        return today - timedelta(days=int(m.group(1)) - 1), tomorrow
    if low == "this month":
        first = today.replace(day=1)
        return first, _add_months(first, 1)
    if low == "this year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    return _parse_day(item, field, value)


def today_from(clock_seconds: float) -> date:
    """The UTC calendar day of an epoch timestamp (relative date filters use the emulator clock)."""
    return datetime.fromtimestamp(clock_seconds, tz=UTC).date()
