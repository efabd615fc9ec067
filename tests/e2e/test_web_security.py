"""The console's defences, each as the attack it stops (TestClient; the browser versions are in
test_web_browser.py): sign-in everywhere but /healthz and /hooks, roles (403, buttons hidden), API tokens,
foreign Host, cross-site and origin-less posts, CSRF, headers against framing and sniffing, idle sessions,
brute force, one-time passwords, webhook bodies limited while streaming (413) and unconfigured (503),
deny-by-default for routes added later."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ml_connector.auth.accounts import add_user, create_token
from ml_connector.auth.passwords import sha256_hex
from ml_connector.bootstrap import App, bootstrap
from ml_connector.core.clock import FixedClock
from ml_connector.settings import Settings
from ml_connector.web.app import create_web_app
from ml_connector.web.principal import requires, undeclared
from web_session import BASE, PASSWORD, ensure_user, sign_in, signed_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


class Recorder:
    """Stands in for run_integration: records which integrations "Run now" started."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def __call__(self, app: App, name: str) -> Any:
        self.started.append(name)
        raise RuntimeError("not a real run")


@pytest.fixture
def app(tmp_path: Path) -> App:
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data"), **({})})
    return bootstrap(settings, clock=FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)), create_keys=True)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def web(app: App, recorder: Recorder) -> Any:
    return create_web_app(app, run=recorder)


def test_every_page_and_api_needs_sign_in_except_healthz_and_hooks(web, app) -> None:
    anonymous = TestClient(web, base_url=BASE)
    for path in ("/", "/audit", "/parked", "/connections", "/admin/actions", "/admin/users", "/no-such-page"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/signin?next="), path
    for path in ("/api/runs", "/api/audit", "/api/parked", "/api/actions", "/metrics"):
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.get("/healthz").json()["status"] == "ok"
    assert anonymous.get("/static/style.css").status_code == 200
    assert anonymous.post("/hooks/commerce-syspro", content=b"{}", headers={"origin": BASE}).status_code == 503
    assert anonymous.get("/api/docs").status_code == 401  # off by default (and never anonymous)
    assert signed_in(web, app).get("/api/docs").status_code == 404


def test_roles_viewer_sees_no_buttons_and_gets_403_operator_runs_admin_only_pages(web, app, recorder) -> None:
    viewer = signed_in(web, app, "vera", "viewer")
    html = viewer.get("/").text
    assert "syspro-looker" in html
    assert "Run now" not in html
    assert "/connections/ping/" not in viewer.get("/connections").text
    assert "Users" not in viewer.get("/").text
    for path in ("/runs/syspro-looker/start", "/parked/1/replay", "/connections/ping/syspro-looker"):
        assert viewer.post(path).status_code == 403, path
    assert recorder.started == []
    assert viewer.get("/admin/actions").status_code == 403
    operator = signed_in(web, app, "otto", "operator")
    assert "Run now" in operator.get("/").text
    assert operator.post("/runs/syspro-looker/start", follow_redirects=False).status_code == 303
    web.state.web.launcher.join(timeout=10)
    assert recorder.started == ["syspro-looker"]
    assert operator.get("/admin/users").status_code == 403
    admin = signed_in(web, app, "ada", "admin")
    page = admin.get("/admin/actions").text
    assert "run_now" in page
    assert "otto" in page
    refused = [a for a in app.store.actions.recent() if a["action"] == "request_refused" and a["actor"] == "vera"]
    assert len(refused) == 3


def test_api_tokens_are_bearer_only_hashed_and_revocable(web, app) -> None:
    token_id, token = create_token(app.store, "prometheus", "viewer", app.clock.now())
    client = TestClient(web, base_url=BASE)
    bearer = {"authorization": f"Bearer {token}"}
    assert client.get("/metrics", headers=bearer).status_code == 200
    assert client.get("/api/runs", headers=bearer).json() == []
    assert client.post("/runs/syspro-looker/start", headers=bearer).status_code == 403  # a viewer token
    assert client.get("/metrics", headers={"authorization": "Bearer mlc_guess"}).status_code == 401
    with app.store.engine.connect() as db:
        stored = db.exec_driver_sql("SELECT token_hash, prefix FROM api_tokens").all()
    assert stored == [(sha256_hex(token), token[:8])]
    app.store.tokens.revoke(token_id, app.clock.now())
    assert client.get("/metrics", headers=bearer).status_code == 401


def test_an_operator_token_runs_without_origin_or_csrf(web, app, recorder) -> None:
    _id, token = create_token(app.store, "cron", "operator", app.clock.now())
    answer = TestClient(web, base_url=BASE).post(
        "/runs/syspro-looker/start", headers={"authorization": f"Bearer {token}"}, follow_redirects=False
    )
    assert answer.status_code == 303
    web.state.web.launcher.join(timeout=10)
    assert recorder.started == ["syspro-looker"]


def test_metrics_can_be_public(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n[web]\nmetrics_public = true\n')
    from ml_connector.settings import load_settings

    app = bootstrap(load_settings(config), create_keys=True)
    client = TestClient(create_web_app(app), base_url=BASE)
    assert client.get("/metrics").status_code == 200
    assert client.get("/api/runs").status_code == 401


def test_foreign_host_is_refused_with_400(web, app, recorder) -> None:
    client = signed_in(web, app, "otto", "operator")
    answer = client.post(
        "/runs/syspro-looker/start",
        headers={"host": "evil.example:18081", "origin": "http://evil.example:18081"},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"host": "127.0.0.1:8080"}).status_code == 200
    assert recorder.started == []


def test_cross_site_null_missing_origin_and_forged_csrf_are_refused(web, app, recorder) -> None:
    client = signed_in(web, app, "otto", "operator")
    attacks = ({"origin": "null"}, {"origin": ""}, {"origin": "http://evil.example"}, {"x-csrf-token": "x"})
    for path in ("/runs/syspro-looker/start", "/parked/1/replay", "/connections/ping/syspro-sterling"):
        for headers in attacks:
            assert client.post(path, headers=headers).status_code == 403, (path, headers)
    csrf = client.headers.pop("x-csrf-token")
    assert client.post("/runs/syspro-looker/start").status_code == 403  # no token at all
    ok = client.post("/runs/syspro-looker/start", data={"csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    web.state.web.launcher.join(timeout=10)
    assert recorder.started == ["syspro-looker"]
    details = [a["detail"] for a in app.store.actions.recent() if a["action"] == "request_refused"]
    assert "Origin 'null'" in details
    assert "Origin 'missing'" in details


def test_every_answer_forbids_framing_and_sniffing(web, app) -> None:
    client = signed_in(web, app)
    for path in ("/", "/signin", "/api/runs", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_session_cookie_is_httponly_strict_and_ends_when_idle_or_signed_out(web, app) -> None:
    ensure_user(app, "ada", "admin")
    client = TestClient(web, base_url=BASE)
    cookie = sign_in(client, "ada").headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http on localhost; https gets Secure
    assert client.get("/", follow_redirects=False).status_code == 200
    app.clock.advance(timedelta(minutes=29))
    assert client.get("/", follow_redirects=False).status_code == 200
    app.clock.advance(timedelta(minutes=31))
    assert client.get("/", follow_redirects=False).status_code == 303  # idle for 31 min
    https = TestClient(web, base_url="https://localhost")
    assert "Secure" in sign_in(https, "ada", origin="https://localhost").headers["set-cookie"]
    signed = signed_in(web, app, "ada")
    assert signed.post("/signout", follow_redirects=False).status_code == 303
    assert signed.get("/", follow_redirects=False).status_code == 303


def test_100_wrong_passwords_are_slowed_then_locked_and_others_still_sign_in(web, app) -> None:
    for name in ("mallory-target", "bob"):
        ensure_user(app, name, "operator")
    client = TestClient(web, base_url=BASE)
    statuses = []
    for _ in range(100):
        answer = sign_in(client, "mallory-target", "wrong password guess")
        statuses.append(answer.status_code)
        if answer.status_code == 429:  # slowed: the attacker has to wait as told
            app.clock.advance(timedelta(seconds=int(answer.headers["retry-after"])))
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:10]
    assert statuses.count(401) == 9  # the tenth wrong password locks
    first_lock = statuses.index(423)
    assert set(statuses[first_lock:]) == {423}
    locked = sign_in(client, "mallory-target", PASSWORD)
    assert locked.status_code == 423
    assert "locked" in locked.text
    assert "ml-connector users reset-password mallory-target" in locked.text
    assert sign_in(TestClient(web, base_url=BASE), "bob").status_code == 303
    failed = [a for a in app.store.actions.recent(500) if a["action"] == "sign_in_failed"]
    assert len(failed) == 101


def test_many_names_from_one_address_are_slowed(web, app) -> None:
    client = TestClient(web, base_url=BASE)
    statuses = [sign_in(client, f"user{i}", "guess").status_code for i in range(25)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}


def test_one_time_password_must_be_changed_first(web, app) -> None:
    new = add_user(app.store, "nina", "viewer", app.clock.now())
    assert new.generated
    client = TestClient(web, base_url=BASE)
    answer = sign_in(client, "nina", new.password)
    assert answer.headers["location"] == "/account/password"
    assert client.get("/", follow_redirects=False).headers["location"] == "/account/password"
    assert client.get("/api/runs").status_code == 403
    form = client.get("/account/password").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    changed = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current": new.password, "new": "a much better password"},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200


def test_webhook_bodies_are_limited_while_streaming_and_unconfigured_answers_503(app) -> None:
    web = create_web_app(app)
    client = TestClient(web, base_url=BASE)
    unconfigured = client.post("/hooks/commerce-syspro", content=b"{}")
    assert unconfigured.status_code == 503
    assert "commerce_connection" in unconfigured.json()["error"]
    app.connections.put(
        "commerce", "commerce", {"base_url": "http://x"}, {"access_token": "tok-123456"}, app.clock.now()
    )
    unconfigured = client.post("/hooks/commerce-syspro", content=b"{}")
    assert unconfigured.status_code == 503
    assert "webhook_public_key" in unconfigured.json()["error"]
    settings = {"base_url": "http://x", "webhook_public_key": "-----BEGIN PUBLIC KEY-----"}
    app.connections.put("commerce", "commerce", settings, {"access_token": "tok-123456"}, app.clock.now())
    assert client.post("/hooks/commerce-syspro", content=b"{}").status_code == 401  # verified: no signature
    big = b"x" * (1_048_576 + 1)
    assert client.post("/hooks/commerce-syspro", content=big).status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(50):
            yield b"y" * 65536

    answer = client.post("/hooks/commerce-syspro", content=chunks())
    assert answer.status_code == 413
    assert "webhook_max_bytes" in answer.json()["error"]


def test_webhook_limit_is_per_integration(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n[commerce-syspro]\nwebhook_max_bytes = 100\n')
    from ml_connector.settings import load_settings

    client = TestClient(create_web_app(bootstrap(load_settings(config), create_keys=True)), base_url=BASE)
    assert client.post("/hooks/commerce-syspro", content=b"z" * 101).status_code == 413
    assert client.post("/hooks/commerce-syspro", content=b"z" * 100).status_code == 503


def test_a_route_added_later_is_protected_by_default(web, app) -> None:
    assert undeclared(web.router.routes) == []  # every route of the console declares its role

    @web.get("/scheduler/undeclared")
    def undeclared_page() -> dict[str, str]:
        return {"ok": "yes"}

    @web.get("/scheduler/status")
    @requires("viewer")
    def status_page() -> dict[str, str]:
        return {"ok": "yes"}

    operator = signed_in(web, app, "otto", "operator")
    assert operator.get("/scheduler/undeclared").status_code == 403
    assert operator.get("/scheduler/status").json() == {"ok": "yes"}
    assert signed_in(web, app, "ada", "admin").get("/scheduler/undeclared").json() == {"ok": "yes"}
    assert TestClient(web, base_url=BASE).get("/scheduler/status", follow_redirects=False).status_code == 303


def test_behind_a_proxy_the_public_origin_can_be_allowed(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n[web]\nallowed_origins = ["https://mlc.example.com"]\n')
    from ml_connector.settings import load_settings

    app = bootstrap(load_settings(config), create_keys=True)
    client = signed_in(create_web_app(app, run=Recorder()), app, "otto", "operator")
    proxied = {"origin": "https://mlc.example.com"}  # the proxy kept Host: localhost
    assert client.post("/runs/syspro-looker/start", headers=proxied, follow_redirects=False).status_code == 303
    other_port = {"origin": "http://localhost:9999"}  # another service on this machine is another origin
    assert client.post("/runs/syspro-looker/start", headers=other_port).status_code == 403


def test_a_notice_is_shown_only_to_the_user_whose_action_it_reports(web, app) -> None:
    operator = signed_in(web, app, "otto", "operator")
    answer = operator.post("/connections/ping/syspro-looker", follow_redirects=False)
    location = answer.headers["location"]
    assert "notice=" in location
    assert 'class="notice' in operator.get(location).text
    viewer = signed_in(web, app, "vera", "viewer")
    assert 'class="notice' not in viewer.get(location).text
