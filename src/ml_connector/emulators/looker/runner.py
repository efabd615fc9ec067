"""Running a saved Query: row limit rules, SQL compilation, the warehouse call, and Looker's result
cache keyed by query and invalidated through the explore's datagroup (``persist_with``)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from ml_connector.emulators.looker.compiler import CompiledQuery, QueryCompiler
from ml_connector.emulators.looker.errors import LookerApiError, validation_error
from ml_connector.emulators.looker.filters import today_from
from ml_connector.emulators.looker.state import DatagroupState, EmulatorState


@dataclass
class ResultSet:
    query: dict[str, Any]
    compiler: QueryCompiler
    compiled: CompiledQuery
    rows: list[tuple[Any, ...]]
    ran_at: float
    runtime: float
    from_cache: bool = False


def resolve_limit(state: EmulatorState, query_limit: Any, override: int | None) -> int | None:
    """Row limit: the run's ``limit`` param wins over the query's; none = 5,000; ``-1`` = unlimited."""
    raw = override if override is not None else query_limit
    if raw is None or str(raw).strip() == "":
        return state.options.default_row_limit
    try:
        limit = int(str(raw).strip())
    except ValueError:
        raise validation_error("limit", "invalid", f"Row limit {raw!r} is not a whole number.") from None
    if limit < 0:
        return None
    if limit == 0:
        return state.options.default_row_limit
    cap = state.options.max_row_limit
    return min(limit, cap) if cap else limit


def prepare(
    state: EmulatorState, query: dict[str, Any], limit_override: int | None = None
) -> tuple[QueryCompiler, CompiledQuery]:
    """Compile a query to SQL with its effective row limit (nothing runs yet)."""
    if query.get("pivots"):
        raise LookerApiError(400, "Pivoted queries are not supported by the Looker emulator; remove `pivots`.")
    if query.get("filter_expression"):
        raise LookerApiError(400, "Custom filter expressions are not supported by the Looker emulator.")
    limit = resolve_limit(state, query.get("limit"), limit_override)
    compiler = QueryCompiler(state.project, query["model"], query["view"], today_from(state.clock()))
    fields, filters = list(query.get("fields") or []), dict(query.get("filters") or {})
    return compiler, compiler.compile(fields, filters, list(query.get("sorts") or []), limit)


def run_query(
    state: EmulatorState, query: dict[str, Any], limit_override: int | None = None, use_cache: bool = True
) -> ResultSet:
    compiler, compiled = prepare(state, query, limit_override)
    datagroup = _datagroup_for(state, compiler) if state.options.result_cache else None
    key = (str(query.get("id")), compiled.limit)
    if datagroup is not None:
        _check_trigger(state, datagroup)
        cached: ResultSet | None = state.result_cache.get(key)
        if use_cache and cached is not None and _fresh(state, cached, datagroup):
            return replace(cached, from_cache=True)
    started = time.perf_counter()
    ran_at = state.clock()
    rows = state.warehouse.run(compiled.sql)
    result = ResultSet(query, compiler, compiled, rows, ran_at, time.perf_counter() - started)
    with state.lock:
        state.query_runs += 1
        if datagroup is not None:
            state.result_cache[key] = result
    return result


def _datagroup_for(state: EmulatorState, compiler: QueryCompiler) -> DatagroupState | None:
    name = compiler.explore.persist_with or compiler.model.persist_with
    return state.datagroup_by_name(compiler.model.name, name) if name else None


def _fresh(state: EmulatorState, cached: ResultSet, datagroup: DatagroupState) -> bool:
    # Second granularity, as the API's stale_before/triggered_at are whole UNIX seconds.
    cached_at = math.floor(cached.ran_at)
    for mark in (datagroup.stale_before, datagroup.triggered_at):
        if mark is not None and cached_at <= mark:
            return False
    model = state.project.models[datagroup.model_name]
    max_age = _seconds(model.datagroups[datagroup.name].max_cache_age)
    return max_age is None or state.clock() - cached.ran_at < max_age


def _check_trigger(state: EmulatorState, datagroup: DatagroupState) -> None:
    """Evaluate the datagroup's sql_trigger every check interval; a new value triggers it."""
    definition = state.project.models[datagroup.model_name].datagroups[datagroup.name]
    now = state.clock()
    if not definition.sql_trigger:
        return
    if datagroup.trigger_check_at is not None and now - datagroup.trigger_check_at < (
        state.options.datagroup_check_interval_s
    ):
        return
    try:
        rows = state.warehouse.run(definition.sql_trigger)
        value = None if not rows or rows[0][0] is None else str(rows[0][0])
        with state.lock:
            if datagroup.trigger_check_at is not None and value != datagroup.trigger_value:
                datagroup.triggered_at = int(now)
            datagroup.trigger_value, datagroup.trigger_error = value, None
    except LookerApiError as exc:
        datagroup.trigger_error = exc.message
    datagroup.trigger_check_at = int(now)


def _seconds(text: str | None) -> float | None:
    if not text:
        return None
    m = re.match(r"^\s*(\d+)\s*(second|minute|hour|day)s?\s*$", text, re.IGNORECASE)
    if not m:
        return None
    return int(m.group(1)) * {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[m.group(2).lower()]
