"""A small LookML parser: nested blocks, ``key: value``, lists, quoted strings and ``sql...: ... ;;``.

It yields a syntax tree only (``Block`` nodes holding ``(key, value)`` items); ``project.py`` gives the
tree its meaning. Written here, not shared with the product, so a bug on one side cannot hide on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

# Keys whose value is raw text up to the `;;` terminator (LookML's SQL-ish parameters).
RAW_KEYS = {"html", "expression", "expression_custom_filter"}

ListItem: TypeAlias = "str | tuple[str, str]"
Value: TypeAlias = "str | list[ListItem] | Block"


@dataclass
class Block:
    """``kind: name { ... }`` (``name`` is None for an anonymous block such as ``derived_table: {``)."""

    kind: str
    name: str | None
    items: list[tuple[str, Value]] = field(default_factory=list)
    line: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.items:
            if k == key and isinstance(v, str):
                return v
        return default

    def get_list(self, key: str) -> list[ListItem]:
        for k, v in self.items:
            if k == key and isinstance(v, list):
                return v
        return []

    def get_all(self, key: str) -> list[str]:
        """Every scalar value of a repeated key (e.g. several ``include:`` lines)."""
        return [v for k, v in self.items if k == key and isinstance(v, str)]

    def blocks(self, kind: str) -> list[Block]:
        return [v for k, v in self.items if k == kind and isinstance(v, Block)]

    def flag(self, key: str) -> bool:
        return (self.get(key) or "").lower() == "yes"


class LookmlSyntaxError(ValueError):
    """The LookML text cannot be parsed; the message names the file and line."""


def parse_lookml(text: str, source: str = "<lookml>") -> Block:
    """Parse one LookML file into a root block (kind ``file``) holding its top-level items."""
    return _Parser(text, source).parse()


def is_raw_key(key: str) -> bool:
    return key.startswith("sql") or key in RAW_KEYS


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0

    def parse(self) -> Block:
        root = Block("file", self.source, line=1)
        root.items = self._items(closing=False)
        return root

    # -- helpers -----------------------------------------------------------------------------------
    def _line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def _fail(self, what: str) -> LookmlSyntaxError:
        return LookmlSyntaxError(f"{self.source} line {self._line()}: {what}. Fix the LookML and restart.")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_space(self) -> None:
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch.isspace():
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end + 1
            else:
                return

    def _word(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and not (self.text[self.pos].isspace() or self.text[self.pos] in '{}[],:"#'):
            self.pos += 1
        if self.pos == start:
            raise self._fail(f"expected a name or value, found {self._peek()!r}")
        return self.text[start : self.pos]

    def _quoted(self) -> str:
        self.pos += 1  # opening quote
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if ch == '"':
                return "".join(out)
            out.append(ch)
        raise self._fail("unterminated string")

    def _scalar(self) -> str:
        return self._quoted() if self._peek() == '"' else self._word()

    # -- grammar -----------------------------------------------------------------------------------
    def _items(self, closing: bool) -> list[tuple[str, Value]]:
        items: list[tuple[str, Value]] = []
        while True:
            self._skip_space()
            ch = self._peek()
            if ch == "":
                if closing:
                    raise self._fail("missing '}'")
                return items
            if ch == "}":
                if not closing:
                    raise self._fail("unexpected '}'")
                self.pos += 1
                return items
            items.append(self._item())

    def _item(self) -> tuple[str, Value]:
        line = self._line()
        key = self._word()
        self._skip_space()
        if self._peek() != ":":
            raise self._fail(f"expected ':' after {key!r}")
        self.pos += 1
        if is_raw_key(key):
            end = self.text.find(";;", self.pos)
            if end < 0:
                raise self._fail(f"{key!r} is not terminated by ';;'")
            value = self.text[self.pos : end].strip()
            self.pos = end + 2
            return key, value
        self._skip_space()
        ch = self._peek()
        if ch == "{":
            self.pos += 1
            return key, Block(key, None, self._items(closing=True), line)
        if ch == "[":
            return key, self._list()
        value = self._scalar()
        self._skip_space()
        if self._peek() == "{":
            self.pos += 1
            return key, Block(key, value, self._items(closing=True), line)
        return key, value

    def _list(self) -> list[ListItem]:
        self.pos += 1  # [
        items: list[ListItem] = []
        while True:
            self._skip_space()
            ch = self._peek()
            if ch == "]":
                self.pos += 1
                return items
            if ch == ",":
                self.pos += 1
                continue
            if ch == "":
                raise self._fail("missing ']'")
            first = self._scalar()
            self._skip_space()
            if self._peek() == ":":  # `filters: [field: "value"]`
                self.pos += 1
                self._skip_space()
                items.append((first, self._scalar()))
            else:
                items.append(first)
