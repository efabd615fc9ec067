"""Shared fixtures: a fresh store per test (SQLite file, or PostgreSQL when marked), fixed clocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
import logging

logging.getLogger("dlt").setLevel(logging.ERROR)

from ml_connector.core.clock import FixedClock  # noqa: E402
from ml_connector.secrets.keys import KeyRing  # noqa: E402
from ml_connector.store import Store  # noqa: E402

PG_ADMIN = os.environ.get("ML_CONNECTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing([Fernet.generate_key()])


@pytest.fixture
def store(tmp_path: Path, keys: KeyRing) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.db'}", keys)


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database on the local server; yields its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text

    name = f"mlc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is not reachable ({exc}). Start it: see README 'Tests'.")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    """A test that runs the CLI configures structlog; give the next test the defaults back."""
    yield
    import structlog

    structlog.reset_defaults()
