"""Looker error bodies: ``{"message", "documentation_url"}`` (+ ``errors[]`` on 422) and the handlers
that turn every failure of the app (ours, FastAPI's, Starlette's) into that shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

# Outside the SDK's `/r/err/` pattern on purpose: the official SDK fetches error docs from a CDN
# (with no timeout) when the URL matches that pattern (looker-pipedrive.md §1.3).
DOC_URL = "https://cloud.google.com/looker/docs/"


class LookerApiError(Exception):
    """An API failure answered with a Looker error body."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def error_body(message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": DOC_URL}
    if errors is not None:
        body["errors"] = [{**e, "documentation_url": e.get("documentation_url", DOC_URL)} for e in errors]
    return body


def validation_error(field: str, code: str, message: str) -> LookerApiError:
    """A 422 `ValidationError` naming one bad field of the request body."""
    return LookerApiError(422, "Validation Failed", [{"field": field, "code": code, "message": message}])


def not_found() -> LookerApiError:
    return LookerApiError(404, "Not found")


def status_message(status: int) -> str:
    if status == 404:
        return "Not found"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with Looker's body shape, never FastAPI's ``{"detail": ...}``."""

    async def on_looker_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, LookerApiError)
        return error_response(exc.status, error_body(exc.message, exc.errors), exc.headers)

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, error_body(status_message(exc.status_code)))

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "code": "invalid", "message": e["msg"]}
            for e in exc.errors()
        ]
        return error_response(422, error_body("Validation Failed", details))

    app.add_exception_handler(LookerApiError, on_looker_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
