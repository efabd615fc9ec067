"""Syntax checks a receiving partner runs before acknowledging: envelope control numbers and counts,
transaction-set trailers, required / unknown / repeated segments, element presence, length and type.

Results carry the 997 error codes directly (AK304, AK403, AK5, AK9; commerce-sterling-x12.md §3.7) and TA1 note codes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ml_connector.emulators.sterling.x12_reader import (
    NOTE_CONTROL_MISMATCH,
    NOTE_GROUP_COUNT,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
)
from ml_connector.emulators.sterling.x12_rules import KNOWN_SEGMENT_IDS, SEGMENTS, SETS, ElementRule

_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(\d+\.?\d*|\.\d+)")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class ElementError:
    position: int  # AK401
    reference: str  # AK402
    code: str  # AK403
    copy: str = ""  # AK404


@dataclass
class SegmentError:
    tag: str  # AK301
    position: int  # AK302
    code: str  # AK304
    elements: list[ElementError] = field(default_factory=list)


@dataclass
class SetVerdict:
    id_code: str
    control: str
    segment_errors: list[SegmentError] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # AK502..AK506

    @property
    def accepted(self) -> bool:
        return not self.codes and not self.segment_errors


@dataclass
class GroupVerdict:
    functional_id: str
    control: str
    declared: int
    sets: list[SetVerdict] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # AK905..AK909

    @property
    def accepted_count(self) -> int:
        return 0 if self.codes else sum(1 for s in self.sets if s.accepted)

    @property
    def code(self) -> str:
        if self.codes or self.accepted_count == 0:
            return "R"
        return "A" if self.accepted_count == len(self.sets) else "P"


@dataclass
class InterchangeVerdict:
    interchange: Interchange
    notes: list[str]
    groups: list[GroupVerdict]

    @property
    def accepted(self) -> bool:
        return not self.notes and all(g.code == "A" for g in self.groups)


def check_interchange(interchange: Interchange) -> InterchangeVerdict:
    notes = list(dict.fromkeys(interchange.notes))
    trailer = interchange.trailer
    if trailer is not None:
        if trailer.element(2) != interchange.control_number:
            notes.append(NOTE_CONTROL_MISMATCH)
        if trailer.element(1) != str(len(interchange.groups)):
            notes.append(NOTE_GROUP_COUNT)
    groups = [_check_group(g, interchange.component_separator) for g in interchange.groups]
    return InterchangeVerdict(interchange, notes, groups)


def _check_group(group: FunctionalGroup, component: str) -> GroupVerdict:
    gs = group.header
    codes: list[str] = []
    if not gs.element(8).startswith("00401"):
        codes.append("2")
    if group.trailer is None:
        codes.append("3")
    else:
        if group.trailer.element(2) != gs.element(6):
            codes.append("4")
        if group.trailer.element(1) != str(len(group.sets)):
            codes.append("5")
    declared = group.trailer.element(1) if group.trailer is not None else ""
    verdict = GroupVerdict(gs.element(1), gs.element(6), int(declared) if declared.isdigit() else len(group.sets))
    verdict.codes = codes[:5]
    verdict.sets = [_check_set(s, gs.element(1), component) for s in group.sets]
    return verdict


def _check_set(ts: TransactionSet, functional_id: str, component: str) -> SetVerdict:
    st = ts.header
    verdict = SetVerdict(st.element(1), st.element(2))
    rule = SETS.get(st.element(1))
    if rule is None:
        verdict.codes.append("1")
        return verdict
    if rule.functional_id != functional_id:
        verdict.codes.append("6")
    if not 4 <= len(st.element(2)) <= 9:
        verdict.codes.append("7")
    body = ts.segments[1:]
    if ts.trailer is None:
        verdict.codes.append("2")
    else:
        body = body[:-1]
        if ts.trailer.element(2) != st.element(2):
            verdict.codes.append("3")
        if ts.trailer.element(1) != str(len(ts.segments)):
            verdict.codes.append("4")
    errors = verdict.segment_errors
    uses: Counter[str] = Counter()
    for segment in body:
        uses[segment.tag] += 1
        if segment.tag not in rule.allowed:
            errors.append(SegmentError(segment.tag, segment.position, "2" if segment.tag in KNOWN_SEGMENT_IDS else "1"))
        elif uses[segment.tag] > rule.max_use.get(segment.tag, 10**9):
            errors.append(SegmentError(segment.tag, segment.position, "5"))
        elif element_errors := _check_elements(segment, component):
            errors.append(SegmentError(segment.tag, segment.position, "8", element_errors))
    end = len(ts.segments) if ts.trailer is not None else len(ts.segments) + 1
    for tag in rule.required:
        if uses[tag] == 0:
            errors.append(SegmentError(tag, 2 if tag == rule.header else end, "3"))
    if uses[rule.header] and (not body or body[0].tag != rule.header):
        first = next(s for s in body if s.tag == rule.header)
        errors.append(SegmentError(rule.header, first.position, "7"))
    errors.sort(key=lambda e: e.position)
    if errors:
        verdict.codes.append("5")
    verdict.codes = list(dict.fromkeys(verdict.codes))[:5]
    return verdict


def _check_elements(segment: Segment, component: str) -> list[ElementError]:
    rule = SEGMENTS.get(segment.tag)
    if rule is None:
        return []
    found: list[ElementError] = []
    if len(segment.elements) > rule.max_elements:
        found.append(ElementError(rule.max_elements + 1, "", "3"))
    for index, element_rule in enumerate(rule.elements, start=1):
        value = segment.element(index)
        code = _element_code(value, element_rule, component)
        if code:
            found.append(ElementError(index, element_rule.reference, code, value))
    return found


def _element_code(value: str, rule: ElementRule, component: str) -> str:
    """The AK403 code for one element value, or "" when it is fine."""
    if value == "":
        return "1" if rule.requirement == "M" else ""
    if rule.max_length == 999:  # unchecked position
        return ""
    if component in value:
        return "6"
    length = len(value)
    if rule.kind in ("N0", "N2"):
        if not _INTEGER.fullmatch(value):
            return "6"
        length = len(value.lstrip("-"))
    elif rule.kind == "R":
        if not _DECIMAL.fullmatch(value):
            return "6"
        length = len(value.replace("-", "").replace(".", ""))
    elif rule.kind == "DT":
        return "" if _valid_date(value) else "8"
    elif rule.kind == "TM":
        return "" if _valid_time(value) else "9"
    if length < rule.min_length:
        return "4"
    if length > rule.max_length:
        return "5"
    return ""


def _valid_date(value: str) -> bool:
    if len(value) != 8 or not _DIGITS.fullmatch(value):
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def _valid_time(value: str) -> bool:
    if not 4 <= len(value) <= 8 or not _DIGITS.fullmatch(value):
        return False
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60
