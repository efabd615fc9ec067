"""Commerce OAuth 1.0a checked with a second library, oauthlib (the connector signs with Authlib): the emulator
accepts oauthlib's HMAC-SHA256 and HMAC-SHA1 signatures (the connector's default is SHA-256) on bracketed
searchCriteria queries and on a JSON POST, refuses a tampered one, and the connector's own signature equals
oauthlib's for the same request, nonce and timestamp."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client

from ml_connector.connectors.commerce.auth import CommerceOAuth1Auth
from ml_connector.emulators.commerce.app import create_app
from ml_connector.secrets.secret import Secret

BASE = "https://shop.example.com"
SEARCH = {
    "searchCriteria[filter_groups][0][filters][0][field]": "updated_at",
    "searchCriteria[filter_groups][0][filters][0][value]": "2000-01-01 00:00:00",
    "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq",
    "searchCriteria[sortOrders][0][field]": "entity_id",
    "searchCriteria[pageSize]": "5",
}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(seed=21, orders=50)


def call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def oauthlib_client(app: Any, method: str, **fixed: str) -> Client:
    c = app.state.credentials
    return Client(
        c["consumer_key"],
        client_secret=c["consumer_secret"],
        resource_owner_key=c["access_token"],
        resource_owner_secret=c["access_token_secret"],
        signature_method=method,
        **fixed,
    )


def oauth_fields(header: str) -> dict[str, str]:
    pairs = (part.strip().split("=", 1) for part in header.removeprefix("OAuth ").split(","))
    return {k: unquote(v.strip('"')) for k, v in pairs}


@pytest.mark.parametrize("method", [SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1])
def test_oauthlib_signed_search_is_accepted(app, method) -> None:
    url = str(httpx.URL(BASE + "/rest/default/V1/orders", params=SEARCH))
    signed_url, headers, _ = oauthlib_client(app, method).sign(url, http_method="GET")
    response = call(app, "GET", signed_url, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 5
    assert oauth_fields(headers["Authorization"])["oauth_signature_method"] == method


def test_a_tampered_signature_or_query_is_refused(app) -> None:
    url = str(httpx.URL(BASE + "/rest/default/V1/orders", params=SEARCH))
    _, headers, _ = oauthlib_client(app, SIGNATURE_HMAC_SHA256).sign(url, http_method="GET")
    changed_query = url.replace("pageSize%5D=5", "pageSize%5D=6")
    assert call(app, "GET", changed_query, headers=headers).status_code == 401
    _, headers, _ = oauthlib_client(app, SIGNATURE_HMAC_SHA256).sign(url, http_method="GET")
    sig = headers["Authorization"].split('oauth_signature="', 1)[1].split('"', 1)[0]
    forged = headers["Authorization"].replace(sig, ("B" if sig[0] == "A" else "A") + sig[1:])
    assert call(app, "GET", url, headers={"Authorization": forged}).status_code == 401


def test_oauthlib_signed_json_post_is_accepted(app) -> None:
    body = json.dumps({"customer": {"email": "oauthlib@example.com", "firstname": "Oa", "lastname": "Uth",
                                    "website_id": 1}})  # fmt: skip
    url = BASE + "/rest/default/V1/customers"
    # RFC 5849 signs form bodies only: a JSON body is sent as is, outside the signature
    signed_url, headers, _ = oauthlib_client(app, SIGNATURE_HMAC_SHA256).sign(url, http_method="POST")
    response = call(app, "POST", signed_url, headers={**headers, "Content-Type": "application/json"}, content=body)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "oauthlib@example.com"


def test_the_connectors_signature_equals_oauthlibs(app) -> None:
    c = app.state.credentials
    auth = CommerceOAuth1Auth(
        Secret(c["consumer_key"]), Secret(c["consumer_secret"]), Secret(c["access_token"]),
        Secret(c["access_token_secret"]),
    )  # fmt: skip
    url = str(httpx.URL(BASE + "/rest/default/V1/orders", params=SEARCH))
    headers: dict[str, str] = {}
    auth.apply("GET", url, headers, b"")
    ours = oauth_fields(headers["Authorization"])
    assert ours["oauth_signature_method"] == "HMAC-SHA256"
    assert abs(int(ours["oauth_timestamp"]) - time.time()) < 600
    theirs = oauthlib_client(app, SIGNATURE_HMAC_SHA256, nonce=ours["oauth_nonce"], timestamp=ours["oauth_timestamp"])
    _, their_headers, _ = theirs.sign(url, http_method="GET")
    assert oauth_fields(their_headers["Authorization"])["oauth_signature"] == ours["oauth_signature"]
    assert call(app, "GET", url, headers=headers).status_code == 200
