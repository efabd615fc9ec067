"""QAD Adaptive ERP auth: OAuth2 password grant at ``{tenant}/oauth/token`` (form body), bearer token
cached for ``expires_in``, renewed with the refresh token, and a fresh login once after a 401; HTTP
Basic as the discouraged option (docs/PROTOCOLS.md (QAD)). Flows never log a value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
import structlog

from ml_connector.connectors.qad.models import TokenResponse
from ml_connector.errors import LoginRefusedError, RemoteError
from ml_connector.http.auth import BasicAuth
from ml_connector.http.client import HttpClient
from ml_connector.secrets.secret import Secret

log = structlog.get_logger("ml_connector.qad")
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
SECURITY_CONTROL_PATH = "/api/qracore/securityControl"


class QadLoginError(LoginRefusedError):
    """QAD refused the API user itself (wrong password, locked account, unknown client id)."""


class QadPasswordAuth:
    """``Authorization: Bearer <access_token>`` from the password grant, refreshed on expiry or 401."""

    def __init__(
        self,
        http: HttpClient,
        username: str,
        password: Secret,
        client_id: str | None = None,
        *,
        early_renewal_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._username = username
        self._password = password
        self._client_id = client_id
        self._early = early_renewal_s
        self._now = monotonic
        self._access: Secret | None = None
        self._refresh: Secret | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.logins = 0
        self.refreshes = 0
        # A refused password grant is not sent again by this flow: QAD counts each refusal toward its
        # "Maximum Access Failures" lock, and the password will not be better on a second try.
        self.refused: QadLoginError | None = None

    def client_id(self) -> str:
        """The OAuth client id: configured, or read from the (anonymous) security control record [F]."""
        if self._client_id is None:
            data = self._http.request("GET", SECURITY_CONTROL_PATH, authenticate=False).json()
            self._client_id = str(data["data"]["securityControls"][0]["clientId"])
        return self._client_id

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        headers["Authorization"] = f"Bearer {self.token().reveal()}"
        return url

    def on_unauthorized(self) -> bool:
        with self._lock:
            self._access = None  # the next apply refreshes (or logs in again): one retry per request
        return True

    def token(self) -> Secret:
        with self._lock:
            if self._access is not None and self._now() < self._expires_at - self._early:
                return self._access
            if self._refresh is not None:
                try:
                    return self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh.reveal()})
                except QadLoginError:
                    log.info("qad.refresh_refused", user=self._username, then="password login")
                    self._refresh = None
            if self.refused is not None:
                raise self.refused
            try:
                return self._grant(
                    {"grant_type": "password", "username": self._username, "password": self._password.reveal()}
                )
            except QadLoginError as exc:
                self.refused = exc
                raise

    def _grant(self, form: dict[str, str]) -> Secret:
        refresh = form["grant_type"] == "refresh_token"
        try:
            response = self._http.request(
                "POST",
                TOKEN_PATH,
                data={**form, "client_id": self.client_id()},
                authenticate=False,
                retry_unsafe=True,  # a second grant only issues a second token
            )
        except RemoteError as exc:
            if exc.status in (400, 401, 403):
                raise self._refused(exc) from None
            raise
        token = TokenResponse.model_validate(response.json())
        self._access = Secret(token.access_token)
        self._refresh = Secret(token.refresh_token) if token.refresh_token else None
        self._expires_at = self._now() + token.expires_in
        if refresh:
            self.refreshes += 1
        else:
            self.logins += 1
        return self._access

    def _refused(self, exc: RemoteError) -> QadLoginError:
        try:
            body: dict[str, Any] = orjson.loads(exc.body) if exc.body else {}
        except orjson.JSONDecodeError:
            body = {}
        code, text = str(body.get("error", "")), str(body.get("error_description", ""))
        locked = code != "invalid_client" and "lock" in text.lower()
        if code == "invalid_client":
            advice = (
                f"QAD does not know the OAuth client id '{self._client_id}'. Leave client_id unset in the "
                "connection to read it from securityControl, or copy it from QAD's Security Control."
            )
        elif locked:
            advice = (
                f"QAD locked the account '{self._username}' after repeated failed logins. Ask the QAD "
                "administrator to unlock it, fix the stored password, then run `ml-connector check`."
            )
        else:
            advice = (
                f"QAD refused the login of '{self._username}' ({code or exc.status}: {text or 'no description'}). "
                "Store the right password with `ml-connector connections add`, then run `ml-connector check`."
            )
        return QadLoginError(
            advice,
            account=self._username,
            locked=locked,
            system=exc.system,
            status=exc.status,
            request=exc.request,
            body=exc.body,
        )


class QadBasicAuth(BasicAuth):
    """HTTP Basic (the discouraged option). A 401 is a refused login of the API user, counted by QAD like
    a refused grant: raised as :class:`QadLoginError` and not sent again by this client."""

    def __init__(self, username: str, password: Secret) -> None:
        super().__init__(username, password)
        self._username = username
        self.refused: QadLoginError | None = None

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        if self.refused is not None:
            raise self.refused
        return super().apply(method, url, headers, body)

    def on_unauthorized(self) -> bool:
        self.refused = QadLoginError(
            f"QAD refused the login of '{self._username}' (HTTP Basic, 401). Store the right password with "
            "`ml-connector connections edit <connection> --secret password`, then run `ml-connector check`.",
            account=self._username,
            system="QAD",
            status=401,
        )
        raise self.refused
