"""The ``/__emulator/`` control face (no auth): what a person does in the Pipedrive UI (rename a field,
merge or delete an organization), the clock (advance to the next budget day), token expiry, counters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from ml_connector.emulators.pipedrive.store import ApiProblem

PREFIX = "/__emulator"


def add_control_routes(app: FastAPI, emu: Any) -> None:
    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        data = orjson.loads(raw) if raw else {}
        return data if isinstance(data, dict) else {}

    def guarded(action: Any) -> Response:
        try:
            return JSONResponse(action())
        except ApiProblem as problem:
            return JSONResponse({"error": problem.error}, status_code=problem.status)

    @app.get(PREFIX)
    def summary() -> Response:
        s, lim = emu.store, emu.limits
        return JSONResponse(
            {
                "counts": {k: len(s.listing(k)) for k in s.records},
                "deleted": {k: len(s.listing(k, True)) - len(s.listing(k)) for k in s.records},
                "tokens_spent_today": lim.spent,
                "daily_budget": lim.daily_budget,
                "limits": lim.counts,
                "now": emu.clock.now().isoformat(),
            }
        )

    @app.post(PREFIX + "/clock")
    async def clock(request: Request) -> Response:
        body = await body_of(request)
        emu.clock.offset += timedelta(seconds=float(body.get("advance_s", 0)))
        return JSONResponse({"now": emu.clock.now().isoformat()})

    @app.post(PREFIX + "/fields/{kind}/{code}/rename")
    async def rename(request: Request, kind: str, code: str) -> Response:
        name = (await body_of(request)).get("field_name", "")
        return guarded(lambda: emu.store.rename_field(kind, code, str(name)))

    @app.post(PREFIX + "/organizations/{rid}/merge")
    async def merge(request: Request, rid: int) -> Response:
        other = int((await body_of(request)).get("merge_with_id", 0))
        return guarded(lambda: emu.store.merge_organizations(rid, other))

    @app.post(PREFIX + "/{kind}/{rid}/delete")
    def delete(kind: str, rid: int) -> Response:
        return guarded(lambda: emu.store.delete(kind, rid) or {"deleted": rid})

    @app.post(PREFIX + "/oauth/expire")
    def expire() -> Response:
        emu.accounts.oauth.expire_all()
        return JSONResponse({"expired": True})
