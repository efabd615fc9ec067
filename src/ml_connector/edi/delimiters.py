"""X12 delimiters and the content rule: X12 has no escape character, so delimiter and
control characters are replaced (or refused in strict mode) and non-ASCII text is transliterated."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from ml_connector.edi.errors import X12ContentError

# Letters NFKD cannot decompose to ASCII but that have a conventional Latin spelling.
_LATIN_EXTRAS = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
}  # fmt: skip
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
UNMAPPABLE = "?"


@dataclass(frozen=True)
class Delimiters:
    """The separators of one interchange.

    `repetition` is not written for 004010 (ISA11 there is the standards id `U`); its character is
    still kept out of data so the same content stays safe under 00403+. Readers set it to None
    for 00401/00400 interchanges.
    """

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = "^"

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char == " ":
                raise ValueError(
                    f"X12 delimiter {char!r} is invalid: each delimiter must be one character that "
                    "is neither a letter, a digit nor a space"
                )
        if len(set(chars)) != len(chars):
            raise ValueError(f"X12 delimiters must all differ, got {chars!r}")

    @property
    def reserved(self) -> frozenset[str]:
        """Characters that may never appear inside element content."""
        chars = {self.element, self.component, self.segment}
        if self.repetition is not None:
            chars.add(self.repetition)
        return frozenset(chars)


@dataclass(frozen=True)
class ContentPolicy:
    """How the writer treats content it cannot carry verbatim.

    replacement: what a delimiter or control character becomes ('' deletes it).
    strict: raise X12ContentError / X12ElementError instead of replacing or truncating.
    truncate_free_text: cut over-long free-text elements (names, descriptions, addresses) to their
        maximum instead of refusing them; identifiers, codes, numbers and dates are never cut.
    """

    replacement: str = " "
    strict: bool = False
    truncate_free_text: bool = True

    def __post_init__(self) -> None:
        if len(self.replacement) > 1 or (self.replacement and not " " <= self.replacement <= "~"):
            raise ValueError(f"replacement {self.replacement!r} must be '' or one printable ASCII character")


@dataclass(frozen=True)
class ContentWarning:
    """A change the writer made to element content (never silent)."""

    segment: str
    element: int
    kind: Literal["replaced", "transliterated", "truncated", "dropped"]
    detail: str

    def __str__(self) -> str:
        return f"{self.segment}{self.element:02d} {self.kind}: {self.detail}"


def transliterate_char(char: str) -> str:
    """ASCII form of one non-ASCII character: NFKD without combining marks, a few Latin letters
    by table, otherwise '?'."""
    if char in _LATIN_EXTRAS:
        return _LATIN_EXTRAS[char]
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if decomposed and all(" " <= c <= "~" for c in decomposed):
        return decomposed
    return UNMAPPABLE


def clean_content(
    value: str, delimiters: Delimiters, policy: ContentPolicy, segment: str, element: int
) -> tuple[str, tuple[ContentWarning, ...]]:
    """Apply the content rule to one element (or component) value.

    Order: (1) invisible format characters (Unicode Cf) are dropped, (2) other non-ASCII characters
    are transliterated, (3) delimiters and control characters (also any a transliteration produced)
    become `policy.replacement`, or raise X12ContentError in strict mode.
    """
    if value.isascii() and value.isprintable() and not (delimiters.reserved & set(value)):
        return value, ()  # fast path: nothing to do
    out: list[str] = []
    dropped = transliterated = unmappable = 0
    for char in value:
        category = unicodedata.category(char)
        if char.isascii() or category in _CONTROL_CATEGORIES:
            out.append(char)
        elif category == "Cf":
            dropped += 1
        else:
            ascii_form = transliterate_char(char)
            transliterated += 1
            unmappable += ascii_form == UNMAPPABLE
            out.append(ascii_form)
    text = "".join(out)
    warnings: list[ContentWarning] = []
    if dropped:
        warnings.append(ContentWarning(segment, element, "dropped", f"{dropped} invisible format character(s)"))
    if transliterated:
        detail = f"{transliterated} non-ASCII character(s) to ASCII ({unmappable} had no form, became '?')"
        warnings.append(ContentWarning(segment, element, "transliterated", detail))
    bad = [i for i, c in enumerate(text) if c in delimiters.reserved or not (" " <= c <= "~")]
    if not bad:
        return text, tuple(warnings)
    if policy.strict:
        char = text[bad[0]]
        raise X12ContentError(
            segment,
            element,
            f"content contains {char!r} at position {bad[0] + 1}, a delimiter or control character; "
            "X12 has no escape character. Remove it from the source data, or write in non-strict "
            "mode to replace it.",
        )
    chars = list(text)
    for index in bad:
        chars[index] = policy.replacement
    warnings.append(
        ContentWarning(
            segment,
            element,
            "replaced",
            f"{len(bad)} delimiter/control character(s) with {policy.replacement!r}",
        )
    )
    return "".join(chars), tuple(warnings)
