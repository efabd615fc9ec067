"""Who may call the emulated Web API: OAuth 1.0a integrations, the integration access token as a
Bearer (only when the store allows it), and Adobe IMS access tokens issued by the fake IMS endpoint.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ml_connector.emulators.commerce.errors import not_authorized
from ml_connector.emulators.commerce.oauth import Integration, OAuthVerifier
from ml_connector.emulators.faults import FaultPlan

IMS_SCOPE = "openid,AdobeID,email,profile,additional_info.roles,additional_info.projectedProductContext,commerce.accs"


@dataclass(frozen=True)
class ImsClient:
    client_id: str
    client_secret: str
    org_id: str


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of one request."""

    kind: str  # "oauth1" | "integration_bearer" | "ims"
    name: str


class Authenticator:
    """Checks the Authorization header of each Web API request."""

    def __init__(
        self,
        integration: Integration,
        ims: ImsClient,
        now: Callable[[], datetime],
        *,
        allow_integration_bearer: bool,
        ims_token_lifetime_s: int,
        faults: FaultPlan | None,
    ) -> None:
        self.integration = integration
        self.ims = ims
        self.allow_integration_bearer = allow_integration_bearer
        self.ims_token_lifetime_s = ims_token_lifetime_s
        self._now = now
        self._faults = faults
        # Real clients stamp requests with wall time; a test clock set in the past must not make every
        # signed request look like it comes from the future, so the later of the two counts.
        self.oauth = OAuthVerifier([integration], lambda: int(max(time.time(), now().timestamp())))
        self._ims_tokens: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self.ims_tokens_issued = 0

    def authenticate(
        self,
        method: str,
        scheme: str,
        host: str,
        path: str,
        raw_query: str,
        header: str | None,
        resource: str,
        form_body: str = "",
    ) -> Caller:
        """Return the caller or raise the WebapiError Magento would answer."""
        if header and header.lower().lstrip().startswith("oauth"):
            found = self.oauth.verify(method, scheme, host, path, raw_query, header, form_body)
            return Caller("oauth1", f"integration consumer {found.consumer_id}")
        scheme_name, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme_name.lower() != "bearer" or not token:
            raise not_authorized(resource)
        if secrets.compare_digest(token.encode(), self.integration.access_token.encode()):
            # Disabled by default since 2.4.4 (oauth/consumer/enable_integration_as_bearer,
            # commerce-sterling-x12.md §1.4b).
            if not self.allow_integration_bearer:
                raise not_authorized(resource)
            return Caller("integration_bearer", f"integration consumer {self.integration.consumer_id}")
        if self._faults is not None and self._faults.fire(method, path, {"token_expiry"}) is not None:
            self.expire_ims_tokens()
        with self._lock:
            expires = self._ims_tokens.get(token)
        if expires is None or self._now() >= expires:
            raise not_authorized(resource)
        return Caller("ims", self.ims.client_id)

    def issue_ims_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /ims/token/v3 (client credentials). Error bodies follow OAuth 2 (RFC 6749 5.2) [I]."""
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "unsupported grant_type"}
        if form.get("client_id") != self.ims.client_id:
            return 400, {"error": "invalid_client", "error_description": "invalid client_id parameter"}
        if not secrets.compare_digest(form.get("client_secret", "").encode(), self.ims.client_secret.encode()):
            return 401, {"error": "invalid_client", "error_description": "invalid client_secret parameter"}
        token = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        with self._lock:
            self._ims_tokens[token] = self._now() + timedelta(seconds=self.ims_token_lifetime_s)
            self.ims_tokens_issued += 1
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self.ims_token_lifetime_s}

    def expire_ims_tokens(self) -> None:
        """Make every IMS token issued so far invalid (a fault: token expiry mid-run)."""
        with self._lock:
            self._ims_tokens.clear()
