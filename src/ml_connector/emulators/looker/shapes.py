"""JSON shapes of Looker objects per the 4.0 spec (User, Role, DBConnection, Datagroup)
and the ``fields=`` response filter every GET accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ml_connector.emulators.looker.state import DatagroupState, EmulatorState
from ml_connector.emulators.looker.warehouse import CONNECTION_TESTS

API_USER_ID = "7"
ROLE_ID = "3"
DEFAULT_PERMISSIONS = [
    "access_data", "see_lookml_dashboards", "see_looks", "see_user_dashboards", "explore", "see_sql",
    "see_lookml", "download_with_limit", "download_without_limit", "schedule_look_emails",
    "schedule_external_look_emails", "send_outgoing_webhook", "see_schedules", "see_datagroups",
    "update_datagroups", "see_queries", "see_drill_overlay", "save_content", "create_table_calculations",
]  # fmt: skip


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def select_fields(value: Any, fields: str | None) -> Any:
    """Apply Looker's ``fields`` parameter, e.g. ``id,display_name,query(id,model)``."""
    if not fields:
        return value
    if isinstance(value, list):
        return [select_fields(v, fields) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, sub in _parse_fields(fields):
        if name in value:
            out[name] = select_fields(value[name], sub) if sub else value[name]
    return out


def _parse_fields(text: str) -> list[tuple[str, str | None]]:
    items: list[tuple[str, str | None]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text + ","):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            part = text[start:i].strip()
            start = i + 1
            if part:
                name, _, rest = part.partition("(")
                items.append((name.strip(), rest[:-1] if rest else None))
    return items


def user(state: EmulatorState) -> dict[str, Any]:
    url = f"{state.options.instance_url}/api/4.0/users/{API_USER_ID}"
    return {
        "can": {"show": True, "index": True, "show_details": True, "see_roles": True, "update": False},
        "avatar_url": "https://gravatar.lookercdn.com/avatar/0?s=156&d=blank",
        "avatar_url_without_sizing": "https://gravatar.lookercdn.com/avatar/0?d=blank",
        "credentials_api3": [
            {
                "can": {},
                "id": "12",
                "client_id": state.options.client_id,
                "created_at": "2026-01-05T09:00:00.000+00:00",
                "is_disabled": False,
                "type": "api3",
                "purpose": "ml-connector",
                "url": f"{url}/credentials_api3/12",
            }
        ],
        "credentials_embed": [],
        "display_name": "ML Connector API",
        "email": "ml-connector-api@example.com",
        "embed_group_space_id": None,
        "first_name": "ML Connector",
        "group_ids": ["1"],
        "home_folder_id": "1",
        "id": API_USER_ID,
        "is_disabled": False,
        "last_name": "API",
        "locale": "en",
        "looker_versions": [state.options.looker_version],
        "models_dir_validated": None,
        "personal_folder_id": "12",
        "presumed_looker_employee": False,
        "role_ids": [ROLE_ID],
        "sessions": [],
        "ui_state": None,
        "verified_looker_employee": False,
        "roles_externally_managed": False,
        "allow_direct_roles": True,
        "allow_normal_group_membership": True,
        "allow_roles_from_normal_groups": True,
        "embed_group_folder_id": None,
        "is_iam_admin": False,
        "can_manage_api3_creds": True,
        "is_service_account": False,
        "service_account_name": None,
        "url": url,
    }


def role(state: EmulatorState) -> dict[str, Any]:
    base = f"{state.options.instance_url}/api/4.0"
    return {
        "can": {"show": True, "index": True, "update": False},
        "id": ROLE_ID,
        "name": "ML Connector",
        "permission_set": {
            "can": {},
            "all_access": False,
            "built_in": False,
            "id": "4",
            "name": "ML Connector permissions",
            "permissions": list(state.options.permissions),
            "url": f"{base}/permission_sets/4",
        },
        "permission_set_id": "4",
        "model_set": {
            "can": {},
            "all_access": True,
            "built_in": True,
            "id": "1",
            "models": sorted(state.project.models),
            "name": "All",
            "url": f"{base}/model_sets/1",
        },
        "model_set_id": "1",
        "internal": False,
        "url": f"{base}/roles/{ROLE_ID}",
        "users_url": f"{base}/roles/{ROLE_ID}/users",
    }


def connection(state: EmulatorState) -> dict[str, Any]:
    wh = state.warehouse
    d = wh.describe()
    return {
        "can": {"index": True, "show": True, "test": True, "update": True, "destroy": True},
        "name": state.options.connection_name,
        "dialect": {
            "name": wh.dialect_name,
            "label": {"postgres": "PostgreSQL 9.5+", "duckdb": "DuckDB"}.get(wh.dialect_name, wh.dialect_name),
            "supports_cost_estimate": False,
            "cost_estimate_style": None,
            "persistent_table_indexes": "",
            "persistent_table_sortkeys": "",
            "persistent_table_distkey": "",
            "supports_streaming": True,
            "automatically_run_sql_runner_snippets": True,
            "connection_tests": list(CONNECTION_TESTS),
            "supports_inducer": False,
            "supports_multiple_databases": False,
            "supports_persistent_derived_tables": True,
            "has_ssl_support": wh.dialect_name == "postgres",
        },
        "snippets": [],
        "pdts_enabled": False,
        "host": d["host"],
        "port": d["port"],
        "username": d["username"],
        "password": None,  # write-only in Looker: never returned
        "has_password": d["has_password"],
        "uses_oauth": False,
        "uses_key_pair_auth": False,
        "uses_instance_oauth": False,
        "uses_service_auth": False,
        "certificate": None,
        "file_type": None,
        "database": d["database"],
        "db_timezone": "UTC",
        "query_timezone": "UTC",
        "schema": wh.schema,
        "max_connections": 30,
        "max_queries": None,
        "max_queries_per_user": None,
        "max_billing_gigabytes": None,
        "ssl": False,
        "verify_ssl": False,
        "tmp_db_name": None,
        "jdbc_additional_params": None,
        "pool_timeout": 120,
        "dialect_name": wh.dialect_name,
        "supports_data_studio_link": False,
        "created_at": "2026-01-05T09:00:00.000+00:00",
        "user_id": API_USER_ID,
        "example": False,
        "user_db_credentials": False,
        "user_attribute_fields": [],
        "maintenance_cron": None,
        "last_regen_at": None,
        "last_reap_at": None,
        "sql_runner_precache_tables": True,
        "sql_writing_with_info_schema": True,
        "after_connect_statements": None,
        "managed": False,
        "tunnel_id": None,
        "uses_tns": False,
        "pdt_concurrency": 1,
        "disable_context_comment": False,
        "oauth_application_id": None,
        "always_retry_failed_builds": False,
        "cost_estimate_enabled": False,
        "pdt_api_control_enabled": False,
        "connection_pooling": True,
        "default_bq_connection": False,
        "query_holding_disabled": False,
    }


def datagroup(d: DatagroupState) -> dict[str, Any]:
    return {
        "can": {"update": True},
        "created_at": d.created_at,
        "id": d.id,
        "model_name": d.model_name,
        "name": d.name,
        "stale_before": d.stale_before,
        "trigger_check_at": d.trigger_check_at,
        "trigger_error": d.trigger_error,
        "trigger_value": d.trigger_value,
        "triggered_at": d.triggered_at,
    }
