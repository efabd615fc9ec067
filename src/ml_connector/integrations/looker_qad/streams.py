"""The looker-qad declaration: one record stream of figure lines (figure x period x account x cost
centre [x sub-account x project]) and the pure functions that turn Looker rows into those lines.

A line's reference (written into QAD as ``PostingLineText`` and ``PostingSecondText``) is derived
from the line's identity, so the same line always finds its entries in QAD.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.integrations.looker_qad.settings import PERIOD_TEXT, FigureSettings

NAME = "looker-qad"
FIGURE_LINES = "figure_line"
ROLES = ("account", "cost_centre", "sub_account", "project")


def period_label(year: int, period: int) -> str:
    return f"{year}/{period:02d}"


def parse_period(text: str) -> tuple[int, int]:
    found = PERIOD_TEXT.match(text.strip())
    if not found:
        raise ValueError(f"'{text}' is not a period (use 2026-11)")
    return int(found.group(1)), int(found.group(2))


def line_id(figure: str, period: str, keys: Mapping[str, str]) -> str:
    """``figure|period|account|cost centre|sub-account|project``; over-long ids end in a hash."""
    text = "|".join([figure, period, *(keys[r] for r in ROLES)])
    if len(text) <= 200:
        return text
    return text[:150] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]


def split_line_id(value: str) -> tuple[str, str, dict[str, str]] | None:
    parts = value.split("|")
    if len(parts) != 2 + len(ROLES) or "~" in value:
        return None
    return parts[0], parts[1], dict(zip(ROLES, parts[2:], strict=True))


def reference(prefix: str, ident: str) -> str:
    """The line's reference in QAD: prefix + 12 hex characters (15 of PostingLineText's 40)."""
    return prefix + hashlib.sha256(ident.encode()).hexdigest()[:12].upper()


def _row_period(figure: FigureSettings, row: Mapping[str, Any]) -> str | None:
    cols = figure.columns
    raw = row.get(cols.period)
    try:
        if cols.year:
            return period_label(int(row[cols.year]), int(raw))  # type: ignore[arg-type]
        text = str(raw)
        if len(text) >= 10:
            day = date.fromisoformat(text[:10])
            return period_label(day.year, day.month)
        return period_label(*parse_period(text))
    except (KeyError, TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def figure_lines(
    figure: FigureSettings, rows: Iterable[Mapping[str, Any]], periods: set[str], *, max_code: int, prefix: str
) -> list[dict[str, Any]]:
    """Group a figure's result rows into lines for the wanted periods (amounts summed per key).

    A line keeps a ``problem`` (missing account, non-numeric amount, over-long code, unreadable period)
    instead of being dropped: the target parks it with that reason.
    """
    cols = figure.columns
    lines: dict[str, dict[str, Any]] = {}
    for row in rows:
        period = _row_period(figure, row)
        if period is not None and period not in periods:
            continue
        keys = {role: _text(row.get(getattr(cols, role) or "")) for role in ROLES}
        problems = [f"unreadable period {row.get(cols.period)!r}"] if period is None else []
        if not keys["account"]:
            problems.append(f"no GL account in column {cols.account}")
        problems += [
            f"{role.replace('_', ' ')} '{keys[role][:40]}...' is {len(keys[role])} characters (QAD allows {max_code})"
            for role in ROLES
            if len(keys[role]) > max_code
        ]
        try:
            amount = Decimal(str(row.get(cols.amount)))
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(f"amount {row.get(cols.amount)!r} in column {cols.amount} is not a number")
            amount = Decimal(0)
        ident = line_id(figure.name, period or "?", keys)
        line = lines.setdefault(ident, new_line(figure, period or "?", keys, prefix))
        line["amount"] = str(Decimal(line["amount"]) + amount)
        if problems:
            line["problem"] = "; ".join(sorted({*line["problem"].split("; "), *problems} - {""}))
    for line in lines.values():
        line["amount"] = str(Decimal(line["amount"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return list(lines.values())


def new_line(figure: FigureSettings, period: str, keys: Mapping[str, str], prefix: str) -> dict[str, Any]:
    ident = line_id(figure.name, period, keys)
    return {
        "line_id": ident,
        "figure": figure.name,
        "period": period,
        **keys,
        "amount": "0",
        "daybook": figure.daybook,
        "contra_account": figure.contra_account,
        "reference": reference(prefix, ident),
        "problem": "",
    }


def streams() -> list[StreamSpec]:
    return [
        StreamSpec(
            name=FIGURE_LINES,
            source="Looker figures",
            key=("line_id",),
            target="QAD journal entries",
            target_key=("reference",),
            mapper=dict,
            kind=StreamKind.FACT,  # parked lines are re-checked at the start of every run
        )
    ]
