"""Magento Web API error bodies: raw messages with %placeholders plus ``parameters`` (commerce-sterling-x12.md §1.9)."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.responses import Response

NO_ROUTE = "Request does not match any route."
NO_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
REQUIRED_FIELD = '"%fieldName" is required. Enter and try again.'
SEARCH_CRITERIA_REQUIRED = "%fieldName is a required field."
MAX_PAGE_SIZE = "Maximum SearchCriteria pageSize is %max"
SIGNATURE_INVALID = "The signature is invalid. Verify and try again."
DUPLICATE_EMAIL = "A customer with the same email address already exists in an associated website."
INPUT_EXCEPTIONS = "One or more input exceptions have occurred."


class WebapiError(Exception):
    """An error the Web API renders as ``{"message", "parameters"?, "code"?, "errors"?}``.

    ``status`` follows ErrorProcessor::maskException: NoSuchEntity 404, Authentication/Authorization
    401, other LocalizedException 400, anything else 500 with a masked message.
    """

    def __init__(
        self,
        status: int,
        message: str,
        parameters: dict[str, Any] | list[Any] | None = None,
        *,
        code: int = 0,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.code = code
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors:
            out["errors"] = self.errors
        if self.code:
            out["code"] = self.code
        if self.parameters:
            out["parameters"] = self.parameters
        return out

    def response(self) -> Response:
        return Response(orjson.dumps(self.body()), status_code=self.status, media_type="application/json")


def internal_error() -> WebapiError:
    """What production mode shows for any unexpected exception (e.g. an unknown SQL column)."""
    report = secrets.token_hex(6)
    return WebapiError(500, f"Internal Error. Details are available in Magento log file. Report ID: webapi-{report}")


def not_authorized(resource: str) -> WebapiError:
    return WebapiError(401, NOT_AUTHORIZED, {"resources": resource})


def required_fields(names: list[str], status: int = 400) -> WebapiError:
    """One missing field gives its own message; several give the aggregate form with ``errors``."""
    if len(names) == 1:
        return WebapiError(status, REQUIRED_FIELD, {"fieldName": names[0]})
    errors = [{"message": REQUIRED_FIELD, "parameters": {"fieldName": n}} for n in names]
    return WebapiError(status, INPUT_EXCEPTIONS, errors=errors)
