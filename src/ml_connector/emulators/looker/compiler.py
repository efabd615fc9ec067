"""Turns a Looker Query (model, explore, fields, filters, sorts, limit) into warehouse SQL the way
Looker does: selected dimensions grouped, measures aggregated, only the joins the query needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ml_connector.emulators.looker.errors import LookerApiError, not_found
from ml_connector.emulators.looker.filters import filter_predicate
from ml_connector.emulators.looker.project import Explore, Field, Model, Project, View

_SIMPLE = re.compile(r'[\w."]+')
_REF = re.compile(r"\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}")


@dataclass
class Column:
    """One selected field: its qualified name (``view.field``) and definition."""

    name: str
    field: Field
    alias_view: str  # the explore/join alias the field is reached through


@dataclass
class CompiledQuery:
    sql: str
    columns: list[Column]
    limit: int | None
    sorts: list[str] = field(default_factory=list)


class QueryCompiler:
    """Compiles queries for one explore of one model."""

    def __init__(self, project: Project, model_name: str, explore_name: str, today: date) -> None:
        self.project_name = project.name
        self.today = today  # relative date filters ("last 7 days") use the emulator clock
        model = project.models.get(model_name)
        if model is None:
            raise LookerApiError(404, f"Model {model_name!r} not found. Known models: {sorted(project.models)}.")
        explore = model.explores.get(explore_name)
        if explore is None:
            raise not_found()
        self.model: Model = model
        self.explore: Explore = explore
        views = project.views_for(model)
        self.aliases: dict[str, View] = {}
        for alias, view_name in [(explore.name, explore.view)] + [(j.name, j.view) for j in explore.joins]:
            view = views.get(view_name)
            if view is None:
                raise LookerApiError(
                    400, f"Explore {explore.name!r} uses view {view_name!r}, which model {model.name!r} lacks."
                )
            self.aliases[alias] = view

    # -- field lookup and SQL expansion ------------------------------------------------------------
    def resolve(self, qualified: str) -> Column:
        alias, _, name = qualified.partition(".")
        view = self.aliases.get(alias)
        if view is None or name not in view.fields:
            raise LookerApiError(400, f"Unknown field {qualified!r} in explore {self.model.name}::{self.explore.name}.")
        return Column(qualified, view.fields[name], alias)

    def table_sql(self, alias: str) -> str:
        view = self.aliases[alias]
        if view.derived_sql:
            return f"({view.derived_sql})"
        return view.sql_table_name or view.name

    def expand(self, sql: str, alias: str, seen: frozenset[str] = frozenset()) -> str:
        """Replace ``${TABLE}``, ``${field}`` and ``${view.field}`` references with SQL."""

        def sub(m: re.Match[str]) -> str:
            first, second = m.group(1), m.group(2)
            if second is None and first == "TABLE":
                return alias
            target = f"{first}.{second}" if second else f"{alias}.{first}"
            if target in seen:
                raise LookerApiError(400, f"Field {target!r} references itself.")
            col = self.resolve(target)
            return self.field_sql(col, seen | {target})

        return _REF.sub(sub, sql)

    def dimension_base(self, col: Column, seen: frozenset[str] = frozenset()) -> str:
        f = col.field
        raw = f.sql if f.sql is not None else "${TABLE}." + (f.group or f.name)
        sql = self.expand(raw, col.alias_view, seen)
        return sql if _SIMPLE.fullmatch(sql) else f"({sql})"

    def field_sql(self, col: Column, seen: frozenset[str] = frozenset()) -> str:
        f = col.field
        if f.category == "measure":
            return self._measure_sql(col, seen)
        base = self.dimension_base(col, seen)
        if f.timeframe is not None:
            return _timeframe_sql(f.timeframe, base)
        if f.type == "date":
            return f"CAST({base} AS DATE)"
        if f.type == "time":
            return f"CAST({base} AS TIMESTAMP)"
        if f.type == "yesno":
            return f"CASE WHEN {base} THEN 'Yes' ELSE 'No' END"
        return base

    def _measure_sql(self, col: Column, seen: frozenset[str]) -> str:
        f = col.field
        inner = self.expand(f.sql, col.alias_view, seen) if f.sql is not None else None
        if f.type == "number":
            if inner is None:
                raise LookerApiError(400, f"Measure {col.name!r} of type number needs sql.")
            return f"({inner})"
        if f.type == "count" and inner is None:
            pk = self.aliases[col.alias_view].primary_key
            inner = self.field_sql(Column(f"{col.alias_view}.{pk.name}", pk, col.alias_view)) if pk else None
        if f.filters:
            conditions = " AND ".join(self._measure_filter(col, name, value) for name, value in f.filters)
            inner = f"CASE WHEN {conditions} THEN {inner if inner is not None else 1} ELSE NULL END"
        if f.type == "count":
            return f"COUNT(DISTINCT {inner})" if inner is not None else "COUNT(*)"
        if inner is None:
            raise LookerApiError(400, f"Measure {col.name!r} of type {f.type} needs sql.")
        aggregates = {
            "count_distinct": f"COUNT(DISTINCT {inner})",
            "sum": f"COALESCE(SUM({inner}), 0)",
            "average": f"AVG({inner})",
            "min": f"MIN({inner})",
            "max": f"MAX({inner})",
        }
        if f.type not in aggregates:
            raise LookerApiError(400, f"Measure type {f.type!r} of {col.name!r} is not supported by the emulator.")
        return aggregates[f.type]

    def _measure_filter(self, col: Column, name: str, value: str) -> str:
        target = name if "." in name else f"{col.alias_view}.{name}"
        return self.predicate(self.resolve(target), value)

    def predicate(self, col: Column, value: str) -> str:
        f, today = col.field, self.today
        if f.timeframe is not None:
            return filter_predicate(f"CAST({self.dimension_base(col)} AS DATE)", "date", value, col.name, today)
        kind = "number" if f.is_numeric else {"date": "date", "time": "date", "yesno": "yesno"}.get(f.type)
        return filter_predicate(self.field_sql(col), kind or "string", value, col.name, today)

    # -- whole query -------------------------------------------------------------------------------
    def compile(self, fields: list[str], filters: dict[str, str], sorts: list[str], limit: int | None) -> CompiledQuery:
        if not fields:
            raise LookerApiError(400, "The query selects no fields. Add at least one field.")
        columns = [self.resolve(name) for name in dict.fromkeys(fields)]
        filter_cols = [(self.resolve(name), value) for name, value in filters.items() if value is not None]
        select = [f'    {self.field_sql(c)} AS "{c.name}"' for c in columns]
        where = [self.predicate(c, v) for c, v in filter_cols if c.field.category == "dimension"]
        having = [self.predicate(c, v) for c, v in filter_cols if c.field.category == "measure"]
        if self.explore.sql_always_where:
            where.insert(0, self.expand(self.explore.sql_always_where, self.explore.name))
        dims = [i + 1 for i, c in enumerate(columns) if c.field.category == "dimension"]
        has_measure = len(dims) < len(columns)
        needed = {c.alias_view for c in columns} | {c.alias_view for c, _ in filter_cols}
        sql = ["SELECT", ",\n".join(select), f"FROM {self.table_sql(self.explore.name)} AS {self.explore.name}"]
        sql += self._joins(needed)
        if where:
            sql.append("WHERE " + "\n  AND ".join(f"({w})" for w in where))
        if dims and has_measure:
            sql.append("GROUP BY " + ", ".join(str(i) for i in dims))
        if having:
            sql.append("HAVING " + "\n  AND ".join(f"({h})" for h in having))
        order, applied = self._order(columns, sorts)
        if order:
            sql.append("ORDER BY " + ", ".join(order))
        if limit is not None:
            sql.append(f"LIMIT {limit}")
        return CompiledQuery("\n".join(sql), columns, limit, applied)

    def _joins(self, needed: set[str]) -> list[str]:
        joins = {j.name: j for j in self.explore.joins}
        required: set[str] = set()
        pending = [a for a in needed if a in joins]
        while pending:  # a join's sql_on may reach through another join
            name = pending.pop()
            if name in required:
                continue
            required.add(name)
            for m in _REF.finditer(joins[name].sql_on or ""):
                if m.group(2) and m.group(1) in joins:
                    pending.append(m.group(1))
        out = []
        for join in self.explore.joins:  # declaration order, as Looker writes them
            if join.name in required:
                kind = {"inner": "INNER", "full_outer": "FULL OUTER", "cross": "CROSS"}.get(join.type, "LEFT")
                on = f" ON {self.expand(join.sql_on, join.name)}" if join.sql_on and kind != "CROSS" else ""
                out.append(f"{kind} JOIN {self.table_sql(join.name)} AS {join.name}{on}")
        return out

    def _order(self, columns: list[Column], sorts: list[str]) -> tuple[list[str], list[str]]:
        if sorts == ["__UNSORTED__"]:
            return [], []
        positions = {c.name: i + 1 for i, c in enumerate(columns)}
        order, applied = [], []
        for spec in sorts:
            parts = spec.split()
            if not parts or parts[0] not in positions:
                continue
            desc = len(parts) > 1 and parts[1].lower() == "desc"
            order.append(f"{positions[parts[0]]} {'DESC' if desc else 'ASC'}")
            applied.append(f"{parts[0]} desc" if desc else parts[0])
        if order:
            return order, applied
        # Looker's default sort: newest time dimension first, else first measure desc, else first dim.
        for c in columns:
            if c.field.timeframe is not None or c.field.type in ("date", "time"):
                return [f"{positions[c.name]} DESC"], [f"{c.name} desc"]
        for c in columns:
            if c.field.category == "measure":
                return [f"{positions[c.name]} DESC"], [f"{c.name} desc"]
        return [f"{positions[columns[0].name]} ASC"], [columns[0].name]


def _timeframe_sql(timeframe: str, base: str) -> str:
    return {
        "raw": base,
        "time": f"CAST({base} AS TIMESTAMP)",
        "date": f"CAST({base} AS DATE)",
        "week": f"CAST(DATE_TRUNC('week', {base}) AS DATE)",
        "month": f"CAST(DATE_TRUNC('month', {base}) AS DATE)",
        "quarter": f"CAST(DATE_TRUNC('quarter', {base}) AS DATE)",
        "year": f"CAST(EXTRACT(YEAR FROM {base}) AS INTEGER)",
    }.get(timeframe, f"CAST({base} AS DATE)")
