"""The action log: who did what, when, from where and how it ended (run now, replay, ping, sign-in,
failed sign-in, users, tokens, connections and mappings changed). Text is scrubbed before it is written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import action_log


class ActionLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        actor: str,
        action: str,
        now: datetime,
        *,
        target: str | None = None,
        outcome: str = "ok",
        address: str | None = None,
        detail: str | None = None,
    ) -> None:
        values = {
            "at": now,
            "actor": REDACTOR.scrub(actor)[:100],
            "address": address,
            "action": action,
            "target": REDACTOR.scrub(target)[:300] if target else None,
            "outcome": outcome,
            "detail": REDACTOR.scrub(detail) if detail else None,
        }
        with self._engine.begin() as db:
            db.execute(insert(action_log).values(**values))

    def recent(self, limit: int = 100, *, actor: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        query = select(action_log).order_by(action_log.c.id.desc()).limit(limit)
        if actor:
            query = query.where(action_log.c.actor == actor)
        if action:
            query = query.where(action_log.c.action == action)
        with self._engine.connect() as db:
            return [{str(k): v for k, v in r._mapping.items()} for r in db.execute(query)]
