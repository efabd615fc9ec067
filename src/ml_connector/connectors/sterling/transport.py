"""How the Sterling client talks to ``/B2BAPIs/svc/``: Basic auth over HTTPS, the API's error bodies
(``{"errorCode", "errorDescription"}`` on 400/404, commerce-sterling-x12.md §2.2) turned into our error tree, ``_range``
paging, and ``{"Location": ...}`` / ``{"rowsAffected": 1}`` answers.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from ml_connector.errors import (
    ConfigError,
    RemoteAuthError,
    RemoteProtocolError,
    RemoteRejectedError,
)
from ml_connector.http.auth import BasicAuth
from ml_connector.http.client import HttpClient, HttpResponse, RetryPolicy
from ml_connector.secrets.secret import REDACTOR, Secret

SYSTEM = "Sterling B2B Integrator"
API_ROOT = "/B2BAPIs/svc"
_ANSWERED = frozenset({*range(200, 300), 400, 404, 409})


class SterlingTransport:
    """One authenticated HTTP door to the B2B REST APIs."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: Secret,
        *,
        verify: bool = True,
        allow_insecure_http: bool = False,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        root = base_url.rstrip("/")
        if not root.endswith(API_ROOT):
            root += API_ROOT
        scheme = urlsplit(root).scheme.lower()
        if scheme not in ("https", "http") or (scheme == "http" and not allow_insecure_http):
            raise ConfigError(
                f"Sterling B2B base URL {REDACTOR.scrub(base_url)!r} must use https:// (Basic credentials "
                "travel with every call). Use http:// only for a local emulator, with allow_insecure_http=True."
            )
        self.username = username
        self.root = root
        self.http = HttpClient(
            system=SYSTEM,
            base_url=root + "/",
            auth=BasicAuth(username, password),
            retry=retry,
            timeout_s=timeout_s,
            verify=verify,
            headers={"Accept": "application/json", "Content-Type": "application/json"},  # on every call [F S1]
            transport=transport,
            sleep=sleep,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, *, what: str, **kw: Any) -> HttpResponse:
        """Send one request; raise our errors for anything but 2xx.

        ``what`` completes "while trying to ..." in messages: "create mailbox /ACME/Inbox".
        """
        response = self._send(method, path, what, kw)
        if response.status >= 300:
            raise self.rejected(response, api_error(response), what)
        return response

    def call_optional(self, method: str, path: str, *, what: str, **kw: Any) -> HttpResponse | None:
        """Like :meth:`call`, but an API 404 (JSON error body) means "not there" and returns None."""
        response = self._send(method, path, what, kw)
        if response.status < 300:
            return response
        error = api_error(response)
        if response.status == 404 and error is not None:
            return None
        raise self.rejected(response, error, what)

    def _send(self, method: str, path: str, what: str, kw: dict[str, Any]) -> HttpResponse:
        try:
            return self.http.request(method, path, ok=_ANSWERED, **kw)
        except RemoteAuthError as exc:
            raise RemoteAuthError(
                f"{SYSTEM} refused user {self.username!r} (HTTP {exc.status}) while trying to {what}. Check the "
                "username and password stored for this connection (`ml-connector connections add`) and that the "
                "user is allowed to use the B2B REST APIs.",
                system=SYSTEM,
                status=exc.status,
                request=exc.request,
                body=exc.body,
            ) from exc

    def rejected(self, response: HttpResponse, error: tuple[str, str] | None, what: str) -> RemoteRejectedError:
        where = REDACTOR.scrub(response.url)
        common: dict[str, Any] = {
            "system": SYSTEM,
            "status": response.status,
            "request": where,
            "body": REDACTOR.scrub(response.text[:500]),
        }
        if error is None and response.status == 404:
            return RemoteRejectedError(
                f"{SYSTEM} has no API at {where} (HTTP 404, not an API error body) while trying to {what}. Check "
                f"that the base URL points at the B2B REST API server (…{API_ROOT}) and that the APIs are installed.",
                **common,
            )
        code, description = error or ("", response.text[:200] or "no details")
        return RemoteRejectedError(
            f"{SYSTEM} rejected the request to {what}: {REDACTOR.scrub(description)} "
            f"(HTTP {response.status}{', errorCode ' + code if code else ''}). Fix the data or the configuration "
            "named here, then run again.",
            **common,
        )

    def pages(self, path: str, params: Mapping[str, Any], *, what: str, page_size: int) -> Iterator[dict[str, Any]]:
        """Every row of a list endpoint, asking ``_range=<from>-<to>`` until a short page comes back."""
        start = 0
        previous: list[dict[str, Any]] | None = None
        while True:
            query = {**params, "_range": f"{start}-{start + page_size - 1}"}
            response = self.call_optional("GET", path, params=query, what=what)
            rows = [] if response is None else json_rows(response, what)
            if rows and rows == previous:
                raise RemoteProtocolError(
                    f"{SYSTEM} returned the same page twice for {what} (_range {query['_range']}); stopping "
                    "instead of looping. Report this to the Sterling administrator.",
                    system=SYSTEM,
                    request=REDACTOR.scrub(response.url if response else path),
                )
            yield from rows
            if len(rows) < page_size:
                return
            previous, start = rows, start + page_size

    def json_object(self, response: HttpResponse, what: str) -> dict[str, Any]:
        body = response.json()
        if not isinstance(body, dict):
            raise RemoteProtocolError(
                f"{SYSTEM} answered {what} with JSON that is not an object.",
                system=SYSTEM,
                status=response.status,
                request=REDACTOR.scrub(response.url),
            )
        return body

    def location_key(self, response: HttpResponse, what: str) -> str:
        """The id at the end of ``{"Location": "http://host/B2BAPIs/svc/<resource>/<id>"}``."""
        location = self.json_object(response, what).get("Location")
        if not isinstance(location, str) or "/" not in location.rstrip("/"):
            raise RemoteProtocolError(
                f"{SYSTEM} answered {what} without a Location; the outcome is unknown.",
                system=SYSTEM,
                status=response.status,
                request=REDACTOR.scrub(response.url),
                body=response.text[:500],
            )
        return unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])

    def expect_one_row(self, response: HttpResponse, what: str) -> None:
        affected = self.json_object(response, what).get("rowsAffected")
        if affected != 1:
            raise RemoteProtocolError(
                f"{SYSTEM} reported rowsAffected={affected!r} for {what}; expected 1.",
                system=SYSTEM,
                status=response.status,
                request=REDACTOR.scrub(response.url),
            )


def api_error(response: HttpResponse) -> tuple[str, str] | None:
    """``(errorCode, errorDescription)`` when the body is the API's JSON error object."""
    if not response.content.lstrip().startswith(b"{"):
        return None
    try:
        body = response.json()
    except RemoteProtocolError:
        return None
    if not isinstance(body, dict) or ("errorDescription" not in body and "errorCode" not in body):
        return None
    return str(body.get("errorCode", "")), str(body.get("errorDescription", ""))


def json_rows(response: HttpResponse, what: str) -> list[dict[str, Any]]:
    body = response.json()
    if isinstance(body, list) and all(isinstance(row, dict) for row in body):
        return body
    raise RemoteProtocolError(
        f"{SYSTEM} answered {what} with something other than a JSON array.",
        system=SYSTEM,
        status=response.status,
        request=REDACTOR.scrub(response.url),
        body=REDACTOR.scrub(response.text[:500]),
    )


def multipart_body(**parts: tuple[str, bytes]) -> tuple[bytes, str]:
    """``multipart/form-data`` from ``name=(filename, data)`` (empty filename = a plain field)."""
    boundary = "ml-connector-" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for name, (filename, data) in parts.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "Content-Type: application/octet-stream\r\n" if filename else ""
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
