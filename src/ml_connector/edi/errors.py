"""Errors raised by the X12 package; each names the segment/element it is about.

X12Error                      root of everything raised by ml_connector.edi
├── X12ContentError           content holds a delimiter/control character (strict mode)
├── X12ElementError           a value breaks its element definition (length, type, mandatory)
├── X12SyntaxError            text that cannot be read as an X12 interchange at all
├── X12EnvelopeError          counts or control numbers of ISA/GS/ST/SE/GE/IEA disagree
└── ControlNumberError        a control number out of bounds, exhausted or going backwards
"""

from __future__ import annotations


class X12Error(Exception):
    """Root of the X12 error tree."""


def _where(segment: str, element: int) -> str:
    """`BEG03` for an element, `BEG` when the problem is the whole segment (element 0)."""
    return f"{segment}{element:02d}" if element else segment


class X12ContentError(X12Error):
    """Element content contains a character X12 cannot carry (raised in strict mode)."""

    def __init__(self, segment: str, element: int, message: str) -> None:
        self.segment = segment
        self.element = element
        super().__init__(f"{_where(segment, element)}: {message}")


class X12ElementError(X12Error):
    """A value does not fit its element definition (too long, wrong type, mandatory but empty)."""

    def __init__(self, segment: str, element: int, message: str) -> None:
        self.segment = segment
        self.element = element
        super().__init__(f"{_where(segment, element)}: {message}")


class X12SyntaxError(X12Error):
    """The text is not an X12 interchange (no ISA, unusable delimiters, truncated header)."""


class X12EnvelopeError(X12Error):
    """Envelope counts or control numbers disagree; `problems` lists every one found."""

    def __init__(self, problems: tuple[object, ...]) -> None:
        self.problems = problems
        lines = "; ".join(str(problem) for problem in problems)
        super().__init__(f"X12 envelope check failed ({len(problems)} problem(s)): {lines}")


class ControlNumberError(X12Error):
    """A control number is outside 1..999999999, exhausted, or would be reused."""
