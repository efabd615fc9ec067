"""Single sign-on with OpenID Connect (authorization code + PKCE) through Authlib.

The provider is a stored connection of system ``oidc`` (``[web] oidc_connection = "oidc"``): settings
``issuer``, ``client_id``, ``role_claim`` (default ``ml_connector_role``), optional ``roles`` (JSON object
claim value -> role, e.g. ``{"erp-admins": "admin"}``) and ``username_claim`` (default
``preferred_username``); the secret ``client_secret`` is encrypted like any connection secret. A user whose
claims map to no role is refused. The ID token's signature (provider JWKS), issuer, audience, expiry and
nonce are checked before the user is signed in.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import httpx
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from markupsafe import escape

from ml_connector.auth.accounts import ROLES, allows
from ml_connector.bootstrap import App
from ml_connector.web.config import WebConfig
from ml_connector.web.cookies import OIDC_COOKIE, is_https, read_cookie, sign, unsign
from ml_connector.web.principal import client_address
from ml_connector.web.sessions import start_session
from ml_connector.web.signin import safe_next
from ml_connector.web.state import Web

router = APIRouter()


class OidcError(Exception):
    """Sign-in through the provider did not work; the message says why (no secret in it)."""


class OidcClient:
    def __init__(self, app: App, connection: str) -> None:
        self.app = app
        self.connection = connection

    def _stored(self) -> tuple[dict[str, Any], str]:
        stored = self.app.connections.get(self.connection)
        return stored.settings, stored.secret("client_secret").reveal()

    def describe(self) -> dict[str, str]:
        settings, _ = self._stored()
        return {
            "connection": self.connection,
            "issuer": str(settings.get("issuer", "")),
            "client_id": str(settings.get("client_id", "")),
            "role_claim": str(settings.get("role_claim", "ml_connector_role")),
        }

    def metadata(self) -> dict[str, Any]:
        issuer = str(self._stored()[0]["issuer"]).rstrip("/")
        meta: dict[str, Any] = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        if str(meta.get("issuer", "")).rstrip("/") != issuer:
            raise OidcError(f"The provider says its issuer is {meta.get('issuer')!r}, not {issuer!r}.")
        return meta

    def _session(self, redirect_uri: str) -> OAuth2Session:
        settings, client_secret = self._stored()
        return OAuth2Session(
            str(settings["client_id"]),
            client_secret,
            scope="openid profile email",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The provider's authorization URL and what the callback must find again (state, nonce, verifier)."""
        flow = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48),
        }
        url, _ = self._session(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=flow["state"],
            nonce=flow["nonce"],
            code_verifier=flow["verifier"],
        )
        return url, flow

    def finish(self, redirect_uri: str, code: str, flow: dict[str, str]) -> tuple[str, str]:
        """Exchange the code, verify the ID token, and return (user name, role)."""
        settings, _ = self._stored()
        meta = self.metadata()
        token = self._session(redirect_uri).fetch_token(
            meta["token_endpoint"], code=code, code_verifier=flow["verifier"], grant_type="authorization_code"
        )
        keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).json())
        try:
            decoded = jwt.decode(token["id_token"], keys)
            jwt.JWTClaimsRegistry(
                now=int(self.app.clock.now().timestamp()),
                leeway=60,
                iss={"essential": True, "value": meta["issuer"]},
                aud={"essential": True, "value": str(settings["client_id"])},
                nonce={"essential": True, "value": flow["nonce"]},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, KeyError, ValueError) as exc:
            raise OidcError(f"The provider's ID token was refused: {type(exc).__name__}.") from None
        claims = decoded.claims
        username = str(claims.get(str(settings.get("username_claim", "preferred_username"))) or claims["sub"])
        role = map_role(claims.get(str(settings.get("role_claim", "ml_connector_role"))), settings.get("roles"))
        if role is None:
            raise OidcError(f"{username} has no ml-connector role in the provider's claims; ask an admin.")
        return username, role


def map_role(value: Any, mapping: Any) -> str | None:
    """The highest role the claim value gives: a role name itself, or through ``roles`` (claim -> role)."""
    if isinstance(mapping, str):
        mapping = json.loads(mapping) if mapping.strip() else {}
    table = {**{r: r for r in ROLES}, **(mapping or {})}
    values = value if isinstance(value, list) else [value]
    found = [table[v] for v in values if isinstance(v, str) and table.get(v) in ROLES]
    best = None
    for role in found:
        if best is None or allows(role, best):
            best = role
    return best


def oidc_client(app: App, config: WebConfig) -> OidcClient | None:
    return OidcClient(app, config.oidc_connection) if config.oidc_connection else None


def _redirect_uri(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers['host']}/auth/oidc/callback"


@router.get("/auth/oidc/start")
def oidc_start(web: Web, request: Request, next: str = "/") -> Response:
    url, flow = web.oidc.start(_redirect_uri(request))
    response = RedirectResponse(url, status_code=303)
    payload = json.dumps({**flow, "next": safe_next(next)}, separators=(",", ":")).encode()
    value = sign(web.cookie_key, base64.urlsafe_b64encode(payload).decode().rstrip("="))  # cookie-safe only
    # Lax, not Strict: the provider sends the browser back here from another site.
    response.set_cookie(
        OIDC_COOKIE,
        value,
        max_age=600,
        path="/auth/oidc",
        httponly=True,
        samesite="lax",
        secure=is_https(request.scope, web.config.secure_cookies),
    )
    return response


@router.get("/auth/oidc/callback")
def oidc_callback(web: Web, request: Request, code: str = "", state: str = "") -> Response:
    raw = unsign(web.cookie_key, read_cookie(request.headers, OIDC_COOKIE))
    flow = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) if raw else None
    address, now = client_address(request.scope), web.app.clock.now()
    try:
        if flow is None or not code or not secrets.compare_digest(state, flow["state"]):
            raise OidcError("The single sign-on answer does not belong to a sign-in started here; start again.")
        username, role = web.oidc.finish(_redirect_uri(request), code, flow)
    except (OidcError, AuthlibBaseError, httpx.HTTPError, requests.RequestException, OSError) as exc:
        web.app.store.actions.record("oidc", "sign_in_failed", now, outcome="refused", address=address, detail=str(exc))
        return HTMLResponse(f"<p>Single sign-on failed: {escape(str(exc))}</p><p><a href='/signin'>Back</a></p>", 403)
    users = web.app.store.users
    existing = users.get(username)
    if existing is not None and existing["source"] != "oidc":
        web.app.store.actions.record(
            username, "sign_in_failed", now, outcome="refused", address=address, detail="a local user has this name"
        )
        return HTMLResponse("<p>A local user has this name; single sign-on cannot take it over.</p>", 403)
    if existing is None:
        users.add(username, role, now, password_hash=None, source="oidc")
    elif existing["role"] != role:
        users.set_role(username, role, now)
    users.signed_in(username, now)
    web.app.store.actions.record(username, "sign_in", now, address=address, detail=f"oidc, role {role}")
    target = escape(flow["next"])
    # A page, not a redirect: the browser arrived from the provider's site, and a SameSite=Strict cookie
    # set here is only sent on a navigation that starts on this site.
    response = HTMLResponse(f'<meta http-equiv="refresh" content="0;url={target}"><a href="{target}">Continue</a>')
    start_session(web, username, request.scope, response)
    response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
    return response
