"""The data directory is private: a fresh one is 0700 and everything a run leaves in it (store, its WAL and
shm, the DuckDB warehouse, dlt pipelines, the X12 archive, the key file) is 0600 (directories 0700), even
when the user's umask is the usual 022. An existing directory that others can read gets a warning."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_sterling.targets import archive_path
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_and_every_file_in_it_are_private(tmp_path, usual_umask) -> None:
    data = tmp_path / "fresh" / "data"
    settings = Settings.model_validate({"data_dir": str(data), "syspro-looker": {"looker_connection": None}})
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3, timestamp_filters=True))
    try:
        app = bootstrap(settings, create_keys=True)
        connect_syspro_odata(app, syspro)
        assert run_integration(app, "syspro-looker").status == "succeeded"
        archive_path(app, "ACME", 1).write_bytes(b"ISA*00*...~")  # as the Sterling target archives X12
        with app.store.engine.connect() as db:  # the store open: its -wal and -shm exist now
            db.exec_driver_sql("SELECT 1")
            names = {p.name for p in data.iterdir()}
            assert {"store.db", "store.db-wal", "store.db-shm", "warehouse.duckdb", "keys"} <= names, names
            assert (data / "pipelines").is_dir()
            assert mode(data) == 0o700
            files = [p for p in data.rglob("*") if p.is_file()]
            dirs = [p for p in data.rglob("*") if p.is_dir()]
            assert len(files) > 5
            assert {str(p.relative_to(data)): oct(mode(p)) for p in files if mode(p) != 0o600} == {}
            assert {str(p.relative_to(data)): oct(mode(p)) for p in dirs if mode(p) != 0o700} == {}
            assert mode(data / "x12-archive" / "ACME" / "000000001.x12") == 0o600
    finally:
        syspro.stop()


def test_an_existing_data_dir_readable_by_others_gets_a_warning_naming_the_fix(tmp_path, usual_umask) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    (data / "store.db").touch(mode=0o644)
    with capture_logs() as logs:
        bootstrap(Settings.model_validate({"data_dir": str(data)}), create_keys=True)
    [warning] = [e for e in logs if e["event"] == "files.readable_by_others"]
    assert warning["log_level"] == "warning"
    assert f"chmod -R go-rwx {data}" == warning["fix"]
    assert "store.db (644)" in warning["found"]
    assert mode(data) == 0o755  # not changed behind the user's back
