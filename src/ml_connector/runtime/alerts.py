"""Alerts: one message per incident (a run failed, a run parked new records, an instance overdue, a rate
budget running low or an account near lockout as reported by the integration through
``RunContext.condition``) and one when it recovers, to an incoming webhook (Slack or Microsoft Teams
format) and/or by e-mail over SMTP.

Incidents live in the store (``alert_incidents``): while one is open for (instance, kind), further failed
retries send nothing. Every text passes the secret redactor; the webhook URL and SMTP password come from
stored connections (``alert-webhook``, ``smtp``) and are registered with it too.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import structlog
from sqlalchemy import insert, select, update

from ml_connector.bootstrap import App
from ml_connector.http.client import HttpClient
from ml_connector.runtime.config import AlertsConfig, alerts_config
from ml_connector.runtime.scheduler import Job
from ml_connector.runtime.schedules import Schedule
from ml_connector.runtime.status import is_overdue, last_success, open_parked
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import alert_incidents

log = structlog.get_logger("ml_connector.runtime.alerts")
OVERDUE_EVERY = timedelta(seconds=60)
CONDITIONS = ("budget", "lockout")


class Alerter:
    def __init__(self, app: App, schedules: dict[str, Schedule] | None = None) -> None:
        self.app, self.schedules = app, schedules or {}
        self.config: AlertsConfig = alerts_config(app.settings)
        self._overdue_checked: datetime | None = None

    # --- what opens and closes incidents ------------------------------------------------------------------
    def after_run(self, job: Job, status: str) -> None:
        """Called by the scheduler as each run ends."""
        recent = self.app.store.runs.recent(job.instance, 1)
        run = recent[0] if recent else None
        error = (run or {}).get("error")
        if status in ("failed", "crashed") or (status == "partial" and error):  # partial: a stream failed
            self.open(job.instance, "failed", f"Run of {job.instance} {status} ({job.trigger}): {error or status}")
        elif status in ("succeeded", "partial"):
            self.close(job.instance, "failed", f"{job.instance} runs again: last run {status}.")
        parked_now = sum(int(s.get("parked", 0)) for s in ((run or {}).get("summary") or {}).get("streams", []))
        if parked_now:
            self.open(
                job.instance,
                "parked",
                f"{job.instance} parked {parked_now} record(s); `ml-connector parked --integration {job.instance}`.",
            )
        elif open_parked(self.app).get(job.instance, 0) == 0:
            self.close(job.instance, "parked", f"{job.instance} has no parked records any more.")
        conditions = ((run or {}).get("summary") or {}).get("conditions") or {}
        for kind in CONDITIONS:  # reported by the integration through RunContext.condition
            if kind in conditions:
                self.open(job.instance, kind, f"{job.instance}: {conditions[kind]}")
            elif status in ("succeeded", "partial"):
                self.close(job.instance, kind, f"{job.instance}: no longer reported ({kind}).")

    def check_overdue(self) -> None:
        now = self.app.clock.now()
        if self._overdue_checked is not None and now - self._overdue_checked < OVERDUE_EVERY:
            return
        self._overdue_checked = now
        for name, schedule in self.schedules.items():
            success = last_success(self.app, name)
            if success is not None and is_overdue(schedule, success, now):
                self.open(name, "overdue", f"{name} has not succeeded since {success:%Y-%m-%d %H:%M} UTC.")
            elif success is not None:
                self.close(name, "overdue", f"{name} succeeded again at {success:%Y-%m-%d %H:%M} UTC.")

    def open(self, integration: str, kind: str, message: str) -> bool:
        """Open an incident and alert once; False (and no alert) when one is already open."""
        if kind not in self.config.kinds:
            return False
        now = self.app.clock.now()
        with self.app.store.engine.begin() as db:
            if self._open_id(db, integration, kind) is not None:
                return False
            db.execute(
                insert(alert_incidents).values(
                    integration=integration, kind=kind, message=REDACTOR.scrub(message), opened_at=now
                )
            )
        self.send(f"ml-connector: {integration} {kind}", message, ok=False)
        return True

    def close(self, integration: str, kind: str, message: str) -> bool:
        """Close the open incident (if any) and send its recovery."""
        now = self.app.clock.now()
        with self.app.store.engine.begin() as db:
            incident = self._open_id(db, integration, kind)
            if incident is None:
                return False
            db.execute(update(alert_incidents).where(alert_incidents.c.id == incident).values(closed_at=now))
        self.send(f"ml-connector: {integration} {kind} recovered", message, ok=True)
        return True

    @staticmethod
    def _open_id(db: Any, integration: str, kind: str) -> int | None:
        found: int | None = db.execute(
            select(alert_incidents.c.id).where(
                alert_incidents.c.integration == integration,
                alert_incidents.c.kind == kind,
                alert_incidents.c.closed_at.is_(None),
            )
        ).scalar()
        return found

    # --- delivery ----------------------------------------------------------------------------------------
    def send(self, title: str, text: str, *, ok: bool) -> None:
        self._register_secrets()
        title, text = REDACTOR.scrub(title), REDACTOR.scrub(text)
        for channel, deliver in (("webhook", self._webhook), ("email", self._email)):
            try:
                deliver(title, text, ok)
            except Exception as exc:  # an alert channel down must not stop the scheduler
                log.error("alert.not_sent", channel=channel, error=REDACTOR.scrub(str(exc)))

    def _register_secrets(self) -> None:
        """The channels' own secrets are scrubbed from every alert, even one quoting a failed send."""
        for name in (self.config.webhook_connection, self.config.smtp_connection):
            if name:
                for secret in self.app.connections.get(name).secrets.values():
                    REDACTOR.register(secret.reveal())

    def _webhook(self, title: str, text: str, ok: bool) -> None:
        if not self.config.webhook_connection:
            return
        url = self.app.connections.get(self.config.webhook_connection).secret("url").reveal()
        body = webhook_body(self.config.webhook_format, title, text, ok)
        with HttpClient(system="alert webhook", timeout_s=10) as client:
            client.request("POST", url, json=body, retry_unsafe=True)

    def _email(self, title: str, text: str, ok: bool) -> None:
        if not self.config.smtp_connection or not self.config.email_to:
            return
        conn = self.app.connections.get(self.config.smtp_connection)
        message = EmailMessage()
        message["Subject"], message["From"] = title, conn.settings.get("sender", "ml-connector@localhost")
        message["To"] = ", ".join(self.config.email_to)
        message.set_content(text)
        host, port = conn.settings.get("host", "127.0.0.1"), int(conn.settings.get("port", 25))
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            if str(conn.settings.get("starttls", "false")).lower() == "true":
                smtp.starttls(context=ssl.create_default_context())
            if conn.settings.get("user"):
                smtp.login(conn.settings["user"], conn.secret("password").reveal())
            smtp.send_message(message)


def webhook_body(fmt: str, title: str, text: str, ok: bool) -> dict[str, Any]:
    """Slack incoming-webhook JSON, or a Teams MessageCard."""
    if fmt == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "themeColor": "2EB886" if ok else "D00000",
            "title": title,
            "text": text,
        }
    return {"text": f"{':white_check_mark:' if ok else ':rotating_light:'} *{title}*\n{text}"}
