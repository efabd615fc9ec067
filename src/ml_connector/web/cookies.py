"""The session cookie: ``<session id>.<HMAC-SHA256 of the id>``, HttpOnly, SameSite=Strict, Secure over HTTPS.

The store keeps only the SHA-256 of the id (see :mod:`ml_connector.store.sessions`), so neither a copy of
the store nor a forged cookie opens a session. The signing key is derived from the store's key ring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

SESSION_COOKIE = "mlc_session"
SIGNIN_COOKIE = "mlc_signin"  # the sign-in form's CSRF token, before there is a session
OIDC_COOKIE = "mlc_oidc"  # state, nonce and PKCE verifier of a single sign-on in progress


def _mac(key: bytes, value: str) -> str:
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, value: str) -> str:
    return f"{value}.{_mac(key, value)}"


def unsign(key: bytes, signed: str | None) -> str | None:
    """The value inside a cookie we signed, or None when missing or tampered with."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    return value if hmac.compare_digest(mac, _mac(key, value)) else None


def is_https(scope: Scope, forced: bool) -> bool:
    return forced or scope.get("scheme") == "https"


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, path: str = "/", max_age: int | None = None
) -> None:
    response.set_cookie(name, value, path=path, max_age=max_age, httponly=True, samesite="strict", secure=secure)


def clear_cookie(response: Response, name: str, *, secure: bool, path: str = "/") -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=secure)


def read_cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None
