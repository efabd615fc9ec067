"""Async query tasks: create, poll (``added`` -> ``running`` -> ``complete``/``error``), results
(202 until done, 200 after, 404 once expired) and multi_results."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ml_connector.emulators.looker.auth import require_permission, require_user, state_of
from ml_connector.emulators.looker.errors import LookerApiError, error_body, not_found, validation_error
from ml_connector.emulators.looker.formats import render
from ml_connector.emulators.looker.routes_queries import json_body, json_response
from ml_connector.emulators.looker.runner import prepare, run_query
from ml_connector.emulators.looker.state import EmulatorState, QueryTask

router = APIRouter(prefix="/api/4.0", dependencies=[Depends(require_user)])

TASK_FORMATS = {"inline_json", "json", "json_detail", "json_bi", "csv", "html", "md", "txt", "sql"}
UNSUPPORTED_TASK_FORMATS = {"json_fe", "xlsx", "gsxml", "odc"}
_FLAGS = [*("apply_formatting", "apply_vis", "cache", "generate_drill_links", "force_production", "cache_only")]
_FLAGS += ["rebuild_pdts", "server_table_calcs"]


def task_json(state: EmulatorState, task: QueryTask) -> dict[str, Any]:
    """The QueryTask JSON shape (spec 4.0)."""
    return {
        "can": {"show": True, "cancel": True, "results": True},
        "id": task.id,
        "query_id": task.query_id,
        "query": state.queries[task.query_id],
        "generate_links": task.flags.get("generate_drill_links", False),
        "force_production": task.flags.get("force_production", False),
        "path_prefix": None,
        "cache": task.flags.get("cache", True),
        "server_table_calcs": task.flags.get("server_table_calcs", False),
        "cache_only": task.flags.get("cache_only", False),
        "cache_key": None,
        "status": task.status,
        "source": task.source,
        "runtime": task.runtime,
        "rebuild_pdts": task.flags.get("rebuild_pdts", False),
        "result_source": "query" if task.status == "complete" else None,
        "look_id": task.look_id,
        "dashboard_id": task.dashboard_id,
        "result_format": task.result_format,
    }


def advance(state: EmulatorState, task: QueryTask) -> None:
    """Count a poll; once the task has been polled and has run long enough (emulator clock), run it."""
    with state.lock:
        if task.status in ("complete", "error", "expired"):
            return
        task.polls += 1
        ready = task.polls > state.options.task_pending_polls
        ready = ready and state.clock() >= task.created_at + state.options.task_runtime_s
        if not ready:
            task.status = "running"
            return
    query = state.queries[task.query_id]
    try:
        if task.result_format == "sql":
            task.result, task.media_type = prepare(state, query, task.limit)[1].sql.encode(), "text/plain"
            runtime = 0.0
        else:
            result = run_query(state, query, task.limit, task.flags.get("cache", True))
            task.result, task.media_type = render(result, task.result_format)
            runtime = result.runtime
        status, task.runtime = "complete", runtime
    except LookerApiError as exc:
        status, task.error = "error", exc.message
    with state.lock:
        task.status, task.completed_at = status, state.clock()


def _expired(state: EmulatorState, task: QueryTask) -> bool:
    return task.completed_at is not None and state.clock() > task.completed_at + state.options.task_result_ttl_s


def _task(state: EmulatorState, task_id: str) -> QueryTask:
    task = state.tasks.get(task_id)
    if task is None:
        raise not_found()
    return task


@router.post("/query_tasks")
async def create_query_task(request: Request, limit: int | None = None, fields: str | None = None) -> Response:
    state = state_of(request)
    require_permission(state, "access_data")
    body = await json_body(request)
    if not isinstance(body, dict):
        raise LookerApiError(400, "The request body must be a JSON object (a CreateQueryTask).")
    for key in ("query_id", "result_format"):
        if not body.get(key):
            raise validation_error(key, "missing", "This field is required.")
    query_id, result_format = str(body["query_id"]), str(body["result_format"])
    if result_format not in TASK_FORMATS:
        why = "is not produced by the emulator" if result_format in UNSUPPORTED_TASK_FORMATS else "is not valid"
        raise validation_error("result_format", "invalid", f"Result format {result_format!r} {why}.")
    if query_id not in state.queries:
        raise LookerApiError(404, f"Query {query_id} not found. Create it with POST /queries first.")
    params = request.query_params
    flags = {k: params[k].lower() in ("true", "1") for k in _FLAGS if k in params}
    task = QueryTask(
        id=state.random_hex(),
        query_id=query_id,
        result_format=result_format,
        created_at=state.clock(),
        limit=limit,
        source=body.get("source"),
        look_id=body.get("look_id"),
        dashboard_id=body.get("dashboard_id"),
        deferred=bool(body.get("deferred")),
        flags=flags,
    )
    state.tasks[task.id] = task
    return json_response(task_json(state, task), fields)


def _id_list(text: str) -> list[str]:
    """``a,b`` or a JSON array ``["a","b"]`` (the Python SDK sends a plain list as JSON)."""
    if text.strip().startswith("["):
        try:
            return [str(v) for v in orjson.loads(text)]
        except orjson.JSONDecodeError:
            raise validation_error("query_task_ids", "invalid", "Not a JSON array of ids.") from None
    return [t.strip() for t in text.split(",") if t.strip()]


@router.get("/query_tasks/multi_results")
async def query_task_multi_results(request: Request, query_task_ids: str) -> Response:
    state = state_of(request)
    out: dict[str, Any] = {}
    for task_id in _id_list(query_task_ids):
        task = state.tasks.get(task_id)
        if task is None:
            out[task_id] = {"status": "missing"}
            continue
        await run_in_threadpool(advance, state, task)
        if _expired(state, task):
            out[task_id] = {"status": "expired"}
        elif task.status == "complete" and task.result is not None:
            data: Any = task.result.decode()
            if task.media_type == "application/json":
                data = orjson.loads(task.result)
            out[task_id] = {"status": "complete", "data": data}
        elif task.status == "error":
            out[task_id] = {"status": "error", "data": error_body(task.error or "Query failed")}
        else:
            out[task_id] = {"status": task.status}
    return json_response(out)


@router.get("/query_tasks/{query_task_id}")
async def query_task(request: Request, query_task_id: str, fields: str | None = None) -> Response:
    state = state_of(request)
    task = _task(state, query_task_id)
    await run_in_threadpool(advance, state, task)
    if _expired(state, task):
        task.status = "expired"
    return json_response(task_json(state, task), fields)


@router.get("/query_tasks/{query_task_id}/results")
async def query_task_results(request: Request, query_task_id: str) -> Response:
    state = state_of(request)
    task = _task(state, query_task_id)
    await run_in_threadpool(advance, state, task)
    if _expired(state, task):
        raise not_found()
    if task.status == "error":
        if task.result_format == "json_detail":  # SQL errors come back in-band for json_detail
            detail = {"data": [], "errors": [{"message": task.error, "message_details": None}]}
            return Response(orjson.dumps(detail), media_type="application/json")
        raise LookerApiError(400, task.error or "The query failed.")
    if task.status != "complete" or task.result is None:
        return Response(b"", status_code=202, media_type="application/json")
    return Response(task.result, media_type=task.media_type)
