"""Web sessions: the store keeps the SHA-256 of each session id (the cookie carries the id), its CSRF token,
and when it was last used, so a session ends when idle, on sign-out, or when the user changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.store.schema import web_sessions

TOUCH_EVERY = timedelta(seconds=30)  # write last_seen_at at most this often per session


class SessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, id_hash: str, username: str, csrf: str, address: str, now: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                insert(web_sessions).values(
                    id_hash=id_hash, username=username, csrf=csrf, address=address, created_at=now, last_seen_at=now
                )
            )

    def find(self, id_hash: str, now: datetime, *, idle: timedelta, longest: timedelta) -> dict[str, Any] | None:
        """The live session with this id hash (touched), or None when unknown, idle too long or too old."""
        with self._engine.connect() as db:
            row = db.execute(select(web_sessions).where(web_sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        if now - row.last_seen_at > idle or now - row.created_at > longest:
            self.end(id_hash)
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            with self._engine.begin() as db:
                db.execute(update(web_sessions).where(web_sessions.c.id_hash == id_hash).values(last_seen_at=now))
        return {str(k): v for k, v in row._mapping.items()}

    def end(self, id_hash: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))

    def prune(self, before: datetime) -> int:
        with self._engine.begin() as db:
            return db.execute(delete(web_sessions).where(web_sessions.c.last_seen_at < before)).rowcount
