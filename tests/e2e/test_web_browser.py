"""The web UI in a real browser (Debian's Chromium through Playwright): sign in, press Run now and see the new
run, replay a parked record, sign out; a viewer sees no Run/Replay buttons and is refused when posting anyway;
and the attacks from another origin on the same machine (a sandboxed iframe's form, a no-referrer form,
framing the console) are refused by the server or the browser. A screenshot goes to /tmp/mlc-web.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright import sync_api

from ml_connector.bootstrap import App, bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings
from ml_connector.web.app import create_web_app
from web_session import PASSWORD, ensure_user

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
def served(tmp_path_factory):
    """A store with one run and one parked invoice (its supplier is missing), served on localhost."""
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=SEED, timestamp_filters=True))
    app = make_app(tmp_path_factory.mktemp("browser"), syspro)
    assert run_integration(app, "syspro-looker").status == "succeeded"
    syspro.app.state.emulator.orphan_fact("ApInvoice")
    run_integration(app, "syspro-looker")
    assert app.store.parked.open("syspro-looker")
    for name, role in (("ada", "admin"), ("vera", "viewer")):
        ensure_user(app, name, role)
    web = create_web_app(app)
    server = serve_in_thread(web)
    yield app, web, server.url.replace("127.0.0.1", "localhost")
    server.stop()
    syspro.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/")
    sync_api.expect(page.locator("h1")).to_have_text("Sign in")  # every page asks first
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.locator(".who")).to_contain_text(name)


def run_ids(app: App) -> set[str]:
    return {r["run_id"] for r in app.store.runs.recent("syspro-looker", 100)}


def test_sign_in_run_replay_and_sign_out(served, browser) -> None:
    app, web, url = served
    first = run_ids(app)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, url, "ada")
    card = page.locator("#integration-syspro-looker")
    sync_api.expect(card.locator("tr.run-row")).to_have_count(len(first))
    card.get_by_role("button", name="Run now").click()
    sync_api.expect(page.locator("section.notice")).to_contain_text("syspro-looker run started")
    web.state.web.launcher.join(timeout=60)
    page.reload()
    sync_api.expect(card.locator("tr.run-row")).to_have_count(len(first) + 1)
    [new] = run_ids(app) - first
    newest = card.locator("tr.run-row").first
    sync_api.expect(newest).to_have_attribute("data-run-id", new)
    # Absolute UTC time shown, the relative one on hover (issue 14: times no longer mix the two)
    sync_api.expect(newest.locator("time")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"))
    sync_api.expect(newest.locator("time")).to_have_attribute("title", re.compile(r"just now|\d+ s ago"))
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_role("link", name="Parked", exact=True).click()
    sync_api.expect(page.locator("h1")).to_have_text("Parked records")
    page.get_by_role("button", name="Replay", exact=True).first.click()
    sync_api.expect(page.locator("section.notice")).to_contain_text("is still parked")
    page.get_by_role("link", name="Audit", exact=True).click()
    page.get_by_label("Stream").fill("supplier")
    page.get_by_role("button", name="Search").click()
    cells = page.locator("tr.audit-row td:nth-child(3)").all_inner_texts()  # stream, integration beneath
    streams = [c.split()[0] for c in cells]
    assert streams
    assert set(streams) == {"supplier"}
    page.get_by_role("link", name="Actions", exact=True).click()
    sync_api.expect(page.locator("tr.action-row[data-action=replay]").first).to_contain_text("ada")
    sync_api.expect(page.locator("tr.action-row[data-action=run_now]").first).to_contain_text("ada")
    page.get_by_role("button", name="Sign out").click()
    sync_api.expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(f"{url}/parked")
    sync_api.expect(page.locator("h1")).to_have_text("Sign in")
    page.close()
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_viewer_sees_no_buttons_and_is_refused_when_posting_anyway(served, browser) -> None:
    app, _web, url = served
    before = run_ids(app)
    page = browser.new_page()
    sign_in(page, url, "vera")
    sync_api.expect(page.locator("#integration-syspro-looker")).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="Run now")).to_have_count(0)
    page.get_by_role("link", name="Parked", exact=True).click()
    sync_api.expect(page.locator("tr.parked-row").first).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="Replay", exact=True)).to_have_count(0)
    sync_api.expect(page.get_by_role("link", name="Actions", exact=True)).to_have_count(0)
    csrf = page.locator("form.signout input[name=csrf_token]").get_attribute("value")
    parked_id = page.locator("tr.parked-row").first.get_attribute("data-parked-id")
    for path in ("/runs/syspro-looker/start", f"/parked/{parked_id}/replay"):
        answer = page.request.post(f"{url}{path}", form={"csrf_token": csrf}, headers={"origin": url}, max_redirects=0)
        assert answer.status == 403, path
    assert run_ids(app) == before
    page.close()


@pytest.fixture(scope="module")
def attacker(served):
    """Another origin on this machine (same site, other port) with pages that attack the console."""
    _app, _web, url = served
    target = f"{url}/runs/syspro-looker/start"
    form = f"<form method='post' action='{target}'><input name='x' value='1'></form>"
    submit = "<script>document.forms[0].submit()</script>"
    pages = {
        "sandboxed": f"<iframe sandbox='allow-forms allow-scripts' srcdoc=\"{form}{submit}\"></iframe>",
        "no-referrer": f"<meta name='referrer' content='no-referrer'>{form}{submit}",
        "framing": f"<h1>Win a prize</h1><iframe id='victim' src='{url}/' width='800' height='600'></iframe>",
    }
    evil = FastAPI()

    @evil.get("/{name}", response_class=HTMLResponse)
    def attack(name: str) -> HTMLResponse:
        if name not in pages:  # favicon.ico
            return HTMLResponse("", status_code=404)
        return HTMLResponse(f"<!doctype html><html><body>{pages[name]}</body></html>")

    server = serve_in_thread(evil)
    yield server.url.replace("127.0.0.1", "localhost")
    server.stop()


def refusals(app: App) -> list[dict]:
    return [a for a in app.store.actions.recent(50) if a["action"] == "request_refused"]


@pytest.mark.parametrize("attack", ["sandboxed", "no-referrer"])
def test_a_form_from_another_origin_does_not_start_a_run(served, browser, attacker, attack) -> None:
    app, _web, url = served
    before, seen = run_ids(app), {a["id"] for a in refusals(app)}
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, url, "ada")  # the victim is signed in, in the same browser
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/runs/syspro-looker/start") else None)
    page.goto(f"{attacker}/{attack}")
    new: list[dict] = []
    for _ in range(300):  # the form posts itself once the attacker's page has loaded (60 s at most)
        new = [a for a in refusals(app) if a["id"] not in seen]
        if new:
            break
        page.wait_for_timeout(200)
    assert [a["detail"] for a in new] == ["Origin 'null'"]  # Chromium sends Origin: null for both
    assert new[0]["target"] == "POST /runs/syspro-looker/start"
    page.wait_for_timeout(500)
    assert answers in ([403], [])  # the refusal (when the frame's response event is reported)
    assert run_ids(app) == before
    context.close()


def test_the_console_cannot_be_framed_by_another_origin(served, browser, attacker) -> None:
    _app, _web, url = served
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, url, "ada")
    with page.expect_response(lambda r: r.url == f"{url}/") as framed:
        page.goto(f"{attacker}/framing")
    assert "frame-ancestors 'none'" in framed.value.headers["content-security-policy"]
    page.wait_for_load_state("load")
    [victim] = [f for f in page.frames if f != page.main_frame]
    assert "Run now" not in victim.content()  # the browser refused to render the console in the frame
    assert "ml-connector" not in victim.content()
    context.close()
