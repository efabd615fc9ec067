"""The web UI and API over a store seeded by a real syspro-looker run against the SYSPRO OData emulator:
pages render real data, audit filters, Run now (and the lease), replay of a parked record, ping, metrics,
webhook mounting, and no secret in any page or JSON."""

from __future__ import annotations

import re
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from ml_connector.bootstrap import App, bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.runner import Runner
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import build, run_integration
from ml_connector.settings import Settings
from ml_connector.store.ledger import RecordLedger
from ml_connector.web.app import create_web_app
from ml_connector.web.hooks import mount_webhooks
from ml_connector.web.rendering import build_environment
from web_session import signed_in

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

SEED = 5
PAGES = ["/", "/audit", "/audit?stream=supplier", "/parked", "/connections"]
APIS = ["/api/runs", "/api/audit", "/api/parked", "/healthz", "/metrics"]


def make_app(tmp_path: Path, syspro) -> App:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "warehouse": {"type": "duckdb"},
            "syspro-looker": {"looker_connection": None},
        }
    )
    app = bootstrap(settings, create_keys=True)
    connect_syspro_odata(app, syspro)
    return app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One emulator and one store with a finished full run; tests here only read it (or add runs)."""
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    app = make_app(tmp_path_factory.mktemp("web"), syspro)
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    yield syspro, app, report
    syspro.stop()


@pytest.fixture
def client(seeded) -> TestClient:
    return signed_in(create_web_app(seeded[1]), seeded[1])


def notice_text(html: str) -> str:
    match = re.search(r'<section class="notice[^"]*"[^>]*>(.*?)</section>', html, re.S)
    assert match, "the page shows no notice"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def cells(html: str, row_class: str, column: int) -> list[str]:
    rows = re.findall(rf'<tr class="{row_class}"[^>]*>(.*?)</tr>', html, re.S)
    return [re.sub(r"<[^>]+>", " ", re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[column]).strip() for r in rows]


def test_runs_page_shows_the_run_with_counts_per_stream(seeded, client) -> None:
    syspro, _app, report = seeded
    html = client.get("/").text
    assert report.run_id in html
    assert 'data-status="succeeded"' in html
    postings = len(syspro.app.state.emulator.rows("GenTransaction"))
    suppliers = len(syspro.app.state.emulator.rows("ApSupplier"))
    assert f"{postings} loaded" in html
    assert f"{suppliers} loaded" in html
    assert "gl_posting" in html
    assert "Run now" in html
    [run] = client.get("/api/runs", params={"integration": "syspro-looker"}).json()
    assert run["run_id"] == report.run_id
    assert run["status"] == "succeeded"
    assert {s["stream"]: s["counts"]["loaded"] for s in run["streams"]}["gl_posting"] == postings


def test_audit_filters_by_stream_status_source_id_and_run(seeded, client) -> None:
    syspro, app, report = seeded
    html = client.get("/audit", params={"stream": "supplier", "status": "loaded"}).text
    streams = [c.split()[0] for c in cells(html, "audit-row", 2)]  # stream, then its integration beneath
    assert streams
    assert set(streams) == {"supplier"}
    assert len(streams) == min(100, len(syspro.app.state.emulator.rows("ApSupplier")))
    one = app.store.ledger.search(stream="ap_invoice", limit=1)[0]["source_id"]
    html = client.get("/audit", params={"source_id": one}).text
    assert [c.split()[0] for c in cells(html, "audit-row", 3)] == [one]
    assert client.get("/audit", params={"run_id": "no-such-run"}).text.count('class="audit-row"') == 0
    api = client.get("/api/audit", params={"stream": "warehouse", "run_id": report.run_id}).json()
    assert len(api) == len(syspro.app.state.emulator.rows("InvWhControl"))
    assert {r["stream"] for r in api} == {"warehouse"}
    assert {r["run_id"] for r in api} == {report.run_id}


def test_health_and_metrics_read_this_store_only(seeded, client, tmp_path) -> None:
    _syspro, app, _report = seeded
    assert client.get("/healthz").json() == {"status": "ok", "store": "reachable"}
    metrics = client.get("/metrics").text
    succeeded = len([r for r in app.store.runs.recent("syspro-looker", 100) if r["status"] == "succeeded"])
    assert f'ml_connector_runs_total{{integration="syspro-looker",status="succeeded"}} {succeeded}.0' in metrics
    loaded = app.store.ledger.count(stream="gl_posting", status="loaded")
    assert (
        f'ml_connector_records_total{{integration="syspro-looker",status="loaded",stream="gl_posting"}} {loaded}.0'
        in (metrics)
    )
    assert 'ml_connector_parked_open{integration="syspro-looker"} 0.0' in metrics
    other = bootstrap(Settings.model_validate({"data_dir": str(tmp_path / "other")}), create_keys=True)
    empty = signed_in(create_web_app(other), other).get("/metrics").text
    assert "ml_connector_runs_total{" not in empty
    assert "ml_connector_records_total{" not in empty


def test_run_now_runs_in_the_background_and_a_held_lease_is_explained(seeded) -> None:
    _syspro, app, _report = seeded
    web = create_web_app(app)
    client = signed_in(web, app)
    before = {r["run_id"] for r in app.store.runs.recent("syspro-looker", 100)}
    page = client.post("/runs/syspro-looker/start")
    assert "run started" in notice_text(page.text)
    web.state.web.launcher.join(timeout=60)
    after = app.store.runs.recent("syspro-looker", 100)
    [new] = [r for r in after if r["run_id"] not in before]
    assert new["status"] == "succeeded"
    html = client.get("/").text
    assert new["run_id"] in html
    assert "Last run from this page" in html
    # another process (on another machine) holds the lease: no thread starts, the page says why
    now = app.clock.now()
    app.store.leases.acquire("syspro-looker", "worker-7:4242:abcd", now)
    try:
        page = client.post("/runs/syspro-looker/start")
        assert "already running (worker-7:4242:abcd)" in notice_text(page.text)
        assert not web.state.web.launcher.running("syspro-looker")
    finally:
        app.store.leases.release("syspro-looker", "worker-7:4242:abcd")
    assert len(app.store.runs.recent("syspro-looker", 100)) == len(after)


def test_lease_lost_in_the_race_is_reported_by_the_background_run(seeded) -> None:
    _syspro, app, _report = seeded

    def run_after_someone_else_took_the_lease(a: App, name: str):
        a.store.leases.acquire(name, "worker-9:1:race", a.clock.now() - timedelta(seconds=1))
        return run_integration(a, name)

    web = create_web_app(app, run=run_after_someone_else_took_the_lease)
    client = signed_in(web, app)
    try:
        client.post("/runs/syspro-looker/start")
        web.state.web.launcher.join(timeout=30)
        html = client.get("/").text
        assert "did not start: another run holds the lease" in html
        assert "worker-9:1:race" in html
    finally:
        app.store.leases.release("syspro-looker", "worker-9:1:race")


def test_connections_show_secret_fields_never_values_and_ping_shows_each_check(seeded, client) -> None:
    syspro, _app, _report = seeded
    html = client.get("/connections").text
    assert "syspro-odata" in html
    assert syspro.app.state.credentials["operator"] in html
    assert "password ✓ set" in html
    page = client.post("/connections/ping/syspro-looker")  # answers at once; the check runs in the background
    assert "checking every connection" in notice_text(page.text)
    client.app.state.web.pings.join(60)
    html = client.get("/connections").text
    text = re.sub(r"<[^>]+>", " ", html.split('class="ping-result')[1])
    assert "syspro-looker: 11 of 11 checks passed" in text
    assert "read GenTransaction" in text
    assert "read ApSupplier" in text
    assert client.post("/connections/ping/no-such-thing").status_code == 404


def test_secrets_never_appear_in_pages_or_json(seeded, client) -> None:
    syspro, app, report = seeded
    password = syspro.app.state.credentials["password"]
    with app.store.engine.begin() as db:  # an error text that quotes the secret, as a careless remote might
        RecordLedger.append(
            db,
            [
                {
                    "run_id": report.run_id,
                    "integration": "syspro-looker",
                    "stream": "supplier",
                    "source_id": "LEAK1",
                    "status": "failed",
                    "attempts": 1,
                    "content_hash": "0" * 32,
                    "extracted_at": app.clock.now(),
                    "error": f"login refused for operator with password {password}",
                }
            ],
        )
    for path in PAGES + APIS + ["/audit?source_id=LEAK1", "/api/audit?source_id=LEAK1"]:
        body = client.get(path).text
        assert password not in body, path
    assert "login refused for operator with password ***" in client.get("/audit?source_id=LEAK1").text
    env = build_environment(app.clock.now)
    assert env.from_string("{{ x }}|{{ y.z }}").render(x=f"Bearer {password}", y={"z": password}) == "Bearer ***|***"


def test_cross_site_posts_are_refused(client) -> None:
    refused = client.post("/runs/syspro-looker/start", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    for origin in ("null", ""):  # a sandboxed iframe sends "null"; a stripped header is no better
        assert client.post("/runs/syspro-looker/start", headers={"origin": origin}).status_code == 403
    assert client.post("/runs/syspro-looker/start", headers={"x-csrf-token": "forged"}).status_code == 403


def test_replay_releases_a_parked_record_once_its_supplier_is_loaded(tmp_path) -> None:
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    try:
        app = make_app(tmp_path, syspro)
        run_integration(app, "syspro-looker")
        state = syspro.app.state.emulator
        supplier = state.orphan_fact("ApInvoice")["missing"]["key"]["Supplier"]
        run_integration(app, "syspro-looker")
        client = signed_in(create_web_app(app), app)
        html = client.get("/parked").text
        [parked_id] = [int(i) for i in re.findall(r'data-parked-id="(\d+)"', html)]
        assert supplier in html
        assert "supplier" in cells(html, "parked-row", 5)[0]
        # still missing: replay says so and the record stays parked
        text = notice_text(client.post(f"/parked/{parked_id}/replay").text)
        assert "is still parked" in text
        assert supplier in text
        # the supplier appears in SYSPRO and a dimension-only run loads it (the fact stays parked) ...
        state.insert("ApSupplier", [{"Supplier": supplier, "SupplierName": "Late Supplier & Co"}])
        plan = build(app, "syspro-looker")
        try:
            dims = [s for s in plan.streams if s.name == "supplier"]
            Runner(app.store, app.clock).run(plan.name, dims, plan.handler)
        finally:
            plan.close()
        assert [p["id"] for p in app.store.parked.open("syspro-looker")] == [parked_id]
        # ... then Replay releases it
        page = client.post(f"/parked/{parked_id}/replay")
        assert f"Released parked record {parked_id}" in notice_text(page.text)
        assert "Nothing is parked." in page.text
        assert client.get("/api/parked").json() == []
        released = client.get("/api/audit", params={"stream": "ap_invoice", "status": "released"}).json()
        assert len(released) == 1
        assert released[0]["source_id"].startswith(supplier)
        assert client.post("/parked/999999/replay").status_code == 404
    finally:
        syspro.stop()


def test_webhook_routers_are_mounted_per_integration(tmp_path, monkeypatch) -> None:
    package = tmp_path / "hookpkg_for_web_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "wiring.py").write_text("")
    (package / "webhook.py").write_text(
        "from fastapi import APIRouter\n"
        "def webhook_router(app):\n"
        "    router = APIRouter()\n"
        "    @router.post('/orders')\n"
        "    def orders():\n"
        "        return {'accepted': True}\n"
        "    return router\n"
    )
    (tmp_path / "nohook_for_web_test").mkdir()
    (tmp_path / "nohook_for_web_test" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    web = FastAPI()
    mounted = mount_webhooks(
        web,
        app=None,
        integrations={  # type: ignore[arg-type]
            "with-hook": "hookpkg_for_web_test.wiring",
            "without-hook": "nohook_for_web_test.wiring",
            "not-installed": "no_such_package_for_web_test.wiring",
        },
    )
    assert mounted == ["/hooks/with-hook"]
    assert TestClient(web).post("/hooks/with-hook/orders").json() == {"accepted": True}
    for name in ("hookpkg_for_web_test", "hookpkg_for_web_test.webhook", "nohook_for_web_test"):
        sys.modules.pop(name, None)


def test_each_configured_instance_gets_its_own_webhook_path_and_settings(tmp_path) -> None:
    """commerce-syspro@store-us verifies deliveries with its own Commerce connection, at its own path."""
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "commerce-syspro@store-us": {"commerce_connection": "commerce-us"}}
    )
    app = bootstrap(settings, create_keys=True)
    web = FastAPI()
    mounted = mount_webhooks(web, app)
    assert "/hooks/commerce-syspro" in mounted and "/hooks/commerce-syspro@store-us" in mounted
    assert "/hooks/syspro-pipedrive@store-us" not in mounted  # only the instances the config names
    client = TestClient(web)
    default, instance = client.post("/hooks/commerce-syspro"), client.post("/hooks/commerce-syspro@store-us")
    assert default.status_code == instance.status_code == 503  # no connection stored: nothing is read
    assert "'commerce'" in default.json()["error"] and "[commerce-syspro]" in default.json()["error"]
    assert "'commerce-us'" in instance.json()["error"] and "[commerce-syspro@store-us]" in instance.json()["error"]


def test_serve_scrubs_secrets_from_uvicorn_access_logs(seeded) -> None:
    import logging

    from ml_connector.cli.serve import RedactingFilter

    password = seeded[0].app.state.credentials["password"]
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/hooks/x?token={password}&client_secret=abc12345", "1.1", 200),
        None,
    )
    assert RedactingFilter().filter(record)
    line = record.getMessage()
    assert password not in line
    assert "abc12345" not in line
    assert "/hooks/x?token=***&client_secret=***" in line


def test_a_secret_no_key_decrypts_gives_a_clear_page_not_a_traceback(tmp_path) -> None:
    from cryptography.fernet import Fernet

    from ml_connector.secrets.keys import KeyRing
    from ml_connector.store.connections import ConnectionStore

    app = bootstrap(Settings.model_validate({"data_dir": str(tmp_path / "data")}), create_keys=True)
    foreign = ConnectionStore(app.store.engine, KeyRing([Fernet.generate_key()]))
    foreign.put("looker", "looker", {"base_url": "https://x"}, {"client_secret": "s3cr3t-value"}, app.clock.now())
    page = signed_in(create_web_app(app), app, raise_server_exceptions=False).get("/connections")
    assert page.status_code == 500
    assert "looker" in notice_text(page.text)
    assert "s3cr3t-value" not in page.text
