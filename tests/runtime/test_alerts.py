"""Alerts: a failing integration sends one alert (not one per failed retry) and one recovery, to a local
incoming-webhook receiver and a local SMTP server (aiosmtpd) started here, with no secret in either."""

from __future__ import annotations

import json
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi import FastAPI, Request

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import free_port, serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.alerts import Alerter, webhook_body
from ml_connector.runtime.scheduler import Job
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

SMTP_PASSWORD = "smtp-pa55word-do-not-leak"
HOOK_TOKEN = "T0001/B0002/xoxb-hook-secret-token"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf8", errors="replace"))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"alerts" and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(
        box, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    yield controller, box
    controller.stop()


@pytest.fixture
def receiver():
    posted: list[dict] = []
    lock = threading.Lock()
    web = FastAPI()

    @web.post("/services/{path:path}")
    async def hook(path: str, request: Request) -> dict:
        with lock:
            posted.append({"path": path, "body": json.loads(await request.body())})
        return {"ok": True}

    served = serve_in_thread(web)
    yield served, posted
    served.stop()


def test_one_alert_per_incident_and_one_recovery_without_secrets(tmp_path, smtp, receiver) -> None:
    controller, box = smtp
    hook, posted = receiver
    faults = FaultPlan([FaultRule(kind="status", status=400, path="SYSPROOData")])  # refused: fails fast
    syspro = serve_in_thread(
        create_emulator("syspro-odata", seed=3, faults=faults, scale={"GenTransaction": 300, "ApInvoice": 40})
    )
    try:
        settings = Settings.model_validate(
            {
                "data_dir": str(tmp_path / "data"),
                "syspro-looker": {"looker_connection": None},
                "alerts": {"webhook_connection": "slack", "smtp_connection": "mail", "email_to": ["ops@example.com"]},
            }
        )
        app = bootstrap(settings, create_keys=True)
        connect_syspro_odata(app, syspro)
        now = app.clock.now()
        app.connections.put("slack", "alert-webhook", {}, {"url": f"{hook.url}/services/{HOOK_TOKEN}"}, now)
        app.connections.put(
            "mail",
            "smtp",
            {"host": "127.0.0.1", "port": controller.port, "user": "alerts"},
            {"password": SMTP_PASSWORD},
            now,
        )
        alerter = Alerter(app)
        odata_password = syspro.app.state.credentials["password"]
        for attempt, trigger in enumerate(("schedule", "retry", "retry"), start=1):  # fails three times
            report = run_integration(app, "syspro-looker", trigger=trigger)
            assert report.status == "failed"
            alerter.after_run(Job("syspro-looker", None, trigger, attempt), report.status)
        assert len(posted) == 1 and len(box.messages) == 1  # one incident, one message each
        faults.rules.clear()
        report = run_integration(app, "syspro-looker")
        assert report.status == "succeeded", report.error
        alerter.after_run(Job("syspro-looker", None, "schedule"), report.status)
        alerter.after_run(Job("syspro-looker", None, "schedule"), report.status)  # no second recovery
        assert len(posted) == 2 and len(box.messages) == 2
        first, recovery = (p["body"]["text"] for p in posted)
        assert "syspro-looker failed" in first and "400" in first
        assert "recovered" in recovery
        assert "recovered" in box.messages[1] and "Subject: ml-connector: syspro-looker failed" in box.messages[0]
        everything = json.dumps([p["body"] for p in posted]) + "".join(box.messages)
        for secret in (SMTP_PASSWORD, HOOK_TOKEN, odata_password):
            assert secret not in everything
        assert all(p["path"] == HOOK_TOKEN for p in posted)  # it did reach the secret URL
    finally:
        syspro.stop()


def test_teams_and_slack_formats() -> None:
    teams = webhook_body("teams", "ml-connector: x failed", "why", ok=False)
    assert teams["@type"] == "MessageCard" and teams["title"] == "ml-connector: x failed" and teams["text"] == "why"
    slack = webhook_body("slack", "ml-connector: x recovered", "fine", ok=True)
    assert set(slack) == {"text"} and "*ml-connector: x recovered*" in slack["text"]


def test_budget_condition_alerts_once_and_recovers(tmp_path, receiver) -> None:
    from ml_connector.core.streams import StreamKind, StreamSpec
    from ml_connector.engine.runner import Runner

    hook, posted = receiver
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data"), "alerts": {"webhook_connection": "hook"}})
    app = bootstrap(settings, create_keys=True)
    app.connections.put("hook", "alert-webhook", {}, {"url": f"{hook.url}/services/{HOOK_TOKEN}"}, app.clock.now())
    alerter = Alerter(app)
    streams = [StreamSpec("deals", "SorMaster", ("id",), "deals", ("id",), dict, kind=StreamKind.DIMENSION)]
    low = {"left": True}

    def handler(ctx, stream, _all, _full) -> None:
        if low["left"]:  # what an integration with a daily token budget reports (Pipedrive)
            ctx.condition("budget", "Pipedrive token budget 92% used today (resets 00:00 UTC)")

    for _ in range(3):
        report = Runner(app.store, app.clock).run("syspro-pipedrive", streams, handler, trigger="schedule")
        assert report.conditions == {"budget": "Pipedrive token budget 92% used today (resets 00:00 UTC)"}
        alerter.after_run(Job("syspro-pipedrive", None, "schedule"), report.status)
    low["left"] = False
    report = Runner(app.store, app.clock).run("syspro-pipedrive", streams, handler)
    alerter.after_run(Job("syspro-pipedrive", None, "schedule"), report.status)
    texts = [p["body"]["text"] for p in posted]
    assert len(texts) == 2 and "92% used" in texts[0] and "budget recovered" in texts[1]
