"""Result formats of the run endpoints: json, json_label, json_detail, json_bi, inline_json, csv, txt,
md, html and sql, with the Content-Type each is served with."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson

from ml_connector.emulators.looker.compiler import Column
from ml_connector.emulators.looker.errors import LookerApiError
from ml_connector.emulators.looker.lookml_shapes import explore_field, field_label
from ml_connector.emulators.looker.runner import ResultSet

JSON = "application/json"
MEDIA_TYPES = {
    "json": JSON,
    "json_label": JSON,
    "json_detail": JSON,
    "json_bi": JSON,
    "inline_json": JSON,
    "csv": "text/csv",
    "txt": "text/plain",
    "md": "text/plain",
    "sql": "text/plain",
    "html": "text/html",
}
IMAGE_FORMATS = {"png", "jpg", "xlsx", "gsxml", "odc", "json_fe"}


def check_format(result_format: str) -> None:
    if result_format in MEDIA_TYPES:
        return
    if result_format in IMAGE_FORMATS:
        raise LookerApiError(400, f"Result format {result_format!r} is not produced by the Looker emulator.")
    raise LookerApiError(400, f"Unknown result format {result_format!r}. Use one of {sorted(MEDIA_TYPES)}.")


def cell_value(col: Column, value: Any) -> Any:
    """A database value as Looker serializes it (dates as text, months as YYYY-MM, decimals as numbers)."""
    if value is None:
        return None
    timeframe = col.field.timeframe
    if isinstance(value, datetime):
        if timeframe not in ("date", "week", "month", "quarter"):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        value = value.date()
    if isinstance(value, date):
        if timeframe == "month":
            return f"{value.year:04d}-{value.month:02d}"
        if timeframe == "quarter":
            return f"{value.year:04d}-Q{(value.month - 1) // 3 + 1}"
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and col.field.type == "count" else float(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def records(result: ResultSet, key: str = "name") -> list[dict[str, Any]]:
    cols = result.compiled.columns
    names = [c.name if key == "name" else _label(result, c) for c in cols]
    return [{n: cell_value(c, v) for n, c, v in zip(names, cols, row, strict=True)} for row in result.rows]


def _label(result: ResultSet, col: Column) -> str:
    return field_label(result.compiler, col.alias_view, col.field)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _delimited(result: ResultSet, delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    cols = result.compiled.columns
    writer.writerow([_label(result, c) for c in cols])
    for row in result.rows:
        writer.writerow([_text(cell_value(c, v)) for c, v in zip(cols, row, strict=True)])
    return out.getvalue()


def _markdown(result: ResultSet) -> str:
    cols = result.compiled.columns
    lines = ["| " + " | ".join(_label(result, c) for c in cols) + " |", "|" + " --- |" * len(cols)]
    for row in result.rows:
        cells = [_text(cell_value(c, v)).replace("|", "\\|") for c, v in zip(cols, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _html(result: ResultSet) -> str:
    cols = result.compiled.columns
    head = "".join(f"<th>{html.escape(_label(result, c))}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_text(cell_value(c, v)))}</td>" for c, v in zip(cols, row, strict=True))
        + "</tr>\n"
        for row in result.rows
    )
    return f"<table>\n<tr>{head}</tr>\n{body}</table>\n"


def field_metadata(result: ResultSet) -> dict[str, list[dict[str, Any]]]:
    project = result.compiler.project_name
    sorted_fields = {s.split()[0]: i for i, s in enumerate(result.compiled.sorts)}
    out: dict[str, list[dict[str, Any]]] = {"dimensions": [], "measures": [], "table_calculations": [], "pivots": []}
    for c in result.compiled.columns:
        meta = explore_field(result.compiler, c.alias_view, c.field, project)
        if c.name in sorted_fields:
            desc = f"{c.name} desc" in result.compiled.sorts
            meta["sorted"] = {"desc": desc, "sort_index": sorted_fields[c.name]}
        out["measures" if c.field.category == "measure" else "dimensions"].append(meta)
    return out


def _json_detail(result: ResultSet) -> dict[str, Any]:
    data = [{k: {"value": v} for k, v in row.items()} for row in records(result)]
    filters = result.query.get("filters") or {}
    return {
        "id": result.query.get("id"),
        "from_cache": result.from_cache,
        "added_params": {"sorts": result.compiled.sorts},
        "ran_at": datetime.fromtimestamp(result.ran_at, tz=UTC).isoformat(),
        "runtime": f"{result.runtime:.3f}",
        "sql": result.compiled.sql,
        "fields": field_metadata(result),
        "fill_fields": [],
        "has_totals": False,
        "has_row_totals": False,
        "applied_filters": {k: {"value": v} for k, v in filters.items()},
        "applied_filter_expression": None,
        "number_format": None,
        "explore": {"name": result.compiler.explore.name},
        "timezone": result.query.get("query_timezone") or "UTC",
        "null_sort_treatment": "low",
        "data": data,
        "drill_menu_build_time": 0.0,
        "expired": False,
        "supports_pivot_in_db": True,
        "errors": [],
    }


def _json_bi(result: ResultSet) -> dict[str, Any]:
    meta = field_metadata(result)
    bi_keys = [*("sql", "view", "dimension_group", "category", "field_group_label", "name", "type")]
    bi_keys += ["view_label", "label", "field_group_variant", "hidden", "description"]
    fields = {k: [{key: f.get(key) for key in bi_keys} for f in v] for k, v in meta.items()}
    fields["table_calculations"] = []
    filters = result.query.get("filters") or {}
    return {
        "metadata": {
            "big_query_metadata": {"total_bytes_processed": 0, "backend_cache_hit": False},
            "fields": fields,
            "pivots": [],
            "has_subtotals": False,
            "has_totals": False,
            "columns_truncated": "false",
            "filter_expression": result.query.get("filter_expression"),
            "filters": {k: str(v) for k, v in filters.items()},
            "sql": result.compiled.sql,
        },
        "rows": records(result),
    }


def render(result: ResultSet, result_format: str) -> tuple[bytes, str]:
    """The response body and media type of a result in ``result_format``."""
    check_format(result_format)
    media = MEDIA_TYPES[result_format]
    if result_format == "json":
        return orjson.dumps(records(result)), media
    if result_format == "json_label":
        return orjson.dumps(records(result, key="label")), media
    if result_format == "inline_json":
        return orjson.dumps({"data": orjson.dumps(records(result)).decode()}), media
    if result_format == "json_detail":
        return orjson.dumps(_json_detail(result)), media
    if result_format == "json_bi":
        return orjson.dumps(_json_bi(result)), media
    text = {
        "csv": lambda: _delimited(result, ","),
        "txt": lambda: _delimited(result, "\t"),
        "md": lambda: _markdown(result),
        "html": lambda: _html(result),
        "sql": lambda: result.compiled.sql,
    }[result_format]()
    return text.encode(), media
