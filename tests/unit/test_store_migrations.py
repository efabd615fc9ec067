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
