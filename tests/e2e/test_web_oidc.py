"""Single sign-on against a small local OpenID Connect provider (tests/oidc_provider.py) that the test
starts: a user whose claims map to a role signs in with it; no role, a forged state, a wrong client secret
or an ID token signed with a key outside the provider's JWKS are refused, and each attempt is logged."""

from __future__ import annotations

import json

import httpx
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.settings import Settings
from ml_connector.web.app import create_web_app
from oidc_provider import create_provider


@pytest.fixture
def provider():
    app = create_provider()
    served = serve_in_thread(app)
    app.state.oidc.issuer = served.url
    yield app.state.oidc
    served.stop()


@pytest.fixture
def console(tmp_path, provider):
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data"), "web": {"oidc_connection": "oidc"}})
    app = bootstrap(settings, create_keys=True)
    app.connections.put(
        "oidc",
        "oidc",
        {"issuer": provider.issuer, "client_id": provider.client_id, "role_claim": "groups",
         "roles": json.dumps({"erp-operators": "operator", "erp-admins": "admin"})},
        {"client_secret": provider.client_secret},
        app.clock.now(),
    )  # fmt: skip
    served = serve_in_thread(create_web_app(app))
    yield app, served.url.replace("127.0.0.1", "localhost")
    served.stop()


def single_sign_on(url: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    assert "Sign in with single sign-on" in client.get("/signin").text
    return client, client.get("/auth/oidc/start", params={"next": "/parked"})


def test_a_user_with_a_mapped_group_signs_in_with_that_role(console, provider) -> None:
    app, url = console
    provider.claims = {"sub": "u-17", "preferred_username": "olga", "groups": ["staff", "erp-operators"]}
    client, answer = single_sign_on(url)
    assert answer.status_code == 200
    assert 'content="0;url=/parked"' in answer.text
    home = client.get("/")
    assert "olga · operator" in home.text
    assert "Run now" in home.text
    assert client.get("/admin/users").status_code == 403
    assert app.store.users.get("olga")["source"] == "oidc"
    assert app.store.users.get("olga")["password_hash"] is None
    [signed] = [a for a in app.store.actions.recent() if a["action"] == "sign_in"]
    assert signed["actor"] == "olga"
    provider.claims["groups"] = ["erp-admins"]  # the provider's groups decide again at the next sign-in
    client, _ = single_sign_on(url)
    assert "olga · admin" in client.get("/").text


def test_no_role_forged_state_wrong_secret_and_foreign_signature_are_refused(console, provider) -> None:
    app, url = console
    provider.claims = {"sub": "u-18", "preferred_username": "pete", "groups": ["staff"]}
    client, answer = single_sign_on(url)
    assert answer.status_code == 403
    assert "no ml-connector role" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303
    provider.claims["groups"] = ["erp-admins"]
    forged = httpx.get(f"{url}/auth/oidc/callback", params={"code": "x", "state": "y"}, timeout=30)
    assert forged.status_code == 403
    provider.rogue = True
    _, answer = single_sign_on(url)
    assert answer.status_code == 403
    assert "ID token was refused" in answer.text
    provider.rogue = False
    secret = provider.client_secret
    provider.client_secret = "rotated-at-the-provider"
    _, answer = single_sign_on(url)
    assert answer.status_code == 403
    assert secret not in answer.text
    assert app.store.users.get("pete") is None
    failed = [a for a in app.store.actions.recent() if a["action"] == "sign_in_failed"]
    assert len(failed) == 4
