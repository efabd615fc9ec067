"""The ``/__emulator/`` control API (no auth): mutate tables, inject faults, set the clock.

Tests in-process call the same methods on ``app.state.emulator`` directly; this HTTP face is for
end-to-end tests and demos that run the emulator under uvicorn.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from ml_connector.emulators.faults import FaultPlan, FaultRule

from .errors import EmulatorError, InvalidRow
from .state import EmulatorState
from .values import parse_instant

PREFIX = "/__emulator"


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        raise InvalidRow("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidRow("The request body must be a JSON object.")
    return body


def add_control_routes(app: FastAPI, state: EmulatorState, plan: FaultPlan) -> None:
    async def guarded(request: Request, action: Any) -> Response:
        try:
            return _json(action(await _body(request)))
        except EmulatorError as error:
            return _json(error.body(), error.status)
        except (TypeError, ValueError) as error:
            return _json({"error": {"code": "BadRequest", "message": str(error)}}, 400)

    @app.get(PREFIX)
    def summary() -> Response:
        return _json(state.summary())

    @app.get(PREFIX + "/integrity")
    def integrity() -> Response:
        return _json({"dangling": state.integrity()})

    @app.post(PREFIX + "/tables/{table}/insert")
    async def insert(request: Request, table: str) -> Response:
        return await guarded(
            request,
            lambda b: {
                "rows": state.insert(
                    table,
                    b.get("rows", []),
                    allow_orphans=bool(b.get("allow_orphans", False)),
                    allow_overlong=bool(b.get("allow_overlong", False)),
                )
            },
        )

    @app.post(PREFIX + "/tables/{table}/update")
    async def update(request: Request, table: str) -> Response:
        return await guarded(
            request,
            lambda b: {
                "rows": state.update(
                    table,
                    int(b.get("count", 1)),
                    keys=b.get("keys"),
                    changes=b.get("changes"),
                    date=b.get("date"),
                    allow_overlong=bool(b.get("allow_overlong", False)),
                )
            },
        )

    @app.post(PREFIX + "/tables/{table}/delete")
    async def delete(request: Request, table: str) -> Response:
        return await guarded(request, lambda b: {"deleted": state.delete(table, b.get("keys", []))})

    @app.post(PREFIX + "/tables/{table}/orphan")
    async def orphan(request: Request, table: str) -> Response:
        return await guarded(request, lambda b: state.orphan_fact(table, column=b.get("column"), **b.get("values", {})))

    @app.post(PREFIX + "/activity")
    async def activity(request: Request) -> Response:
        counts = ("customers", "orders", "stock", "new_orders")
        return await guarded(request, lambda b: state.simulate_activity(**{k: int(b[k]) for k in counts if k in b}))

    @app.post(PREFIX + "/faults")
    async def add_faults(request: Request) -> Response:
        def add(body: dict[str, Any]) -> dict[str, Any]:
            for rule in body.get("rules", []):
                plan.add(FaultRule(**rule))
            return {"rules": len(plan.rules)}

        return await guarded(request, add)

    @app.delete(PREFIX + "/faults")
    def clear_faults() -> Response:
        plan.clear()
        return _json({"rules": 0})

    @app.post(PREFIX + "/clock")
    async def set_clock(request: Request) -> Response:
        def apply(body: dict[str, Any]) -> dict[str, Any]:
            text = body.get("now")
            if text is None:
                state.clock = lambda: datetime.now(UTC)
                return {"now": None}
            moment = parse_instant(str(text))
            if moment is None:
                raise InvalidRow(f"now must look like 2026-04-01T09:00:00Z, not {text!r}.")
            state.clock = lambda: moment
            return {"now": moment.isoformat()}

        return await guarded(request, apply)
