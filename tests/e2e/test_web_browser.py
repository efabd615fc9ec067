"""The web UI in a real browser (Debian's Chromium through Playwright): open the runs page, press Run now,
see the new run appear; a screenshot goes to /tmp/mlc-web.png for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ml_connector.bootstrap import App, bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings
from ml_connector.web.app import create_web_app
from syspro_connection import add_syspro_odata

SEED = 5
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("/tmp/mlc-web.png")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "browser test needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (in the dev extra)")


def make_app(tmp_path: Path, syspro) -> App:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "warehouse": {"type": "duckdb"},
            "syspro-looker": {"looker_connection": None},
        }
    )
    app = bootstrap(settings, create_keys=True)
    add_syspro_odata(app, syspro)
    return app


@pytest.fixture
def served(tmp_path):
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    app = make_app(tmp_path, syspro)
    assert run_integration(app, "syspro-looker").status == "succeeded"
    web = create_web_app(app)
    server = serve_in_thread(web)
    yield app, web, server
    server.stop()
    syspro.stop()


def test_run_now_in_the_browser_adds_a_run(served) -> None:
    app, web, server = served
    first = {r["run_id"] for r in app.store.runs.recent("syspro-looker", 100)}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/")
            card = page.locator("#integration-syspro-looker")
            sync_api.expect(card.locator("tr.run-row")).to_have_count(1)
            card.get_by_role("button", name="Run now").click()
            sync_api.expect(page.locator("section.notice")).to_contain_text("syspro-looker run started")
            web.state.web.launcher.join(timeout=60)
            page.reload()
            sync_api.expect(card.locator("tr.run-row")).to_have_count(2)
            [new] = [r for r in app.store.runs.recent("syspro-looker", 100) if r["run_id"] not in first]
            newest = card.locator("tr.run-row").first
            sync_api.expect(newest).to_have_attribute("data-run-id", new["run_id"])
            sync_api.expect(newest).to_have_attribute("data-status", "succeeded")
            sync_api.expect(newest.locator("time")).to_have_text(re.compile(r"just now|\d+ s ago"))
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            page.get_by_role("link", name="Parked").click()
            sync_api.expect(page.locator("h1")).to_have_text("Parked records")
            page.get_by_role("link", name="Audit").click()
            page.get_by_label("Stream").fill("supplier")
            page.get_by_role("button", name="Search").click()
            streams = page.locator("tr.audit-row td:nth-child(4)").all_inner_texts()
            assert streams
            assert set(streams) == {"supplier"}
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
