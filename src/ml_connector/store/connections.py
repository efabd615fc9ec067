"""Stored connections: non-secret settings in clear, secrets as one Fernet token, never printed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.errors import ConfigError, SecretError
from ml_connector.secrets.keys import KeyRing
from ml_connector.secrets.secret import REDACTOR, Secret
from ml_connector.store.schema import connections


class ConnectionSettings(dict[str, Any]):
    """A connection's settings; a missing one is a clear configuration error, not a KeyError traceback."""

    def __init__(self, name: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.connection = name

    def __missing__(self, key: str) -> Any:
        raise ConfigError(
            f"Connection {self.connection!r} has no setting {key!r}. Add it with "
            f"`ml-connector connections edit {self.connection} --set {key}=...`."
        )


@dataclass(frozen=True)
class StoredConnection:
    name: str
    system: str
    settings: dict[str, Any]
    secrets: dict[str, Secret]

    def secret(self, field: str) -> Secret:
        try:
            return self.secrets[field]
        except KeyError:
            raise SecretError(
                f"Connection {self.name!r} has no {field!r} stored. Add it with "
                f"`ml-connector connections add {self.name} --system {self.system}`."
            ) from None


class ConnectionStore:
    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self._engine = engine
        self._keys = keys

    def put(self, name: str, system: str, settings: dict[str, Any], secrets: dict[str, str], now: datetime) -> None:
        """Create or replace a connection; secrets are encrypted before they reach the database."""
        _teach_redactor(settings, secrets)
        blob = self._keys.encrypt(orjson.dumps(secrets).decode())
        values = {"system": system, "settings": settings, "secret_blob": blob, "updated_at": now}
        with self._engine.begin() as db:
            exists = db.execute(select(connections.c.name).where(connections.c.name == name)).first()
            if exists:
                db.execute(update(connections).where(connections.c.name == name).values(**values))
            else:
                db.execute(insert(connections).values(name=name, created_at=now, **values))

    def describe(self, name: str) -> dict[str, Any] | None:
        """Settings, which secrets are set (and which are empty), created/changed/checked: never values."""
        with self._engine.connect() as db:
            row = db.execute(select(connections).where(connections.c.name == name)).first()
        if row is None:
            return None
        plain = orjson.loads(self._keys.decrypt(row.secret_blob, what=f"connection {name!r}"))
        return {
            "name": row.name,
            "system": row.system,
            "settings": dict(row.settings),
            "secrets": sorted(plain),
            "empty_secrets": sorted(k for k, v in plain.items() if v == ""),
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "checked_at": row.checked_at,
            "check_result": row.check_result,
        }

    def mark_checked(self, name: str, result: str, now: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(connections).where(connections.c.name == name).values(checked_at=now, check_result=result[:300])
            )

    def get(self, name: str) -> StoredConnection:
        with self._engine.connect() as db:
            row = db.execute(select(connections).where(connections.c.name == name)).first()
        if row is None:
            raise SecretError(
                f"No connection called {name!r}. List them with `ml-connector connections list`, "
                f"add it with `ml-connector connections add {name}`."
            )
        plain = orjson.loads(self._keys.decrypt(row.secret_blob, what=f"connection {name!r}"))
        _teach_redactor(dict(row.settings), plain)
        settings = ConnectionSettings(row.name, dict(row.settings))
        return StoredConnection(row.name, row.system, settings, {k: Secret(v) for k, v in plain.items()})

    def exists(self, name: str) -> bool:
        with self._engine.connect() as db:
            return db.execute(select(connections.c.name).where(connections.c.name == name)).first() is not None

    def list(self) -> list[dict[str, Any]]:
        """Names, systems, settings and which secret fields are set: never the values."""
        with self._engine.connect() as db:
            rows = db.execute(select(connections).order_by(connections.c.name)).all()
        out = []
        for row in rows:
            fields = sorted(orjson.loads(self._keys.decrypt(row.secret_blob, what=f"connection {row.name!r}")))
            out.append({"name": row.name, "system": row.system, "settings": row.settings, "secrets": fields})
        return out

    def remove(self, name: str) -> bool:
        with self._engine.begin() as db:
            return db.execute(delete(connections).where(connections.c.name == name)).rowcount > 0

    def register_secrets(self) -> int:
        """Teach the redactor every stored secret (and its Basic-auth and URL-encoded forms); returns how
        many connections were read. A connection no key decrypts is skipped here (its page says why)."""
        with self._engine.connect() as db:
            rows = db.execute(select(connections.c.name, connections.c.settings, connections.c.secret_blob)).all()
        for row in rows:
            try:
                values = orjson.loads(self._keys.decrypt(row.secret_blob, what=f"connection {row.name!r}"))
            except SecretError:
                continue
            _teach_redactor(row.settings or {}, values)
        return len(rows)

    def rotate(self, new_ring: KeyRing) -> int:
        """Re-encrypt every stored secret under ``new_ring``'s newest key; return how many."""
        with self._engine.begin() as db:
            rows = db.execute(select(connections.c.name, connections.c.secret_blob)).all()
            for row in rows:
                db.execute(
                    update(connections)
                    .where(connections.c.name == row.name)
                    .values(secret_blob=new_ring.rotate(row.secret_blob))
                )
        self._keys = new_ring
        return len(rows)


def _teach_redactor(settings: dict[str, Any], secrets: dict[str, Any]) -> None:
    """Register each secret value with the redactor, and the Basic-auth form of it paired with every short
    setting (a user name, an operator, a client id) and every other secret."""
    values = [str(v) for v in secrets.values() if v]
    for value in values:
        REDACTOR.register(value)
    names = [str(v) for v in settings.values() if isinstance(v, str) and len(v) < 200]
    for user in [*names, *values]:
        for value in values:
            REDACTOR.register_basic(user, value)
