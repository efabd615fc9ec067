"""User mappings (customer -> SYSPRO customer, SKU -> GL account, partner routing, ...) with CSV I/O."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.store.schema import mappings

CSV_FIELDS = ("integration", "kind", "source_key", "target_value")


class MappingStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, integration: str, kind: str, source_key: str) -> str | None:
        with self._engine.connect() as db:
            return db.execute(
                select(mappings.c.target_value).where(
                    mappings.c.integration == integration,
                    mappings.c.kind == kind,
                    mappings.c.source_key == source_key,
                )
            ).scalar()

    def all(self, integration: str | None = None, kind: str | None = None) -> list[dict[str, str]]:
        query = select(mappings).order_by(mappings.c.integration, mappings.c.kind, mappings.c.source_key)
        if integration:
            query = query.where(mappings.c.integration == integration)
        if kind:
            query = query.where(mappings.c.kind == kind)
        with self._engine.connect() as db:
            return [{f: getattr(r, f) for f in CSV_FIELDS} for r in db.execute(query)]

    def table(self, integration: str, kind: str) -> dict[str, str]:
        return {m["source_key"]: m["target_value"] for m in self.all(integration, kind)}

    def set(self, integration: str, kind: str, source_key: str, target_value: str, now: datetime) -> None:
        where = (
            (mappings.c.integration == integration) & (mappings.c.kind == kind) & (mappings.c.source_key == source_key)
        )
        with self._engine.begin() as db:
            if (
                db.execute(update(mappings).where(where).values(target_value=target_value, updated_at=now)).rowcount
                == 0
            ):
                db.execute(
                    insert(mappings).values(
                        integration=integration,
                        kind=kind,
                        source_key=source_key,
                        target_value=target_value,
                        updated_at=now,
                    )
                )

    def remove(self, integration: str, kind: str, source_key: str) -> bool:
        with self._engine.begin() as db:
            return (
                db.execute(
                    delete(mappings).where(
                        mappings.c.integration == integration,
                        mappings.c.kind == kind,
                        mappings.c.source_key == source_key,
                    )
                ).rowcount
                > 0
            )

    def import_csv(self, text: str, now: datetime) -> int:
        reader = csv.DictReader(io.StringIO(text))
        missing = set(CSV_FIELDS) - set(reader.fieldnames or [])
        if missing:
            from ml_connector.errors import ConfigError

            raise ConfigError(
                f"Mapping CSV lacks columns {sorted(missing)}; the header must be {','.join(CSV_FIELDS)}."
            )
        count = 0
        for row in reader:
            self.set(row["integration"], row["kind"], row["source_key"], row["target_value"], now)
            count += 1
        return count

    def export_csv(self, integration: str | None = None) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.all(integration))
        return out.getvalue()
