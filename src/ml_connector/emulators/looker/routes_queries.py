"""Query routes: create (idempotent) / get / run / run inline / run url-encoded, and Looks get / run."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ml_connector.emulators.looker.auth import require_permission, require_user, state_of
from ml_connector.emulators.looker.errors import LookerApiError, not_found, validation_error
from ml_connector.emulators.looker.formats import check_format, render
from ml_connector.emulators.looker.looks import get_look, look_json
from ml_connector.emulators.looker.runner import prepare, run_query
from ml_connector.emulators.looker.shapes import select_fields
from ml_connector.emulators.looker.state import EmulatorState

router = APIRouter(prefix="/api/4.0", dependencies=[Depends(require_user)])

_LIST_FIELDS = ("fields", "pivots", "fill_fields", "sorts", "subtotals")


def json_response(value: Any, fields: str | None = None) -> Response:
    return Response(orjson.dumps(select_fields(value, fields)), media_type="application/json")


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        raise LookerApiError(400, "The request body is not valid JSON.") from None


def checked_query(body: Any, state: EmulatorState) -> dict[str, Any]:
    """Validate a Query body as Looker does (422 naming the field), then save or reuse it."""
    if not isinstance(body, dict):
        raise LookerApiError(400, "The request body must be a JSON object (a Query).")
    for key in ("model", "view"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise validation_error(key, "missing", "This field is required.")
    for key in _LIST_FIELDS:
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise validation_error(key, "invalid", "Must be an array of strings.")
    filters = body.get("filters")
    if filters is not None and not isinstance(filters, dict):
        raise validation_error("filters", "invalid", "Must be an object of field name to filter expression.")
    model = state.project.models.get(body["model"])
    if model is None:
        raise validation_error("model", "invalid", f"Model {body['model']!r} does not exist.")
    if body["view"] not in model.explores:
        raise validation_error("view", "invalid", f"Explore {body['view']!r} is not in model {model.name!r}.")
    return state.save_query(body)


def _flag(value: str | None, default: bool = True) -> bool:
    return default if value is None else value.strip().lower() in ("true", "1", "yes")


async def run_response(request: Request, query: dict[str, Any], result_format: str, limit: int | None) -> Response:
    state = state_of(request)
    require_permission(state, "access_data")
    check_format(result_format)
    if result_format == "sql":  # the generated SQL, without running the query
        _, compiled = prepare(state, query, limit)
        return Response(compiled.sql, media_type="text/plain")
    use_cache = _flag(request.query_params.get("cache"))
    result = await run_in_threadpool(run_query, state, query, limit, use_cache)
    body, media = render(result, result_format)
    return Response(body, media_type=media)


@router.post("/queries")
async def create_query(request: Request, fields: str | None = None) -> Response:
    state = state_of(request)
    return json_response(checked_query(await json_body(request), state), fields)


@router.get("/queries/{query_id}")
async def get_query(request: Request, query_id: str, fields: str | None = None) -> Response:
    query = state_of(request).queries.get(query_id)
    if query is None:
        raise not_found()
    return json_response(query, fields)


@router.get("/queries/{query_id}/run/{result_format}")
async def run_saved_query(request: Request, query_id: str, result_format: str, limit: int | None = None) -> Response:
    query = state_of(request).queries.get(query_id)
    if query is None:
        raise not_found()
    return await run_response(request, query, result_format, limit)


@router.post("/queries/run/{result_format}")
async def run_inline_query(request: Request, result_format: str, limit: int | None = None) -> Response:
    query = checked_query(await json_body(request), state_of(request))
    return await run_response(request, query, result_format, limit)


@router.get("/queries/models/{model_name}/views/{view_name}/run/{result_format}")
async def run_url_encoded_query(request: Request, model_name: str, view_name: str, result_format: str) -> Response:
    params = request.query_params
    body: dict[str, Any] = {"model": model_name, "view": view_name, "filters": {}}
    for key in _LIST_FIELDS:
        if params.get(key):
            body[key] = [v.strip() for v in params[key].split(",") if v.strip()]
    for key, value in params.multi_items():
        if key.startswith("f[") and key.endswith("]"):
            body["filters"][key[2:-1]] = value
    for key in ("limit", "query_timezone", "column_limit", "row_total"):
        if params.get(key):
            body[key] = params[key]
    query = checked_query(body, state_of(request))
    return await run_response(request, query, result_format, None)


@router.get("/looks/{look_id}")
async def get_look_route(request: Request, look_id: str, fields: str | None = None) -> Response:
    state = state_of(request)
    return json_response(look_json(state, get_look(state, look_id)), fields)


@router.get("/looks/{look_id}/run/{result_format}")
async def run_look(request: Request, look_id: str, result_format: str, limit: int | None = None) -> Response:
    state = state_of(request)
    look = get_look(state, look_id)
    return await run_response(request, state.queries[look["query_id"]], result_format, limit)
