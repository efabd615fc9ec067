"""The two conditions an integration reports (RunContext.condition) become real alerts: ``lockout`` when
QAD refused looker-qad's login on N scheduled runs (one login per run, no retry storm, one alert, then the
instance paused so QAD is never locked, one recovery once the password is fixed and checked) and
``budget`` when syspro-pipedrive's day crosses its token alert share (one alert, recovery on the next
day)."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from test_alerts import HOOK_TOKEN, SMTP_PASSWORD, Mailbox, authenticator

from ml_connector.bootstrap import bootstrap
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.serving import free_port, serve_in_thread
from ml_connector.runtime.alerts import Alerter
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.executors import ThreadExecutor
from ml_connector.runtime.scheduler import Job, Scheduler
from ml_connector.runtime.schedules import compile_schedule
from ml_connector.runtime.service import check_integration, run_integration
from ml_connector.runtime.status import instance_status
from ml_connector.runtime.triggers import trigger_run

sys.path.insert(0, str(Path(__file__).parents[1] / "integrations"))
from commerce_syspro_fixtures import make_app as make_commerce_app
from commerce_syspro_fixtures import serve_pair
from looker_qad_fixtures import build_chain
from pipedrive_fixtures import OffsetClock, make_app, serve_pipedrive, serve_syspro

WRONG = "wr0ng-qad-pa55word"


@pytest.fixture
def channels():
    posted: list[dict] = []
    lock = threading.Lock()
    web = FastAPI()

    @web.post("/services/{path:path}")
    async def hook(path: str, request: Request) -> dict:
        with lock:
            posted.append(json.loads(await request.body()))
        return {"ok": True}

    served = serve_in_thread(web)
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False)
    smtp.start()
    yield served, posted, smtp, box
    smtp.stop()
    served.stop()


def alerting(app, hook, smtp) -> None:
    now = app.clock.now()
    app.connections.put("slack", "alert-webhook", {}, {"url": f"{hook.url}/services/{HOOK_TOKEN}"}, now)
    app.connections.put(
        "mail", "smtp", {"host": "127.0.0.1", "port": smtp.port, "user": "alerts"}, {"password": SMTP_PASSWORD}, now
    )


def wait_idle(scheduler: Scheduler, executor: ThreadExecutor) -> None:
    deadline = time.monotonic() + 60
    while executor.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.tick()  # collect the outcome (the alerter runs here)


def test_wrong_qad_password_one_lockout_alert_then_paused_until_check_one_recovery(tmp_path, channels) -> None:
    """Three refused 15-minute slots (one login each, no retry), the alert, then the instance is paused:
    eight more slots (past QAD's 10 without the pause), their retries and a webhook request send QAD no
    login, so the account is not locked. Fixing the password alone does not resume (the count is not
    reset); `check` does, the queued webhook request and the next slot run and the recovery is sent."""
    hook, posted, smtp, box = channels
    chain = build_chain(tmp_path)
    try:
        chain.app.settings.model_extra["alerts"] = {
            "webhook_connection": "slack",
            "smtp_connection": "mail",
            "email_to": ["ops@example.com"],
        }
        clock = FixedClock(datetime.now(UTC).replace(second=30, microsecond=0))
        app = bootstrap(chain.app.settings, clock=clock)
        alerting(app, hook, smtp)
        qad = app.connections.get("qad")
        right = qad.secret("password").reveal()
        app.connections.put("qad", "qad", qad.settings, {"password": WRONG}, clock.now())
        name = "looker-qad"
        schedule = compile_schedule(
            name, ScheduleConfig(every=timedelta(minutes=15), retries=2, retry_backoff=timedelta(minutes=1))
        )
        executor = ThreadExecutor(app, {name: schedule})
        alerter = Alerter(app, {name: schedule})
        scheduler = Scheduler(app, {name: schedule}, executor, on_outcome=alerter.after_run)
        scheduler.tick()
        first = schedule.next_slot(clock.now())
        emulator = chain.qad.app.state.emulator
        tokens = emulator.tokens

        def token_requests() -> int:
            return int(emulator.calls.get("/clouderp/oauth/token", 0))

        def slot(n: int) -> None:  # slot n, then past every retry's backoff: a retry would start here
            clock.set(first + timedelta(minutes=15 * (n - 1), seconds=1))
            scheduler.tick()
            wait_idle(scheduler, executor)
            for _ in range(3):
                clock.advance(timedelta(minutes=1, seconds=1))
                scheduler.tick()
                wait_idle(scheduler, executor)

        for n in range(1, 4):  # three slots refused: one login each, no retry
            slot(n)
            assert (tokens.failures, token_requests()) == (n, n)
        runs = app.store.runs.recent(name)
        assert [r["trigger"] for r in runs] == ["schedule"] * 3 and all(r["status"] == "failed" for r in runs)
        assert app.store.sequences.current("login-refused:qad") == 3

        assert trigger_run(app, name, reason="looker scheduled plan") == "queued"
        for n in range(4, 12):  # 8 slots: 3 + 8 = 11 failed logins would have locked QAD (10) without the pause
            slot(n)
        assert (tokens.failures, token_requests()) == (3, 3)  # not one more login reached QAD
        assert tokens.failures < tokens.max_failures == 10  # the account is not locked
        assert len(app.store.runs.recent(name)) == 3  # no run started: scheduled, retry or webhook
        assert app.store.requests.waiting() == {name: ["looker scheduled plan"]}  # kept, not lost
        [row] = [r for r in instance_status(app) if r["integration"] == name]
        assert row["state"] == "paused" and row["paused"]["reason"] == "login refused 3 times for connection qad"
        assert row["paused"]["resume_command"] == "ml-connector check looker-qad"
        assert "`ml-connector connections edit qad --secret password`" in row["paused"]["fix"]

        app.connections.put("qad", "qad", qad.settings, {"password": right}, clock.now())
        slot(12)  # the password is right now, but nothing proved it: still paused
        assert (token_requests(), len(app.store.runs.recent(name))) == (3, 3)
        assert all(r.ok for r in check_integration(app, name)), "the check logs in and resets the count"
        assert app.store.sequences.current("login-refused:qad") is None
        assert [r["state"] for r in instance_status(app) if r["integration"] == name] == ["ok"]
        scheduler.tick()  # resumed: the queued webhook request runs first
        wait_idle(scheduler, executor)
        slot(13)
        runs = app.store.runs.recent(name, 2)
        assert [(r["trigger"], r["status"]) for r in runs] == [("schedule", "succeeded"), ("webhook", "succeeded")]
        assert app.store.requests.waiting() == {}
        assert tokens.failures == 0  # QAD reset its own counter too: never locked

        texts = [p["text"] for p in posted]
        lockout = [t for t in texts if "looker-qad lockout*" in t]
        recovered = [t for t in texts if "looker-qad lockout recovered*" in t]
        assert len(lockout) == 1 and len(recovered) == 1, texts
        assert "refused the login of user 'mlconnect@acme.example.com' of connection 'qad' 3 time(s)" in lockout[0]
        assert (
            "Scheduled, retry and webhook runs of looker-qad are paused until `ml-connector check looker-qad` "
            "succeeds" in lockout[0]
        )
        assert "`ml-connector connections edit qad --secret password`" in lockout[0]
        subjects = [m for m in box.messages if "Subject: ml-connector: looker-qad lockout" in m]
        assert len(subjects) == 2 and "recovered" in subjects[1]
        everything = json.dumps(posted) + "".join(box.messages)
        for secret in (WRONG, right, SMTP_PASSWORD, HOOK_TOKEN):
            assert secret not in everything
    finally:
        chain.stop()


def test_pipedrive_budget_crossing_alerts_once_and_recovers_next_day(tmp_path, channels) -> None:
    hook, posted, smtp, _box = channels
    syspro, pipedrive = serve_syspro(), serve_pipedrive(burst_limit=1000)
    try:
        clock = OffsetClock()
        # The first (full) sync spends ~455 tokens: over 75 % of 560, and nothing is refused.
        section = {"burst_limit": 1000, "daily_tokens": 560, "reserve_share": 0.0}
        app = make_app(tmp_path, syspro, pipedrive, section=section, clock=clock)
        app.settings.model_extra["alerts"] = {"webhook_connection": "slack"}
        alerting(app, hook, smtp)
        alerter = Alerter(app)
        name = "syspro-pipedrive"
        for _ in range(2):  # the second run the same day still reports it: no second alert
            report = run_integration(app, name, trigger="schedule")
            assert report.status == "succeeded", report.error
            alerter.after_run(Job(name, None, "schedule"), report.status)
        text = report.conditions["budget"]
        assert "of the 560 tokens this integration may spend on" in text and "alert at 75%" in text
        assert "used up" not in text and "starts again at 00:00 UTC" in text
        clock.offset += timedelta(days=1)
        pipedrive.app.state.emulator.clock.offset += timedelta(days=1)
        report = run_integration(app, name, trigger="schedule")  # an idle run: far below 75 %
        assert report.status == "succeeded" and report.conditions == {}
        alerter.after_run(Job(name, None, "schedule"), report.status)
        texts = [p["text"] for p in posted]
        assert len(texts) == 2, texts
        assert "syspro-pipedrive budget*" in texts[0] and "Pipedrive token budget:" in texts[0]
        assert "syspro-pipedrive budget recovered*" in texts[1]
    finally:
        syspro.stop()
        pipedrive.stop()


def test_commerce_syspro_refused_enet_logon_counts_once_per_run(tmp_path) -> None:
    """The same for SYSPRO e.net (commerce-syspro): one logon per run, the condition on the third, naming
    the e.net connection's own secret field."""
    served = serve_pair(orders=5)
    try:
        app = make_commerce_app(tmp_path, served)
        stored = app.connections.get("syspro-enet")
        secrets = {k: v.reveal() for k, v in stored.secrets.items()}
        app.connections.put(
            "syspro-enet", stored.system, stored.settings, {**secrets, "operator_password": WRONG}, app.clock.now()
        )
        reports = [run_integration(app, "commerce-syspro") for _ in range(3)]
        assert [r.login_refused for r in reports] == [["SYSPRO e.net"]] * 3
        assert [r.conditions for r in reports[:2]] == [{}, {}]
        assert (
            "refused the login of user 'ADMIN' of connection 'syspro-enet' 3 time(s)"
            in reports[2].conditions["lockout"]
        )
        assert "--secret operator_password`" in reports[2].conditions["lockout"]
        assert served["syspro-enet"].app.state.emulator.calls["Logon"] == 3
        assert WRONG not in json.dumps([r.as_dict() for r in reports])
    finally:
        for s in served.values():
            s.stop()
