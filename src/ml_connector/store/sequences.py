"""Persistent counters: X12 control numbers (each value handed out once, also across crashes) and the
consecutive refused logins per connection (engine/logins.py)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.store.schema import sequences


class SequenceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def next(self, name: str, *, start: int = 1) -> int:
        """Reserve and return the next value of ``name`` (committed before it is returned)."""
        with self._engine.begin() as db:
            row = db.execute(select(sequences.c.value).where(sequences.c.name == name).with_for_update()).first()
            if row is None:
                db.execute(insert(sequences).values(name=name, value=start))
                return start
            value = int(row.value) + 1
            db.execute(update(sequences).where(sequences.c.name == name).values(value=value))
            return value

    def current(self, name: str) -> int | None:
        with self._engine.connect() as db:
            return db.execute(select(sequences.c.value).where(sequences.c.name == name)).scalar()

    def reset(self, name: str) -> None:
        """Forget ``name`` (the next ``next`` starts again at ``start``)."""
        with self._engine.begin() as db:
            db.execute(delete(sequences).where(sequences.c.name == name))
