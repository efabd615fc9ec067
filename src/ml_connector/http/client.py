"""The one HTTP client every connector uses: auth, retries with backoff honouring Retry-After,
proactive rate budgets, redacted logging, and the translation of httpx failures into our errors.

Connectors never import httpx: they get :class:`HttpResponse` values and :mod:`ml_connector.errors`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
import structlog

from ml_connector.errors import (
    RateLimitedError,
    RemoteAuthError,
    RemoteError,
    RemoteProtocolError,
    RemoteRejectedError,
    RemoteUnavailableError,
)
from ml_connector.http.auth import AuthFlow
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.secrets.secret import REDACTOR

log = structlog.get_logger("ml_connector.http")

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
BODY_EXCERPT = 500


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Backoff is exponential with full jitter, capped; Retry-After wins."""

    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 300.0


@dataclass(frozen=True)
class HttpResponse:
    """What a connector sees of a response."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    attempts: int = 1

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError as exc:
            raise RemoteProtocolError(
                f"Expected JSON from {REDACTOR.scrub(self.url)}, got a malformed body ({exc}).",
                status=self.status,
                request=REDACTOR.scrub(self.url),
                body=REDACTOR.scrub(self.text[:BODY_EXCERPT]),
            ) from None


@dataclass
class HttpStats:
    """Counters a run reports: calls, retries, seconds slept on backoff or budgets."""

    calls: int = 0
    retries: int = 0
    backoff_s: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


class HttpClient:
    """A connector's door to one remote system."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str = "",
        auth: AuthFlow | None = None,
        retry: RetryPolicy | None = None,
        budget: SlidingWindowBudget | None = None,
        timeout_s: float = 60.0,
        verify: bool = True,
        headers: Mapping[str, str] | None = None,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system = system
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self.stats = HttpStats()
        # True once the server answered an authenticated request with anything but 401: the credentials
        # work (the engine resets its count of refused logins on this fact).
        self.auth_accepted = False
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            verify=verify,
            headers=dict(headers or {}),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] | set[int] | None = None,
        cost: int = 1,
        retry_unsafe: bool = False,
        authenticate: bool = True,
    ) -> HttpResponse:
        """Send a request, retrying what is safe to retry; raise a RemoteError subclass on failure.

        Args:
            ok: statuses returned instead of raised (default: any 2xx).
            cost: units taken from the rate budget before the call.
            retry_unsafe: retry a POST/PATCH after a 5xx (only when the target is idempotent).
            authenticate: apply the auth flow (False for the login call itself).
        """
        method = method.upper()
        body = self._encode_body(json, data, content)
        extra = dict(headers or {})
        if json is not None:
            extra.setdefault("Content-Type", "application/json")
        elif data is not None:
            extra.setdefault("Content-Type", "application/x-www-form-urlencoded")
        may_retry_5xx = method in SAFE_METHODS or retry_unsafe
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            if self.budget is not None:
                self.budget.acquire(cost)
            try:
                response = self._send_once(method, url, params, body, extra, authenticate)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server: safe to retry any method.
                if attempt < self.retry.max_attempts:
                    self._back_off(attempt, None, f"connection failed: {type(exc).__name__}")
                    continue
                raise self._unavailable(method, url, f"cannot connect ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                if may_retry_5xx and attempt < self.retry.max_attempts:
                    self._back_off(attempt, None, f"transport error: {type(exc).__name__}")
                    continue
                raise self._unavailable(method, url, f"transport error ({type(exc).__name__})") from exc
            status = response.status_code
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            if authenticate and self.auth is not None and status != 401:
                self.auth_accepted = True
            if (ok is not None and status in ok) or (ok is None and 200 <= status < 300):
                return HttpResponse(status, response.headers, response.content, str(response.url), attempt)
            if status == 401 and authenticate and self.auth is not None and not reauthenticated:
                reauthenticated = True
                if self.auth.on_unauthorized():
                    log.info("http.reauthenticate", system=self.system, url=REDACTOR.scrub(str(response.url)))
                    continue
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            retriable = status == 429 or (status in RETRIABLE_STATUS and may_retry_5xx)
            if retriable and attempt < self.retry.max_attempts:
                self._back_off(attempt, retry_after, f"HTTP {status}")
                continue
            raise self._error_for(method, response, retry_after)

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None, attempts: int = 3) -> Any:
        """GET and decode JSON; a body cut off or garbled in transit is fetched again (GET is safe)."""
        for attempt in range(1, attempts + 1):
            response = self.request("GET", url, params=params)
            try:
                return response.json()
            except RemoteProtocolError:
                if attempt == attempts:
                    raise
                self._back_off(attempt, None, "malformed JSON body")
        raise AssertionError("unreachable")

    def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: bytes,
        headers: dict[str, str],
        authenticate: bool,
    ) -> httpx.Response:
        request = self._client.build_request(method, url, params=params, content=body or None, headers=headers)
        if authenticate and self.auth is not None:
            hdrs: dict[str, str] = {}
            signed_url = self.auth.apply(method, str(request.url), hdrs, body)
            if signed_url != str(request.url):
                request = self._client.build_request(method, signed_url, content=body or None, headers=headers)
            request.headers.update(hdrs)
        self.stats.calls += 1
        return self._client.send(request)

    @staticmethod
    def _encode_body(json: Any, data: Mapping[str, str] | None, content: bytes | str | None) -> bytes:
        if json is not None:
            return orjson.dumps(json)
        if data is not None:
            return httpx.QueryParams(data).__str__().encode()
        if isinstance(content, str):
            return content.encode()
        return content or b""

    def _back_off(self, attempt: int, retry_after: float | None, why: str) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.retry.max_retry_after_s)
        else:
            cap = min(self.retry.max_delay_s, self.retry.base_delay_s * (2 ** (attempt - 1)))
            delay = random.uniform(cap / 2, cap)
        self.stats.retries += 1
        self.stats.backoff_s += delay
        log.warning("http.retry", system=self.system, attempt=attempt, delay_s=round(delay, 3), why=why)
        self._sleep(delay)

    def _unavailable(self, method: str, url: str, why: str) -> RemoteUnavailableError:
        where = REDACTOR.scrub(f"{method} {self._client.base_url.join(url)}")
        return RemoteUnavailableError(
            f"{self.system} is not reachable: {why} on {where}. Check the URL and that the service is up; "
            "the run can be retried safely.",
            system=self.system,
            request=where,
        )

    def _error_for(self, method: str, response: httpx.Response, retry_after: float | None) -> RemoteError:
        status = response.status_code
        where = REDACTOR.scrub(f"{method} {response.url}")
        excerpt = REDACTOR.scrub(response.text[:BODY_EXCERPT])
        common: dict[str, Any] = {"system": self.system, "status": status, "request": where, "body": excerpt}
        if status in (401, 403):
            return RemoteAuthError(
                f"{self.system} refused the credentials (HTTP {status}) on {where}: {excerpt}. "
                "Fix the stored user or password with `ml-connector connections edit`, then `ml-connector check`.",
                **common,
            )
        if status == 429:
            return RateLimitedError(
                f"{self.system} kept rate-limiting {where} after {self.retry.max_attempts} attempts. "
                "Lower the request rate in the config or run again later.",
                retry_after=retry_after,
                **common,
            )
        if status >= 500:
            return RemoteUnavailableError(
                f"{self.system} failed with HTTP {status} on {where}: {excerpt}. The run can be retried safely.",
                **common,
            )
        return RemoteRejectedError(f"{self.system} rejected {where} with HTTP {status}: {excerpt}", **common)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
