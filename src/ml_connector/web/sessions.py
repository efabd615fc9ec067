"""Finding the principal of a request (API token or session cookie) and starting or ending a session."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from ml_connector.auth.passwords import new_csrf_token, new_session_id, sha256_hex
from ml_connector.web.cookies import SESSION_COOKIE, clear_cookie, is_https, read_cookie, set_cookie, sign, unsign
from ml_connector.web.principal import Principal, client_address

if TYPE_CHECKING:
    from ml_connector.web.state import WebState


def authenticate(state: WebState, headers: Headers, scope: Scope) -> Principal | Literal["bad-token"] | None:
    """The principal behind a Bearer token or a live session cookie; "bad-token" for an unknown token."""
    store, now = state.app.store, state.app.clock.now()
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = store.tokens.find(sha256_hex(token.strip()), now)
        if found is None:
            return "bad-token"
        return Principal(f"token:{found['name']}", str(found["role"]), "token")
    session_id = unsign(state.cookie_key, read_cookie(headers, SESSION_COOKIE))
    if session_id is None:
        return None
    session = store.sessions.find(sha256_hex(session_id), now, idle=state.config.idle, longest=state.config.longest)
    if session is None:
        return None
    user = store.users.get(str(session["username"]))
    if user is None or (user["locked_until"] is not None and user["locked_until"] > now):
        return None
    return Principal(
        str(user["username"]),
        str(user["role"]),
        "session",
        csrf=str(session["csrf"]),
        must_change=bool(user["must_change"]),
    )


def start_session(state: WebState, username: str, scope: Scope, response: Response) -> None:
    """A new session for ``username`` (a fresh id, so a planted cookie is never promoted) and its cookie."""
    session_id, store, now = new_session_id(), state.app.store, state.app.clock.now()
    store.sessions.prune(now - state.config.longest)  # sessions nobody can use any more
    store.attempts.prune(now - timedelta(days=1))  # the throttle looks back 15 minutes
    store.sessions.create(sha256_hex(session_id), username, new_csrf_token(), client_address(scope), now)
    secure = is_https(scope, state.config.secure_cookies)
    set_cookie(response, SESSION_COOKIE, sign(state.cookie_key, session_id), secure=secure)


def end_session(state: WebState, headers: Headers, scope: Scope, response: Response) -> None:
    session_id = unsign(state.cookie_key, read_cookie(headers, SESSION_COOKIE))
    if session_id is not None:
        state.app.store.sessions.end(sha256_hex(session_id))
    clear_cookie(response, SESSION_COOKIE, secure=is_https(scope, state.config.secure_cookies))
