"""Console users (local with an Argon2 hash, or signed in through OIDC) and their sign-in bookkeeping:
consecutive failures, the lock, each attempt with its address (for per-address throttling), and web
sessions: the store keeps the SHA-256 of each session id (the cookie carries the id), its CSRF token and
when it was last used, so a session ends when idle, on sign-out, or when the user changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from ml_connector.store.schema import login_attempts, users, web_sessions

TOUCH_EVERY = timedelta(seconds=30)  # write a session's last_seen_at at most this often
PUBLIC_FIELDS = ("username", "role", "source", "must_change", "failed_count", "locked_until", "last_sign_in_at")


class UserStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, username: str) -> dict[str, Any] | None:
        with self._engine.connect() as db:
            row = db.execute(select(users).where(users.c.username == username)).first()
        return {str(k): v for k, v in row._mapping.items()} if row else None

    def list(self) -> list[dict[str, Any]]:
        """Every user without the password hash."""
        with self._engine.connect() as db:
            rows = db.execute(select(*(users.c[f] for f in PUBLIC_FIELDS)).order_by(users.c.username)).all()
        return [{str(k): v for k, v in r._mapping.items()} for r in rows]

    def count(self) -> int:
        with self._engine.connect() as db:
            return int(db.execute(select(func.count()).select_from(users)).scalar() or 0)

    def add(
        self,
        username: str,
        role: str,
        now: datetime,
        *,
        password_hash: str | None,
        source: str = "local",
        must_change: bool = False,
    ) -> None:
        with self._engine.begin() as db:
            db.execute(
                insert(users).values(
                    username=username,
                    role=role,
                    source=source,
                    password_hash=password_hash,
                    must_change=must_change,
                    failed_count=0,
                    created_at=now,
                    updated_at=now,
                )
            )

    def set_role(self, username: str, role: str, now: datetime) -> bool:
        return self._update(username, role=role, updated_at=now)

    def set_password(self, username: str, password_hash: str, now: datetime, *, must_change: bool) -> bool:
        """New hash; clears the lock and the failure count, and ends every session of the user."""
        changed = self._update(
            username,
            password_hash=password_hash,
            must_change=must_change,
            failed_count=0,
            locked_until=None,
            updated_at=now,
        )
        self.end_sessions(username)
        return changed

    def remove(self, username: str) -> bool:
        self.end_sessions(username)
        with self._engine.begin() as db:
            return db.execute(delete(users).where(users.c.username == username)).rowcount > 0

    def end_sessions(self, username: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(web_sessions).where(web_sessions.c.username == username))

    def failed(self, username: str, now: datetime, *, lock_after: int, locked_until: datetime) -> int:
        """Count one more consecutive failure; lock the account when it reaches ``lock_after``."""
        with self._engine.begin() as db:
            db.execute(
                update(users)
                .where(users.c.username == username)
                .values(failed_count=users.c.failed_count + 1, last_failed_at=now)
            )
            count = int(db.execute(select(users.c.failed_count).where(users.c.username == username)).scalar() or 0)
            if count >= lock_after:
                db.execute(update(users).where(users.c.username == username).values(locked_until=locked_until))
        return count

    def signed_in(self, username: str, now: datetime) -> None:
        self._update(username, failed_count=0, locked_until=None, last_sign_in_at=now)

    def _update(self, username: str, **values: Any) -> bool:
        with self._engine.begin() as db:
            return db.execute(update(users).where(users.c.username == username).values(**values)).rowcount > 0


class LoginAttemptStore:
    """Each sign-in attempt with its address; read back to slow down one address trying many names."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, username: str, address: str, ok: bool, now: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(insert(login_attempts).values(at=now, username=username[:100], address=address, ok=ok))

    def prune(self, before: datetime) -> int:
        with self._engine.begin() as db:
            return db.execute(delete(login_attempts).where(login_attempts.c.at < before)).rowcount

    def failures_since(self, address: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failed attempts came from ``address`` since ``since``, and when the last one was."""
        query = select(func.count(), func.max(login_attempts.c.at)).where(
            login_attempts.c.address == address, login_attempts.c.ok.is_(False), login_attempts.c.at >= since
        )
        with self._engine.connect() as db:
            count, last = db.execute(query).one()
        if isinstance(last, str):  # SQLite returns max() of a timestamp as text
            last = datetime.fromisoformat(last)
        if last is not None and last.tzinfo is None:
            from datetime import UTC

            last = last.replace(tzinfo=UTC)
        return int(count or 0), last


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
