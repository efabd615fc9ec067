"""The console's front door, as ASGI middleware around every route (and every route added later):

1. ``Host`` must be an allowed name (400), so DNS rebinding reaches nothing; ``/healthz`` is exempt.
2. ``/hooks/*`` bodies are limited while they stream in (413), then the webhook verifies itself.
3. Anything else but the public paths needs a principal: a session cookie or ``Authorization: Bearer``
   token (else a redirect to /signin, or 401 for /api and /metrics). Once routed, the principal must hold
   the role the route declared (403; :func:`ml_connector.web.principal.authorize`, an app-wide dependency).
4. A state-changing request from a browser (not a Bearer token) needs ``Origin`` equal to this server
   (refused when ``null``, missing or foreign) and the session's CSRF token (form field ``csrf_token`` or
   header ``X-CSRF-Token``): 403.
5. Every response gets CSP ``frame-ancestors 'none'``, ``X-Frame-Options``, ``nosniff`` and
   ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ml_connector.web.cookies import SIGNIN_COOKIE, read_cookie
from ml_connector.web.principal import CURRENT, Principal, client_address, is_public
from ml_connector.web.sessions import authenticate

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ml_connector.web.state import WebState

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_MAX_BYTES = 65_536  # the console's own forms are a few hundred bytes
CHANGE_PASSWORD = "/account/password"  # noqa: S105 - a path


class BodyTooLargeError(Exception):
    """A request body went past its limit while streaming in."""


class Guard:
    def __init__(self, app: ASGIApp, web: FastAPI) -> None:
        self.app = app
        self.web = web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: WebState = self.web.state.web
        flags: dict[str, Any] = {"started": False, "too_large": 0}
        send = _secured(send, flags)
        headers = Headers(scope=scope)
        path: str = scope["path"]
        if path != "/healthz" and _host(headers.get("host")) not in state.hosts:
            await _plain(400, "Unknown Host header; add the name to [web] allowed_hosts.")(scope, receive, send)
            return
        if path.startswith("/hooks/"):
            await self._webhook(state, scope, receive, send, flags, headers)
            return
        principal = await run_in_threadpool(authenticate, state, headers, scope)
        CURRENT.set(principal if isinstance(principal, Principal) else None)
        scope.setdefault("state", {})["principal"] = principal if isinstance(principal, Principal) else None
        from_browser = scope["method"] not in SAFE_METHODS and not (
            isinstance(principal, Principal) and principal.via == "token"
        )
        refusal = (await self._foreign(state, scope, headers, principal) if from_browser else None) or (
            await self._refusal(state, scope, headers, principal)
        )
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if from_browser:
            checked = await self._browser_post(state, scope, receive, headers, principal)
            if isinstance(checked, Response):
                await checked(scope, receive, send)
                return
            receive = checked
        await self.app(scope, receive, send)

    async def _refusal(self, state: WebState, scope: Scope, headers: Headers, principal: Any) -> Response | None:
        path = scope["path"]
        if is_public(path) or (path == "/metrics" and state.config.metrics_public):
            return None
        if principal == "bad-token":
            return _denied(401, "That API token is unknown or revoked.", scope)
        if principal is None:
            if scope["method"] in ("GET", "HEAD") and not _machine(path):
                query = scope.get("query_string", b"").decode()
                target = path + (f"?{query}" if query else "")
                return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
            return _denied(401, "Sign in, or send an API token as 'Authorization: Bearer <token>'.", scope)
        if principal.must_change and path not in (CHANGE_PASSWORD, "/signout"):
            if scope["method"] in ("GET", "HEAD") and not _machine(path):
                return RedirectResponse(CHANGE_PASSWORD, status_code=303)
            return _denied(403, "Choose a new password first (your password was a one-time password).", scope)
        return None  # the role the route declared is checked by ml_connector.web.authorize once it is routed

    async def _foreign(self, state: WebState, scope: Scope, headers: Headers, principal: Any) -> Response | None:
        """A state-changing request whose Origin is not this server (``null``, missing or another site)."""
        origin = headers.get("origin")
        if origin and origin != "null":
            if urlsplit(origin).netloc.lower() == (headers.get("host") or "").lower():
                return None
            if origin.rstrip("/").lower() in state.config.origins:  # a proxy in front rewrote the Host
                return None
        name = principal.name if isinstance(principal, Principal) else "anonymous"
        await log_refusal(state, name, scope, f"Origin {origin or 'missing'!r}")
        return _denied(403, "Cross-site or origin-less form posts are refused; use the page on this server.", scope)

    async def _browser_post(
        self, state: WebState, scope: Scope, receive: Receive, headers: Headers, principal: Any
    ) -> Response | Receive:
        name = principal.name if isinstance(principal, Principal) else "anonymous"
        sent = headers.get("x-csrf-token")
        body: bytes | None = None
        if sent is None:  # a form: the token is a field of the body, read here (forms are small)
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > FORM_MAX_BYTES:
                    return _denied(413, f"Form bodies are limited to {FORM_MAX_BYTES} bytes.", scope)
            if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                sent = next(iter(parse_qs(body.decode("latin-1")).get("csrf_token", [])), None)
        if scope["path"] == "/signin":
            expected = read_cookie(headers, SIGNIN_COOKIE)
        else:
            expected = principal.csrf if isinstance(principal, Principal) else None
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            await log_refusal(state, name, scope, "CSRF token missing or wrong")
            return _denied(
                403, "The form expired or came from elsewhere (CSRF token); reload the page and retry.", scope
            )
        if body is None:
            return receive  # the token came as a header: the body streams to the route untouched
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body or b"", "more_body": False}
            return await receive()

        return replay

    async def _webhook(
        self, state: WebState, scope: Scope, receive: Receive, send: Send, flags: dict[str, Any], headers: Headers
    ) -> None:
        integration = scope["path"].split("/")[2]
        limit = state.webhook_limit(integration)
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await _too_large(limit, integration)(scope, receive, send)
            return
        total = 0

        async def limited() -> Message:
            nonlocal total
            message = await receive()
            total += len(message.get("body", b""))
            if total > limit:
                flags["too_large"] = limit
                raise BodyTooLargeError(integration)
            return message

        flags["integration"] = integration
        try:
            await self.app(scope, limited, send)
        except BodyTooLargeError:
            if not flags["started"]:
                flags["too_large"] = 0
                await _too_large(limit, integration)(scope, receive, send)


def _secured(send: Send, flags: dict[str, Any]) -> Send:
    async def secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            if flags["too_large"] and not flags["started"]:  # the app turned our refusal into its own error
                limit, flags["too_large"] = flags["too_large"], 0
                flags["started"] = True
                response = _too_large(limit, flags.get("integration", ""))
                await response({"type": "http"}, _never, secured)
                flags["swallow"] = True
                return
            flags["started"] = True
            present = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *(h for h in SECURITY_HEADERS if h[0] not in present)]
        elif flags.get("swallow") and message["type"] == "http.response.body":
            return
        await send(message)

    return secured


async def _never() -> Message:
    return {"type": "http.disconnect"}


def _too_large(limit: int, integration: str) -> Response:
    return JSONResponse(
        {"error": f"Webhook body larger than {limit} bytes; raise [{integration}] webhook_max_bytes if it is real."},
        status_code=413,
        headers={"connection": "close"},
    )


def _host(value: str | None) -> str:
    if not value:
        return ""
    host = urlsplit(f"//{value}").hostname
    return (host or "").lower()


def _machine(path: str) -> bool:
    return path.startswith("/api/") or path == "/metrics"


def _denied(status: int, message: str, scope: Scope) -> Response:
    if _machine(scope["path"]):
        return JSONResponse({"error": message}, status_code=status)
    return _plain(status, message)


def _plain(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)


async def log_refusal(state: WebState, actor: str, scope: Scope, detail: str) -> None:
    address = client_address(scope)
    await run_in_threadpool(
        state.app.store.actions.record,
        actor,
        "request_refused",
        state.app.clock.now(),
        target=f"{scope['method']} {scope['path']}",
        outcome="refused",
        address=address,
        detail=detail,
    )
