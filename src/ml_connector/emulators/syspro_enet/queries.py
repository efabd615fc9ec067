"""Query-class business objects of the emulator: COMFND (``/Query/Query``: Where / OrderBy /
ReturnRows), COMFCH (``/Query/Fetch``: one row by key) and COMBRW (``/Query/Browse``: key paging).
Shapes: docs/PROTOCOLS.md (SYSPRO e.net). Comparisons follow a case-insensitive SQL collation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet.schema import (
    TABLES,
    Col,
    canonical_column,
    canonical_table,
    data_type,
    render,
)
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import answer_root, number, sub, text_of


class QueryError(Exception):
    """Answered as an XML document with an ErrorDescription ([I]: wording not recorded)."""


def error_answer(root_tag: str, message: str) -> Element:
    root = answer_root(root_tag)
    sub(root, "ErrorDescription", message)
    return root


def _compare(col: Col, stored: Any, op: str, literal: str) -> bool:
    left: Any
    right: Any
    if col.kind == "rowversion":
        try:
            left, right = int(stored or 0), int(literal.strip(), 16)
        except ValueError:
            return False
    elif col.kind == "decimal":
        left, right = Decimal(stored if stored is not None else 0), number(literal)
        if right is None:
            return False
    elif col.kind == "date":
        try:
            left, right = stored, date.fromisoformat(literal.strip())
        except ValueError:
            return False
        if left is None:
            return False
    else:
        left, right = str(stored or "").rstrip().casefold(), literal.rstrip().casefold()
        if op == "LIKE":
            pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in right)
            return re.fullmatch(pattern, left, flags=re.DOTALL) is not None
    ops = {"EQ": left == right, "NE": left != right, "LT": left < right, "LE": left <= right,
           "GT": left > right, "GE": left >= right, "LIKE": left == right}  # fmt: skip
    if op not in ops:
        raise QueryError(f"Condition '{op}' is not valid")
    return bool(ops[op])


def _where(table: str, query: Element) -> list[tuple[str, Any]]:
    """Expressions as tokens: ("(",), ("and"/"or",), ("test", column, op, value), (")",)."""
    tokens: list[tuple[str, Any]] = []
    where = query.find("Where")
    for index, expression in enumerate([] if where is None else where.findall("Expression")):
        if index:
            tokens.append(((text_of(expression, "AndOr") or "And").lower(), None))
        tokens.extend(("(", None) for _ in (text_of(expression, "OpenBracket") or ""))
        column = canonical_column(table, text_of(expression, "Column") or "")
        if column is None:
            raise QueryError(f"Column '{text_of(expression, 'Column')}' not found in table {table}")
        op = (text_of(expression, "Condition") or "EQ").upper()
        tokens.append(("test", (column, op, text_of(expression, "Value") or "")))
        tokens.extend((")", None) for _ in (text_of(expression, "CloseBracket") or ""))
    return tokens


def _evaluate(tokens: list[tuple[str, Any]], table: str, row: dict[str, Any]) -> bool:
    """Recursive descent: OR of ANDs of (bracketed) tests."""
    position = 0
    columns = TABLES[table][1]

    def disjunction() -> bool:
        nonlocal position
        result = conjunction()
        while position < len(tokens) and tokens[position][0] == "or":
            position += 1
            result = conjunction() or result
        return result

    def conjunction() -> bool:
        nonlocal position
        result = primary()
        while position < len(tokens) and tokens[position][0] == "and":
            position += 1
            result = primary() and result
        return result

    def primary() -> bool:
        nonlocal position
        kind, payload = tokens[position]
        position += 1
        if kind == "(":
            result = disjunction()
            if position < len(tokens) and tokens[position][0] == ")":
                position += 1
            return result
        if kind != "test":
            raise QueryError("Where expressions are not well formed")
        column, op, value = payload
        return _compare(columns[column], row.get(column), op, value)

    return disjunction() if tokens else True


def _sort_value(col: Col, value: Any) -> Any:
    if col.kind in ("varchar", "char"):
        return str(value or "").rstrip().casefold()
    if col.kind == "date":
        return value or date.min
    return value if value is not None else 0


def _columns(table: str, query: Element, path: str) -> list[str]:
    found: list[str] = []
    for node in query.findall(path):
        column = canonical_column(table, node.text or "")
        if column is None:
            raise QueryError(f"Column '{node.text}' not found in table {table}")
        found.append(column)
    return found


def comfnd(state: EnetState, xml_in: Element) -> Element:
    table = canonical_table(text_of(xml_in, "TableName") or "")
    if table is None:
        return error_answer("Query", f"Table '{text_of(xml_in, 'TableName')}' not found")
    schema = TABLES[table][1]
    try:
        columns = _columns(table, xml_in, "Columns/Column") or list(schema)
        order = _columns(table, xml_in, "OrderBy/Column")
        tokens = _where(table, xml_in)
        matched = [row for row in state.rows(table) if _evaluate(tokens, table, row)]
    except QueryError as exc:
        return error_answer(table, str(exc))
    for column in reversed(order or list(TABLES[table][0])):
        col = schema[column]
        matched.sort(key=lambda row, c=column, k=col: _sort_value(k, row.get(c)))  # type: ignore[misc]
    limit = number(text_of(xml_in, "ReturnRows"))
    if limit is not None and limit > 0:
        matched = matched[: int(limit)]
    root = answer_root(table)
    header = sub(root, "HeaderDetails")
    sub(header, "TableName", table)
    header_columns = sub(header, "Columns")
    for column in columns:
        sub(header_columns, "Column", column)
    header_order = sub(header, "OrderBy")
    for column in order:
        sub(header_order, "Column", column)
    for row in matched:
        out = sub(root, "Row")
        for column in columns:
            sub(out, column, render(schema[column], row.get(column)))
    sub(root, "RowsReturned", str(len(matched)).rjust(8))
    return root


def comfch(state: EnetState, xml_in: Element) -> Element:
    table = canonical_table(text_of(xml_in, "TableName") or "")
    if table is None:
        return error_answer("Fetch", f"Table '{text_of(xml_in, 'TableName')}' not found")
    key_columns, schema = TABLES[table]
    if len(key_columns) != 1:
        return error_answer(table, f"Fetch by key is not supported for table {table}")
    key = text_of(xml_in, "Key") or ""
    row = state.get(table, key)
    if row is None:
        return error_answer(table, f"Key '{key}' not found in table {table}")
    root = answer_root(table)
    for column, col in schema.items():
        if col.kind != "rowversion":  # COMFCH omits TimeStamp (syspro-qad.md §6.11)
            sub(root, column, render(col, row.get(column)))
    return root


def combrw(state: EnetState, xml_in: Element) -> Element:
    name = (text_of(xml_in, "BrowseName") or "").lower()
    table = next((t for t in TABLES if name.endswith(t.lower())), None)
    if table is None or len(TABLES[table][0]) != 1:
        return error_answer("Browse", f"Browse '{text_of(xml_in, 'BrowseName')}' not found")
    (key_column,), schema = TABLES[table]
    ordered = sorted(state.rows(table), key=lambda r: str(r[key_column]).casefold())
    start = (text_of(xml_in, "StartAtKey") or "").casefold()
    first = next((i for i, r in enumerate(ordered) if str(r[key_column]).casefold() >= start), len(ordered))
    size = int(number(text_of(xml_in, "ReturnRows")) or 30)
    page = ordered[first : first + size]
    columns = [c for c, col in schema.items() if col.kind != "rowversion"]
    root = answer_root(table)
    sub(root, "Title", table)
    for row in page:
        out = sub(root, "Row")
        for column in columns:
            cell = sub(out, column)
            sub(cell, "Value", render(schema[column], row.get(column)))
            sub(cell, "DataType", data_type(schema[column]))
    more = first + size < len(ordered)
    keys = sub(root, "NextPrevKey")
    sub(keys, "PrevKey", str(page[0][key_column]) if page else "")
    sub(keys, "NextKey", str(ordered[first + size][key_column]) if more else "")
    sub(keys, "Fwd", "True" if more else "False")
    sub(keys, "Back", "True" if first > 0 else "False")
    details = sub(root, "HeaderDetails")
    for column in columns:
        sub(details, "Header", column)
    sub(details, "Key", key_column)
    sub(details, "Table", table)
    return root
