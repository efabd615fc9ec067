"""A small OpenID Connect provider for tests (authorization code + PKCE, RS256 ID tokens, JWKS), written
from the OpenID Connect Core 1.0 and RFC 7636 texts; it shares no code with the client in ml_connector.

The "signed-in user" is whatever ``provider.state.claims`` holds when /authorize is called; ``rogue`` makes it
sign ID tokens with a key that is not in its JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class ProviderState:
    issuer: str = ""
    client_id: str = "mlc-console"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    claims: dict[str, Any] = field(default_factory=dict)
    rogue: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))


def create_provider() -> FastAPI:
    app = FastAPI()
    state = ProviderState()
    app.state.oidc = state

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": state.issuer,
            "authorization_endpoint": f"{state.issuer}/authorize",
            "token_endpoint": f"{state.issuer}/token",
            "jwks_uri": f"{state.issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [state.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        if q.get("client_id") != state.client_id or q.get("response_type") != "code":
            raise HTTPException(400, "unknown client or response type")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise HTTPException(400, "PKCE S256 required")
        code = secrets.token_urlsafe(16)
        state.codes[code] = {"nonce": q.get("nonce"), "challenge": q["code_challenge"],
                             "redirect_uri": q["redirect_uri"], "claims": dict(state.claims)}  # fmt: skip
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 303)

    @app.post("/token")
    def token(
        grant_type: str = Form(...),
        code: str = Form(...),
        redirect_uri: str = Form(...),
        code_verifier: str = Form(...),
        authorization: str | None = Header(None),
    ) -> JSONResponse:
        expected = base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = state.codes.pop(code, None)
        if grant_type != "authorization_code" or grant is None or grant["redirect_uri"] != redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).decode().rstrip("=")
        if digest != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        now = int(time.time())
        claims = {"iss": state.issuer, "aud": state.client_id, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["claims"]}  # fmt: skip
        signer = state.other_key if state.rogue else state.key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, signer)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                             "expires_in": 300, "id_token": id_token})  # fmt: skip

    return app
