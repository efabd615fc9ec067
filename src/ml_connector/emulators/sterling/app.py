"""IBM Sterling B2B Integrator REST API emulator: ``create_app`` builds the ASGI app.

Mailbox layout: ``/`` root; per trading partner (our company included) ``/<name>``, ``/<name>/Inbox``,
``/<name>/Outbox``. A message posted to ``/<company>/Outbox`` is routed to ``/<partner>/Inbox`` by the
routing channel whose consumer's code equals the ISA08 receiver id; the partner answers with a 997 (or
TA1) in ``/<company>/Inbox``. See ``docs`` in the connector README for what is fact and what is inferred.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan
from ml_connector.emulators.sterling import routes_mailboxes, routes_partners
from ml_connector.emulators.sterling.api import SVC
from ml_connector.emulators.sterling.emulator import DEFAULT_PARTNERS, SterlingEmulator
from ml_connector.emulators.sterling.routing import Router
from ml_connector.emulators.sterling.store import ApiError, SterlingState

# WebSphere Liberty answers a failed Basic login with its own text page, not the API's JSON error body
# (commerce-sterling-x12.md §2.2: clients raise 401 without parsing it). Realm and wording are [I].
UNAUTHORIZED_BODY = b"Error 401: SRVE0295E: Error reported: 401"


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    username: str = "apiuser",
    password: str = "sterling-emulator",  # noqa: S107 - the emulator's published test credential
    clock: Any = None,
    ack_delay_s: float = 0.0,
    partners: Iterable[dict[str, Any]] | None = None,
    company: str = "MLCONNECT",
    company_code: str | None = None,
    content_field: str = "body",
    max_range: int = 1000,
    empty_list_status: int = 200,
) -> FastAPI:
    """Build the emulator.

    Args:
        clock: an object with ``now()`` or a callable returning an aware datetime (default: system UTC).
        ack_delay_s: emulator time between routing an X12 document and its 997 appearing.
        partners: trading partners to seed (Sterling field names; ``partnerName`` and ``code`` at least);
            each gets a routing channel from ``company``. Default: ACMEWHOLESALE and WIDGETCO.
        company: our own partner name (mailboxes ``/<company>/Outbox`` and ``/<company>/Inbox``).
        content_field: [I] JSON field holding the base64 payload of a document.
        max_range: most rows one ``_range`` returns. empty_list_status: 200 (``[]``) or 404 for empty lists.
    """
    plan = faults if faults is not None else FaultPlan()
    state = SterlingState(seed=seed, now=_now_function(clock))
    emulator = SterlingEmulator(
        state, Router(state, ack_delay_s=ack_delay_s), plan, company, content_field, max_range, empty_list_status
    )
    emulator.seed(company_code or company, DEFAULT_PARTNERS if partners is None else partners)

    app = FastAPI(
        title="IBM Sterling B2B Integrator REST API (emulator)", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.emulator = emulator
    app.state.credentials = {"username": username, "password": password}
    app.include_router(routes_mailboxes.router)
    app.include_router(routes_partners.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _container_error)
    app.add_middleware(BasicAuthMiddleware, username=username, password=password)
    app.add_middleware(FaultMiddleware, plan=plan)
    return app


class BasicAuthMiddleware:
    """Every ``/B2BAPIs/svc/*`` call needs HTTP Basic credentials (commerce-sterling-x12.md §2.1, checklist 2.9.1)."""

    def __init__(self, app: ASGIApp, *, username: str, password: str) -> None:
        self.app = app
        self._expected = f"{username}:{password}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SVC) or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        response = Response(
            UNAUTHORIZED_BODY,
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Basic realm="B2BAPIs"'},
        )
        await response(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            given = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self._expected)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"errorCode": exc.status, "errorDescription": exc.description}, status_code=exc.status)


async def _container_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods are answered by the servlet container, as text."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        text = f"Error 404: java.io.FileNotFoundException: SRVE0190E: File not found: {request.url.path}"
    else:
        text = f"Error {exc.status_code}: {exc.detail}"
    return PlainTextResponse(text, status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _now_function(clock: Any) -> Callable[[], datetime]:
    if clock is None:
        return lambda: datetime.now(UTC)
    if hasattr(clock, "now"):
        return clock.now  # type: ignore[no-any-return]
    if callable(clock):
        return clock  # type: ignore[no-any-return]
    raise TypeError("clock must have a now() method or be a callable returning an aware datetime")
