"""`emulate --print-credentials` prints the full base URL (service path included) and every setting and secret
`connections add` needs, as JSON, also beside the emulator already serving on that port; serving on a port in use
is refused before anything is printed."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ml_connector.cli.main import app
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import free_port, serve_in_thread

PATHS = {
    "syspro-odata": "/SYSPRO8OData/SYSPROOData",
    "syspro-enet": "/SYSPROWCFService/Rest",
    "commerce": "/rest/default",
    "sterling": "/B2BAPIs/svc/",
    "looker": "",
    "qad": "/clouderp",
    "pipedrive": "",
}


@pytest.mark.parametrize("system", sorted(PATHS))
def test_printed_credentials_are_enough_for_connections_add(tmp_path: Path, system: str) -> None:
    port = free_port()
    runner = CliRunner()
    printed = runner.invoke(app, ["emulate", system, "--port", str(port), "--print-credentials"])
    assert printed.exit_code == 0, printed.output
    info = json.loads(printed.stdout)
    assert info["base_url"] == f"http://127.0.0.1:{port}{PATHS[system]}"
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    sets = [a for k, v in info["settings"].items() for a in ("--set", f"{k}={v}")]
    env = {f"ML_CONNECTOR_SECRET_{k.upper()}": v for k, v in info["secrets"].items()}
    added = runner.invoke(app, ["connections", "add", system, "--system", system, *sets, "-c", str(config)], env=env)
    assert added.exit_code == 0, added.output  # nothing prompted: every required field was printed
    assert "ml-connector connections add" in info["connections_add"]


def test_a_check_against_the_printed_url_finds_every_table(tmp_path: Path) -> None:
    port = free_port()
    runner = CliRunner()
    info = json.loads(
        runner.invoke(app, ["emulate", "syspro-odata", "--port", str(port), "--print-credentials"]).stdout
    )
    served = serve_in_thread(create_emulator("syspro-odata"), port=port)
    try:
        config = tmp_path / "ml-connector.toml"
        config.write_text('data_dir = "data"\n[syspro-looker]\nlooker_connection = ""\n')
        sets = [a for k, v in info["settings"].items() for a in ("--set", f"{k}={v}")]
        env = {f"ML_CONNECTOR_SECRET_{k.upper()}": v for k, v in info["secrets"].items()}
        args = ["connections", "add", "syspro-odata", "--system", "syspro-odata", *sets, "-c", str(config)]
        assert runner.invoke(app, args, env=env).exit_code == 0
        checked = runner.invoke(app, ["check", "syspro-looker", "--json", "-c", str(config)])
        assert checked.exit_code == 0, checked.output
        assert all(r["ok"] for r in json.loads(checked.stdout))
    finally:
        served.stop()


def test_a_port_in_use_is_refused_before_anything_is_printed() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["emulate", "syspro-odata", "--port", str(port)])
        assert result.exit_code == 2
        assert result.stdout == "" and f"Port {port}" in result.stderr


def test_credentials_print_beside_the_running_emulator(tmp_path: Path) -> None:
    """The usual order: `emulate syspro-odata --port P &`, then `--print-credentials --port P` for the same seed."""
    port = free_port()
    served = serve_in_thread(create_emulator("syspro-odata", seed=3), port=port)
    try:
        result = CliRunner().invoke(
            app, ["emulate", "syspro-odata", "--port", str(port), "--seed", "3", "--print-credentials"]
        )
        assert result.exit_code == 0, result.output
        info = json.loads(result.stdout)
        assert info["secrets"]["password"] == served.app.state.credentials["password"]
        assert info["base_url"] == f"{served.url}/SYSPRO8OData/SYSPROOData"
    finally:
        served.stop()
