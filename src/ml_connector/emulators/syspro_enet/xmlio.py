"""XML in and out for the e.net emulator, written independently of the connector: reading XmlIn /
XmlParameters (defusedxml), SYSPRO's answer conventions (Windows-1252 prolog, root attributes,
zero-padded counters, Value/ErrorNumber/ErrorDescription triplets) and what a varchar column keeps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

PROLOG = '<?xml version="1.0" encoding="Windows-1252"?>'
# Root attributes as recorded (syspro-qad.md §2.4).
ROOT_ATTRIBUTES = {
    "Language": "05", "Language2": "EN", "CssStyle": "", "DecFormat": "1", "DateFormat": "01",
    "Role": "01", "Version": "7.0.053", "OperatorPrimaryRole": "   ",
}  # fmt: skip
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class XmlInError(Exception):
    """The XML a client sent cannot be parsed."""


def read(text: str) -> Element:
    """Parse a document received in the query string (already a str: its prolog is irrelevant)."""
    try:
        root: Element = SafeET.fromstring(_DECLARATION.sub("", text, count=1).strip())
        return root
    except (ET.ParseError, DefusedXmlException) as exc:
        raise XmlInError(str(exc)) from None


def answer_root(tag: str) -> Element:
    return Element(tag, dict(ROOT_ATTRIBUTES))


def serialize(root: Element) -> bytes:
    """Windows-1252 bytes; anything cp1252 cannot hold becomes a character reference."""
    text = PROLOG + "\n" + ET.tostring(root, encoding="unicode")
    return text.encode("cp1252", errors="xmlcharrefreplace")


def sub(parent: Element, tag: str, text: str | None = None) -> Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = text
    return node


def field_error(parent: Element, tag: str, value: str, number: int, description: str) -> Element:
    """SYSPRO's field-level error shape (recorded for INVSWS): the field element holds Value,
    ErrorNumber and ErrorDescription."""
    node = sub(parent, tag)
    sub(node, "Value", value)
    sub(node, "ErrorNumber", str(number))
    sub(node, "ErrorDescription", description)
    return node


def text_of(elem: Element | None, tag: str) -> str | None:
    """Text of a child with exactly this name (SYSPRO ignores elements it does not know, including
    wrongly cased ones); None when absent, ``""`` when empty."""
    if elem is None:
        return None
    node = elem.find(tag)
    if node is None:
        return None
    return (node.text or "").strip()


def counter(value: int) -> str:
    """``StatusOfItems`` counters are six-digit zero-padded."""
    return f"{value:06d}"


def as_cp1252(value: str) -> str:
    """What a Windows-1252 varchar column keeps: unmappable characters become ``?`` (SQL Server)."""
    return value.encode("cp1252", errors="replace").decode("cp1252")


def number(text: str | None) -> Decimal | None:
    """A number as SYSPRO reads one: plain digits, optional sign and point; otherwise None."""
    if text is None or not _NUMBER.match(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def flag(text: str | None, default: str) -> str:
    return (text or default).strip().upper()[:1] or default
