"""Looker API login/logout and the token check every other route depends on (``token X`` or
``Bearer X``; expiry on the injected clock; the ``token_expiry`` fault kind)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from ml_connector.emulators.looker.errors import LookerApiError
from ml_connector.emulators.looker.shapes import API_USER_ID
from ml_connector.emulators.looker.state import EmulatorState

_AUTH_HEADER = re.compile(r"^\s*(token|bearer)\s+(\S+)\s*$", re.IGNORECASE)

router = APIRouter()


def state_of(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def unauthenticated() -> LookerApiError:
    return LookerApiError(401, "Requires authentication.")


def presented_token(request: Request) -> str | None:
    m = _AUTH_HEADER.match(request.headers.get("authorization", ""))
    return m.group(2) if m else None


def require_user(request: Request) -> str:
    """FastAPI dependency: the user id behind a live token, or 401 with Looker's body."""
    state = state_of(request)
    token = presented_token(request)
    if token is None:
        raise unauthenticated()
    faults = request.app.state.faults
    if faults is not None and faults.fire(request.method, request.url.path, {"token_expiry"}):
        state.revoke_token(token)  # the token "expired" mid-run: every later call with it fails too
        raise unauthenticated()
    user_id = state.token_user(token)
    if user_id is None:
        raise unauthenticated()
    return user_id


def require_permission(state: EmulatorState, permission: str) -> None:
    if permission not in state.options.permissions:
        raise LookerApiError(
            403, f"The API user lacks the {permission!r} permission. Add it to the user's role in Looker."
        )


@router.post("/api/4.0/login")
async def login(request: Request) -> Response:
    """OAuth2 password-style login: form-encoded body fields, or (deprecated) query parameters."""
    state = state_of(request)
    body = (await request.body()).decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(body).items()}
    client_id = form.get("client_id") or request.query_params.get("client_id")
    client_secret = form.get("client_secret") or request.query_params.get("client_secret")
    if client_id != state.options.client_id or client_secret != state.options.client_secret:
        raise LookerApiError(404, "Not found")
    token, ttl = state.issue_token(API_USER_ID)
    payload = {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "refresh_token": None}
    return Response(orjson.dumps(payload), media_type="application/json")


@router.delete("/api/4.0/logout", status_code=204)
@router.delete("/api/logout", status_code=204, include_in_schema=False)  # the SDK's AuthSession path
async def logout(request: Request) -> Response:
    require_user(request)
    token = presented_token(request)
    assert token is not None
    state_of(request).revoke_token(token)
    return Response(status_code=204)
