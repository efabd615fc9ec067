"""One clear line for what a person must fix (config typos, key file, store), and exit codes that mean what
the README says: an unreachable or refusing remote system is exit 3 naming the system, the connection and
the fix, with no library internals; `check` against a closed port answers in seconds, one line per system."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app
from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import free_port, serve_in_thread
from ml_connector.settings import load_settings

DLT_INTERNALS = ("PipelineStepFailed", "ResourceExtractionError", "Pipeline execution failed", "Traceback")


def _config(tmp_path: Path, body: str = "") -> Path:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n' + body)
    return config


def _invoke(config: Path, *args: str):
    return CliRunner().invoke(app, [*args, "-c", str(config)])


@pytest.mark.parametrize(
    ("body", "named", "hint"),
    [
        ("[syspro-lokker]\nbatch_rows = 5\n", "[syspro-lokker]", "did you mean 'syspro-looker'"),
        ("[syspro-looker]\nlookbak_days = 5\n", "'lookbak_days' in [syspro-looker]", "did you mean 'lookback_days'"),
        ('[commerce-syspro]\njournal_prefx = "W"\n', "'journal_prefx'", "did you mean 'journal_prefix'"),
        ('[syspro-sterling.partners.ACME]\nusge = "P"\n', "[syspro-sterling.partners.ACME]", "'usage'"),
        ('[warehouse]\ndatset = "x"\n', "'datset' in [warehouse]", "did you mean 'dataset'"),
    ],
)
def test_config_typos_are_refused_with_a_suggestion(tmp_path: Path, body: str, named: str, hint: str) -> None:
    result = _invoke(_config(tmp_path, body), "audit")
    assert result.exit_code == 2
    assert named in result.stderr and hint in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_garbage_key_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    config = _config(tmp_path)
    keys = tmp_path / "data" / "keys"
    keys.parent.mkdir(mode=0o700)
    keys.parent.chmod(0o700)  # private whatever the umask: this test is about the key file alone
    keys.write_text("not-a-fernet-key\n")
    keys.chmod(0o600)
    result = _invoke(config, "connections", "list")
    assert result.exit_code == 2
    assert str(keys) in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_corrupt_store_is_one_line_naming_the_file(tmp_path: Path) -> None:
    config = _config(tmp_path)
    bootstrap(load_settings(config), create_keys=True).store.engine.dispose()  # nothing holds the file open
    store = tmp_path / "data" / "store.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    store.write_bytes(b"this is not a database, it was overwritten by mistake" * 100)
    result = _invoke(config, "audit")
    assert result.exit_code == 2
    assert str(store) in result.stderr and "backup" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_a_store_from_a_newer_version_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path)
    bootstrap(load_settings(config), create_keys=True)
    with sqlite3.connect(tmp_path / "data" / "store.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0999'")
    result = _invoke(config, "audit")
    assert result.exit_code == 2
    assert "newer ml-connector" in result.stderr and "0999" in result.stderr


def _looker_app(tmp_path: Path, syspro_url: str, password: str = "pw-unused-1") -> Path:
    config = _config(tmp_path, '[syspro-looker]\nlooker_connection = ""\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    store_connection(runtime.connections, "syspro-odata", "syspro-odata",
                     {"base_url": f"{syspro_url}/SYSPRO8OData/SYSPROOData", "operator": "ODATA", "company": "A"},
                     {"password": password}, runtime.clock.now())  # fmt: skip
    return config


def test_check_against_a_closed_port_fails_fast_one_line_per_system(tmp_path: Path) -> None:
    config = _looker_app(tmp_path, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    result = _invoke(config, "check", "syspro-looker", "--json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert elapsed < 5, elapsed
    lines = json.loads(result.stdout)
    assert [(r["system"], r["ok"]) for r in lines] == [("SYSPRO OData", False)]
    assert "connection refused" in lines[0]["detail"] and "connections edit syspro-odata" in lines[0]["detail"]
    shown = json.loads(_invoke(config, "connections", "show", "syspro-odata", "--json").stdout)
    assert shown["checked_at"] and shown["check_result"].startswith("failed")


def test_run_against_a_closed_port_is_exit_3_naming_system_connection_and_fix(tmp_path: Path) -> None:
    config = _looker_app(tmp_path, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    result = _invoke(config, "run", "syspro-looker")
    assert time.monotonic() - started < 5
    assert result.exit_code == 3
    assert "SYSPRO OData" in result.stderr and "'syspro-odata'" in result.stderr
    assert "connections edit syspro-odata" in result.stderr
    assert not any(s in result.output for s in DLT_INTERNALS)


def test_a_refused_password_is_exit_3_without_dlt_internals(tmp_path: Path) -> None:
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=1))
    try:
        config = _looker_app(tmp_path, syspro.url, password="wrong-password-1")
        result = _invoke(config, "run", "syspro-looker", "--json")
    finally:
        syspro.stop()
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "failed" and report["exit_code"] == 3
    assert "refused the credentials" in report["error"] and "connection 'syspro-odata'" in report["error"]
    assert "connections edit syspro-odata" in report["error"]
    assert not any(s in result.output for s in DLT_INTERNALS)


def test_a_refused_password_is_one_check_line_not_one_per_table(tmp_path: Path) -> None:
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=1))
    try:
        config = _looker_app(tmp_path, syspro.url, password="wrong-password-1")
        result = _invoke(config, "check", "syspro-looker", "--json")
    finally:
        syspro.stop()
    assert result.exit_code == 3, result.output
    failed = [r for r in json.loads(result.stdout) if not r["ok"]]
    assert len(failed) == 1, failed  # nine table reads refused alike: one line
    [line] = failed
    assert line["system"] == "SYSPRO OData"
    assert line["what"].startswith("read GenMaster, ") and "(9 checks, one cause)" in line["what"]
    assert "ApInvoice" in line["what"] and "InvWarehouse" in line["what"]
    assert "refused the credentials of operator 'ODATA' (HTTP 401)" in line["detail"]
    assert "GET http" not in line["detail"]
    assert "wrong-password-1" not in result.output


def test_a_missing_setting_of_a_stored_connection_is_one_line(tmp_path: Path) -> None:
    """A connection stored before the schemas existed (no base_url): one line naming it and the fix."""
    config = _config(tmp_path, '[syspro-looker]\nlooker_connection = ""\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    runtime.connections.put("syspro-odata", "syspro-odata", {"operator": "ODATA"}, {"password": "pw-123456"},
                            runtime.clock.now())  # fmt: skip
    result = _invoke(config, "check", "syspro-looker")
    assert result.exit_code == 2
    assert "no setting 'base_url'" in result.stderr and "connections edit syspro-odata" in result.stderr
    assert "Traceback" not in result.output
