"""997 Functional Acknowledgment: read one into FunctionalAck values, and build one for a received
interchange (accept what validates, reject with AK3/AK4/AK5/AK9 codes what does not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ml_connector.edi.ackcodes import ACK_CODES, GROUP_ERRORS, GROUP_PROBLEM_CODES, SET_ERRORS, describe
from ml_connector.edi.controlnumbers import ControlNumbers
from ml_connector.edi.delimiters import Delimiters
from ml_connector.edi.elements import SEGMENTS, check_value
from ml_connector.edi.envelope import Envelope, X12Document
from ml_connector.edi.errors import X12ElementError
from ml_connector.edi.reader import read_interchange
from ml_connector.edi.segments import Interchange, TransactionSet
from ml_connector.edi.validator import ElementError, SegmentError, SetReport, check_transaction_set
from ml_connector.edi.writer import SegmentWriter, write_interchange

MAX_AK5_CODES = 5


@dataclass(frozen=True)
class AckError:
    """One error of a 997, flattened: its level, code, text and where it points."""

    level: str  # "group", "set", "segment" or "element"
    code: str
    text: str
    where: str = ""


@dataclass(frozen=True)
class SetAck:
    """AK2 loop: the acknowledged set, AK501 status, AK502-506 codes and AK3/AK4 errors."""

    transaction_code: str
    control_number: str
    status: str
    syntax_error_codes: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


@dataclass(frozen=True)
class FunctionalAck:
    """One 997: which group it acknowledges (AK1), AK9 status and counts, and its sets."""

    functional_id: str
    group_control_number: str
    status: str  # AK901: A accepted, E accepted with errors, P partially accepted, R rejected
    included: int
    received: int
    accepted_count: int
    group_error_codes: tuple[str, ...] = ()
    sets: tuple[SetAck, ...] = ()

    @property
    def status_text(self) -> str:
        return describe(ACK_CODES, self.status)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def errors(self) -> tuple[AckError, ...]:
        found = [AckError("group", code, describe(GROUP_ERRORS, code)) for code in self.group_error_codes]
        for tset in self.sets:
            where = f"{tset.transaction_code} {tset.control_number}"
            found += [AckError("set", code, describe(SET_ERRORS, code), where) for code in tset.syntax_error_codes]
            for seg in tset.segment_errors:
                seg_where = f"{where} {seg.tag} at segment {seg.position}"
                found.append(AckError("segment", seg.code, seg.text, seg_where))
                found += [
                    AckError("element", e.code, e.text, f"{seg_where} element {e.position}") for e in seg.elements
                ]
        return tuple(found)


def read_997(data: str | bytes | Interchange) -> list[FunctionalAck]:
    """Every 997 in an interchange, one FunctionalAck per 997 transaction set."""
    interchange = data if isinstance(data, Interchange) else read_interchange(data)
    return [_read_set(tset, interchange) for tset in interchange.transaction_sets if tset.code == "997"]


def _read_set(tset: TransactionSet, interchange: Interchange) -> FunctionalAck:
    ak1 = next((s for s in tset.body if s.tag == "AK1"), None)
    ak9 = next((s for s in tset.body if s.tag == "AK9"), None)
    if ak1 is None or ak9 is None:
        raise ValueError(f"997 {tset.control_number} lacks {'AK1' if ak1 is None else 'AK9'}; cannot read it")
    sets: list[SetAck] = []
    current: dict[str, object] | None = None
    segment_errors: list[SegmentError] = []
    for segment in tset.body:
        if segment.tag == "AK2":
            current, segment_errors = {"code": segment.element(1), "control": segment.element(2)}, []
        elif segment.tag == "AK3":
            segment_errors.append(
                SegmentError(segment.element(1), _int(segment.element(2)), segment.element(4), (), segment.element(3))
            )
        elif segment.tag == "AK4" and segment_errors:
            parts = interchange.components(segment.element(1))
            error = ElementError(
                _int(parts[0]), segment.element(3), segment.element(4),
                _int(parts[1]) if len(parts) > 1 and parts[1] else None, segment.element(2),
            )  # fmt: skip
            last = segment_errors[-1]
            segment_errors[-1] = SegmentError(last.tag, last.position, last.code, (*last.elements, error), last.loop)
        elif segment.tag == "AK5" and current is not None:
            codes = tuple(code for code in segment.elements[1:] if code)
            sets.append(
                SetAck(str(current["code"]), str(current["control"]), segment.element(1), codes, tuple(segment_errors))
            )
            current = None
    return FunctionalAck(
        ak1.element(1), ak1.element(2), ak9.element(1), _int(ak9.element(2)), _int(ak9.element(3)),
        _int(ak9.element(4)), tuple(code for code in ak9.elements[4:] if code), tuple(sets),
    )  # fmt: skip


def build_997(
    received: Interchange | str | bytes,
    *,
    control_numbers: ControlNumbers,
    created_at: datetime,
    delimiters: Delimiters | None = None,
) -> X12Document:
    """A 997 interchange acknowledging every functional group of `received` (997 groups excepted).

    Sender and receiver are swapped from the received ISA/GS; the usage indicator is copied. A set
    is accepted when it passes the envelope checks and validator.check_transaction_set, otherwise
    rejected with its AK3/AK4/AK5 codes. Interchange-level problems (ISA width, IEA counts) are a
    TA1 matter and stay on `Interchange.problems`.
    """
    interchange = received if isinstance(received, Interchange) else read_interchange(received, strict=False)
    groups = [(index, group) for index, group in enumerate(interchange.groups) if group.functional_id != "FA"]
    if not groups:
        raise ValueError(f"interchange {interchange.control_number} has no functional group to acknowledge")
    bodies: list[SegmentWriter] = []
    for index, group in groups:
        body = SegmentWriter("997", delimiters)
        try:
            body.add("AK1", group.functional_id, group.control_number)
        except X12ElementError as exc:
            raise X12ElementError(
                "AK1", 0, f"group {index + 1} of interchange {interchange.control_number} cannot be "
                f"acknowledged: its GS01/GS06 do not fit AK1 ({exc}). Answer with a TA1 or by hand.",
            ) from exc  # fmt: skip
        reports = []
        for set_index, tset in enumerate(group.transaction_sets):
            problems = tuple(p for p in interchange.problems if p.group == index and p.transaction_set == set_index)
            reports.append(report := check_transaction_set(tset, problems))
            _add_set(body, report)
        group_codes = tuple(
            dict.fromkeys(GROUP_PROBLEM_CODES[p.code] for p in interchange.problems
                          if p.group == index and p.code in GROUP_PROBLEM_CODES)
        )  # fmt: skip
        accepted = sum(report.accepted for report in reports)
        # A group with envelope errors, or with nothing accepted, is rejected as a whole.
        status = "R" if group_codes or accepted == 0 else "A" if accepted == len(reports) else "P"
        ge01 = group.trailer.element(1) if group.trailer else ""
        # AK902 is N0 1/6: GE01 as a number ('000000001' -> '1'); the count of sets read when it won't fit.
        included = str(int(ge01)) if ge01.isdigit() and int(ge01) < 10**6 else str(len(reports))
        body.add("AK9", status, included, str(len(reports)), str(accepted), *group_codes[:MAX_AK5_CODES])
        bodies.append(body)
    first = groups[0][1].header
    reply_delimiters = delimiters or Delimiters()
    envelope = Envelope(
        interchange.receiver_id, interchange.sender_id, control_numbers, created_at,
        sender_qualifier=interchange.receiver_qualifier, receiver_qualifier=interchange.sender_qualifier,
        usage=interchange.usage if interchange.usage in ("P", "T") else "P",
        application_sender=_application_code(first.element(3), interchange.receiver_id, reply_delimiters),
        application_receiver=_application_code(first.element(2), interchange.sender_id, reply_delimiters),
    )  # fmt: skip
    return write_interchange(envelope, bodies)


def _add_set(body: SegmentWriter, report: SetReport) -> None:
    """AK2 [AK3 [AK4]] AK5. A set whose ST01/ST02 cannot be echoed in AK2 gets no loop (it is still
    counted as received and not accepted in AK9); an AK3 whose tag cannot be echoed is left out."""
    if not _try_add(body, "AK2", report.code, report.control_number):
        return
    for error in report.segment_errors:
        if not _try_add(body, "AK3", error.tag, str(error.position), error.loop, error.code):
            continue
        for element in error.elements:
            position = (str(element.position), *((str(element.component),) if element.component else ()))
            body.add("AK4", position, element.reference, element.code, element.bad_value)
    body.add("AK5", "A" if report.accepted else "R", *report.syntax_codes[:MAX_AK5_CODES])


def _try_add(body: SegmentWriter, tag: str, *elements: str) -> bool:
    try:
        body.add(tag, *elements)
    except X12ElementError:
        return False
    return True


def _application_code(code: str, fallback: str, delimiters: Delimiters) -> str:
    """The received GS02/GS03 to echo, or the ISA id when that code is unusable."""
    usable = check_value(SEGMENTS["GS"][1], code) is None and code.isascii() and not set(code) & delimiters.reserved
    return code if usable else fallback


def _int(value: str) -> int:
    return int(value) if value.strip().isdigit() else 0
