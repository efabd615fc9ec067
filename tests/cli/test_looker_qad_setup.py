"""looker-qad set up through the CLI alone: `emulate qad --print-credentials` -> `connections add qad` ->
`check looker-qad` passes; a typo in a QAD setting is refused with the nearest name; `check looker-qad`
against closed ports answers in seconds with one line per system, naming the connection to fix."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app
from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import free_port, serve_in_thread
from ml_connector.engine.service import run_integration
from ml_connector.integrations.syspro_looker import demo as syspro_looker_demo
from ml_connector.settings import load_settings

runner = CliRunner()


def _add_printed(config: Path, system: str, port: int, *extra: str) -> Any:
    printed = runner.invoke(app, ["emulate", system, "--port", str(port), "--print-credentials"])
    assert printed.exit_code == 0, printed.output
    info = json.loads(printed.stdout)
    sets = [a for k, v in info["settings"].items() for a in ("--set", f"{k}={v}")]
    env = {f"ML_CONNECTOR_SECRET_{k.upper()}": v for k, v in info["secrets"].items()}
    args = ["connections", "add", system, "--system", system, *sets, *extra, "-c", str(config)]
    return runner.invoke(app, args, env=env)


def test_qad_connection_from_the_printed_credentials_then_check_passes(tmp_path: Path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    settings = load_settings(config)
    runtime = bootstrap(settings, create_keys=True)
    syspro_looker_demo.prepare(settings)  # the LookML the Looker emulator serves over the warehouse
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3, scale={"GenTransaction": 300}))
    qad_port, looker_port = free_port(), free_port()
    looker_options = syspro_looker_demo.emulator_options(settings, 0, 1)["looker"]
    served = [syspro]
    try:
        cred = syspro.app.state.credentials
        store_connection(runtime.connections, "syspro-odata", "syspro-odata",
                         {"base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData", "operator": cred["operator"],
                          "company": cred["company"]}, {"password": cred["password"]}, runtime.clock.now())  # fmt: skip
        assert _add_printed(config, "looker", looker_port).exit_code == 0
        served.append(serve_in_thread(create_emulator("looker", **looker_options), port=looker_port))
        assert run_integration(runtime, "syspro-looker").status == "succeeded"  # the warehouse the figure reads

        typo = _add_printed(config, "qad", qad_port, "--set", "domian=US1")
        assert typo.exit_code == 2 and "domian" in typo.stderr and "did you mean 'domain'" in typo.stderr
        refused = runner.invoke(app, ["connections", "show", "qad", "-c", str(config)])
        assert refused.exit_code != 0  # nothing was stored
        added = _add_printed(config, "qad", qad_port)
        assert added.exit_code == 0, added.output  # nothing prompted: the printed settings are complete
        served.append(serve_in_thread(create_emulator("qad"), port=qad_port))
        checked = runner.invoke(app, ["check", "looker-qad", "--json", "-c", str(config)])
        results = json.loads(checked.stdout)
        assert checked.exit_code == 0, [r for r in results if not r["ok"]]
        assert [r["system"] for r in results[:2]] == ["Looker", "QAD"]  # reachability first, one line each
        assert {"Looker", "QAD"} == {r["system"] for r in results} and all(r["ok"] for r in results)
        assert any("daybook RECON" in r["what"] for r in results)
        shown = json.loads(runner.invoke(app, ["connections", "show", "qad", "--json", "-c", str(config)]).stdout)
        assert shown["check_result"] == "ok" and "password" not in json.dumps(shown.get("settings", {}))
    finally:
        for s in served:
            s.stop()


def test_check_against_closed_ports_fails_fast_one_line_per_system(tmp_path: Path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    now = runtime.clock.now()
    store_connection(runtime.connections, "looker", "looker",
                     {"base_url": f"http://127.0.0.1:{free_port()}", "client_id": "id"}, {"client_secret": "s3cret-x"},
                     now)  # fmt: skip
    store_connection(runtime.connections, "qad", "qad",
                     {"base_url": f"http://127.0.0.1:{free_port()}/clouderp", "username": "api", "domain": "US1",
                      "entity": "US10"}, {"password": "pw-closed-1"}, now)  # fmt: skip
    started = time.monotonic()
    result = runner.invoke(app, ["check", "looker-qad", "--json", "-c", str(config)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.output
    assert elapsed < 5, elapsed
    lines = json.loads(result.stdout)
    assert [(r["system"], r["ok"]) for r in lines] == [("Looker", False), ("QAD", False)]
    assert "connection refused" in lines[1]["detail"] and "connections edit qad" in lines[1]["detail"]
    shown = json.loads(runner.invoke(app, ["connections", "show", "qad", "--json", "-c", str(config)]).stdout)
    assert shown["check_result"].startswith("failed")
