"""Admin-side routes an ETL tool needs: me, user roles, the DB connection and its test, datagroups
(list / get / reset) and LookML model and explore metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ml_connector.emulators.looker import shapes
from ml_connector.emulators.looker.auth import require_permission, require_user, state_of
from ml_connector.emulators.looker.compiler import QueryCompiler
from ml_connector.emulators.looker.errors import not_found, validation_error
from ml_connector.emulators.looker.filters import today_from
from ml_connector.emulators.looker.lookml_shapes import lookml_explore, lookml_model
from ml_connector.emulators.looker.routes_queries import json_body, json_response
from ml_connector.emulators.looker.state import DatagroupUpdate, EmulatorState
from ml_connector.emulators.looker.warehouse import run_connection_tests

router = APIRouter(prefix="/api/4.0", dependencies=[Depends(require_user)])


@router.get("/user")
async def me(request: Request, fields: str | None = None) -> Response:
    return json_response(shapes.user(state_of(request)), fields)


@router.get("/users/{user_id}")
async def user(request: Request, user_id: str, fields: str | None = None) -> Response:
    if user_id != shapes.API_USER_ID:
        raise not_found()
    return json_response(shapes.user(state_of(request)), fields)


@router.get("/users/{user_id}/roles")
async def user_roles(request: Request, user_id: str, fields: str | None = None) -> Response:
    if user_id != shapes.API_USER_ID:
        raise not_found()
    return json_response([shapes.role(state_of(request))], fields)


def _connection_name(state: EmulatorState, name: str) -> None:
    if name != state.options.connection_name:
        raise not_found()


@router.get("/connections")
async def all_connections(request: Request, fields: str | None = None) -> Response:
    return json_response([shapes.connection(state_of(request))], fields)


@router.get("/connections/{connection_name}")
async def connection(request: Request, connection_name: str, fields: str | None = None) -> Response:
    state = state_of(request)
    _connection_name(state, connection_name)
    return json_response(shapes.connection(state), fields)


@router.put("/connections/{connection_name}/test")
async def connection_tests(request: Request, connection_name: str, tests: str | None = None) -> Response:
    state = state_of(request)
    _connection_name(state, connection_name)
    names = [t.strip() for t in tests.split(",") if t.strip()] if tests else None
    return json_response(await run_in_threadpool(run_connection_tests, state.warehouse, names))


@router.get("/datagroups")
async def all_datagroups(request: Request) -> Response:
    state = state_of(request)
    require_permission(state, "see_datagroups")
    return json_response([shapes.datagroup(d) for d in state.datagroups.values()])


@router.get("/datagroups/{datagroup_id}")
async def datagroup(request: Request, datagroup_id: str) -> Response:
    state = state_of(request)
    require_permission(state, "see_datagroups")
    found = state.datagroups.get(datagroup_id)
    if found is None:
        raise not_found()
    return json_response(shapes.datagroup(found))


def _timestamp(body: dict[str, Any], key: str, now: float) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(key, "invalid", "Must be a UNIX timestamp in whole seconds.")
    if value > now:
        raise validation_error(key, "invalid", "Cannot be in the future.")
    return value


@router.patch("/datagroups/{datagroup_id}")
async def update_datagroup(request: Request, datagroup_id: str) -> Response:
    """Reset a datagroup's cache: ``stale_before`` and/or ``triggered_at`` (recorded on the state)."""
    state = state_of(request)
    require_permission(state, "update_datagroups")
    found = state.datagroups.get(datagroup_id)
    if found is None:
        raise not_found()
    body = await json_body(request)
    if not isinstance(body, dict):
        raise validation_error("body", "invalid", "Must be a Datagroup object.")
    now = state.clock()
    stale_before = _timestamp(body, "stale_before", now)
    triggered_at = _timestamp(body, "triggered_at", now)
    with state.lock:
        if "stale_before" in body:
            found.stale_before = stale_before
        if "triggered_at" in body:
            found.triggered_at = triggered_at
        state.datagroup_updates.append(
            DatagroupUpdate(found.id, found.model_name, found.name, stale_before, triggered_at, now)
        )
    return json_response(shapes.datagroup(found))


@router.get("/lookml_models")
async def all_lookml_models(
    request: Request, fields: str | None = None, limit: int | None = None, offset: int = 0
) -> Response:
    state = state_of(request)
    models = [lookml_model(m, state.project) for _, m in sorted(state.project.models.items())]
    models = models[offset : offset + limit if limit is not None else None]
    return json_response(models, fields)


@router.get("/lookml_models/{lookml_model_name}")
async def get_lookml_model(request: Request, lookml_model_name: str, fields: str | None = None) -> Response:
    state = state_of(request)
    model = state.project.models.get(lookml_model_name)
    if model is None:
        raise not_found()
    return json_response(lookml_model(model, state.project), fields)


@router.get("/lookml_models/{lookml_model_name}/explores/{explore_name}")
async def lookml_model_explore(
    request: Request, lookml_model_name: str, explore_name: str, fields: str | None = None
) -> Response:
    state = state_of(request)
    model = state.project.models.get(lookml_model_name)
    if model is None or explore_name not in model.explores:
        raise not_found()
    compiler = QueryCompiler(state.project, model.name, explore_name, today_from(state.clock()))
    return json_response(lookml_explore(compiler, state.project, state.warehouse.dialect_name), fields)
