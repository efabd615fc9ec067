"""Pydantic models for the Looker API 4.0 payloads this connector reads and writes.

Names follow the spec's schemas (``components.schemas`` in ``looker.4.0.oas.json``). Unknown fields are
kept (``extra="allow"``); ids are strings in 4.0, and numbers from older instances are coerced to strings.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LookerModel(BaseModel):
    """Base for every Looker payload: tolerant of new fields, ids always strings."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)


class AccessToken(LookerModel):
    """``POST /login`` answer. API-key logins return no refresh token."""

    access_token: str
    token_type: str | None = None
    expires_in: int = 3600
    refresh_token: str | None = None


class LookerApiError(LookerModel):
    """The spec's ``Error`` and ``ValidationError`` bodies (4xx/5xx)."""

    message: str | None = None
    documentation_url: str | None = None
    errors: list[ValidationErrorDetail] | None = None


class ValidationErrorDetail(LookerModel):
    """One entry of ``ValidationError.errors`` (sent with 422)."""

    field: str | None = None
    code: str | None = None
    message: str | None = None
    documentation_url: str | None = None


class LookerUser(LookerModel):
    """``GET /user`` (operation ``me``)."""

    id: str
    display_name: str | None = None
    email: str | None = None
    is_disabled: bool = False
    is_service_account: bool | None = None
    role_ids: list[str] = Field(default_factory=list)
    group_ids: list[str] = Field(default_factory=list)


class PermissionSet(LookerModel):
    id: str | None = None
    name: str | None = None
    all_access: bool = False
    built_in: bool | None = None
    permissions: list[str] = Field(default_factory=list)


class ModelSet(LookerModel):
    id: str | None = None
    name: str | None = None
    all_access: bool = False
    models: list[str] = Field(default_factory=list)


class Role(LookerModel):
    """``GET /users/{user_id}/roles`` returns a list of these."""

    id: str
    name: str | None = None
    permission_set: PermissionSet | None = None
    model_set: ModelSet | None = None


class Dialect(LookerModel):
    name: str | None = None
    label: str | None = None
    connection_tests: list[str] = Field(default_factory=list)


class DBConnection(LookerModel):
    """``GET /connections/{connection_name}``. The password is write-only and never read back."""

    name: str
    dialect_name: str | None = None
    dialect: Dialect | None = None
    host: str | None = None
    port: str | None = None
    database: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    username: str | None = None
    pdts_enabled: bool | None = None


class DBConnectionTestResult(LookerModel):
    """One entry of ``PUT /connections/{connection_name}/test``."""

    name: str | None = None
    status: str | None = None
    message: str | None = None
    connection_string: str | None = None


class Datagroup(LookerModel):
    """``GET /datagroups`` entries; ``stale_before`` and ``triggered_at`` are the writable fields."""

    id: str
    model_name: str | None = None
    name: str | None = None
    created_at: int | None = None
    stale_before: int | None = None
    triggered_at: int | None = None
    trigger_check_at: int | None = None
    trigger_error: str | None = None
    trigger_value: str | None = None


class LookmlModelNavExplore(LookerModel):
    name: str
    label: str | None = None
    description: str | None = None
    hidden: bool = False
    group_label: str | None = None


class LookmlModel(LookerModel):
    """``GET /lookml_models`` entries."""

    name: str
    label: str | None = None
    project_name: str | None = None
    allowed_db_connection_names: list[str] = Field(default_factory=list)
    unlimited_db_connections: bool | None = None
    has_content: bool | None = None
    explores: list[LookmlModelNavExplore] = Field(default_factory=list)


class LookmlModelExploreField(LookerModel):
    name: str
    label: str | None = None
    type: str | None = None
    view: str | None = None
    hidden: bool = False
    primary_key: bool = False
    measure: bool = False
    sql: str | None = None


class LookmlModelExploreFieldset(LookerModel):
    dimensions: list[LookmlModelExploreField] = Field(default_factory=list)
    measures: list[LookmlModelExploreField] = Field(default_factory=list)
    filters: list[LookmlModelExploreField] = Field(default_factory=list)
    parameters: list[LookmlModelExploreField] = Field(default_factory=list)


class LookmlModelExplore(LookerModel):
    """``GET /lookml_models/{model}/explores/{explore}``."""

    id: str | None = None
    name: str
    model_name: str | None = None
    view_name: str | None = None
    connection_name: str | None = None
    sql_table_name: str | None = None
    fields: LookmlModelExploreFieldset = Field(default_factory=LookmlModelExploreFieldset)
    joins: list[dict[str, Any]] = Field(default_factory=list)

    def field_names(self) -> set[str]:
        """Every dimension and measure name the explore offers (``view.field``)."""
        return {f.name for f in (*self.fields.dimensions, *self.fields.measures)}


class Query(LookerModel):
    """The spec's ``Query``: required ``model`` and ``view`` (the explore). ``limit`` is a string."""

    id: str | None = None
    model: str
    view: str
    fields: list[str] | None = None
    pivots: list[str] | None = None
    fill_fields: list[str] | None = None
    filters: dict[str, str] | None = None
    filter_expression: str | None = None
    sorts: list[str] | None = None
    limit: str | None = None
    total: bool | None = None
    query_timezone: str | None = None
    client_id: str | None = None
    slug: str | None = None

    def write_body(self) -> dict[str, Any]:
        """The JSON body for create_query / run_inline_query: writable fields that are set."""
        return self.model_dump(exclude_none=True, exclude={"id", "slug"}, by_alias=True)


class Look(LookerModel):
    """``GET /looks/{look_id}`` (``LookWithQuery``)."""

    id: str
    title: str | None = None
    query_id: str | None = None
    query: Query | None = None
    deleted: bool = False
    folder_id: str | None = None


class QueryTask(LookerModel):
    """``POST /query_tasks`` and ``GET /query_tasks/{id}``."""

    id: str
    query_id: str | None = None
    status: str | None = None
    result_format: str | None = None
    look_id: str | None = None
    runtime: float | None = None
    source: str | None = None


LookerApiError.model_rebuild()
