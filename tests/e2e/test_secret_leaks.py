"""Secrets never leave encrypted storage, checked as a user runs the CLI (real processes, real sockets): every
command that receives or uses a secret (`connections add`, `connections list`, `run`, `check`, `audit`,
`parked`), a run with a wrong password, and a forced traceback; their stdout and stderr (with -v logs) and
every file under the data directory (store, its WAL, keys, warehouse, dlt's pipelines/) are searched for
each secret in plain text, URL-encoded, base64 on its own and inside an HTTP Basic credential."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread

EXE = [sys.executable, "-m", "ml_connector.cli.main"]
OPERATOR = "ODATA"
# Characters that URL-encoding and base64 change, so each form differs from the plain one.
RIGHT = "Zq9&Pw/d+Ke y%3D!"
WRONG = "Wr0ng&Pw/x+Mq z#7"


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=5, operator=OPERATOR, password=RIGHT))
    yield served
    served.stop()


def forms(secret: str, user: str = OPERATOR) -> dict[str, str]:
    return {
        "plain": secret,
        "url-encoded": quote(secret, safe=""),
        "url-encoded (plus)": quote_plus(secret),
        "base64": base64.b64encode(secret.encode()).decode(),
        "basic auth": base64.b64encode(f"{user}:{secret}".encode()).decode(),
    }


def leaks(text: str | bytes, secret: str) -> list[str]:
    """The forms of ``secret`` found in ``text``."""
    data = text.encode() if isinstance(text, str) else text
    return [name for name, form in forms(secret).items() if form.encode() in data]


def _cli(workdir: Path, *args: str, secret: str | None = None, config: Path | None = None, stdin: str = ""):
    env = {**os.environ, "ML_CONNECTOR_CONFIG": str(config or workdir / "ml-connector.toml"), "COLUMNS": "200"}
    if secret is not None:
        env["ML_CONNECTOR_SECRET_PASSWORD"] = secret
    return subprocess.run([*EXE, *args], cwd=workdir, env=env, input=stdin, capture_output=True, text=True, timeout=600)


def _add(workdir: Path, syspro, secret: str, config: Path | None = None, *, via_stdin: bool = False):
    """`connections add` with the secret in the environment, or (replacing the stored one) on stdin."""
    cred = syspro.app.state.credentials
    how = ["--replace", "--secret-stdin", "password"] if via_stdin else []
    return _cli(
        workdir, "connections", "add", "syspro-odata", "--system", "syspro-odata",
        "--set", f"base_url={syspro.url}/SYSPRO8OData/SYSPROOData", "--set", f"company={cred['company']}",
        "--set", f"operator={OPERATOR}", *how, secret=None if via_stdin else secret, config=config,
        stdin=secret if via_stdin else "",
    )  # fmt: skip


def test_no_command_and_no_file_carries_a_secret(tmp_path, syspro) -> None:
    (tmp_path / "ml-connector.toml").write_text('data_dir = ".ml-connector"\n[syspro-looker]\nlooker_connection = ""\n')
    outputs = {"connections add": _add(tmp_path, syspro, RIGHT)}
    outputs["connections list"] = _cli(tmp_path, "connections", "list", "--json")
    outputs["run"] = _cli(tmp_path, "-v", "run", "syspro-looker", "--json")
    assert '"status": "succeeded"' in outputs["run"].stdout, outputs["run"].stderr[-2000:]
    outputs["check"] = _cli(tmp_path, "-v", "check", "syspro-looker", "--json")
    outputs["audit"] = _cli(tmp_path, "audit", "--json", "--limit", "50")
    outputs["parked"] = _cli(tmp_path, "parked", "--json")

    # the same connection with a wrong password: add, run and check fail, and must not echo it either
    outputs["connections add (wrong)"] = _add(tmp_path, syspro, WRONG, via_stdin=True)
    assert outputs["connections add (wrong)"].returncode == 0, outputs["connections add (wrong)"].stderr[-2000:]
    outputs["run (wrong password)"] = _cli(tmp_path, "-v", "run", "syspro-looker", "--json")
    outputs["check (wrong password)"] = _cli(tmp_path, "-v", "check", "syspro-looker", "--json")
    assert outputs["run (wrong password)"].returncode != 0
    assert "401" in outputs["run (wrong password)"].stdout + outputs["run (wrong password)"].stderr

    # a forced traceback while the secret is in hand: the data directory is a file, so storing fails
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "data").write_text("not a directory")
    (blocked / "ml-connector.toml").write_text('data_dir = "data"\n')
    crash = _add(blocked, syspro, RIGHT, config=blocked / "ml-connector.toml")
    assert crash.returncode != 0 and "FileExistsError" in crash.stderr, crash.stderr[-2000:]
    outputs["connections add (traceback)"] = crash

    found = [
        f"{command} {stream}: {form}"
        for command, result in outputs.items()
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr))
        for secret in (RIGHT, WRONG)
        for form in leaks(text, secret)
    ]
    files = [p for p in (tmp_path / ".ml-connector").rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"store.db", "warehouse.duckdb"} <= names and any("pipelines" in p.parts for p in files), names
    found += [
        f"{path.relative_to(tmp_path)}: {form}"
        for path in files
        for secret in (RIGHT, WRONG)
        for form in leaks(path.read_bytes(), secret)
    ]
    assert found == []
