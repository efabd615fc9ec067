"""Opening the store: engine creation (SQLite file or PostgreSQL) and Alembic upgrade to head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from ml_connector.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (a test keeps it equal to Alembic's head). A store already
# there opens without importing Alembic at all: every command and run starts faster and smaller.
HEAD = "0009"


def open_store(url: str, *, migrate: bool = True) -> Engine:
    """Create the engine for ``url`` and bring the schema to the newest revision.

    SQLite gets WAL and a busy timeout so a CLI command can read while a run writes.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    where = engine.url.render_as_string(hide_password=True)
    try:
        revision = _revision_or_raise(engine)
        if revision is not None and revision not in known_revisions():
            raise ConfigError(
                f"The store {where} was written by a newer ml-connector (schema revision {revision}; this one knows "
                f"up to {HEAD}). Upgrade ml-connector, or point [store].url / data_dir at another store."
            )
        if migrate and revision != HEAD:
            upgrade(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(
            f"Cannot open the store {where}: {reason}. If it is a file, it is damaged or not an ml-connector store: "
            "restore it from a backup or move it away (a new one is created). Details with -v."
        ) from exc
    return engine


def known_revisions() -> set[str]:
    """Revisions this version can migrate from (the NNNN_ prefix of each file in migrations/versions)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def _revision_or_raise(engine: Engine) -> str | None:
    """The store's revision; None for an empty database; the driver's error for a file that is no database."""
    with engine.connect() as db:
        if not inspect(db).has_table("alembic_version"):
            return None
        return db.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a new (or unreadable) store."""
    try:
        with engine.connect() as db:
            return db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # Only a new store takes this (WAL fixes the page size once the file exists). With 4 KiB pages a
    # million-row bulk ledger transaction made ~380k WAL writes for a 265 MB file; with 16 KiB pages the
    # same million rows take 2.2 s instead of 2.85 s (README, Performance).
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 8 MiB per connection: with 16 KiB pages a larger cache made bulk ledger writes no faster (measured at
    # 4 to 32 MiB) and only added to the run's peak memory (about 28 MB at 32 MiB).
    cursor.execute("PRAGMA cache_size=-8192")
    cursor.close()
