"""API tokens for scripts and Prometheus: only the SHA-256 of each token is stored, with its role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ml_connector.store.schema import api_tokens

LISTED = ("id", "name", "prefix", "role", "created_by", "created_at", "last_used_at", "revoked_at")


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, name: str, token_hash: str, prefix: str, role: str, created_by: str, now: datetime) -> int:
        with self._engine.begin() as db:
            result = db.execute(
                insert(api_tokens).values(
                    name=name, token_hash=token_hash, prefix=prefix, role=role, created_by=created_by, created_at=now
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def find(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        """The live (not revoked) token with this hash; marks it used."""
        with self._engine.connect() as db:
            row = db.execute(
                select(*(api_tokens.c[f] for f in LISTED)).where(
                    api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        with self._engine.begin() as db:
            db.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now))
        return {str(k): v for k, v in row._mapping.items()}

    def list(self) -> list[dict[str, Any]]:
        with self._engine.connect() as db:
            rows = db.execute(select(*(api_tokens.c[f] for f in LISTED)).order_by(api_tokens.c.id)).all()
        return [{str(k): v for k, v in r._mapping.items()} for r in rows]

    def revoke(self, token_id: int, now: datetime) -> bool:
        with self._engine.begin() as db:
            return (
                db.execute(
                    update(api_tokens)
                    .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                    .values(revoked_at=now)
                ).rowcount
                > 0
            )
