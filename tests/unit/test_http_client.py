"""The shared HTTP client: Retry-After honoured, 5xx retried only when safe, 401 renews the token once."""

from __future__ import annotations

import httpx
import pytest

from ml_connector.errors import RateLimitedError, RemoteAuthError, RemoteUnavailableError
from ml_connector.http.auth import IssuedToken, LoginTokenAuth
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.secrets.secret import Secret


def _client(handler, sleeps, **kw) -> HttpClient:
    return HttpClient(
        system="X",
        base_url="http://x",
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        retry=RetryPolicy(max_attempts=4),
        **kw,
    )


def test_429_waits_exactly_retry_after_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(429, headers={"Retry-After": "7"}) if len(calls) < 3 else httpx.Response(200, json={})

    sleeps: list[float] = []
    response = _client(handler, sleeps).request("GET", "/a")
    assert response.status == 200 and sleeps == [7.0, 7.0] and response.attempts == 3


def test_429_storm_gives_up_with_clear_error() -> None:
    sleeps: list[float] = []
    client = _client(lambda r: httpx.Response(429, headers={"Retry-After": "1"}), sleeps)
    with pytest.raises(RateLimitedError, match="kept rate-limiting"):
        client.request("GET", "/a")
    assert len(sleeps) == 3


def test_post_is_not_retried_after_5xx_but_get_is() -> None:
    hits = {"GET": 0, "POST": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        hits[request.method] += 1
        return httpx.Response(503, text="down")

    sleeps: list[float] = []
    client = _client(handler, sleeps)
    with pytest.raises(RemoteUnavailableError):
        client.request("POST", "/doc", json={"a": 1})
    with pytest.raises(RemoteUnavailableError):
        client.request("GET", "/doc")
    assert hits == {"POST": 1, "GET": 4}


def test_401_triggers_one_relogin_then_error_if_still_refused() -> None:
    issued = []

    def login() -> IssuedToken:
        issued.append(1)
        return IssuedToken(Secret(f"tok-{len(issued)}-abcdef"), 3600)

    def handler(request: httpx.Request) -> httpx.Response:
        ok = request.headers.get("Authorization") == "token tok-2-abcdef"
        return httpx.Response(200, json={}) if ok else httpx.Response(401, json={"message": "Requires authentication."})

    sleeps: list[float] = []
    client = _client(handler, sleeps, auth=LoginTokenAuth(login, scheme="token"))
    assert client.request("GET", "/user").status == 200 and len(issued) == 2

    client2 = _client(lambda r: httpx.Response(401, text="no"), sleeps, auth=LoginTokenAuth(login, scheme="token"))
    with pytest.raises(RemoteAuthError) as err:
        client2.request("GET", "/user")
    assert "tok-" not in str(err.value)


def test_connection_refused_is_unavailable_and_names_the_system() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sleeps: list[float] = []
    with pytest.raises(RemoteUnavailableError, match="X is not reachable"):
        _client(handler, sleeps).request("GET", "/a")
