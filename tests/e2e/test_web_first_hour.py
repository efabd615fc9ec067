"""The web UI for a person: Ping runs in the background, the audit page pages, filters by time range, lists
every status and shows absolute UTC times (relative on hover), fits a 1,366 px screen; parked records are
replayed in bulk per integration; the runs badge tells parked from failed; a run's error shows once."""

from __future__ import annotations

import re
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from ml_connector.bootstrap import bootstrap
from ml_connector.core.records import StreamTally
from ml_connector.engine.context import RunReport
from ml_connector.settings import Settings
from ml_connector.store.ledger_search import STATUSES
from ml_connector.store.schema import parked, record_ledger, runs
from ml_connector.web import pages
from ml_connector.web.app import create_web_app
from web_session import signed_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ERROR = "invoice: Sterling B2B Integrator rejected the request (HTTP 400). Fix the data, then replay."


@pytest.fixture
def app(tmp_path: Path):
    runtime = bootstrap(Settings.model_validate({"data_dir": str(tmp_path / "data")}), create_keys=True)
    with runtime.store.engine.begin() as db:
        db.execute(insert(record_ledger), [
            {"run_id": "R1", "integration": "syspro-sterling", "stream": "invoice", "source_id": f"INV{n:04d}",
             "extracted_at": T0 + timedelta(hours=n), "status": STATUSES[n % len(STATUSES)], "content_hash": "h" * 32,
             "error": "x" * 300 if n == 11 else None}
            for n in range(12)
        ])  # fmt: skip
        db.execute(insert(parked), [
            {"integration": "syspro-sterling", "stream": "invoice", "source_id": f"INV{n:04d}",
             "content_hash": "h" * 32, "payload": {}, "status": "failed", "reason": ERROR, "attempts": 1,
             "run_id": "R1", "parked_at": T0}
            for n in (1, 2)
        ])  # fmt: skip
    return runtime


def _client(runtime, **kw) -> TestClient:
    return signed_in(create_web_app(runtime, **kw), runtime)


def test_ping_answers_at_once_and_shows_the_result_when_done(app, monkeypatch) -> None:
    release = threading.Event()

    def slow_check(runtime, integration):  # type: ignore[no-untyped-def]
        release.wait(30)
        from ml_connector.integrations.plan import CheckResult

        return [CheckResult("SYSPRO OData", "reach 127.0.0.1:1 (connection syspro-odata)", False, "refused")]

    monkeypatch.setattr(pages, "check_integration", slow_check)
    client = _client(app)
    started = time.monotonic()
    answer = client.post("/connections/ping/syspro-looker")
    assert time.monotonic() - started < 5 and answer.status_code == 200
    waiting = client.get("/connections").text
    assert 'http-equiv="refresh"' in waiting and "syspro-looker: checking" in waiting
    release.set()
    client.app.state.web.pings.join(10)
    done = client.get("/connections").text
    assert 'http-equiv="refresh"' not in done
    assert "syspro-looker: 0 of 1 checks passed" in done and "refused" in done


def test_audit_pages_filters_by_time_lists_every_status_and_shows_absolute_utc(app) -> None:
    client = _client(app)
    first = client.get("/audit", params={"limit": 5}).text
    for status in STATUSES:
        assert f'<option value="{status}"' in first
    ids = [int(i) for i in re.findall(r'<tr class="audit-row">\s*<td class="num">(\d+)', first)]
    assert ids == [12, 11, 10, 9, 8]
    older = re.search(r'class="older" href="([^"]+)"', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert [int(i) for i in re.findall(r'<tr class="audit-row">\s*<td class="num">(\d+)', second)] == [7, 6, 5, 4, 3]
    ranged = client.get("/audit", params={"since": "2026-11-20T10:00", "until": "2026-11-20T12:00"}).text
    assert re.findall(r'<tr class="audit-row">\s*<td class="num">(\d+)', ranged) == ["4", "3"]
    assert re.search(r'<time datetime="2026-11-20T11:00:00\+00:00" title="[^"]*ago">2026-11-20 11:00:00 UTC</time>',
                     ranged)  # fmt: skip
    bad = client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "not a date or time" in bad.text


def test_runs_badge_tells_failed_from_parked_and_a_run_error_shows_once(app) -> None:
    now = datetime.now(UTC)
    tally = StreamTally("invoice", read=2, failed=2)

    def run(runtime, name):  # type: ignore[no-untyped-def]
        report = RunReport(name, "20261206T000000-abcdef", "partial", now, now, [tally], ERROR)
        with runtime.store.engine.begin() as db:
            db.execute(insert(runs).values(run_id=report.run_id, integration=name, status="partial", holder="t",
                                           started_at=now, finished_at=now, summary=report.as_dict(),
                                           error=ERROR))  # fmt: skip
        return report

    client = _client(app, run=run)
    client.post("/runs/syspro-sterling/start")
    client.app.state.web.launcher.join(10)
    html = client.get("/").text
    card = html.split('id="integration-syspro-sterling"')[1].split("</section>")[0]
    assert "2 failed" in card and "parked</a>" not in card
    assert card.count("Sterling B2B Integrator rejected") == 1


def test_replay_all_parked_of_one_integration(app, monkeypatch) -> None:
    called: list[str] = []

    def replay(runtime, integration, ids=None):  # type: ignore[no-untyped-def]
        called.append(integration)
        now = datetime.now(UTC)
        return RunReport(integration, "R9", "partial", now, now, [StreamTally("invoice", released=0)], None)

    monkeypatch.setattr(pages, "replay_parked", replay)
    client = _client(app)
    assert 'action="/parked/replay/syspro-sterling"' in client.get("/parked").text
    page = client.post("/parked/replay/syspro-sterling")
    assert called == ["syspro-sterling"]
    assert "syspro-sterling: 0 released, 2 still open" in page.text


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium")
def test_audit_page_fits_1366_pixels(app) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from ml_connector.emulators.serving import serve_in_thread

    server = serve_in_thread(create_web_app(app))
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{server.url}/audit")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 1366, width
            finally:
                browser.close()
    finally:
        server.stop()
