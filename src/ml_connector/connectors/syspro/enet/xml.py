"""XML plumbing for e.net: serialise documents with SYSPRO's Windows-1252 prolog, parse answers safely
(defusedxml), read elements whatever their case, and collect ErrorDescription / WarningDescription."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # building only; parsing goes through defusedxml
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ml_connector.connectors.syspro.enet.errors import SYSTEM, BusinessError
from ml_connector.errors import RemoteProtocolError

PROLOG = '<?xml version="1.0" encoding="Windows-1252"?>'
_PROLOG_RX = re.compile(r"^\s*<\?xml[^>]*\?>")
_WCF_STRING = "{http://schemas.microsoft.com/2003/10/Serialization/}string"


def add(parent: Element, tag: str, text: str | None = None) -> Element:
    """Append ``<tag>text</tag>``; ElementTree escapes ``&``, ``<``, ``>`` (and quotes in attributes)."""
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def document(root: Element) -> str:
    """The XML text sent as ``XmlIn`` / ``XmlParameters`` (URL-encoded later by the session)."""
    return PROLOG + ET.tostring(root, encoding="unicode")


def decode_body(content: bytes) -> str:
    """e.net bodies are Windows-1252 (XML) or ASCII (session ids, ``ERROR:`` texts)."""
    return content.decode("cp1252", errors="replace")


def unwrap(text: str) -> str:
    """Undo the SYSPRO 8 wrappers seen in the wild: a JSON string, or a WCF ``<string>`` element."""
    stripped = text.strip()
    if stripped.startswith('"'):
        try:
            value = json.loads(stripped)
        except ValueError:
            return stripped
        return value.strip() if isinstance(value, str) else stripped
    if stripped.startswith("<string"):
        try:
            root = SafeET.fromstring(stripped)
        except (ET.ParseError, DefusedXmlException):
            return stripped
        if root.tag == _WCF_STRING:
            return (root.text or "").strip()
    return stripped


def parse(text: str, *, doing: str) -> Element:
    """Parse an answer already decoded to text; raise RemoteProtocolError when it is not XML."""
    body = _PROLOG_RX.sub("", text, count=1).strip()
    try:
        root: Element = SafeET.fromstring(body)
        return root
    except (ET.ParseError, DefusedXmlException) as exc:
        raise RemoteProtocolError(
            f"SYSPRO answered {doing} with a body that is not valid XML ({exc}): {body[:200]!r}",
            system=SYSTEM,
            status=200,
            body=body[:500],
        ) from None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def child(elem: Element | None, name: str) -> Element | None:
    """First child called ``name``, ignoring case (SYSPRO may answer in another case than it was asked)."""
    if elem is None:
        return None
    wanted = name.lower()
    return next((c for c in elem if local(c.tag) == wanted), None)


def children(elem: Element | None, name: str) -> list[Element]:
    wanted = name.lower()
    return [] if elem is None else [c for c in elem if local(c.tag) == wanted]


def descendants(elem: Element, name: str) -> list[Element]:
    wanted = name.lower()
    return [e for e in elem.iter() if local(e.tag) == wanted]


def text_at(elem: Element | None, *path: str) -> str:
    """Stripped text at a child path (case-insensitive), or ``""``."""
    node = elem
    for name in path:
        node = child(node, name)
    return (node.text or "").strip() if node is not None else ""


def business_errors(root: Element) -> list[BusinessError]:
    """Every ``ErrorDescription`` with the field element it sits in and its ``Value`` / ``ErrorNumber``."""
    parents = {c: p for p in root.iter() for c in p}
    found: list[BusinessError] = []
    for node in descendants(root, "ErrorDescription"):
        description = (node.text or "").strip()
        holder = parents.get(node)
        if not description or holder is None:
            continue
        is_field = holder is not root and local(holder.tag) not in {"item", "order", "status", "transaction"}
        found.append(
            BusinessError(
                field=holder.tag.rsplit("}", 1)[-1] if is_field else "",
                value=text_at(holder, "Value"),
                number=text_at(holder, "ErrorNumber"),
                description=description,
            )
        )
    return found


def warnings(root: Element) -> list[str]:
    return [(n.text or "").strip() for n in descendants(root, "WarningDescription") if (n.text or "").strip()]
