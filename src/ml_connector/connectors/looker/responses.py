"""Turning Looker answers into values and errors: results decoded by format, and Looker's error body
(``{message, documentation_url}``, plus ``errors`` on 422) folded into our error messages.
"""

from __future__ import annotations

from typing import Any

import orjson

from ml_connector.connectors.looker.models import LookerApiError
from ml_connector.errors import RateLimitedError, RemoteError, RemoteRejectedError
from ml_connector.http.client import HttpResponse

JSON_FORMATS = frozenset({"json", "json_bi", "json_detail", "json_label", "json_fe", "inline_json"})
BINARY_FORMATS = frozenset({"png", "jpg", "xlsx"})
_HINTS = {
    401: "Check the API key with `ml-connector check`.",
    403: "Give the API user a role with the needed permission (Admin > Roles).",
    404: "Check that it exists and that the API user's model set and roles let it see it.",
    409: "It already exists in Looker.",
    422: "Fix the request fields named above.",
    429: "Looker is rate-limiting this instance; run again later or lower the request rate.",
}


def decode_result(response: HttpResponse, fmt: str) -> Any:
    """JSON formats parsed (orjson), images and xlsx as bytes, every other format as text."""
    if fmt in JSON_FORMATS:
        return response.json()
    if fmt in BINARY_FORMATS:
        return response.content
    return response.text


def task_results(response: HttpResponse, fmt: str, what: str) -> Any:
    """Decode query task results; ``json_detail`` reports SQL errors as 200 + ``errors`` (spec)."""
    result = decode_result(response, fmt)
    if fmt == "json_detail" and isinstance(result, dict) and result.get("errors"):
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in result["errors"])
        raise RemoteRejectedError(
            f"Looker {what} failed in the database: {messages}. Fix the query or its LookML, then run again.",
            system="Looker",
            status=response.status,
            request=f"GET {response.url}",
        )
    return result


def with_looker_message(exc: RemoteError, what: str) -> RemoteError:
    """Rebuild ``exc`` (same class) with Looker's own explanation and a next step in the message."""
    if exc.status is None:
        return exc  # nothing came back from Looker: the transport message is the best we have
    detail = looker_error_detail(exc.body)
    hint = _HINTS.get(exc.status, "The run can be retried safely." if exc.status >= 500 else "")
    message = f"Looker answered HTTP {exc.status} to {what} ({exc.request}): {detail}. {hint}".rstrip()
    common: dict[str, Any] = {
        "system": exc.system,
        "status": exc.status,
        "request": exc.request,
        "body": exc.body,
    }
    if isinstance(exc, RateLimitedError):
        return RateLimitedError(message, retry_after=exc.retry_after, **common)
    return type(exc)(message, **common)


def looker_error_detail(body: str) -> str:
    """``message; field code: message; see <documentation_url>`` from an Error/ValidationError body."""
    try:
        parsed = LookerApiError.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValueError):
        return body.strip() or "no error body"
    parts = [parsed.message or "no message"]
    for item in parsed.errors or []:
        code = f" {item.code}" if item.code else ""
        parts.append(f"{item.field or 'request'}{code}: {item.message or 'invalid'}")
    if parsed.documentation_url:
        parts.append(f"see {parsed.documentation_url}")
    return "; ".join(parts)
