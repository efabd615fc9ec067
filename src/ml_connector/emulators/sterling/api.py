"""Request plumbing shared by the emulator's routes: the emulator behind a request, JSON bodies,
``_range`` paging, create answers (``201 {"Location": ...}``) and the ``lost_response`` fault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from ml_connector.emulators.sterling.emulator import SterlingEmulator
from ml_connector.emulators.sterling.store import ApiError
from ml_connector.emulators.sterling.wire import project

SVC = "/B2BAPIs/svc"
LOST_RESPONSE = "lost_response"


def emulator_of(request: Request) -> SterlingEmulator:
    emulator: SterlingEmulator = request.app.state.emulator
    with emulator.state.lock:
        emulator.router.release_due()
    return emulator


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + SVC


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "API000100: The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "API000101: The request body must be a JSON object.")
    return body


def page(request: Request, rows: Sequence[dict[str, Any]]) -> Response:
    """Apply ``_range=<from>-<to>`` (inclusive, capped at the emulator's maximum) and ``_include``."""
    emulator: SterlingEmulator = request.app.state.emulator
    start, end = 0, emulator.max_range - 1
    text = request.query_params.get("_range")
    if text:
        low, _, high = text.partition("-")
        if not (low.isdigit() and high.isdigit()) or int(high) < int(low):
            raise ApiError(400, f"API000110: _range '{text}' must look like 0-999.")
        start, end = int(low), min(int(high), int(low) + emulator.max_range - 1)
    chosen = [project(r, request.query_params.get("_include")) for r in rows[start : end + 1]]
    if not chosen and emulator.empty_list_status != 200:
        status = emulator.empty_list_status
        return JSONResponse({"errorCode": status, "errorDescription": "API000404: No results found."}, status)
    return JSONResponse(chosen)


def created(request: Request, collection: str, key: str | int) -> Response:
    """The create answer, unless the plan says the response gets lost after the work was done."""
    emulator: SterlingEmulator = request.app.state.emulator
    if emulator.faults.fire(request.method, request.url.path, {LOST_RESPONSE}) is not None:
        return Response(b"Error 502: Bad Gateway", status_code=502, media_type="text/plain")
    location = f"{base_url(request)}/{collection}/{quote(str(key), safe=':')}"
    return JSONResponse({"Location": location}, status_code=201)


def affected(rows: int = 1) -> Response:
    return JSONResponse({"rowsAffected": rows})


def flag(value: Any, name: str) -> bool:
    """Booleans may arrive bare, as strings, or as ``{code, display}``."""
    if isinstance(value, dict):
        value = value.get("code")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    raise ApiError(400, f"API000120: {name} must be true or false.")


def integer(value: Any, name: str) -> int:
    if isinstance(value, dict):
        value = value.get("code")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise ApiError(400, f"API000121: {name} must be an integer.")
    return int(value)


def parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text))
    except ValueError:
        raise ApiError(400, f"API000122: '{text}' is not a timestamp like 2020-03-14T17:19:20.000+0000.") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def multipart_parts(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """Minimal multipart/form-data reader: part name -> (filename, bytes). Tolerates odd part headers."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if "multipart/form-data" not in content_type or match is None:
        raise ApiError(400, "API000163: messagebatches expects multipart/form-data.")
    parts: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        disposition = head.decode("latin-1")
        name = re.search(r'(?<![A-Za-z])name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if name:
            parts[name.group(1)] = (filename.group(1) if filename else "", data.removesuffix(b"\r\n"))
    return parts
