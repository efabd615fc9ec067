"""An instance whose connection's login was refused ``lockout_warn_after`` times is paused (runtime/pause.py):
the scheduler hands out none of its slots, retries or webhook requests (the request stays queued), a Celery
worker drops such a task and publishes no retry after a refused login, a webhook without a scheduler does
not run it, and `status` (CLI, --json, web UI) says why and how to resume. Resetting the count (what a
successful `check` or manual run does) resumes it. (The end-to-end case against the QAD emulator is in
test_condition_alerts.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ml_connector.bootstrap import App, bootstrap
from ml_connector.cli.main import app as cli
from ml_connector.runtime import celery_app, triggers
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.pause import login_pause
from ml_connector.runtime.scheduler import Job, Scheduler
from ml_connector.runtime.schedules import compile_schedule
from ml_connector.settings import Settings, load_settings
from ml_connector.web.app import create_web_app
from web_session import signed_in

ENET = "login-refused:syspro-enet"
REASON = "login refused 3 times for connection syspro-enet"


class Recorder:
    """Stands in for either executor (threads or Celery): the decision is the scheduler's."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def submit(self, job: Job) -> None:
        self.jobs.append(job)

    def busy(self, instance: str) -> bool:
        return False

    def finished(self) -> list[tuple[Job, str]]:
        return []


def seed(app: App, refusals: int = 3) -> None:
    """commerce-syspro's login on syspro-enet was refused ``refusals`` runs in a row; syspro-sterling uses the
    same connection (its last run succeeded); syspro-looker does not use it."""
    now = app.clock.now()
    for run_id, name, status, used, refused in [
        ("r1", "syspro-sterling", "succeeded", ["sterling", "syspro-enet", "syspro-odata"], []),
        ("r2", "syspro-looker", "succeeded", ["syspro-odata"], []),
        ("r3", "commerce-syspro", "failed", ["commerce", "syspro-enet"], ["SYSPRO e.net"]),
    ]:
        app.store.runs.start(run_id, name, "h:1:x", now - timedelta(minutes=5), trigger="schedule")
        summary = {"streams": [], "connections": used, **({"login_refused": refused} if refused else {})}
        app.store.runs.finish(run_id, status, summary, now - timedelta(minutes=4))
    for _ in range(refusals):
        app.store.sequences.next(ENET)
    app.store.sequences.next("login-refused:syspro-odata")  # 1 of 3: not paused for this one


@pytest.fixture
def app(store, keys, clock, tmp_path) -> App:
    settings = Settings.model_validate({"data_dir": str(tmp_path)})
    return App(settings=settings, store=store, keys=keys, clock=clock)


def test_scheduler_hands_out_no_slot_retry_or_webhook_of_a_paused_instance(app, clock) -> None:
    seed(app)
    every = ScheduleConfig(every=timedelta(minutes=15), retries=2, retry_backoff=timedelta(minutes=1))
    names = ("commerce-syspro", "syspro-sterling", "syspro-looker")
    executor = Recorder()
    scheduler = Scheduler(app, {n: compile_schedule(n, every) for n in names}, executor)
    scheduler.tick()  # 12:00: schedules start at their next slot
    noon = clock.now()
    app.store.schedule.save("syspro-sterling", noon, last_slot=noon, retry_at=noon + timedelta(minutes=1), attempts=1)
    for name in ("commerce-syspro", "syspro-looker"):
        app.store.requests.add(name, "webhook", f"hook for {name}", noon)

    clock.set(noon + timedelta(minutes=1, seconds=30))
    scheduler.tick()  # the retry is due, two requests wait
    clock.set(noon + timedelta(minutes=15, seconds=1))
    scheduler.tick()
    clock.set(noon + timedelta(minutes=30, seconds=1))
    scheduler.tick()
    assert [(j.instance, j.trigger, j.slot) for j in executor.jobs] == [
        ("syspro-looker", "webhook", None),
        ("syspro-looker", "schedule", noon + timedelta(minutes=15)),
        ("syspro-looker", "schedule", noon + timedelta(minutes=30)),
    ]
    assert app.store.requests.waiting() == {"commerce-syspro": ["hook for commerce-syspro"]}  # kept for later
    assert app.store.schedule.get("syspro-sterling")["retry_at"] is None  # dropped, not postponed
    pause = login_pause(app, "syspro-sterling")  # paused through the connection it shares
    assert pause is not None and (pause.reason, pause.refusals, pause.warn_after) == (REASON, 3, 3)

    app.store.sequences.reset(ENET)  # what a `check` or a manual run whose login is accepted does
    executor.jobs.clear()
    clock.set(noon + timedelta(minutes=31))
    scheduler.tick()
    clock.set(noon + timedelta(minutes=45, seconds=1))
    scheduler.tick()
    slot = noon + timedelta(minutes=45)
    assert [(j.instance, j.trigger, j.slot) for j in executor.jobs] == [
        ("commerce-syspro", "webhook", None),  # the queued request runs first, once
        ("commerce-syspro", "schedule", slot),  # the next slot, not a catch-up of the skipped ones
        ("syspro-sterling", "schedule", slot),
        ("syspro-looker", "schedule", slot),
    ]
    assert app.store.requests.waiting() == {}


def test_the_threshold_is_the_connections_lockout_warn_after(app, clock) -> None:
    seed(app)
    put = app.connections.put
    put("syspro-enet", "syspro-enet", {"lockout_warn_after": "4"}, {"operator_password": "pw-x-123"}, clock.now())
    assert login_pause(app, "commerce-syspro") is None  # 3 of 4
    app.store.sequences.next(ENET)
    pause = login_pause(app, "commerce-syspro")
    assert pause is not None and (pause.refusals, pause.warn_after) == (4, 4)
    assert login_pause(app, "syspro-looker") is None


class FakeTask:
    def __init__(self) -> None:
        self.published: list[tuple[tuple, float]] = []

    def apply_async(self, args: tuple, countdown: float) -> None:
        self.published.append((args, countdown))


class Report:
    def __init__(self, status: str, login_refused: list[str], error: str | None = None) -> None:
        self.status, self.login_refused, self.error = status, login_refused, error


def test_celery_worker_drops_a_paused_instances_task_and_never_retries_a_refused_login(
    store, keys, clock, tmp_path, monkeypatch
) -> None:
    every = {"every": "15m", "retries": 2, "retry_backoff": "1m"}
    settings = Settings.model_validate({"data_dir": str(tmp_path), "schedule": {"commerce-syspro": every}})
    app = App(settings=settings, store=store, keys=keys, clock=clock)
    monkeypatch.setattr(celery_app, "worker_app", lambda: app)
    monkeypatch.setattr(celery_app, "_after_run", lambda *a: None)
    ran: list[str] = []
    answer = Report("failed", ["SYSPRO e.net"], "Orders: SYSPRO e.net refused the login")

    def fake_run(_app, instance, *, trigger, slot, attempt=1):
        ran.append(trigger)
        return answer

    monkeypatch.setattr(celery_app, "run_integration", fake_run)
    slot = clock.now().isoformat()
    task = FakeTask()
    assert celery_app.run_task(task, "commerce-syspro", slot, "schedule") == "failed"  # 1 refusal: runs
    assert (ran, task.published) == (["schedule"], [])  # a refused login is not retried
    answer = Report("failed", [], "Orders: SYSPRO e.net did not answer")
    assert celery_app.run_task(task, "commerce-syspro", slot, "schedule") == "failed"
    assert [args for args, _ in task.published] == [("commerce-syspro", slot, "retry", 2)]  # other failures are

    seed(app)  # now paused: tasks published before the pause began are dropped by the worker
    ran.clear()
    for trigger in ("schedule", "retry", "webhook", "catch-up"):
        assert celery_app.run_task(FakeTask(), "commerce-syspro", slot, trigger) == "paused"
    assert ran == []
    assert celery_app.run_task(FakeTask(), "commerce-syspro", None, "manual") == "failed"  # a person chose to
    assert ran == ["manual"]


def test_a_webhook_without_a_scheduler_does_not_run_a_paused_instance(app, monkeypatch) -> None:
    seed(app)
    ran: list[str] = []

    def fake_run(_app, name, **_):
        ran.append(name)
        return Report("succeeded", [])

    monkeypatch.setattr(triggers, "run_integration", fake_run)
    answer = triggers.trigger_run(app, "commerce-syspro", reason="order 42", wait=True)
    assert answer == (f"paused: {REASON}; the first run after `ml-connector check commerce-syspro` takes this change")
    assert ran == []


CONFIG = """
data_dir = "data"
[schedule.commerce-syspro]
every = "15m"
"""


def test_status_cli_and_web_show_paused_with_the_reason_and_the_fix(tmp_path) -> None:
    path = tmp_path / "ml-connector.toml"
    path.write_text(CONFIG)
    app = bootstrap(load_settings(path), create_keys=True)
    put = app.connections.put
    put("syspro-enet", "syspro-enet", {"operator": "ADMIN"}, {"operator_password": "pw-x-123"}, datetime.now(UTC))
    seed(app)
    result = CliRunner().invoke(cli, ["status", "--json", "-c", str(path)])
    assert result.exit_code == 1, result.output  # paused needs a person: exit 1 for monitoring
    rows = {r["integration"]: r for r in json.loads(result.stdout)}
    fix = (
        "fix the password with `ml-connector connections edit syspro-enet --secret operator_password`, then "
        "`ml-connector check commerce-syspro` (scheduled runs resume once its login is accepted)"
    )
    assert rows["commerce-syspro"]["state"] == "paused"
    assert rows["commerce-syspro"]["paused"] == {
        "reason": REASON,
        "connection": "syspro-enet",
        "refusals": 3,
        "warn_after": 3,
        "fix": fix,
        "resume_command": "ml-connector check commerce-syspro",
    }
    assert rows["syspro-sterling"]["state"] == "paused" and rows["syspro-looker"]["state"] == "ok"
    assert rows["syspro-looker"]["paused"] is None
    table = CliRunner(env={"COLUMNS": "250"}).invoke(cli, ["status", "-c", str(path)])
    assert "PAUSED" in table.stdout
    assert f"commerce-syspro paused: {REASON}; {fix}." in table.stdout

    web = signed_in(create_web_app(app), app)
    metrics = web.get("/metrics").text
    assert 'ml_connector_paused{integration="commerce-syspro"} 1.0' in metrics
    assert 'ml_connector_paused{integration="syspro-looker"} 0.0' in metrics
    page = web.get("/").text
    card = page[page.index('id="integration-commerce-syspro"') :]
    card = card[: card.index("</section>")]
    assert 'data-state="paused"' in card and f"paused: {REASON}." in card
    assert "ml-connector check commerce-syspro" in card

    app.store.sequences.reset(ENET)  # after a successful check
    result = CliRunner().invoke(cli, ["status", "--json", "-c", str(path)])
    assert result.exit_code == 0, result.output
    assert {r["integration"]: r["state"] for r in json.loads(result.stdout)}["commerce-syspro"] == "ok"
