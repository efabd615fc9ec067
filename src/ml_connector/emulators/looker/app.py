"""``create_app``: builds the Looker API 4.0 emulator (project, warehouse, seeded Looks and
datagroups, routes, Looker-shaped errors and the shared fault middleware)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan
from ml_connector.emulators.looker import routes_admin, routes_queries, routes_schedules, routes_tasks
from ml_connector.emulators.looker.auth import router as auth_router
from ml_connector.emulators.looker.demo_project import DEMO_SCHEMA, demo_files, demo_looks, fill_demo_warehouse
from ml_connector.emulators.looker.errors import error_body, install_error_handlers, status_message
from ml_connector.emulators.looker.looks import default_look_specs, seed_looks
from ml_connector.emulators.looker.project import Project, load_project, read_lookml_dir
from ml_connector.emulators.looker.shapes import DEFAULT_PERMISSIONS
from ml_connector.emulators.looker.state import DatagroupState, EmulatorOptions, EmulatorState
from ml_connector.emulators.looker.warehouse import (
    DuckDBFileWarehouse,
    MemoryDuckDBWarehouse,
    PostgresWarehouse,
    Warehouse,
)

DEFAULT_CLIENT_ID = "mlcLookerEmuClient01"
DEFAULT_CLIENT_SECRET = "mlc-looker-emulator-demo-secret"  # noqa: S105 - a public demo credential

_GENERIC_FAULT_BODY = orjson.dumps({"error": "injected fault"})
_EXTRA_OPTIONS = {f.name for f in dataclass_fields(EmulatorOptions)} - {
    "client_id", "client_secret", "connection_name", "token_ttl_s", "default_row_limit",
}  # fmt: skip


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    lookml_dir: str | None = None,
    warehouse: dict[str, Any] | None = None,
    connection_name: str = "ml_warehouse",
    token_ttl_s: int = 3600,
    clock: Callable[[], float] | None = None,
    default_row_limit: int = 5000,
    **options: Any,
) -> FastAPI:
    """Build the emulator. ``options`` takes the other ``EmulatorOptions`` fields (webhook_token, looks,
    permissions, task_pending_polls, task_runtime_s, result_cache, max_row_limit, ...)."""
    unknown = set(options) - _EXTRA_OPTIONS
    if unknown:
        raise TypeError(f"Unknown Looker emulator options {sorted(unknown)}; known: {sorted(_EXTRA_OPTIONS)}.")
    opts = EmulatorOptions(client_id, client_secret, connection_name, token_ttl_s, default_row_limit, **options)
    if not opts.permissions:
        opts.permissions = list(DEFAULT_PERMISSIONS)
    files = read_lookml_dir(lookml_dir) if lookml_dir else {}
    demo = not files
    project = load_project(demo_files(connection_name) if demo else files)
    state = EmulatorState(opts, project, _warehouse(warehouse, connection_name, seed, demo), clock or time.time, seed)
    _seed_datagroups(state, project)
    seed_looks(state, opts.looks if opts.looks is not None else (demo_looks() if demo else default_look_specs(project)))

    app = FastAPI(title="Looker API 4.0 emulator", docs_url=None, redoc_url=None, openapi_url=None)
    for router in (
        auth_router,
        routes_queries.router,
        routes_tasks.router,
        routes_schedules.router,
        routes_admin.router,
    ):
        app.include_router(router)
    install_error_handlers(app)
    app.state.emulator = state
    app.state.faults = faults
    app.state.credentials = {"client_id": client_id, "client_secret": client_secret}
    if faults is not None:
        app.add_middleware(FaultMiddleware, plan=faults)
        app.add_middleware(LookerFaultBodies)
    return app


def _warehouse(spec: dict[str, Any] | None, connection_name: str, seed: int, demo: bool) -> Warehouse:
    if spec is None:
        return MemoryDuckDBWarehouse(lambda conn: fill_demo_warehouse(conn, seed), DEMO_SCHEMA)
    kind = spec.get("type")
    schema = spec.get("schema", DEMO_SCHEMA if demo else None)
    if kind == "duckdb":
        return DuckDBFileWarehouse(str(spec["path"]), connection_name, schema)
    if kind == "postgres":
        return PostgresWarehouse(str(spec["dsn"]), connection_name, schema)
    raise ValueError(f"Unknown warehouse type {kind!r}: use {{'type': 'duckdb', 'path': ...}} or "
                     "{'type': 'postgres', 'dsn': ..., 'schema': ...}.")  # fmt: skip


def _seed_datagroups(state: EmulatorState, project: Project) -> None:
    created = int(state.clock())
    for model_name in sorted(project.models):
        for name in sorted(project.models[model_name].datagroups):
            datagroup_id = state.next_id("datagroup")
            state.datagroups[datagroup_id] = DatagroupState(datagroup_id, model_name, name, created)


class LookerFaultBodies:
    """Gives injected faults Looker's error body (e.g. 429 ``{"message":"Too Many Requests",...}``)
    when the fault rule brought no body of its own; sits outside the shared FaultMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def rewrite(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400:
                held = message
                return
            if held is not None and message["type"] == "http.response.body":
                start, held = held, None
                if message.get("body") == _GENERIC_FAULT_BODY and not message.get("more_body"):
                    body = orjson.dumps(error_body(status_message(start["status"])))
                    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
                await send(start)
            await send(message)

        await self.app(scope, receive, rewrite)
