"""Segment and envelope writer: checks every element against elements.SEGMENTS, applies the
content rule, drops trailing empty elements, and wraps transaction sets in ISA/GS/ST/SE/GE/IEA."""

from __future__ import annotations

from collections.abc import Sequence

from ml_connector.edi.delimiters import ContentPolicy, ContentWarning, Delimiters, clean_content
from ml_connector.edi.elements import SEGMENTS, TOO_LONG, ElementDef, check_value
from ml_connector.edi.envelope import (
    FUNCTIONAL_IDS,
    GS_VERSION,
    ISA_STANDARDS_ID,
    ISA_VERSION,
    Envelope,
    X12Document,
)
from ml_connector.edi.errors import X12ContentError, X12ElementError

ElementValue = str | Sequence[str]  # a str, or the components of a composite element
_STRICT = ContentPolicy(strict=True)
# ISA elements and their fixed widths (ISA09..ISA16 are generated, not taken from the caller).
_ISA_WIDTHS = {1: 2, 2: 10, 3: 2, 4: 10, 5: 2, 6: 15, 7: 2, 8: 15}


class SegmentWriter:
    """Collects the body segments of one transaction set (everything between ST and SE)."""

    def __init__(self, code: str, delimiters: Delimiters | None = None, policy: ContentPolicy | None = None) -> None:
        self.code = code
        self.delimiters = delimiters or Delimiters()
        self.policy = policy or ContentPolicy()
        if self.policy.replacement in self.delimiters.reserved:
            raise ValueError(f"replacement {self.policy.replacement!r} is itself a delimiter")
        self.segments: list[tuple[str, tuple[str, ...]]] = []
        self.warnings: list[ContentWarning] = []

    def text(self, tag: str, position: int, value: str | None) -> str:
        """`value` as element `tag`+`position` will carry it: cleaned, free text cut to its
        maximum, trailing spaces dropped. Builders use it to skip segments that end up empty."""
        if value is None:
            return ""
        defn = _definition(tag, position)
        cleaned, warnings = clean_content(value, self.delimiters, self.policy, tag, position)
        self.warnings.extend(warnings)
        if defn.free_text and len(cleaned) > defn.max_length:
            if self.policy.strict or not self.policy.truncate_free_text:
                raise X12ElementError(
                    tag, position, f"is {len(cleaned)} characters long; the maximum is {defn.max_length}. "
                    "Shorten the source text (or allow truncation of free text in the content policy).",
                )  # fmt: skip
            self.warnings.append(
                ContentWarning(tag, position, "truncated", f"from {len(cleaned)} to {defn.max_length} characters")
            )
            cleaned = cleaned[: defn.max_length]
        return cleaned.rstrip(" ") if defn.type in ("AN", "ID") else cleaned

    def add(self, tag: str, *elements: ElementValue | None) -> None:
        """Append one segment; positions follow the element order (use '' for an omitted one)."""
        defs = SEGMENTS.get(tag)
        if defs is None:
            raise X12ElementError(tag, 0, "segment has no definition in ml_connector.edi.elements")
        if len(elements) > len(defs):
            raise X12ElementError(tag, 0, f"{len(elements)} elements given; the segment has {len(defs)}")
        values = [self._element(defn, value) for defn, value in zip(defs, elements, strict=False)]
        while values and values[-1] == "":
            values.pop()  # X12: trailing empty elements are not written
        for defn in defs[len(values) :]:
            if defn.mandatory:
                raise X12ElementError(tag, defn.position, "is mandatory but empty")
        self.segments.append((tag, tuple(values)))

    def _element(self, defn: ElementDef, value: ElementValue | None) -> str:
        if value is None or isinstance(value, str):
            text = self.text(defn.segment, defn.position, value)
            problem = check_value(defn, text)
            if problem is not None:
                hint = " Shorten the source value." if problem[0] == TOO_LONG else ""
                raise X12ElementError(defn.segment, defn.position, f"{_shown(text)} {problem[1]}.{hint}")
            return text
        parts = [self.text(defn.segment, defn.position, part) for part in value]
        while parts and parts[-1] == "":
            parts.pop()
        return self.delimiters.component.join(parts)

    def render(self, line_break: str = "") -> list[str]:
        """The segments as text, each ending with the terminator (and `line_break`)."""
        sep, end = self.delimiters.element, self.delimiters.segment + line_break
        return [sep.join((tag, *values)) + end for tag, values in self.segments]


def write_interchange(
    envelope: Envelope,
    transaction_sets: Sequence[SegmentWriter],
    *,
    line_break: str = "",
) -> X12Document:
    """One ISA/GS envelope around `transaction_sets` (all of one functional group), ST02 = 0001...

    Envelope identifiers are always written strictly: a changed id would misroute the document.
    """
    if not transaction_sets:
        raise ValueError("an interchange needs at least one transaction set")
    if line_break not in ("", "\n", "\r\n"):
        raise ValueError(f"line_break must be '', '\\n' or '\\r\\n', got {line_break!r}")
    codes = {body.code for body in transaction_sets}
    if len(codes) != 1 or (code := codes.pop()) not in FUNCTIONAL_IDS:
        raise ValueError(f"one group holds one transaction set type among {sorted(FUNCTIONAL_IDS)}; got {codes}")
    delimiters = transaction_sets[0].delimiters
    if any(body.delimiters != delimiters for body in transaction_sets):
        raise ValueError("all transaction sets of an interchange must use the same delimiters")
    numbers = envelope.control_numbers
    isa = isa_segment(envelope, delimiters)  # first, so ISA problems are reported before GS ones
    envelope_writer = SegmentWriter(code, delimiters, _STRICT)
    stamp = envelope.created_at
    envelope_writer.add(
        "GS", FUNCTIONAL_IDS[code], envelope.gs_sender, envelope.gs_receiver, stamp.strftime("%Y%m%d"),
        stamp.strftime("%H%M"), numbers.gs06, "X", GS_VERSION,
    )  # fmt: skip
    lines = [isa + line_break, *envelope_writer.render(line_break)]
    warnings: list[ContentWarning] = []
    total = 0
    for index, body in enumerate(transaction_sets, 1):
        control = f"{index:04d}"
        trailer = SegmentWriter(code, delimiters, _STRICT)
        trailer.add("ST", code, control)
        trailer.add("SE", str(len(body.segments) + 2), control)
        head, tail = trailer.render(line_break)
        lines += [head, *body.render(line_break), tail]
        total += len(body.segments) + 2
        warnings.extend(body.warnings)
    closing = SegmentWriter(code, delimiters, _STRICT)
    closing.add("GE", str(len(transaction_sets)), numbers.gs06)
    closing.add("IEA", "1", numbers.isa13)
    lines += closing.render(line_break)
    text = "".join(lines)
    return X12Document(text, code, numbers, total, tuple(warnings))


def isa_segment(envelope: Envelope, delimiters: Delimiters) -> str:
    """The fixed-width 106-character ISA (terminator included)."""
    given = {
        1: envelope.authorization_qualifier, 2: envelope.authorization, 3: envelope.security_qualifier,
        4: envelope.security, 5: envelope.sender_qualifier, 6: envelope.sender_id,
        7: envelope.receiver_qualifier, 8: envelope.receiver_id,
    }  # fmt: skip
    fields: list[str] = []
    for position, value in given.items():
        width = _ISA_WIDTHS[position]
        if not value.isascii() or not value.isprintable() or delimiters.reserved & set(value):
            raise X12ContentError("ISA", position, f"{value!r} must be printable ASCII without delimiters")
        if len(value) > width or (position in (1, 3, 5, 6, 7, 8) and not value.strip()):
            raise X12ElementError("ISA", position, f"{value!r} must be 1-{width} characters (padded to {width})")
        if position in (1, 3, 5, 7) and len(value) != width:
            raise X12ElementError("ISA", position, f"{value!r} must be exactly {width} characters")
        fields.append(value.ljust(width))
    stamp = envelope.created_at
    fields += [
        stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), ISA_STANDARDS_ID, ISA_VERSION,
        envelope.control_numbers.isa13, "1" if envelope.ack_requested else "0", envelope.usage,
        delimiters.component,
    ]  # fmt: skip
    isa = delimiters.element.join(("ISA", *fields)) + delimiters.segment
    assert len(isa) == 106, f"ISA is {len(isa)} characters"  # the widths above guarantee it
    return isa


def _definition(tag: str, position: int) -> ElementDef:
    defs = SEGMENTS.get(tag)
    if defs is None or not 1 <= position <= len(defs):
        raise X12ElementError(tag, position, "element has no definition in ml_connector.edi.elements")
    return defs[position - 1]


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
