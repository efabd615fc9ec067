"""JSON shapes of LookML metadata, per the 4.0 spec: LookmlModel, LookmlModelNavExplore,
LookmlModelExplore, LookmlModelExploreField and LookmlModelExploreJoins."""

from __future__ import annotations

from typing import Any

from ml_connector.emulators.looker.compiler import QueryCompiler
from ml_connector.emulators.looker.project import Explore, Field, Model, Project, title_case


def view_label(compiler: QueryCompiler, alias: str) -> str:
    join = next((j for j in compiler.explore.joins if j.name == alias), None)
    if join is not None and join.view_label:
        return join.view_label
    return compiler.aliases[alias].label or title_case(alias)


def field_label(compiler: QueryCompiler, alias: str, f: Field) -> str:
    """The full label Looker puts in CSV headers: view label + field label."""
    return f"{view_label(compiler, alias)} {f.label_short}"


def explore_field(compiler: QueryCompiler, alias: str, f: Field, project_name: str) -> dict[str, Any]:
    name = f"{alias}.{f.name}"
    source = compiler.aliases[alias].source_file
    is_measure = f.category == "measure"
    sql = f.sql if f.sql is not None else (None if is_measure else "${TABLE}." + (f.group or f.name))
    return {
        "align": "right" if f.is_numeric else "left",
        "can_filter": True,
        "category": f.category,
        "default_filter_value": None,
        "description": f.description,
        "dimension_group": f"{alias}.{f.group}" if f.group else None,
        "enumerations": None,
        "error": None,
        "field_group_label": f.group_label,
        "field_group_variant": f.label_short,
        "fill_style": None,
        "fiscal_month_offset": 0,
        "has_allowed_values": False,
        "has_drills_metadata": False,
        "hidden": f.hidden,
        "is_filter": False,
        "is_fiscal": False,
        "is_numeric": f.is_numeric,
        "is_timeframe": f.timeframe is not None,
        "can_time_filter": f.timeframe is not None,
        "label": field_label(compiler, alias, f),
        "label_from_parameter": None,
        "label_short": f.label_short,
        "lookml_link": None,
        "links": [],
        "measure": is_measure,
        "name": name,
        "strict_value_format": False,
        "parameter": False,
        "permanent": None,
        "primary_key": f.primary_key,
        "project_name": project_name,
        "requires_refresh_on_sort": False,
        "scope": alias,
        "sortable": True,
        "source_file": source,
        "source_file_path": f"{project_name}/{source}",
        "sql": sql,
        "sql_case": None,
        "filters": [{"field": k, "condition": v} for k, v in f.filters] if f.filters else None,
        "suggest_dimension": name,
        "suggest_explore": compiler.explore.name,
        "suggestable": not is_measure,
        "suggestions": None,
        "synonyms": [],
        "tags": [],
        "type": f.type,
        "user_attribute_filter_types": ["advanced_filter_string", "string"] if not f.is_numeric else ["number"],
        "value_format": None,
        "value_format_name": f.value_format_name,
        "view": alias,
        "view_label": view_label(compiler, alias),
        "dynamic": False,
        "week_start_day": "monday",
        "times_used": 0,
        "original_view": compiler.aliases[alias].name,
        "datatype": "date" if f.timeframe else None,
        "convert_tz": False if f.timeframe else None,
    }


def nav_explore(explore: Explore) -> dict[str, Any]:
    return {
        "name": explore.name,
        "description": explore.description,
        "label": explore.label or title_case(explore.name),
        "hidden": explore.hidden,
        "group_label": explore.group_label,
    }


def lookml_model(model: Model, project: Project) -> dict[str, Any]:
    return {
        "can": {"index": True, "show": True, "create": True, "update": True, "destroy": True},
        "allowed_db_connection_names": [model.connection],
        "explores": [nav_explore(e) for e in model.explores.values()],
        "has_content": True,
        "label": model.label or title_case(model.name),
        "name": model.name,
        "project_name": project.name,
        "unlimited_db_connections": False,
    }


def lookml_explore(compiler: QueryCompiler, project: Project, dialect_name: str) -> dict[str, Any]:
    explore, model = compiler.explore, compiler.model
    dimensions: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    for alias, view in compiler.aliases.items():
        for f in view.fields.values():
            meta = explore_field(compiler, alias, f, project.name)
            (measures if f.category == "measure" else dimensions).append(meta)
    base = compiler.aliases[explore.name]
    files = sorted({model.source_file} | {v.source_file for v in compiler.aliases.values()})
    return {
        "id": f"{model.name}::{explore.name}",
        "name": explore.name,
        "description": explore.description,
        "label": explore.label or title_case(explore.name),
        "title": explore.label or title_case(explore.name),
        "scopes": list(compiler.aliases),
        "can_total": True,
        "can_develop": True,
        "can_see_lookml": True,
        "lookml_link": None,
        "can_save": True,
        "can_explain": False,
        "can_pivot_in_db": True,
        "can_subtotal": True,
        "has_timezone_support": True,
        "supports_cost_estimate": False,
        "connection_name": model.connection,
        "dialect_name": dialect_name,
        "null_sort_treatment": "low",
        "files": files,
        "source_file": model.source_file,
        "project_name": project.name,
        "model_name": model.name,
        "view_name": base.name,
        "hidden": explore.hidden,
        "sql_table_name": f"{base.sql_table_name or base.name} AS {explore.name}",
        "access_filter_fields": [],
        "access_filters": [],
        "aliases": [],
        "always_filter": [],
        "conditionally_filter": [],
        "index_fields": [f"{explore.name}.{base.primary_key.name}"] if base.primary_key else [],
        "sets": [],
        "tags": [],
        "errors": [],
        "fields": {"dimensions": dimensions, "measures": measures, "filters": [], "parameters": []},
        "joins": [
            {
                "name": j.name,
                "dependent_fields": [],
                "fields": None,
                "foreign_key": None,
                "from": j.view if j.view != j.name else None,
                "outer_only": False,
                "relationship": j.relationship,
                "required_joins": [],
                "sql_foreign_key": None,
                "sql_on": j.sql_on,
                "sql_table_name": compiler.aliases[j.name].sql_table_name,
                "type": j.type,
                "view_label": j.view_label,
            }
            for j in explore.joins
        ],
        "group_label": explore.group_label,
        "supported_measure_types": [],
        "always_join": [],
    }
