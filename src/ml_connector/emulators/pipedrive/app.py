"""The Pipedrive emulator app: ``create_app(seed, faults, **options)`` (checklist: looker-pipedrive.md §2.9).

Mounts ``/api/v2/...``, ``/v1/...`` (and ``/api/v1/...``), ``POST /oauth/token`` and the control face
``/__emulator/...``. Every API call is authenticated, charged its spec token cost against the daily
budget and counted in its burst window before the handler runs. Pipedrive-specific fault kinds:
``lost_response`` (the write is applied, the answer is a 502), ``token_expiry`` (all OAuth access
tokens die now) and ``cloudflare`` (the HTML 403).
"""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan
from ml_connector.emulators.pipedrive.control import add_control_routes
from ml_connector.emulators.pipedrive.costs import SEARCH_PATHS, cost_of, match
from ml_connector.emulators.pipedrive.limits import CLOUDFLARE_PAGE, RateLimits
from ml_connector.emulators.pipedrive.oauth import Accounts, OAuthApp
from ml_connector.emulators.pipedrive.routes import Handler, v2_routes
from ml_connector.emulators.pipedrive.routes_v1 import v1_routes
from ml_connector.emulators.pipedrive.store import ApiProblem, PipedriveStore
from ml_connector.emulators.pipedrive.webhooks import WebhookHub

PIPEDRIVE_FAULTS = {"lost_response", "token_expiry", "cloudflare"}
UNAUTHORIZED = {"success": False, "error": "unauthorized access", "errorCode": 401}
TOO_MANY = {
    "success": False,
    "error": "Too many requests",
    "error_info": "Please check developers.pipedrive.com",
    "data": None,
    "additional_data": None,
}


class EmulatorClock:
    """Real UTC time plus an offset the control face can move (daily budget resets, token expiry)."""

    def __init__(self, base: Any = None) -> None:
        self.base, self.offset = base, timedelta()

    def now(self) -> datetime:
        return (self.base.now() if self.base is not None else datetime.now(UTC)) + self.offset


@dataclass
class PipedriveEmulator:
    store: PipedriveStore
    limits: RateLimits
    accounts: Accounts
    hooks: WebhookHub
    clock: EmulatorClock
    faults: FaultPlan | None
    routes: dict[str, dict[tuple[str, str], Handler]]
    post_put_left: dict[str, int]
    lock: threading.Lock


def _secret(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    clock: Any = None,
    plan: str = "growth",
    seats: int = 1,
    top_ups: int = 0,
    daily_budget: int | None = None,
    burst_limit: int | None = None,
    retry_after: bool = True,
    cloudflare_after: int = 8,
    cloudflare_block_s: float = 5.0,
    token_lifetime_s: int = 3599,
    rotate_refresh: bool = True,
    allow_query_token: bool = True,
    webhook_retry_delays: tuple[float, ...] = (3.0, 30.0, 150.0),
) -> FastAPI:
    """Build the emulator. ``daily_budget`` overrides 30,000 x plan multiplier x seats + top-ups;
    ``burst_limit`` overrides the plan's 2-second window (search stays at 10)."""
    rng = random.Random(f"pipedrive-{seed}")
    emulator_clock = EmulatorClock(clock)
    store = PipedriveStore(emulator_clock.now)
    oauth = OAuthApp(_secret(rng, 16), _secret(rng, 40), token_lifetime_s, rotate_refresh)
    api_token = _secret(rng, 40)
    accounts = Accounts({api_token: 1}, oauth, emulator_clock.now, allow_query_token)
    limits = RateLimits(
        now=emulator_clock.now,
        plan=plan,
        seats=seats,
        top_ups=top_ups,
        daily_budget=daily_budget,
        burst_limit=burst_limit,
        retry_after=retry_after,
        cloudflare_after=cloudflare_after,
        cloudflare_block_s=cloudflare_block_s,
    )
    hub = WebhookHub(emulator_clock.now, webhook_retry_delays)
    store.listeners.append(hub.notify)
    emulator = PipedriveEmulator(
        store,
        limits,
        accounts,
        hub,
        emulator_clock,
        faults,
        {"v2": v2_routes(), "v1": v1_routes(hub)},
        {},
        threading.Lock(),
    )
    app = FastAPI(title="Pipedrive emulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.emulator = emulator
    app.state.credentials = {
        "api_token": api_token,
        "client_id": oauth.client_id,
        "client_secret": oauth.client_secret,
        "authorization_code": _new_code(oauth, rng),
    }
    if faults is not None:
        app.add_middleware(FaultMiddleware, plan=faults)
    add_control_routes(app, emulator)

    @app.post("/oauth/token")
    @app.post("/oauth/token/")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        origin = str(request.base_url).rstrip("/")
        status, body = oauth.token(form, request.headers.get("authorization"), emulator_clock.now(), origin)
        return JSONResponse(body, status_code=status)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def api(request: Request, path: str) -> Response:
        return await _dispatch(emulator, request, "/" + path)

    return app


def _new_code(oauth: OAuthApp, rng: random.Random) -> str:
    code = _secret(rng, 24)
    oauth.codes.add(code)
    return code


def _split(path: str) -> tuple[str, str] | None:
    for prefix, version in (("/api/v2", "v2"), ("/api/v1", "v1"), ("/v1", "v1")):
        if path.startswith(prefix + "/"):
            return version, path[len(prefix) :]
    return None


def _error(status: int, error: str, info: str, headers: dict[str, str] | None = None) -> Response:
    body = {"success": False, "error": error, "error_info": info, "data": None, "additional_data": None}
    return JSONResponse(body, status_code=status, headers=headers)


async def _dispatch(emu: PipedriveEmulator, request: Request, path: str) -> Response:
    method = request.method
    split = _split(path)
    if split is None:
        return _error(404, "Not found", "Please check developers.pipedrive.com")
    version, rest = split
    found = match(method, version, rest)
    if found is None:
        return _error(404, f"Unknown method {method} {path}", "Please check developers.pipedrive.com")
    template, params = found
    fault = emu.faults.fire(method, path, PIPEDRIVE_FAULTS) if emu.faults is not None else None
    if fault is not None and fault.kind == "token_expiry":
        emu.accounts.oauth.expire_all()
    if fault is not None and fault.kind == "cloudflare":
        return HTMLResponse(CLOUDFLARE_PAGE, status_code=403, headers={"Server": "cloudflare"})
    query = dict(request.query_params)
    who = emu.accounts.identify(request.headers, query)
    if who is None:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    token, is_oauth = who
    verdict = emu.limits.admit(
        token, oauth=is_oauth, search=template in SEARCH_PATHS, cost=cost_of(method, version, template)
    )
    if verdict.status == 403:
        return HTMLResponse(CLOUDFLARE_PAGE, status_code=403, headers=verdict.headers)
    if verdict.status == 429:
        return JSONResponse(TOO_MANY, status_code=429, headers=verdict.headers)
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return _error(400, "Request body is not valid JSON", "Send application/json", verdict.headers)
    headers = dict(verdict.headers)
    if method in ("POST", "PUT") and not is_oauth:
        with emu.lock:
            left = emu.post_put_left.get(token, 10_000) - 1
            emu.post_put_left[token] = left
        headers["x-daily-requests-left"] = str(max(left, 0))
    try:
        with emu.store.lock:
            status, answer = emu.routes[version][(method, template)](emu.store, params, query, body)
    except ApiProblem as problem:
        return _error(problem.status, problem.error, problem.info, headers)
    if fault is not None and fault.kind == "lost_response":
        return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)
    return JSONResponse(answer, status_code=status, headers=headers)
