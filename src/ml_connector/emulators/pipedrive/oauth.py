"""API tokens and the OAuth 2.0 token endpoint (looker-pipedrive.md §2.2): Basic client auth, form bodies,
``expires_in`` 3599, refresh tokens rotated on use (configurable), expiry on the emulator clock."""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    lifetime_s: int = 3599
    rotate_refresh: bool = True
    access: dict[str, datetime] = field(default_factory=dict)  # access token -> expiry
    refresh: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, now: datetime, api_domain: str) -> dict[str, Any]:
        access, refresh = "v1u:" + secrets.token_urlsafe(32), f"1:1:{secrets.token_hex(20)}"
        self.access[access] = now + timedelta(seconds=self.lifetime_s)
        self.refresh.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime_s,
            "refresh_token": refresh,
            "scope": "base,deals:full,contacts:full,products:full,deal-fields:full,product-fields:full,"
            "contact-fields:full,search:read,users:read,admin",
            "api_domain": api_domain,
        }

    def client_ok(self, authorization: str | None) -> bool:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return bool(authorization) and secrets.compare_digest(str(authorization), f"Basic {expected}")

    def token(self, form: dict[str, str], authorization: str | None, now: datetime, api_domain: str) -> tuple[int, Any]:
        """POST /oauth/token: authorization_code or refresh_token grant."""
        if not self.client_ok(authorization):
            return 401, {"success": False, "error": "Invalid client credentials", "errorCode": 401}
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code" and form.get("code") in self.codes:
                self.codes.discard(form["code"])
                return 200, self.issue(now, api_domain)
            if grant == "refresh_token" and form.get("refresh_token") in self.refresh:
                if self.rotate_refresh:
                    self.refresh.discard(form["refresh_token"])
                    return 200, self.issue(now, api_domain)
                body = self.issue(now, api_domain)
                self.refresh.discard(body["refresh_token"])
                return 200, {**body, "refresh_token": form["refresh_token"]}
        return 400, {"success": False, "error": "invalid_grant", "error_description": "Invalid grant"}

    def access_ok(self, token: str, now: datetime) -> bool:
        expiry = self.access.get(token)
        return expiry is not None and now < expiry

    def expire_all(self) -> None:
        with self.lock:
            self.access.clear()


@dataclass
class Accounts:
    """Who may call: API tokens (one per user) and the OAuth app."""

    api_tokens: dict[str, int]
    oauth: OAuthApp
    now: Callable[[], datetime]
    allow_query_token: bool = True

    def identify(self, headers: Any, query: dict[str, str]) -> tuple[str, bool] | None:
        """(token, is_oauth) for a valid credential, else None. The header wins over ``?api_token=``."""
        token = headers.get("x-api-token")
        if token is None and self.allow_query_token:
            token = query.get("api_token")
        if token is not None:
            return (token, False) if token in self.api_tokens else None
        auth = headers.get("authorization", "")
        if auth.startswith("Bearer ") and self.oauth.access_ok(auth[7:], self.now()):
            return auth[7:], True
        return None
