"""Acknowledgments a partner sends back: one 997 per received functional group (AK1/AK2/AK3/AK4/AK5/AK9,
commerce-sterling-x12.md §3.7) inside its own ISA/GS*FA envelope, or a TA1 when the interchange itself is unreadable.

Sender and receiver are swapped from the received interchange; the delimiters are the received ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ml_connector.emulators.sterling.x12_check import GroupVerdict, InterchangeVerdict
from ml_connector.emulators.sterling.x12_reader import Interchange


@dataclass(frozen=True)
class AckControls:
    """Control numbers the acknowledging partner assigns (its own sequences)."""

    interchange: int
    group: int


def build_997_interchange(verdict: InterchangeVerdict, controls: AckControls, at: datetime) -> bytes:
    """An interchange with one GS*FA group holding one 997 per received group."""
    ix = verdict.interchange
    gs = ix.groups[0].header
    delimiters = ix.element_separator + ix.component_separator + ix.segment_terminator
    sets = [_ack_set(group, number, delimiters) for number, group in enumerate(verdict.groups, start=1)]
    segments = [
        [
            "GS",
            "FA",
            gs.element(3),
            gs.element(2),
            at.strftime("%Y%m%d"),
            at.strftime("%H%M"),
            str(controls.group),
            "X",
            "004010",
        ],
        *[segment for ack in sets for segment in ack],
        ["GE", str(len(sets)), str(controls.group)],
    ]
    return _wrap(ix, controls.interchange, at, segments, groups=1)


def build_ta1_interchange(verdict: InterchangeVerdict, interchange_control: int, at: datetime) -> bytes:
    """A TA1 rejecting the interchange with the first note code (TA104 = R)."""
    ix = verdict.interchange
    isa = ix.isa
    ta1 = ["TA1", isa.element(13), isa.element(9), isa.element(10), "R", verdict.notes[0]]
    return _wrap(ix, interchange_control, at, [ta1], groups=0)


def _ack_set(group: GroupVerdict, number: int, delimiters: str) -> list[list[str]]:
    control = f"{number:04d}"
    body: list[list[str]] = [["ST", "997", control], ["AK1", group.functional_id, group.control]]
    for ts in group.sets:
        body.append(["AK2", ts.id_code, ts.control])
        for error in ts.segment_errors:
            body.append(_trim(["AK3", error.tag, str(error.position), "", error.code]))
            for element in error.elements:
                copy = _printable(element.copy, delimiters)[:99]
                body.append(_trim(["AK4", str(element.position), element.reference, element.code, copy]))
        body.append(["AK5", "A" if ts.accepted else "R", *ts.codes])
    received = len(group.sets)
    body.append(["AK9", group.code, str(group.declared), str(received), str(group.accepted_count), *group.codes])
    body.append(["SE", str(len(body) + 1), control])
    return body


def _wrap(ix: Interchange, control: int, at: datetime, segments: list[list[str]], *, groups: int) -> bytes:
    isa = ix.isa
    header = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        isa.element(7),
        isa.element(8).strip().ljust(15)[:15],
        isa.element(5),
        isa.element(6).strip().ljust(15)[:15],
        at.strftime("%y%m%d"),
        at.strftime("%H%M"),
        "U",
        "00401",
        f"{control:09d}",
        "0",
        isa.element(15) or "P",
        ix.component_separator,
    ]
    rows = [header, *segments, ["IEA", str(groups), f"{control:09d}"]]
    sep, term = ix.element_separator, ix.segment_terminator
    newline = "" if term == "\n" else "\n"
    return "".join(sep.join(row) + term + newline for row in rows).encode("ascii", errors="replace")


def _trim(row: list[str]) -> list[str]:
    """Trailing empty elements are never written (commerce-sterling-x12.md §3.1)."""
    while row and row[-1] == "":
        row.pop()
    return row


def _printable(value: str, delimiters: str) -> str:
    """AK404 is a copy of the bad element, minus anything that would break the 997's own syntax."""
    return "".join(ch for ch in value if ch.isprintable() and ch.isascii() and ch not in delimiters)
