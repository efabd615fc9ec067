"""Adobe Commerce auth flows for the shared HTTP client (commerce-sterling-x12.md §1.4):

* :class:`CommerceOAuth1Auth` signs every request as an OAuth 1.0a integration (HMAC-SHA256, the
  method Adobe documents; HMAC-SHA1 also accepted by Magento) with Authlib's ``ClientAuth``;
* :func:`integration_bearer_auth` sends the integration access token as a Bearer token (only works
  when the store enables "Allow OAuth Access Tokens to be used as standalone Bearer tokens");
* :class:`AdobeImsAuth` obtains Adobe IMS client-credentials tokens for Commerce as a Cloud Service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, ClassVar

from authlib.oauth1 import ClientAuth
from authlib.oauth1.rfc5849.errors import InsecureTransportError
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from ml_connector.errors import ConfigError, RemoteAuthError
from ml_connector.http.auth import IssuedToken, LoginTokenAuth, StaticTokenAuth
from ml_connector.http.client import HttpClient
from ml_connector.secrets.secret import Secret

HMAC_SHA256 = "HMAC-SHA256"
HMAC_SHA1 = "HMAC-SHA1"
IMS_TOKEN_URL = "https://ims-na1.adobelogin.com/ims/token/v3"  # noqa: S105 - a URL, not a secret
IMS_SCOPE = "openid,AdobeID,email,profile,additional_info.roles,additional_info.projectedProductContext,commerce.accs"


def _sign_hmac_sha256(client: Any, request: Any) -> str:
    """RFC 5849 section 3.4.2 with SHA-256 in place of SHA-1 (what Commerce integrations use)."""
    base = generate_signature_base_string(request)
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


class _CommerceClientAuth(ClientAuth):  # type: ignore[misc]
    # A copy, so registering HMAC-SHA256 does not change Authlib's class for everyone else.
    SIGNATURE_METHODS: ClassVar[dict[str, Any]] = {**ClientAuth.SIGNATURE_METHODS, HMAC_SHA256: _sign_hmac_sha256}


class CommerceOAuth1Auth:
    """OAuth 1.0a integration credentials; each request gets a fresh nonce and timestamp.

    Query parameters (the bracketed ``searchCriteria[...]`` keys included) are part of the signature;
    JSON bodies are not (RFC 5849 signs form bodies only). The signer gets the exact URL httpx sends.
    """

    def __init__(
        self,
        consumer_key: Secret,
        consumer_secret: Secret,
        access_token: Secret,
        access_token_secret: Secret,
        *,
        signature_method: str = HMAC_SHA256,
    ) -> None:
        if signature_method not in (HMAC_SHA256, HMAC_SHA1):
            raise ConfigError(f"Adobe Commerce signs with HMAC-SHA256 or HMAC-SHA1, not {signature_method!r}.")
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._access_token = access_token
        self._access_token_secret = access_token_secret
        self.signature_method = signature_method

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        signer = _CommerceClientAuth(
            self._consumer_key.reveal(),
            client_secret=self._consumer_secret.reveal(),
            token=self._access_token.reveal(),
            token_secret=self._access_token_secret.reveal(),
            signature_method=self.signature_method,
        )
        content_type = {"Content-Type": "application/json"} if body else {}
        try:
            _, signed, _ = signer.prepare(method, url, content_type, body)
        except InsecureTransportError:
            raise ConfigError(
                "OAuth 1.0a needs https (plain http is allowed for localhost only). Use the store's https:// base URL."
            ) from None
        headers["Authorization"] = signed["Authorization"]
        return url

    def on_unauthorized(self) -> bool:
        return False  # integration tokens do not expire; a 401 means revoked or wrong credentials


def integration_bearer_auth(access_token: Secret) -> StaticTokenAuth:
    """The integration access token alone, as ``Authorization: Bearer <token>`` (commerce-sterling-x12.md §1.4b)."""
    return StaticTokenAuth(access_token, scheme="Bearer")


class AdobeImsAuth:
    """Adobe IMS OAuth server-to-server: client credentials -> 24 h access token (commerce-sterling-x12.md §1.4d).

    Every API call carries ``Authorization: Bearer``, ``x-api-key: <client_id>`` and, when known,
    ``x-gw-ims-org-id``. The token is cached until shortly before expiry and fetched again after a 401.
    """

    def __init__(
        self,
        ims_http: HttpClient,
        client_id: Secret,
        client_secret: Secret,
        *,
        org_id: str | None = None,
        token_url: str = IMS_TOKEN_URL,
        scope: str = IMS_SCOPE,
        early_renewal_s: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = ims_http
        self._client_id = client_id
        self._client_secret = client_secret
        self._org_id = org_id
        self._token_url = token_url
        self._scope = scope
        self.tokens = LoginTokenAuth(self._login, early_renewal_s=early_renewal_s, monotonic=monotonic)

    def _login(self) -> IssuedToken:
        form = prepare_token_request(
            "client_credentials",
            client_id=self._client_id.reveal(),
            client_secret=self._client_secret.reveal(),
            scope=self._scope,
        )
        response = self._http.request(
            "POST",
            self._token_url,
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            authenticate=False,
            ok={200, 400, 401},
        )
        payload = response.json()
        if response.status != 200 or not isinstance(payload, dict) or "access_token" not in payload:
            reason = payload.get("error_description") or payload.get("error") if isinstance(payload, dict) else None
            raise RemoteAuthError(
                f"Adobe IMS refused the client credentials (HTTP {response.status}: {reason or 'no reason given'}). "
                "Check the OAuth Server-to-Server credential in the Adobe Developer Console, then "
                "`ml-connector connections add`.",
                system="Adobe IMS",
                status=response.status,
                request=f"POST {self._token_url}",
            )
        return IssuedToken(Secret(str(payload["access_token"])), float(payload.get("expires_in", 86399)))

    @property
    def logins(self) -> int:
        return self.tokens.logins

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        url = self.tokens.apply(method, url, headers, body)
        headers["x-api-key"] = self._client_id.reveal()
        if self._org_id:
            headers["x-gw-ims-org-id"] = self._org_id
        return url

    def on_unauthorized(self) -> bool:
        return self.tokens.on_unauthorized()
