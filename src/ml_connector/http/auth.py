"""Auth flows for the shared HTTP client: Basic, static bearer, login-token (cached, renewed on 401).

An auth flow decorates each attempt of a request (``apply``) and may get one chance to repair
itself after a 401 (``on_unauthorized``): log in again, refresh a token. Flows never log values.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ml_connector.secrets.secret import REDACTOR, Secret


class AuthFlow(Protocol):
    """What the HTTP client needs from an auth scheme."""

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        """Add credentials to ``headers`` (in place); return the URL to call (signing may change it)."""
        ...

    def on_unauthorized(self) -> bool:
        """Called after a 401. Return True when a retry with fresh credentials makes sense."""
        ...


class BasicAuth:
    """HTTP Basic (SYSPRO OData operator + OData password, Sterling B2B user)."""

    def __init__(self, username: str, password: Secret) -> None:
        raw = f"{username}:{password.reveal()}".encode()
        REDACTOR.register_basic(username, password.reveal())  # the bare token too, without "Basic "
        self._header = Secret("Basic " + base64.b64encode(raw).decode())

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        headers["Authorization"] = self._header.reveal()
        return url

    def on_unauthorized(self) -> bool:
        return False


class StaticTokenAuth:
    """A fixed token in a header (Commerce integration token as Bearer, Pipedrive api token)."""

    def __init__(self, token: Secret, *, scheme: str = "Bearer", header: str = "Authorization") -> None:
        self._token = token
        self._scheme = scheme
        self._header = header

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        headers[self._header] = f"{self._scheme} {self._token.reveal()}".strip()
        return url

    def on_unauthorized(self) -> bool:
        return False


@dataclass(frozen=True)
class IssuedToken:
    """A token a login call returned, with its lifetime in seconds."""

    value: Secret
    expires_in: float


class LoginTokenAuth:
    """A token obtained by a login call, cached until shortly before expiry, renewed once on 401.

    Used for Looker (``Authorization: token ...``), Adobe IMS client credentials (``Bearer``) and
    any other "log in, get an expiring token" scheme. ``login`` performs the actual call.
    """

    def __init__(
        self,
        login: Callable[[], IssuedToken],
        *,
        scheme: str = "Bearer",
        early_renewal_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._login = login
        self._scheme = scheme
        self._early = early_renewal_s
        self._now = monotonic
        self._token: IssuedToken | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.logins = 0

    def token(self) -> Secret:
        with self._lock:
            if self._token is None or self._now() >= self._expires_at - self._early:
                self._token = self._login()
                self._expires_at = self._now() + self._token.expires_in
                self.logins += 1
            return self._token.value

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        headers["Authorization"] = f"{self._scheme} {self.token().reveal()}"
        return url

    def on_unauthorized(self) -> bool:
        self.invalidate()
        return True
