"""Resource paths below the service root: company segment, entity set, key predicate, /$count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import NotFound, ODataQueryError
from .schema import Table

_RESOURCE = re.compile(r"^(?P<set>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<key>.*)\))?(?P<count>/\$count)?/?$", re.DOTALL)
_KEY_PART = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?(?P<value>'(?:[^']|'')*'|[^,']+)\s*(?:,|$)")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Resource:
    entity_set: str
    key_text: str | None = None
    count: bool = False


def company_matches(segment: str, company: str) -> bool:
    """Both shapes of the reference's section 4.3: ``A`` and ``SysproCompanyA`` (case-insensitive)."""
    lowered = segment.lower()
    return lowered in (company.lower(), f"SysproCompany{company}".lower())


def parse_resource(path: str) -> Resource:
    match = _RESOURCE.match(path)
    if match is None:
        raise NotFound(f"Resource not found for the segment '{path.split('/')[0]}'.")
    key = match.group("key")
    if key is not None and match.group("count"):
        raise NotFound(f"Resource not found for the segment '{path}'.")
    return Resource(match.group("set"), key, bool(match.group("count")))


def parse_key(table: Table, text: str) -> dict[str, Any]:
    """``'0000001'`` for single keys, ``Customer='0000001',Invoice='00100234',DocumentType='I'`` otherwise."""
    values: dict[str, Any] = {}
    pos = 0
    while pos < len(text):
        match = _KEY_PART.match(text, pos)
        if match is None or match.end() == pos:
            raise ODataQueryError(f"Bad key predicate ({text}) for {table.name}.")
        name = match.group("name") or (table.key[0] if len(table.key) == 1 else "")
        if not name:
            raise ODataQueryError(f"{table.name} has a composite key; name each part: ({', '.join(table.key)}).")
        values[name] = _key_value(match.group("value").strip(), text)
        pos = match.end()
    if set(values) != set(table.key):
        raise ODataQueryError(
            f"Key predicate ({text}) does not match the key of {table.name}: ({', '.join(table.key)})."
        )
    return values


def _key_value(raw: str, text: str) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if _NUMBER.match(raw):
        return float(raw) if "." in raw else int(raw)
    raise ODataQueryError(f"Bad key value {raw!r} in ({text}).")
