"""Looker API 4.0 login: client id + secret as a form body, ``Authorization: token <access_token>``.

The token is cached for its ``expires_in`` (renewed 60 s early) and renewed once after a 401 by
:class:`~ml_connector.http.auth.LoginTokenAuth`. See docs/PROTOCOLS.md (Looker).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ml_connector.connectors.looker.models import AccessToken
from ml_connector.errors import RemoteAuthError, RemoteError
from ml_connector.http.auth import IssuedToken, LoginTokenAuth
from ml_connector.http.client import HttpClient
from ml_connector.secrets.secret import Secret

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"


class LookerLoginError(RemoteAuthError):
    """Looker refused the API key itself (the message names the client id, never the secret)."""


class LookerAuth(LoginTokenAuth):
    """Logs in with an API key (client id + secret) and sends ``Authorization: token ...``.

    The spec's literal scheme is ``token``; the official SDK sends ``Bearer`` and real servers take both.
    """

    def __init__(
        self,
        http: HttpClient,
        client_id: str,
        client_secret: Secret,
        *,
        early_renewal_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(self._login, scheme="token", early_renewal_s=early_renewal_s, monotonic=monotonic)
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret

    def _login(self) -> IssuedToken:
        try:
            # A form body, not query parameters: the query form is being deprecated (spec, /login).
            response = self._http.request(
                "POST",
                LOGIN_PATH,
                data={"client_id": self._client_id, "client_secret": self._client_secret.reveal()},
                authenticate=False,
                retry_unsafe=True,  # a second login only issues a second token
            )
        except RemoteError as exc:
            if exc.status in (400, 401, 403, 404):
                # Looker answers a wrong id/secret pair with 404 (error doc login_404.md).
                raise LookerLoginError(
                    f"Looker refused the API key with client id '{self._client_id}' (HTTP {exc.status} on "
                    f"POST /api/4.0/login). Create or copy the key under Admin > Users > Edit Keys, store it "
                    "with `ml-connector connections add`, then run `ml-connector check`.",
                    system=exc.system,
                    status=exc.status,
                    request=exc.request,
                    body=exc.body,
                ) from None
            raise
        token = AccessToken.model_validate(response.json())
        return IssuedToken(value=Secret(token.access_token), expires_in=float(token.expires_in))

    def has_live_token(self) -> bool:
        """True while a cached token exists that has not yet reached its expiry."""
        with self._lock:
            return self._token is not None and self._now() < self._expires_at

    def logout(self) -> None:
        """Invalidate the current token on the server (``DELETE /logout``), then forget it."""
        if not self.has_live_token():
            self.invalidate()
            return
        try:
            # 404 means the token is already gone on the server side: nothing left to do.
            self._http.request("DELETE", LOGOUT_PATH, ok={200, 204, 404})
        finally:
            self.invalidate()
