"""The Looker scheduled-plan webhook of looker-qad: the Looker emulator's own run_once delivery posts
through it; wrong secrets get 404 and only a log line; rotation; repeats ignored; CSV and JSON
attachments; malformed, binary and oversized deliveries refused clearly; bad rows parked by reason.

Every accepted delivery goes through the store's webhook inbox and ``trigger_run``: with a scheduler
active it is queued and the scheduler's run posts it; one received while QAD is down waits and the next
run posts it; a crash after QAD's answer and before the inbox is marked posts nothing twice."""

from __future__ import annotations

import time
import warnings

import httpx
import orjson
import pytest
import structlog
from fastapi import FastAPI
from looker_qad_fixtures import build_chain, figure, months_back, qad_sums, warehouse_sums

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.http.client import RetryPolicy
from ml_connector.integrations.looker_qad.webhook import webhook_router
from ml_connector.runtime.executors import ThreadExecutor
from ml_connector.runtime.scheduler import Scheduler
from ml_connector.runtime.service import dry_run_integration, run_integration
from ml_connector.runtime.triggers import trigger_run

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "hook-secret-7f3a9c21"
NEW_SECRET = "hook-secret-rotated-55b1"
PERIOD = months_back(0)
Y, P = int(PERIOD[:4]), int(PERIOD[5:])


def set_secrets(app, **secrets: str) -> None:
    app.connections.put("looker-qad-webhook", "looker-webhook", {}, secrets, app.clock.now())


@pytest.fixture
def chain(tmp_path):
    built = build_chain(tmp_path, figures=[figure(periods=[PERIOD], csv_labels={"amount": "Total Amount"})],
                        webhook_max_bytes=4096)  # fmt: skip
    set_secrets(built.app, secret=SECRET)
    yield built
    built.stop()


def client(chain, *, background: bool = False, **run_options) -> TestClient:
    web = FastAPI()
    router = webhook_router(chain.app, trigger=trigger_run, background=background, **run_options)
    web.include_router(router, prefix="/hooks/looker-qad")
    return TestClient(web)


def row(account, centre, amount, period=P) -> dict:
    return {
        "dim_gl_account.account": account,
        "fct_gl_posting.cost_center": centre,
        "fct_gl_posting.gl_year": Y,
        "fct_gl_posting.gl_period": period,
        "fct_gl_posting.total_amount": amount,
    }


def payload(rows, title="GL spend by plant") -> dict:
    return {
        "type": "query",
        "scheduled_plan": {"scheduled_plan_id": 12, "title": title, "type": "Query", "query_id": 3},
        "attachment": {"mimetype": "application/json", "extension": "json", "data": rows},
        "data": None,
        "form_params": {},
    }


def test_wrong_secret_404_leaves_only_a_log_line(chain) -> None:
    with structlog.testing.capture_logs() as logs:
        answer = client(chain).post("/hooks/looker-qad/not-the-secret-123", json=payload([row("6100", "200", 5)]))
    assert answer.status_code == 404
    assert [e["event"] for e in logs] == ["webhook.rejected"]
    assert "not-the-secret-123" not in repr(logs) and SECRET not in repr(logs)
    store = chain.app.store
    assert store.ledger.search(integration="looker-qad", limit=10) == []
    assert store.parked.open("looker-qad") == [] and chain.tenant.journals == []


def test_push_posts_good_rows_parks_bad_ones_and_ignores_a_repeat(chain) -> None:
    rows = [
        row("6100", "200", 120.5),
        row("6100", "300", -20),
        row(None, "200", 7),  # missing account
        row("6200", "400", "n/a"),  # non-numeric amount
        row("6300", "C" * 200, 9),  # a 200-character cost centre
    ]
    hook = client(chain)
    answer = hook.post(f"/hooks/looker-qad/{SECRET}", json=payload(rows))
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 5
    assert qad_sums(chain) == {("6100", "200", f"{Y}/{P:02d}"): 120.5, ("6100", "300", f"{Y}/{P:02d}"): -20}
    reasons = sorted(p["reason"] for p in chain.app.store.parked.open("looker-qad"))
    assert len(reasons) == 3
    assert "no GL account" in reasons[0] or any("no GL account" in r for r in reasons)
    assert any("'n/a'" in r and "not a number" in r for r in reasons)
    assert any("200 characters" in r for r in reasons)
    again = hook.post(f"/hooks/looker-qad/{SECRET}", json=payload(rows))
    assert again.json()["status"] == "duplicate delivery ignored"
    assert chain.app.store.inbox.counts("looker-qad") == {"consumed": 1}
    [entry] = chain.tenant.journals  # one entry for the figure's period: two lines and the contra line
    assert len(entry.lines) == 3 and entry.text == f"GL spend by plant {Y}/{P:02d}"


def test_csv_attachment_rotation_and_refusals(chain) -> None:
    hook = client(chain)
    csv_text = (
        "dim_gl_account.account,fct_gl_posting.cost_center,fct_gl_posting.gl_year,fct_gl_posting.gl_period,"
        f"Total Amount\n6700,400,{Y},{P},33.25\n"
    )
    body = payload([])
    body["attachment"] = {"mimetype": "text/csv", "extension": "csv", "data": csv_text}
    set_secrets(chain.app, secret=NEW_SECRET, previous_secret=SECRET)  # rotating: both work for now
    assert hook.post(f"/hooks/looker-qad/{SECRET}", json=body).json()["status"] == "succeeded"
    assert qad_sums(chain) == {("6700", "400", f"{Y}/{P:02d}"): 33.25}
    set_secrets(chain.app, secret=NEW_SECRET)  # rotation finished: the old one is gone
    assert hook.post(f"/hooks/looker-qad/{SECRET}", json=body).status_code == 404
    url = f"/hooks/looker-qad/{NEW_SECRET}"
    assert hook.post(url, json=body).json()["status"] == "duplicate delivery ignored"

    refused = hook.post(url, content=b"{not json")
    assert refused.status_code == 400 and "not JSON" in refused.json()["error"]
    binary = payload([])
    binary["attachment"] = {"mimetype": "application/zip;base64", "extension": "zip", "data": "UEsDBBQ="}
    assert hook.post(url, json=binary).status_code == 415
    big = hook.post(url, json=payload([row("6100", "200", n) for n in range(200)]))
    assert big.status_code == 413 and "webhook_max_bytes" in big.json()["error"]
    unknown = hook.post(url, json=payload([row("6100", "200", 1)], title="Some other plan"))
    assert unknown.status_code == 422 and "webhook_title" in unknown.json()["error"]
    assert len(chain.tenant.journals) == 1  # none of the refused deliveries posted anything


def test_looker_emulator_scheduled_plan_delivers_through_the_hook(chain) -> None:
    chain.app.settings.section("looker-qad")["webhook_max_bytes"] = 5_000_000  # a month of plant spend
    web = FastAPI()
    web.include_router(webhook_router(chain.app, trigger=trigger_run, background=False), prefix="/hooks/looker-qad")
    served = serve_in_thread(web)
    try:
        looker, cred = chain.looker, chain.looker.app.state.credentials
        with httpx.Client(base_url=looker.url + "/api/4.0") as http:
            token = http.post("/login", data=cred).json()["access_token"]
            auth = {"Authorization": f"token {token}"}
            query = figure()["query"]
            body = {"model": query["model"], "view": query["explore"], "fields": query["fields"],
                    "filters": query["filters"], "limit": "-1"}  # fmt: skip
            query_id = http.post("/queries", json=body, headers=auth).json()["id"]
            plan = {
                "name": "GL spend by plant",
                "query_id": query_id,
                "scheduled_plan_destination": [
                    {"type": "webhook", "format": "json", "address": f"{served.url}/hooks/looker-qad/{SECRET}"}
                ],
            }
            assert http.post("/scheduled_plans/run_once", content=orjson.dumps(plan), headers=auth).status_code == 200
        looker.app.state.emulator.wait_for_deliveries(1)
        [delivery] = looker.app.state.emulator.webhook_deliveries
        assert delivery.status_code == 200, delivery.error
        assert qad_sums(chain) == warehouse_sums(chain.app, [PERIOD])
    finally:
        served.stop()


def test_pushes_that_drop_and_restore_a_line_keep_qad_at_the_current_figure(chain) -> None:
    hook, url = client(chain), f"/hooks/looker-qad/{SECRET}"
    key = f"{Y}/{P:02d}"
    both, one = [row("6100", "200", 10), row("6100", "300", 20)], [row("6100", "200", 10)]
    assert hook.post(url, json=payload(both)).json()["status"] == "succeeded"
    assert hook.post(url, json=payload(one)).json()["status"] == "succeeded"
    assert qad_sums(chain) == {("6100", "200", key): 10}  # the dropped line was brought to zero
    assert hook.post(url, json=payload(both)).json()["status"] == "succeeded"  # not a repeat of the latest
    assert qad_sums(chain) == {("6100", "200", key): 10, ("6100", "300", key): 20}
    assert hook.post(url, json=payload(both)).json()["status"] == "duplicate delivery ignored"
    assert len(chain.tenant.journals) == 3  # the original entry, the zeroing, the restoring


def test_served_by_the_web_app_and_secret_rotation_from_the_cli(tmp_path) -> None:
    """`ml-connector serve` mounts the hook (no sign-in: the URL secret is its credential); the
    webhook-secret command creates, rotates and finishes rotating the secret."""
    from typer.testing import CliRunner

    from ml_connector.bootstrap import bootstrap
    from ml_connector.cli import main
    from ml_connector.settings import load_settings
    from ml_connector.web.app import create_web_app

    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    cli = CliRunner()
    first = cli.invoke(main.app, ["webhook-secret", "looker-qad", "-c", str(config), "--base-url", "https://h"])
    assert first.exit_code == 0, first.output
    old = first.output.split("https://h/hooks/looker-qad/")[1].split()[0]
    rotated = cli.invoke(
        main.app, ["webhook-secret", "looker-qad", "-c", str(config), "--rotate", "--base-url", "https://h"]
    )
    new = rotated.output.split("https://h/hooks/looker-qad/")[1].split()[0]
    assert new != old and "keeps working" in rotated.output
    web = TestClient(create_web_app(bootstrap(load_settings(config))), base_url="http://127.0.0.1")
    for secret in (old, new):  # both during the rotation, and no sign-in asked
        answer = web.post(f"/hooks/looker-qad/{secret}", json={})
        assert answer.status_code == 400 and "no attachment" in answer.text  # reached the hook itself
    assert cli.invoke(main.app, ["webhook-secret", "looker-qad", "-c", str(config), "--finish"]).exit_code == 0
    assert web.post(f"/hooks/looker-qad/{old}", json={}).status_code == 404
    assert "no attachment" in web.post(f"/hooks/looker-qad/{new}", json={}).text


FAST_QAD = {"qad_http": {"retry": RetryPolicy(max_attempts=2, base_delay_s=0.01), "sleep": lambda s: None}}


def wait_idle(scheduler: Scheduler, executor: ThreadExecutor) -> None:
    deadline = time.monotonic() + 60
    while executor.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not executor.running(), "the scheduler's run did not finish within 60 s"
    scheduler.tick()  # collect the outcome


def test_with_a_scheduler_active_the_hook_queues_and_the_scheduler_posts_once(chain) -> None:
    executor = ThreadExecutor(chain.app, {})
    scheduler = Scheduler(chain.app, {}, executor)
    scheduler.tick()  # takes the *scheduler* lease: this store has an active scheduler
    assert scheduler.active
    hook, url = client(chain, background=True), f"/hooks/looker-qad/{SECRET}"
    rows = [row("6100", "200", 41.5), row("6100", "300", 8)]
    answer = hook.post(url, json=payload(rows))
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued" and answer.json()["rows"] == 2
    store = chain.app.store
    assert chain.tenant.journals == [] and store.runs.recent("looker-qad") == []  # nothing ran in the request
    assert store.inbox.counts("looker-qad") == {"pending": 1}
    [reason] = store.requests.waiting()["looker-qad"]
    assert "GL spend by plant" in reason and "2 row(s)" in reason
    scheduler.tick()  # takes the request: one run on the executor
    wait_idle(scheduler, executor)
    assert qad_sums(chain) == {("6100", "200", f"{Y}/{P:02d}"): 41.5, ("6100", "300", f"{Y}/{P:02d}"): 8}
    [run] = store.runs.recent("looker-qad")
    assert (run["trigger"], run["status"]) == ("webhook", "succeeded")
    [delivery] = [store.inbox.latest("looker-qad", "GL spend by plant")]
    assert delivery is not None and (delivery.state, delivery.run_id) == ("consumed", run["run_id"])
    scheduler.tick()
    wait_idle(scheduler, executor)  # nothing waiting: no second run
    assert hook.post(url, json=payload(rows)).json()["status"] == "duplicate delivery ignored"
    scheduler.tick()
    wait_idle(scheduler, executor)
    assert len(store.runs.recent("looker-qad")) == 1 and len(chain.tenant.journals) == 1  # exactly once


def test_a_delivery_received_while_qad_is_down_waits_for_the_next_run(tmp_path) -> None:
    down = FaultPlan()
    chain = build_chain(tmp_path, figures=[figure(periods=[PERIOD])], qad_options={"faults": down})
    set_secrets(chain.app, secret=SECRET)
    try:
        down.add(FaultRule(kind="status", status=503))  # every QAD call answers 503
        hook = client(chain, **FAST_QAD)
        answer = hook.post(f"/hooks/looker-qad/{SECRET}", json=payload([row("6100", "200", 12.25)]))
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] != "succeeded"  # the run failed on QAD; the delivery is kept
        assert chain.tenant.journals == []
        assert chain.app.store.inbox.counts("looker-qad") == {"pending": 1}
        down.rules.clear()  # QAD is back; the next run (a schedule's, a person's) posts the figure
        report = run_integration(chain.app, "looker-qad", **FAST_QAD)
        assert report.status == "succeeded", report.error
        assert qad_sums(chain) == {("6100", "200", f"{Y}/{P:02d}"): 12.25}
        assert chain.app.store.inbox.counts("looker-qad") == {"consumed": 1}
        assert len(chain.tenant.journals) == 1
    finally:
        chain.stop()


def test_repeats_are_ignored_and_a_newer_delivery_supersedes_a_pending_one(chain) -> None:
    store = chain.app.store
    store.leases.acquire("*scheduler*", "another-host:1:sched", chain.app.clock.now())  # a scheduler elsewhere
    hook, url = client(chain, background=True), f"/hooks/looker-qad/{SECRET}"
    first = [row("6100", "200", 10), row("6100", "300", 20)]
    assert hook.post(url, json=payload(first)).json()["status"] == "queued"
    repeat = hook.post(url, json=payload(first))
    assert repeat.status_code == 200 and repeat.json()["status"] == "duplicate delivery ignored"
    assert store.inbox.counts("looker-qad") == {"pending": 1} and len(store.requests.waiting()["looker-qad"]) == 1
    newer = [row("6100", "200", 15)]
    assert hook.post(url, json=payload(newer)).json()["status"] == "queued"
    assert store.inbox.counts("looker-qad") == {"pending": 2}
    shown: list = []
    dry_run_integration(chain.app, "looker-qad", shown.append)  # shows what the run would post, marks nothing
    [item] = shown
    assert item.source_id == f"GL spend by plant {Y}/{P:02d} (daybook RECON, 1 line(s))"
    assert item.rendering is not None and '"postingLineDebitTC": 15' in item.rendering.text  # the newest rows
    assert store.inbox.counts("looker-qad") == {"pending": 2} and chain.tenant.journals == []
    assert run_integration(chain.app, "looker-qad").status == "succeeded"  # what the scheduler starts
    assert qad_sums(chain) == {("6100", "200", f"{Y}/{P:02d}"): 15}  # the newest figure, in one entry
    assert len(chain.tenant.journals) == 1
    assert store.inbox.counts("looker-qad") == {"consumed": 1, "superseded": 1}


def test_a_crash_between_the_qad_post_and_the_inbox_mark_posts_nothing_twice(chain, monkeypatch) -> None:
    store = chain.app.store
    real = store.inbox.consume

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(store.inbox, "consume", crash)
    hook = client(chain)
    rows = [row("6100", "200", 30), row("6100", "300", -5)]
    with pytest.raises(RuntimeError):  # the crash ends the run after QAD posted the entry
        hook.post(f"/hooks/looker-qad/{SECRET}", json=payload(rows))
    assert len(chain.tenant.journals) == 1 and store.inbox.counts("looker-qad") == {"pending": 1}
    monkeypatch.setattr(store.inbox, "consume", real)
    assert run_integration(chain.app, "looker-qad").status == "succeeded"  # takes the same delivery again
    assert store.inbox.counts("looker-qad") == {"consumed": 1}
    assert len(chain.tenant.journals) == 1  # its lines were delivered already: nothing posted twice
    assert qad_sums(chain) == {("6100", "200", f"{Y}/{P:02d}"): 30, ("6100", "300", f"{Y}/{P:02d}"): -5}


def test_an_instance_hook_matches_by_its_own_figures_and_keeps_its_own_inbox(chain) -> None:
    eu = {"figures": [figure("EU spend by plant", periods=[PERIOD], webhook_title="EU spend")]}
    chain.app.settings.model_extra["looker-qad@eu"] = eu  # [looker-qad@eu] over [looker-qad]
    web = FastAPI()
    router = webhook_router(chain.app, trigger=trigger_run, background=False, instance="looker-qad@eu")
    web.include_router(router, prefix="/hooks/looker-qad-eu")
    hook, url = TestClient(web), f"/hooks/looker-qad-eu/{SECRET}"
    assert hook.post(url, json=payload([row("6100", "200", 1)])).status_code == 422  # not a title of @eu
    answer = hook.post(url, json=payload([row("6100", "400", 64)], title="EU spend"))
    assert answer.json()["status"] == "succeeded", answer.text
    assert qad_sums(chain) == {("6100", "400", f"{Y}/{P:02d}"): 64}
    assert chain.app.store.inbox.counts("looker-qad@eu") == {"consumed": 1}
    assert chain.app.store.inbox.counts("looker-qad") == {}
    [run] = chain.app.store.runs.recent("looker-qad@eu")
    assert run["status"] == "succeeded"
