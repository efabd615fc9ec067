"""The QAD Adaptive ERP emulator app: ``create_app(seed, faults, **options)``, served under ``/clouderp``.

Routes: ``POST /oauth/token``, ``GET /api/qracore/securityControl`` (anonymous), ``GET /api/qracore/browses``,
``GET|POST /api/erp/journalEntries`` (the collection name is an option: not public [I]), and
``POST /_emulator/periods/{year}/{period}`` (open or close a period, as an administrator would).
Fault kinds beyond the generic ones: ``token_expiry`` (the presented token dies), ``forbidden``
(403 with QAD's bare errors body) and ``lost_response`` (a create is saved, then answered 502).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan
from ml_connector.emulators.qad import journals
from ml_connector.emulators.qad.browses import DEFAULT_BROWSES, BrowseError, apply_filters, page_of, rows_for
from ml_connector.emulators.qad.tenant import Tenant, seed_tenant
from ml_connector.emulators.qad.tokens import OAuthError, TokenBook

DEFAULT_CLIENT_ID = "qad-erp-client"
DEFAULT_USERNAME = "mlconnect@acme.example.com"
DEFAULT_PASSWORD = "emulator-password"  # noqa: S105 - the emulator's own, printed by --print-credentials
JOURNAL_VIEW = "urn:be:com.qad.financials.generalledger.journalentry.IJournalEntry"
ACCESS_DENIED = {"errors": [{"severity": 1, "code": "403", "message": "Access is denied", "fieldName": ""}]}


@dataclass
class QadEmulator:
    """What ``app.state.emulator`` holds."""

    tenant: Tenant
    tokens: TokenBook
    faults: FaultPlan | None
    browses: dict[str, str]
    journal_collection: str
    journal_permission: bool
    calls: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1


def _bare_errors(status: int, message: str, field_name: str = "") -> JSONResponse:
    body = {"errors": [{"severity": 1, "code": str(status), "message": message, "fieldName": field_name}]}
    return JSONResponse(body, status_code=status)


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
    domain: str = "10USA",
    entity: str = "10USACO",
    token_ttl_s: float = 3600.0,
    max_failures: int = 10,
    allow_basic: bool = True,
    clock: Callable[[], float] = time.time,
    closed_periods: list[tuple[int, int]] | None = None,
    browses: dict[str, str] | None = None,
    journal_collection: str = journals.COLLECTION,
    journal_permission: bool = True,
) -> FastAPI:
    today = datetime.fromtimestamp(clock(), UTC).date()
    state = QadEmulator(
        tenant=seed_tenant(domain, entity, today, closed_periods),
        tokens=TokenBook(client_id, username, password, token_ttl_s, clock, max_failures, allow_basic),
        faults=faults,
        browses=dict(browses or DEFAULT_BROWSES),
        journal_collection=journal_collection,
        journal_permission=journal_permission,
    )
    app = FastAPI(title="QAD Adaptive ERP emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = state
    app.state.credentials = {
        "base_url_path": "/clouderp",
        "client_id": client_id,
        "username": username,
        "password": password,
        "domain": domain,
        "entity": entity,
    }
    if faults is not None:
        app.add_middleware(FaultMiddleware, plan=faults)

    def guard(request: Request) -> Response | None:
        """Auth, workspace header and the QAD-specific faults, for every /api call."""
        state.count(request.url.path)
        authorization = request.headers.get("authorization", "")
        rule = faults.fire(request.method, request.url.path, {"token_expiry", "forbidden"}) if faults else None
        if rule is not None and rule.kind == "token_expiry":
            state.tokens.expire(authorization)
        problem = state.tokens.check(authorization)
        if problem is not None:
            return JSONResponse(problem.body(), status_code=problem.status)
        if rule is not None and rule.kind == "forbidden":
            return JSONResponse(ACCESS_DENIED, status_code=403)
        workspace = request.headers.get("x-qad-workspace-id")
        if workspace and workspace != f"{domain}_{entity}":
            return _bare_errors(403, f"Access is denied to workspace '{workspace}'", "x-qad-workspace-id")
        return None

    @app.post("/clouderp/oauth/token")
    async def token(request: Request) -> Response:
        state.count("/clouderp/oauth/token")
        form = dict(request.query_params)
        form.update(dict(parse_qsl((await request.body()).decode("utf-8", "replace"))))
        try:
            return JSONResponse(state.tokens.grant(form))
        except OAuthError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    @app.get("/clouderp/api/qracore/securityControl")
    async def security_control() -> Response:
        control = {"clientId": client_id, "sessionLength": int(token_ttl_s // 60), "timeoutMinutes": 30}
        control["maximumAccessFailures"] = max_failures
        return JSONResponse({"data": {"securityControls": [control]}})

    @app.get("/clouderp/api/qracore/browses")
    async def browse(request: Request) -> Response:
        denied = guard(request)
        if denied is not None:
            return denied
        q = request.query_params
        kind = state.browses.get(q.get("browseId", ""))
        if kind is None:
            return _bare_errors(404, f"Browse '{q.get('browseId', '')}' not found", "browseId")
        try:
            rows = apply_filters(rows_for(kind, state.tenant), q.getlist("filter"))
            page = page_of(rows, q.get("page"), q.get("pageSize"), q.get("pageAction"))
        except (BrowseError, ValueError) as exc:
            return _bare_errors(400, str(exc), "filter")
        return JSONResponse({"data": page})

    @app.get("/clouderp/api/erp/{collection}")
    async def read(request: Request, collection: str) -> Response:
        denied = guard(request)
        if denied is not None:
            return denied
        if collection != state.journal_collection:
            return _bare_errors(404, f"Unknown business entity collection '{collection}'")
        q = request.query_params
        try:
            entry = journals.find(
                state.tenant, q["companyCode"], int(q["postingYear"]), q["daybookCode"], int(q["voucher"])
            )
        except (KeyError, ValueError):
            return _bare_errors(400, "companyCode, postingYear, daybookCode and voucher are required", "voucher")
        entries = [journals.wire(entry)] if entry else []
        return JSONResponse({"data": {collection: entries}})

    @app.post("/clouderp/api/erp/{collection}")
    async def write(request: Request, collection: str) -> Response:
        denied = guard(request)
        if denied is not None:
            return denied
        if collection != state.journal_collection:
            return _bare_errors(404, f"Unknown business entity collection '{collection}'")
        if not state.journal_permission:
            return JSONResponse(ACCESS_DENIED, status_code=403)
        if request.query_params.get("viewUri") != JOURNAL_VIEW:
            return _bare_errors(400, f"viewUri must be {JOURNAL_VIEW}", "viewUri")
        try:
            body = orjson.loads(await request.body())
            entries = body[collection]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _submit([journals.error(collection, f"The body must be {{'{collection}': [...]}}.")])
        if not isinstance(entries, list) or len(entries) != 1:
            return _submit([journals.error(collection, "Send exactly one journal entry per call.")])
        answer = _apply(state, collection, dict(request.query_params), entries[0])
        if faults is not None and faults.fire("POST", request.url.path, {"lost_response"}):
            return Response(b"<html><body>502 Bad Gateway</body></html>", 502, media_type="text/html")
        return answer  # lost_response: the entry is saved, the answer never reaches the caller

    @app.post("/clouderp/_emulator/periods/{year}/{period}")
    async def set_period(year: int, period: int, closed: bool = False) -> Response:
        state.tenant.set_period_closed(year, period, closed)
        return JSONResponse({"period": f"{year}/{period:02d}", "closed": closed})

    return app


def _submit(errors: list[dict[str, Any]], data: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"submitResult": {"success": not errors, "errors": errors}}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


def _apply(state: QadEmulator, collection: str, query: dict[str, str], entry: dict[str, Any]) -> JSONResponse:
    try:
        if "voucher" in query:  # update: keys in the URL identify the record [F]
            found = journals.find(
                state.tenant, query.get("companyCode", ""), int(query.get("postingYear", 0)),
                query.get("daybookCode", ""), int(query["voucher"]),
            )  # fmt: skip
            if found is None:
                return _submit([journals.error("voucher", "The record does not exist.", query["voucher"])])
            saved = journals.update(state.tenant, found, entry)
        else:
            saved = journals.create(state.tenant, entry)
    except journals.Invalid as exc:
        return _submit(exc.errors)
    return _submit([], {collection: [journals.wire(saved)]})
