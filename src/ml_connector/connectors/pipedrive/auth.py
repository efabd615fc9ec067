"""Pipedrive auth: the API token in the ``x-api-token`` header (never ``?api_token=``, which would reach
URL logs) and OAuth 2.0 with refresh-token rotation (reference Part 2, 2.2).

Rotation is crash-safe: the new refresh token is handed to ``persist`` (which stores it encrypted) before
the old one is dropped from memory; if persisting fails, the new tokens are not used and the error says
so. A crash between the token call and ``persist`` is the only window, and then the stored (old) token is
what Pipedrive rotated away: the error asks for a new authorization.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

from ml_connector.errors import RemoteAuthError
from ml_connector.secrets.secret import Secret

TokenPoster = Callable[[dict[str, str], str], tuple[int, Any]]


class ApiTokenAuth:
    """``x-api-token: <token>`` on every request."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        headers["x-api-token"] = self._token.reveal()
        return url

    def on_unauthorized(self) -> bool:
        return False


class OAuthRefreshAuth:
    """Bearer access tokens, refreshed shortly before expiry and once after a 401."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: Secret,
        refresh_token: Secret,
        post_token: TokenPoster,
        persist: Callable[[Secret], None],
        access_token: Secret | None = None,
        expires_at: float = 0.0,
        clock: Callable[[], float] = time.time,
        margin_s: float = 60.0,
    ) -> None:
        self._client_basic = Secret(
            "Basic " + base64.b64encode(f"{client_id}:{client_secret.reveal()}".encode()).decode()
        )
        self._refresh = refresh_token
        self._access = access_token
        self._expires_at = expires_at
        self._post, self._persist, self._clock, self._margin = post_token, persist, clock, margin_s
        self._lock = threading.Lock()
        self.refreshes = 0
        self.api_domain: str | None = None

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        with self._lock:
            if self._access is None or self._clock() >= self._expires_at - self._margin:
                self._refresh_locked()
            assert self._access is not None
            headers["Authorization"] = f"Bearer {self._access.reveal()}"
        return url

    def on_unauthorized(self) -> bool:
        with self._lock:
            self._refresh_locked()
        return True

    def _refresh_locked(self) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh.reveal()}
        status, body = self._post(form, self._client_basic.reveal())
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise RemoteAuthError(
                f"Pipedrive refused to refresh the OAuth token (HTTP {status}). The refresh token may have been "
                "revoked or rotated away: authorize the app again and store the new refresh token with "
                "`ml-connector connections add pipedrive --system pipedrive`.",
                system="Pipedrive",
                status=status,
            )
        new_refresh = Secret(str(body.get("refresh_token") or self._refresh.reveal()))
        if new_refresh.reveal() != self._refresh.reveal():
            self._persist(new_refresh)  # stored encrypted first; only then is the old one dropped
        self._refresh = new_refresh
        self._access = Secret(str(body["access_token"]))
        self._expires_at = self._clock() + float(body.get("expires_in", 3599))
        self.api_domain = body.get("api_domain")
        self.refreshes += 1


def token_poster(token_url: str, *, transport: Any = None, verify: bool = True) -> TokenPoster:
    """POST a form to Pipedrive's OAuth token endpoint with the client's Basic credentials."""
    from ml_connector.http.client import HttpClient

    http = HttpClient(system="Pipedrive OAuth", transport=transport, verify=verify)

    def post(form: dict[str, str], basic: str) -> tuple[int, Any]:
        response = http.request(
            "POST",
            token_url,
            data=form,
            headers={"Authorization": basic},
            ok=frozenset({200, 400, 401}),
            authenticate=False,
        )
        return response.status, response.json()

    return post
