"""Read X12 interchanges: delimiters come from the ISA, CR/LF and indentation between segments are
tolerated, and envelope counts and control numbers are checked (problems name the segment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_connector.edi.delimiters import Delimiters
from ml_connector.edi.envelope import FUNCTIONAL_IDS
from ml_connector.edi.errors import X12EnvelopeError, X12SyntaxError
from ml_connector.edi.segments import EnvelopeProblem, FunctionalGroup, Interchange, Segment, TransactionSet

ISA_LENGTH = 106
_BETWEEN_SEGMENTS = "\r\n\t "


def read_interchange(data: str | bytes, *, strict: bool = True) -> Interchange:
    """Parse exactly one interchange (data after its IEA other than whitespace is a problem).

    strict: raise X12EnvelopeError when any envelope problem is found; with strict=False the
    problems are returned on `Interchange.problems` (what a 997 generator needs).
    """
    text = _decode(data)
    interchange, end = _parse_one(text, _skip_blank(text, 0))
    rest = _skip_blank(text, end)
    if rest < len(text):
        problem = EnvelopeProblem("IEA", interchange.segment_count, "DATA_AFTER_IEA", "data follows the IEA")
        interchange = interchange.with_problems((*interchange.problems, problem))
    if strict and interchange.problems:
        raise X12EnvelopeError(interchange.problems)
    return interchange


def read_interchanges(data: str | bytes, *, strict: bool = True) -> list[Interchange]:
    """Parse a payload holding one or more interchanges back to back (each with its own delimiters)."""
    text = _decode(data)
    found: list[Interchange] = []
    start = _skip_blank(text, 0)
    while start < len(text):
        interchange, end = _parse_one(text, start)
        if strict and interchange.problems:
            raise X12EnvelopeError(interchange.problems)
        found.append(interchange)
        start = _skip_blank(text, end)
    return found


def delimiters_from_isa(text: str) -> tuple[Delimiters, int]:
    """Delimiters of the ISA at the start of `text` and the index just past its terminator.

    The element separator is the 4th character; ISA16 (component separator) follows the 16th element
    separator and the segment terminator follows ISA16. Counting separators instead of fixed offsets
    also reads (and reports) an ISA that is not padded to 106 characters.
    """
    if not text.startswith("ISA") or len(text) < 4:
        raise X12SyntaxError(f"not an X12 interchange: expected 'ISA' at the start, found {text[:10]!r}")
    separator = text[3]
    index = 3
    for _ in range(15):
        index = text.find(separator, index + 1)
        if index < 0:
            raise X12SyntaxError("the ISA header is truncated: fewer than 16 element separators")
    if index + 2 >= len(text):
        raise X12SyntaxError("the ISA header is truncated: no component separator and segment terminator")
    component, terminator = text[index + 1], text[index + 2]
    isa_elements = text[: index + 1].split(separator)
    version, repetition = isa_elements[12], isa_elements[11]
    has_repetition = version >= "00403" and len(repetition) == 1 and not repetition.isalnum()
    try:
        delimiters = Delimiters(separator, component, terminator, repetition if has_repetition else None)
    except ValueError as exc:
        raise X12SyntaxError(f"the ISA declares unusable delimiters: {exc}") from exc
    return delimiters, index + 3


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.removeprefix("\ufeff")


def _skip_blank(text: str, index: int) -> int:
    while index < len(text) and text[index] in _BETWEEN_SEGMENTS:
        index += 1
    return index


@dataclass
class _Builder:
    """Mutable state while walking the segments of one interchange."""

    problems: list[EnvelopeProblem] = field(default_factory=list)
    groups: list[FunctionalGroup] = field(default_factory=list)
    group_header: Segment | None = None
    sets: list[TransactionSet] = field(default_factory=list)
    set_header: Segment | None = None
    body: list[Segment] = field(default_factory=list)

    def problem(self, segment: Segment, code: str, message: str) -> None:
        group = len(self.groups) if self.group_header is not None else None
        tset = len(self.sets) if self.set_header is not None else None
        self.problems.append(EnvelopeProblem(segment.tag, segment.position, code, message, group, tset))

    def close_set(self, trailer: Segment | None, at: Segment) -> None:
        header = self.set_header
        assert header is not None
        if trailer is None:
            self.problem(at, "MISSING_SE", f"transaction set {header.element(2)} has no SE before {at.tag}")
        else:
            count = len(self.body) + 2
            if trailer.element(1) != str(count):
                self.problem(trailer, "SE_COUNT", f"SE01 is {trailer.element(1)!r}; the set has {count} segments")
            if trailer.element(2) != header.element(2):
                self.problem(trailer, "SE_CONTROL", f"SE02 {trailer.element(2)!r} != ST02 {header.element(2)!r}")
        gs01 = self.group_header.element(1) if self.group_header else ""
        expected = FUNCTIONAL_IDS.get(header.element(1))
        if expected is not None and gs01 != expected:
            self.problem(header, "GS_ST_MISMATCH", f"ST01 {header.element(1)} belongs in a GS01 {expected} group")
        self.sets.append(TransactionSet(header, tuple(self.body), trailer))
        self.set_header, self.body = None, []

    def close_group(self, trailer: Segment | None, at: Segment) -> None:
        header = self.group_header
        assert header is not None
        if trailer is None:
            self.problem(at, "MISSING_GE", f"group {header.element(6)} has no GE before {at.tag}")
        else:
            if trailer.element(1) != str(len(self.sets)):
                self.problem(
                    trailer, "GE_COUNT", f"GE01 is {trailer.element(1)!r}; the group has {len(self.sets)} sets"
                )
            if trailer.element(2) != header.element(6):
                self.problem(trailer, "GE_CONTROL", f"GE02 {trailer.element(2)!r} != GS06 {header.element(6)!r}")
        self.groups.append(FunctionalGroup(header, tuple(self.sets), trailer))
        self.group_header, self.sets = None, []


def _parse_one(text: str, start: int) -> tuple[Interchange, int]:
    delimiters, isa_end = delimiters_from_isa(text[start:])
    segments: list[Segment] = []
    position, index = 0, start
    state = _Builder()
    header = trailer = None
    while index < len(text):
        end = text.find(delimiters.segment, index)
        raw = text[index : len(text) if end < 0 else end]
        index = len(text) if end < 0 else end + 1
        raw = raw.lstrip(_BETWEEN_SEGMENTS).rstrip("\r\n")
        if not raw:
            continue
        position += 1
        parts = raw.split(delimiters.element)
        segment = Segment(parts[0], tuple(parts[1:]), position)
        segments.append(segment)
        if header is None:
            header = segment
            if isa_end != ISA_LENGTH:
                state.problem(segment, "ISA_WIDTH", f"the ISA is {isa_end} characters; X12 fixes it at {ISA_LENGTH}")
            continue
        if segment.tag == "IEA":
            trailer = segment
            break
        _walk(state, segment)
    last = segments[-1]
    if state.set_header is not None:
        state.close_set(None, last)
    if state.group_header is not None:
        state.close_group(None, last)
    assert header is not None
    if trailer is None:
        state.problem(last, "MISSING_IEA", "the interchange has no IEA")
    else:
        if trailer.element(1) != str(len(state.groups)):
            state.problem(
                trailer, "IEA_COUNT", f"IEA01 is {trailer.element(1)!r}; there are {len(state.groups)} groups"
            )
        if trailer.element(2) != header.element(13):
            state.problem(trailer, "IEA_CONTROL", f"IEA02 {trailer.element(2)!r} != ISA13 {header.element(13)!r}")
    interchange = Interchange(header, tuple(state.groups), trailer, delimiters, tuple(state.problems), position)
    return interchange, index


def _walk(state: _Builder, segment: Segment) -> None:
    tag = segment.tag
    if state.set_header is not None:
        if tag == "SE":
            state.close_set(segment, segment)
            return
        if tag not in ("ST", "GE", "GS"):
            state.body.append(segment)
            return
        state.close_set(None, segment)
    if tag == "ST":
        if state.group_header is None:
            state.problem(segment, "UNEXPECTED_SEGMENT", "ST outside a functional group (no GS)")
        state.set_header = segment
    elif tag == "GE" and state.group_header is not None:
        state.close_group(segment, segment)
    elif tag == "GS":
        if state.group_header is not None:
            state.close_group(None, segment)
        state.group_header = segment
    elif tag != "TA1":
        state.problem(segment, "UNEXPECTED_SEGMENT", f"{tag} is not allowed outside a transaction set")
