"""Syntax check of received transaction sets for the 997: envelope problems, mandatory segments,
and every element of the segments defined in elements.SEGMENTS (unknown segments are not judged)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml_connector.edi.ackcodes import ELEMENT_ERRORS, SEGMENT_ERRORS, SET_PROBLEM_CODES, describe
from ml_connector.edi.elements import SEGMENTS, check_value
from ml_connector.edi.segments import EnvelopeProblem, TransactionSet

# Segments a set cannot do without (bots' grammars mark them M / min 1).
REQUIRED_SEGMENTS = {"850": ("BEG", "PO1"), "810": ("BIG", "TDS"), "856": ("BSN", "HL"), "997": ("AK1", "AK9")}
TOO_MANY_ELEMENTS = "3"
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(frozen=True)
class ElementError:
    """AK4: element position (and component), AK403 code, a copy of the bad value."""

    position: int
    code: str
    bad_value: str = ""
    component: int | None = None
    reference: str = ""  # AK402 data element reference number, when known

    @property
    def text(self) -> str:
        return describe(ELEMENT_ERRORS, self.code)


@dataclass(frozen=True)
class SegmentError:
    """AK3: segment tag, position in the set (ST = 1), AK304 code, and its element errors."""

    tag: str
    position: int
    code: str
    elements: tuple[ElementError, ...] = ()
    loop: str = ""

    @property
    def text(self) -> str:
        return describe(SEGMENT_ERRORS, self.code)


@dataclass(frozen=True)
class SetReport:
    """Outcome of checking one transaction set: AK5 syntax codes and AK3/AK4 segment errors."""

    code: str
    control_number: str
    syntax_codes: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.syntax_codes and not self.segment_errors


def check_transaction_set(tset: TransactionSet, problems: tuple[EnvelopeProblem, ...] = ()) -> SetReport:
    """Check `tset`; `problems` are the reader's envelope problems for this set."""
    codes = [SET_PROBLEM_CODES[p.code] for p in problems if p.code in SET_PROBLEM_CODES]
    st01, st02 = SEGMENTS["ST"]
    if check_value(st01, tset.code) is not None:
        codes.append("6")
    elif tset.code not in REQUIRED_SEGMENTS:
        codes.append("1")
    if check_value(st02, tset.control_number) is not None:
        codes.append("7")
    errors: list[SegmentError] = []
    segments = tset.segments
    for index, segment in enumerate(segments[1:-1] if tset.trailer else segments[1:], 2):
        if not _TAG.fullmatch(segment.tag):
            errors.append(SegmentError(segment.tag[:3], index, "1"))
            continue
        element_errors = check_segment(segment.tag, segment.elements)
        if element_errors:
            errors.append(SegmentError(segment.tag, index, "8", element_errors))
    present = {segment.tag for segment in tset.body}
    for number, tag in enumerate(REQUIRED_SEGMENTS.get(tset.code, ())):
        if tag not in present:
            errors.append(SegmentError(tag, 2 if number == 0 else len(segments), "3"))
    if errors:
        codes.append("5")
    return SetReport(tset.code, tset.control_number, tuple(sorted(set(codes), key=int)), tuple(errors))


def check_segment(tag: str, elements: tuple[str, ...]) -> tuple[ElementError, ...]:
    """Element errors of one segment against its definition; () for segments not defined here."""
    defs = SEGMENTS.get(tag)
    if defs is None:
        return ()
    errors: list[ElementError] = []
    for defn in defs:
        value = elements[defn.position - 1] if defn.position <= len(elements) else ""
        problem = check_value(defn, value)
        if problem is not None:
            errors.append(ElementError(defn.position, problem[0], value))
    if len(elements) > len(defs):
        errors.append(ElementError(len(defs) + 1, TOO_MANY_ELEMENTS, elements[len(defs)]))
    return tuple(errors)
