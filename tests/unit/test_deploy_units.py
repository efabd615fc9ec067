"""deploy/ systemd units: each starts a real `ml-connector` command and is hardened (dedicated user,
ProtectSystem=strict, the data directory the only writable path)."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ml_connector.cli.main import app as cli

DEPLOY = Path(__file__).parents[2] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
HARDENING = {
    "User": "ml-connector",
    "ProtectSystem": "strict",
    "ProtectHome": "true",
    "PrivateTmp": "true",
    "NoNewPrivileges": "true",
    "StateDirectory": "ml-connector",
    "ReadWritePaths": "/var/lib/ml-connector",
    "CapabilityBoundingSet": "",
}


def test_three_units() -> None:
    assert {u.name for u in UNITS} == {
        "ml-connector-serve.service",
        "ml-connector-schedule.service",
        "ml-connector-worker@.service",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_is_hardened_and_runs_a_real_command(unit: Path) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    service = parser["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"{unit.name}: {key}"
    assert [k for k in service if k.startswith("ReadWrite")] == ["ReadWritePaths"]
    command = service["ExecStart"].split()
    assert command[0].endswith("/ml-connector")
    result = CliRunner().invoke(cli, [command[1], "--help"])
    assert result.exit_code == 0, f"{unit.name}: `ml-connector {command[1]}` is not a command"
