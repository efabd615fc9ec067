"""Opening the store: new and old stores are brought to the head revision; a current one skips Alembic."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from ml_connector.store import database
from ml_connector.store.database import HEAD, MIGRATIONS, current_revision, open_store


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def test_head_constant_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD


def test_new_store_is_migrated_and_a_current_one_is_not_migrated_again(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert current_revision(open_store(url)) == HEAD

    def must_not_run(engine) -> None:
        raise AssertionError("a store at head was migrated again")

    monkeypatch.setattr(database, "upgrade", must_not_run)
    assert current_revision(open_store(url)) == HEAD


@pytest.mark.parametrize("older", ["0001", "0002"])
def test_an_older_store_is_upgraded_on_open(tmp_path, older) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, older)
    assert current_revision(engine) == older
    assert current_revision(open_store(url)) == HEAD


def test_a_new_store_gets_16k_pages_and_an_existing_4k_store_keeps_working(tmp_path) -> None:
    import sqlite3

    from sqlalchemy import text

    new_url = f"sqlite:///{tmp_path / 'new.db'}"
    with open_store(new_url).connect() as db:
        assert db.execute(text("PRAGMA page_size")).scalar() == 16384
        assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"

    old_path = tmp_path / "old.db"  # a store from before the change: 4 KiB pages, already in WAL
    raw = sqlite3.connect(old_path)
    raw.execute("PRAGMA page_size=4096")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE before_change (x INTEGER)")
    raw.close()
    engine = open_store(f"sqlite:///{old_path}")
    assert current_revision(engine) == HEAD
    with engine.connect() as db:
        assert db.execute(text("PRAGMA page_size")).scalar() == 4096  # WAL fixes it; nothing was rewritten
