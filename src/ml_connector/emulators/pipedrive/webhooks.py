"""Webhook subscriptions (v1 /webhooks) and delivery of v2 payloads (looker-pipedrive.md §2.7): HTTP Basic when set,
no signature, only 2xx counts, retries after ``retry_delays`` (3 s, 30 s, 150 s; shrunk in tests)."""

from __future__ import annotations

import base64
import queue
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

ACTIONS = {"create", "change", "delete", "*"}
OBJECTS = {"activity", "deal", "lead", "note", "organization", "person", "pipeline", "product", "stage", "user", "*"}


class WebhookHub:
    def __init__(self, now: Callable[[], datetime], retry_delays: tuple[float, ...] = (3.0, 30.0, 150.0)) -> None:
        self.now, self.retry_delays = now, retry_delays
        self.hooks: dict[int, dict[str, Any]] = {}
        self.secrets: dict[int, tuple[str, str] | None] = {}
        self.next_id = 1
        self.delivered: list[dict[str, Any]] = []
        self.failed_attempts = 0
        self._queue: queue.Queue[tuple[dict[str, Any], dict[str, Any], int] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.lock = threading.Lock()

    def add(self, body: dict[str, Any]) -> dict[str, Any] | dict[str, list[str]]:
        errors = {}
        if not str(body.get("subscription_url", "")).startswith(("http://", "https://")):
            errors["subscription_url"] = ["invalid or non-reachable URL"]
        if body.get("event_action") not in ACTIONS:
            errors["event_action"] = ["invalid value"]
        if body.get("event_object") not in OBJECTS:
            errors["event_object"] = ["invalid value"]
        if not body.get("name"):
            errors["name"] = ["required"]
        if errors:
            return {"errors": errors}
        with self.lock:
            hid, self.next_id = self.next_id, self.next_id + 1
            user, password = body.get("http_auth_user"), body.get("http_auth_password")
            self.secrets[hid] = (str(user), str(password)) if user else None
            self.hooks[hid] = {
                "id": hid,
                "company_id": 1,
                "owner_id": 1,
                "user_id": body.get("user_id", 1),
                "event_action": body["event_action"],
                "event_object": body["event_object"],
                "subscription_url": body["subscription_url"],
                "version": body.get("version", "2.0"),
                "is_active": 1,
                "add_time": self.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "remove_time": None,
                "type": "general",
                "http_auth_user": str(user) if user else None,
                "http_auth_password": "***" if password else None,
                "remove_reason": None,
                "last_delivery_time": None,
                "last_http_status": None,
                "admin_id": 1,
                "name": body["name"],
            }
            return self.hooks[hid]

    def remove(self, hid: int) -> bool:
        with self.lock:
            return self.hooks.pop(hid, None) is not None

    def notify(self, action: str, kind: str, data: Any, previous: Any, extra: dict[str, Any]) -> None:
        for hook in list(self.hooks.values()):
            if hook["event_action"] not in ("*", action) or hook["event_object"] not in ("*", kind):
                continue
            entity = data or previous or {}
            meta = {
                "action": action,
                "entity": kind,
                "company_id": "1",
                "correlation_id": str(uuid.uuid4()),
                "entity_id": str(entity.get("id")),
                "id": str(uuid.uuid4()),
                "is_bulk_edit": False,
                "timestamp": self.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "type": "general",
                "user_id": "1",
                "version": "2.0",
                "webhook_id": str(hook["id"]),
                "webhook_owner_id": "1",
                "change_source": "api",
                "host": "emulator.pipedrive.com",
                "permitted_user_ids": ["1"],
                **{k: str(v) for k, v in extra.items() if v is not None},
            }
            self._queue.put(({"meta": meta, "data": data, "previous": previous}, hook, 1))
            self._ensure_worker()

    def _ensure_worker(self) -> None:
        with self.lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="pipedrive-webhooks", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        with httpx.Client(timeout=10.0) as client:
            while True:
                try:
                    item = self._queue.get(timeout=1.0)
                except queue.Empty:
                    return
                if item is None:
                    return
                payload, hook, attempt = item
                self._deliver(client, payload, hook, attempt)
                self._queue.task_done()

    def _deliver(self, client: httpx.Client, payload: dict[str, Any], hook: dict[str, Any], attempt: int) -> None:
        headers = {"Content-Type": "application/json"}
        creds = self.secrets.get(hook["id"])
        if creds:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        payload["meta"]["attempt"] = attempt
        try:
            status = client.post(hook["subscription_url"], json=payload, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        hook["last_http_status"] = status
        if 200 <= status < 300:
            self.delivered.append(payload)
            return
        self.failed_attempts += 1
        if attempt <= len(self.retry_delays):
            delay = self.retry_delays[attempt - 1]
            threading.Timer(delay, lambda: self._requeue(payload, hook, attempt + 1)).start()

    def _requeue(self, payload: dict[str, Any], hook: dict[str, Any], attempt: int) -> None:
        self._queue.put((payload, hook, attempt))
        self._ensure_worker()

    def join(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
