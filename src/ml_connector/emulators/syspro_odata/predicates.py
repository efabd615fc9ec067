"""Turns a parsed ``$filter`` into a date range on the table's storage order plus a row predicate.

The predicate is generated Python over row tuples; client values only ever enter it as bound
constants (``c0``, ``c1``...), never as source text, so a filter cannot inject code. Semantics follow
OData v4 on SQL Server data: comparisons with null are false (``eq null`` tests for null), trailing
spaces are ignored when comparing strings (``char(n)`` padding), dates compare as instants.
"""

from __future__ import annotations

import base64
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ODataQueryError
from .filters import BoolOp, Call, Compare, Literal, Node, Not, Prop
from .schema import Table
from .values import DateFormat

_PY_OP = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_LITERAL_KIND = {"string": "str", "number": "num", "datetime": "date", "binary": "binary", "bool": "bool"}
_EDM = {"str": "Edm.String", "num": "Edm.Decimal", "date": "Edm.DateTimeOffset", "binary": "Edm.Binary"}
Bound = tuple[str, bool]  # wire text, inclusive


@dataclass(frozen=True)
class CompiledFilter:
    """Rows to consider: ``low``/``high`` bound the date column (None = open); ``predicate`` tests the rest."""

    predicate: Callable[[tuple[Any, ...]], bool] | None = None
    low: Bound | None = None
    high: Bound | None = None
    empty: bool = False


class FilterCompiler:
    def __init__(self, table: Table, dates: DateFormat, *, case_insensitive: bool, binary_filters: bool) -> None:
        self.table, self.dates = table, dates
        self.case_insensitive, self.binary_filters = case_insensitive, binary_filters
        self.consts: dict[str, Any] = {}
        self.names = 0

    def compile(self, node: Node) -> CompiledFilter:
        terms = _and_terms(node)
        low: Bound | None = None
        high: Bound | None = None
        rest: list[str] = []
        for term in terms:
            bounds = self._range_term(term)
            if bounds is None:
                rest.append(self._bool(term))
                continue
            if isinstance(bounds, str):  # "empty": an impossible equality
                return CompiledFilter(empty=True)
            lo, hi = bounds
            low = _tighter(low, lo, high=False) if lo else low
            high = _tighter(high, hi, high=True) if hi else high
        if low and high and (low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1]))):
            return CompiledFilter(empty=True)
        if not rest:
            return CompiledFilter(None, low, high)
        source = "lambda r: " + " and ".join(rest)
        namespace: dict[str, Any] = {"__builtins__": {}, "_b64": base64.b64decode, **self.consts}
        predicate = eval(compile(source, "<$filter>", "eval"), namespace)  # noqa: S307 - constants are bound, not spliced
        return CompiledFilter(predicate, low, high)

    # -- range extraction on the storage date column ------------------------------------------
    def _range_term(self, term: Node) -> tuple[Bound | None, Bound | None] | str | None:
        date_column = self.table.date_column
        if not isinstance(term, Compare) or date_column is None:
            return None
        op, left, right = term.op, term.left, term.right
        if isinstance(left, Literal) and isinstance(right, Prop):
            op, left, right = _FLIP[op], right, left
        if not (isinstance(left, Prop) and left.name == date_column and isinstance(right, Literal)):
            return None
        if right.kind != "datetime" or op == "ne":
            return None
        floor, exact = self.dates.floor(right.value)
        if op == "eq":
            return ((floor, True), (floor, True)) if exact else "empty"
        if op in ("ge", "gt"):
            return ((floor, op == "ge") if exact else (self.dates.ceil(right.value), True)), None
        return None, ((floor, op == "le") if exact else (floor, True))

    # -- code generation ----------------------------------------------------------------------
    def _const(self, value: Any) -> str:
        name = f"c{len(self.consts)}"
        self.consts[name] = value
        return name

    def _var(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def _bool(self, node: Node) -> str:
        if isinstance(node, BoolOp):
            return f"({self._bool(node.left)} {node.op} {self._bool(node.right)})"
        if isinstance(node, Not):
            return f"(not {self._bool(node.operand)})"
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, Call) and node.name in ("contains", "startswith", "endswith"):
            return self._like(node)
        if isinstance(node, Literal) and node.kind == "bool":
            return "True" if node.value else "False"
        raise ODataQueryError(f"$filter must be a true/false expression; {_describe(node)} is not.")

    def _value(self, node: Node) -> tuple[str, str]:
        """Python source of a value expression and its kind (str, num, date, binary, bool, null)."""
        if isinstance(node, Prop):
            if not self.table.has(node.name):
                raise ODataQueryError(
                    f"Could not find a property named '{node.name}' on type 'SYSPRO.{self.table.name}'."
                )
            column = self.table.column(node.name)
            return f"r[{self.table.index(node.name)}]", column.kind
        if isinstance(node, Literal):
            if node.kind == "null":
                return "None", "null"
            return self._const(node.value), _LITERAL_KIND[node.kind]
        if isinstance(node, Call) and node.name in ("tolower", "toupper", "trim"):
            source, kind = self._value(node.args[0])
            self._expect("str", kind, node.name)
            var, method = self._var(), {"tolower": "lower", "toupper": "upper", "trim": "strip"}[node.name]
            return f"(None if ({var} := {source}) is None else {var}.{method}())", "str"
        raise ODataQueryError(f"{_describe(node)} cannot be used as a value in $filter.")

    def _expect(self, want: str, got: str, where: str) -> None:
        if got != want and got != "null":
            raise ODataQueryError(f"{where} needs an {_EDM.get(want, want)} operand, got {_EDM.get(got, got)}.")

    def _compare(self, node: Compare) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Literal):
            return self._fold_literals(op, left, right)
        if isinstance(left, Literal):
            op, left, right = _FLIP[op], right, left
        lsrc, lkind = self._value(left)
        if isinstance(right, Literal) and right.kind == "null":
            return {"eq": f"({lsrc} is None)", "ne": f"({lsrc} is not None)"}.get(op, "False")
        if isinstance(right, Literal) and right.kind == "datetime" and lkind == "date":
            return self._compare_date(op, lsrc, right)
        a = self._var()
        if isinstance(right, Literal):
            self._check_types(op, lkind, _LITERAL_KIND[right.kind])
            const = self._const(self._fold(right.value) if lkind == "str" else right.value)
            test = f"{self._normal(a, lkind)} {_PY_OP[op]} {const}"
            if op == "ne":
                return f"(({a} := {lsrc}) is None or {test})"
            return f"(({a} := {lsrc}) is not None and {test})"
        rsrc, rkind = self._value(right)
        self._check_types(op, lkind, rkind)
        b = self._var()
        test = f"{self._normal(a, lkind)} {_PY_OP[op]} {self._normal(b, rkind)}"
        if op == "ne":
            return f"(({a} := {lsrc}) is None or ({b} := {rsrc}) is None or {test})"
        return f"(({a} := {lsrc}) is not None and ({b} := {rsrc}) is not None and {test})"

    def _check_types(self, op: str, lkind: str, rkind: str) -> None:
        if lkind != rkind:
            raise ODataQueryError(
                f"A binary operator with incompatible types was detected. Found operand types "
                f"'{_EDM.get(lkind, lkind)}' and '{_EDM.get(rkind, rkind)}' for operator kind '{op}'."
            )
        if lkind == "binary" and not self.binary_filters:
            raise ODataQueryError("Filtering on Edm.Binary properties (TimeStamp) is not supported by this service.")

    def _fold_literals(self, op: str, left: Literal, right: Literal) -> str:
        """Both sides constant: decide now (null compares equal only to null)."""
        if left.kind == "null" or right.kind == "null":
            same = left.kind == right.kind
            return {"eq": str(same), "ne": str(not same)}.get(op, "False")
        self._check_types(op, _LITERAL_KIND[left.kind], _LITERAL_KIND[right.kind])
        return str(bool(getattr(operator, op)(left.value, right.value)))

    def _compare_date(self, op: str, source: str, literal: Literal) -> str:
        floor, exact = self.dates.floor(literal.value)
        if not exact:
            if op in ("eq", "ne"):
                return "False" if op == "eq" else "True"
            op, floor = ("ge", self.dates.ceil(literal.value)) if op in ("gt", "ge") else ("le", floor)
        var, const = self._var(), self._const(floor)
        if op == "ne":
            return f"(({var} := {source}) is None or {var} != {const})"
        return f"(({var} := {source}) is not None and {var} {_PY_OP[op]} {const})"

    def _normal(self, var: str, kind: str) -> str:
        if kind == "str":
            return f"{var}.rstrip().casefold()" if self.case_insensitive else f"{var}.rstrip()"
        return f"_b64({var})" if kind == "binary" else var

    def _fold(self, text: str) -> str:
        return text.rstrip().casefold() if self.case_insensitive else text.rstrip()

    def _like(self, node: Call) -> str:
        (hay, hkind), (needle, nkind) = self._value(node.args[0]), self._value(node.args[1])
        self._expect("str", hkind, node.name)
        self._expect("str", nkind, node.name)
        a, b = self._var(), self._var()
        fold = ".casefold()" if self.case_insensitive else ""
        test = {
            "contains": f"{b}{fold} in {a}{fold}",
            "startswith": f"{a}{fold}.startswith({b}{fold})",
            "endswith": f"{a}{fold}.endswith({b}{fold})",
        }[node.name]
        return f"(({a} := {hay}) is not None and ({b} := {needle}) is not None and {test})"


def _and_terms(node: Node) -> list[Node]:
    if isinstance(node, BoolOp) and node.op == "and":
        return _and_terms(node.left) + _and_terms(node.right)
    return [node]


def _tighter(current: Bound | None, new: Bound, *, high: bool) -> Bound:
    if current is None or (current[0] == new[0] and current[1] == new[1]):
        return new
    if current[0] == new[0]:
        return (new[0], False)  # one of them is exclusive: the stricter wins
    pick = operator.lt if high else operator.gt
    return new if pick(new[0], current[0]) else current


def _describe(node: Node) -> str:
    if isinstance(node, Prop):
        return f"property '{node.name}'"
    if isinstance(node, Literal):
        return f"literal {node.value!r}"
    if isinstance(node, Call):
        return f"function {node.name}()"
    return "expression"
