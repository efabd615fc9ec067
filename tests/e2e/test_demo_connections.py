"""`make demo` sets up every connection through the path `connections add` uses (schema-checked
``store_connection``), never by writing the store directly; and it still exits 0."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ml_connector.cli.demo import run_demo
from ml_connector.store.connections import ConnectionStore


def test_demo_stores_connections_only_through_store_connection(tmp_path: Path, monkeypatch) -> None:
    real_put = ConnectionStore.put
    callers: list[str] = []

    def spy(self, name, system, settings, secrets, now) -> None:  # type: ignore[no-untyped-def]
        callers.append(f"{inspect.stack()[1].function}:{name}")
        real_put(self, name, system, settings, secrets, now)

    monkeypatch.setattr(ConnectionStore, "put", spy)
    assert run_demo(tmp_path / "demo") == 0
    names = {c.split(":")[1] for c in callers}
    assert names == {"syspro-odata", "looker", "commerce", "syspro-enet", "sterling", "qad", "pipedrive"}
    assert {c.split(":")[0] for c in callers} == {"store_connection"}, callers


@pytest.mark.parametrize("bad", [{"base_ur": "x"}])
def test_the_demo_path_validates(tmp_path: Path, bad: dict[str, str]) -> None:
    from datetime import UTC, datetime

    from cryptography.fernet import Fernet

    from ml_connector.connectors.systems import store_connection
    from ml_connector.errors import ConfigError
    from ml_connector.secrets.keys import KeyRing
    from ml_connector.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}", KeyRing([Fernet.generate_key()]))
    assert store.connections is not None
    with pytest.raises(ConfigError, match="did you mean 'base_url'"):
        store_connection(store.connections, "x", "looker", bad, {}, datetime.now(UTC))
