"""The emulator's own small X12 reader: delimiters from the fixed-width ISA, segments, ISA/GS/ST nesting.

Written independently of ``ml_connector.edi`` on purpose (docs/ARCHITECTURE.md, Emulators): a bug shared by the
product's writer and the emulator's reader would otherwise hide itself. Facts: reference Part 3.1-3.3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ISA_LENGTH = 106
# 0-based offsets of the element separator inside the ISA
# (commerce-sterling-x12.md §3.2: positions 4, 7, 18, ... 1-based).
ISA_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)

# TA1 interchange note codes (TA105) used by this emulator.
NOTE_CONTROL_MISMATCH = "001"  # ISA13 differs from IEA02
NOTE_GROUP_COUNT = "021"  # IEA01 differs from the number of groups
NOTE_CONTROL_STRUCTURE = "022"  # segments outside GS/GE, bad nesting
NOTE_PREMATURE_END = "023"  # no IEA
NOTE_BAD_CONTENT = "024"  # unreadable ISA / delimiters


class NotX12Error(ValueError):
    """The content does not start with a readable ISA header."""


@dataclass(frozen=True)
class Segment:
    """One segment: ``elements[0]`` is the first data element (e.g. BEG01); ``position`` counts from ST = 1."""

    tag: str
    elements: tuple[str, ...]
    position: int = 0

    def element(self, number: int) -> str:
        """Element by its 1-based number (``BEG03`` -> 3); empty when absent."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""


@dataclass
class TransactionSet:
    header: Segment
    segments: list[Segment] = field(default_factory=list)  # ST .. SE inclusive, in order
    trailer: Segment | None = None


@dataclass
class FunctionalGroup:
    header: Segment
    sets: list[TransactionSet] = field(default_factory=list)
    trailer: Segment | None = None
    stray: list[Segment] = field(default_factory=list)  # segments outside any ST..SE


@dataclass
class Interchange:
    isa: Segment
    element_separator: str
    component_separator: str
    segment_terminator: str
    groups: list[FunctionalGroup] = field(default_factory=list)
    trailer: Segment | None = None
    notes: list[str] = field(default_factory=list)  # TA105 codes for interchange-level faults

    @property
    def control_number(self) -> str:
        return self.isa.element(13)


def looks_like_x12(content: bytes) -> bool:
    return content.lstrip()[:3] == b"ISA"


def read_interchange(content: bytes) -> Interchange:
    """Split an interchange into its envelope structure. Raises :class:`NotX12Error` without an ISA."""
    text = content.decode("latin-1").lstrip()
    if not text.startswith("ISA") or len(text) < ISA_LENGTH:
        raise NotX12Error("content does not start with a 106-character ISA segment")
    separator = text[3]
    component, terminator = text[104], text[105]
    delimiters = {separator, component, terminator}
    isa_ok = all(text[i] == separator for i in ISA_SEPARATOR_OFFSETS) and len(delimiters) == 3
    if not isa_ok or any(d.isalnum() for d in delimiters):
        raise NotX12Error("ISA separators are not at their fixed positions")
    raw_segments = [s.lstrip().rstrip("\r\n") for s in text.split(terminator)]
    segments = [s.split(separator) for s in raw_segments if s.strip()]
    isa = Segment("ISA", tuple(segments[0][1:]))
    interchange = Interchange(isa, separator, component, terminator)
    _nest(interchange, segments[1:])
    return interchange


def _nest(interchange: Interchange, rows: list[list[str]]) -> None:
    group: FunctionalGroup | None = None
    current: TransactionSet | None = None
    for row in rows:
        tag, elements = row[0].strip(), tuple(row[1:])
        if interchange.trailer is not None:
            interchange.notes.append(NOTE_CONTROL_STRUCTURE)
            break
        if tag == "IEA":
            interchange.trailer = Segment(tag, elements)
            group = current = None
        elif tag == "GS":
            group = FunctionalGroup(Segment(tag, elements))
            interchange.groups.append(group)
            current = None
        elif tag == "GE":
            if group is None:
                interchange.notes.append(NOTE_CONTROL_STRUCTURE)
            else:
                group.trailer = Segment(tag, elements)
            group = current = None
        elif group is None:
            interchange.notes.append(NOTE_CONTROL_STRUCTURE)
        elif tag == "ST":
            current = TransactionSet(Segment(tag, elements, 1))
            current.segments.append(current.header)
            group.sets.append(current)
        elif current is None:
            group.stray.append(Segment(tag, elements))
        else:
            segment = Segment(tag, elements, len(current.segments) + 1)
            current.segments.append(segment)
            if tag == "SE":
                current.trailer = segment
                current = None
    if interchange.trailer is None:
        interchange.notes.append(NOTE_PREMATURE_END)
