"""OAuth2 password and refresh grants, bearer and Basic checks, and the account lock after repeated
failures (docs/PROTOCOLS.md (QAD): ``invalid_grant`` 400 bodies; "Maximum Access Failures" = 10).
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

INVALID_PASSWORD = "Username or password is invalid, please try again."  # noqa: S105 - a message [F]
LOCKED = "User account is locked after too many failed logins. Ask your QAD administrator to unlock it."


@dataclass
class OAuthError(Exception):
    status: int
    error: str
    description: str

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class TokenBook:
    """Issued tokens (value -> expiry on the emulator clock) and login failures per user."""

    client_id: str
    username: str
    password: str
    ttl_s: float
    clock: Callable[[], float]
    max_failures: int = 10
    allow_basic: bool = True
    access: dict[str, float] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> username
    failures: int = 0
    logins: int = 0
    refreshes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, form: dict[str, str]) -> dict[str, object]:
        """Answer ``POST /oauth/token`` (form body or query parameters, both accepted [T])."""
        kind = form.get("grant_type", "")
        if form.get("client_id", self.client_id) != self.client_id:
            raise OAuthError(401, "invalid_client", "Bad client credentials")
        with self.lock:
            if kind == "password":
                return self._password(form.get("username", ""), form.get("password", ""))
            if kind == "refresh_token":
                user = self.refresh.pop(form.get("refresh_token", ""), None)
                if user is None:
                    raise OAuthError(400, "invalid_grant", "Invalid refresh token")
                self.refreshes += 1
                return self._issue()
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {kind or '(none)'}")

    def _password(self, username: str, password: str) -> dict[str, object]:
        if username == self.username and self.failures >= self.max_failures:
            raise OAuthError(400, "invalid_grant", LOCKED)
        if username != self.username or not secrets.compare_digest(password, self.password):
            if username == self.username:
                self.failures += 1
            raise OAuthError(400, "invalid_grant", INVALID_PASSWORD)
        self.failures = 0
        self.logins += 1
        return self._issue()

    def _issue(self) -> dict[str, object]:
        token, refresh = secrets.token_hex(24), secrets.token_hex(24)
        self.access[token] = self.clock() + self.ttl_s
        self.refresh[refresh] = self.username
        return {
            "access_token": token,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": int(self.ttl_s),
            "scope": "read write",
        }

    def check(self, authorization: str) -> OAuthError | None:
        """None when the Authorization header is a live bearer token (or valid Basic, if allowed)."""
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            with self.lock:
                expiry = self.access.get(value.strip())
            if expiry is None:
                return OAuthError(401, "invalid_token", "Invalid access token")
            if self.clock() >= expiry:
                return OAuthError(401, "invalid_token", "Access token expired")
            return None
        if scheme.lower() == "basic" and self.allow_basic:
            try:
                user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return OAuthError(401, "unauthorized", "Malformed Basic credentials")
            with self.lock:
                if user == self.username and self.failures >= self.max_failures:
                    return OAuthError(401, "unauthorized", LOCKED)
                if user == self.username and secrets.compare_digest(password, self.password):
                    return None
                if user == self.username:
                    self.failures += 1
            return OAuthError(401, "unauthorized", "Bad credentials")
        return OAuthError(401, "unauthorized", "Full authentication is required to access this resource")

    def expire(self, authorization: str) -> None:
        """Fault ``token_expiry``: the presented token dies now (a fresh login or refresh works)."""
        value = authorization.partition(" ")[2].strip()
        with self.lock:
            if value in self.access:
                self.access[value] = self.clock() - 1
