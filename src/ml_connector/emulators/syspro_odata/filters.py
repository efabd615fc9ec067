"""A real OData v4 ``$filter`` parser: tokens, then a small AST (no eval of client text, ever).

Grammar (lowest precedence first): ``or`` < ``and`` < ``not`` < comparison (eq ne gt ge lt le) <
primary (parenthesis, literal, property, function call). Literals: 'strings' with '' escapes,
numbers, true/false, null, 2026-01-01T00:00:00Z (DateTimeOffset), 2026-01-01 (Date), binary'..'.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ODataQueryError
from .values import parse_instant

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
FUNCTIONS = {"contains": 2, "startswith": 2, "endswith": 2, "tolower": 1, "toupper": 1, "trim": 1}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<naive>\d{4}-\d{2}-\d{2}T[\d:.]+)
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:.])
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])
  | (?P<binary>binary'(?P<b64>[A-Za-z0-9+/_=-]*)')
  | (?P<string>'(?:[^']|'')*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # string, number, bool, null, datetime, binary


@dataclass(frozen=True)
class Prop:
    name: str


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and, or
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Prop | Compare | BoolOp | Not | Call


def tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] == "'":
                raise ODataQueryError(f"Unterminated string literal at position {pos} in $filter.")
            raise ODataQueryError(f"Syntax error at position {pos} in $filter: unexpected {text[pos]!r}.")
        kind = m.lastgroup if m.lastgroup != "b64" else "binary"
        raw = m.group(0)
        if kind == "naive":
            raise ODataQueryError(
                f"DateTimeOffset literal {raw!r} at position {pos} in $filter needs 'Z' or an offset such as "
                f"+02:00 (a '+' in a URL must be sent as %2B, or it arrives as a space)."
            )
        if kind == "string":
            tokens.append(("literal", Literal(raw[1:-1].replace("''", "'"), "string"), pos))
        elif kind in ("datetime", "date"):
            tokens.append(("literal", Literal(_instant(raw, pos), "datetime"), pos))
        elif kind == "number":
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(("literal", Literal(value, "number"), pos))
        elif kind == "binary":
            tokens.append(("literal", Literal(_binary(m.group("b64"), pos), "binary"), pos))
        elif kind == "name":
            tokens.append(_word(raw, pos))
        elif kind == "punct":
            tokens.append((raw, raw, pos))
        pos = m.end()
    tokens.append(("end", None, len(text)))
    return tokens


def _instant(raw: str, pos: int) -> datetime:
    try:
        moment = parse_instant(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise ODataQueryError(f"Invalid date/time literal {raw!r} at position {pos} in $filter.")
    return moment


def _binary(text: str, pos: int) -> bytes:
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except ValueError:
        raise ODataQueryError(f"Invalid binary literal at position {pos} in $filter.") from None


def _word(raw: str, pos: int) -> tuple[str, Any, int]:
    if raw in ("true", "false"):
        return ("literal", Literal(raw == "true", "bool"), pos)
    if raw == "null":
        return ("literal", Literal(None, "null"), pos)
    if raw in COMPARISONS or raw in ("and", "or", "not"):
        return (raw, raw, pos)
    return ("name", raw, pos)


class FilterParser:
    """Recursive-descent parser over :func:`tokenize` output."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def parse(self) -> Node:
        if self.tokens[0][0] == "end":
            raise ODataQueryError("$filter is empty; give an expression or leave the option out.")
        node = self._or()
        kind, value, pos = self.tokens[self.pos]
        if kind != "end":
            raise ODataQueryError(f"Syntax error at position {pos} in $filter: unexpected {value!r}.")
        return node

    def _take(self, kind: str) -> tuple[str, Any, int]:
        token = self.tokens[self.pos]
        if token[0] != kind:
            shown = "end of expression" if token[0] == "end" else repr(token[1])
            raise ODataQueryError(f"Syntax error at position {token[2]} in $filter: expected {kind!r}, found {shown}.")
        self.pos += 1
        return token

    def _or(self) -> Node:
        node = self._and()
        while self.tokens[self.pos][0] == "or":
            self.pos += 1
            node = BoolOp("or", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._not()
        while self.tokens[self.pos][0] == "and":
            self.pos += 1
            node = BoolOp("and", node, self._not())
        return node

    def _not(self) -> Node:
        if self.tokens[self.pos][0] == "not":
            self.pos += 1
            return Not(self._not())
        return self._comparison()

    def _comparison(self) -> Node:
        left = self._primary()
        kind = self.tokens[self.pos][0]
        if kind in COMPARISONS:
            self.pos += 1
            return Compare(kind, left, self._primary())
        return left

    def _primary(self) -> Node:
        kind, value, pos = self.tokens[self.pos]
        if kind == "(":
            self.pos += 1
            node = self._or()
            self._take(")")
            return node
        if kind == "literal":
            self.pos += 1
            return value  # type: ignore[no-any-return]
        if kind == "name":
            self.pos += 1
            if self.tokens[self.pos][0] == "(":
                return self._call(value, pos)
            return Prop(value)
        shown = "end of expression" if kind == "end" else repr(value)
        raise ODataQueryError(f"Syntax error at position {pos} in $filter: expected a value, found {shown}.")

    def _call(self, name: str, pos: int) -> Node:
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ODataQueryError(f"Unknown function {name!r} at position {pos} in $filter. Supported: {known}.")
        self._take("(")
        args = [self._or()]
        while self.tokens[self.pos][0] == ",":
            self.pos += 1
            args.append(self._or())
        self._take(")")
        if len(args) != FUNCTIONS[name]:
            raise ODataQueryError(f"Function {name!r} takes {FUNCTIONS[name]} argument(s), got {len(args)}.")
        return Call(name, tuple(args))


def parse_filter(text: str) -> Node:
    return FilterParser(text).parse()
