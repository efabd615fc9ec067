"""`schedule --explain` (local time and UTC across a clock change), `status` and `runs` on a config with
two instances of one integration; config errors name the table and say what to write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app as cli
from ml_connector.cli.schedule import explain_rows
from ml_connector.errors import ConfigError
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.instances import instance_settings, parse_instance
from ml_connector.runtime.schedules import compile_schedule, load_schedules
from ml_connector.settings import load_settings

CONFIG = """
data_dir = "data"
[syspro-looker]
syspro_connection = "syspro-odata"
looker_connection = "looker"
["syspro-looker@plant-b"]
syspro_connection = "syspro-plant-b"
warehouse_dataset = "plant_b"
[schedule.syspro-looker]
every = "1h"
timezone = "Europe/London"
windows = [ { days = "Mon-Fri", start = "06:00", end = "19:00", every = "15m" }, { days = "Sun", off = true } ]
[schedule."syspro-looker@plant-b"]
cron = "30 1 * * *"
timezone = "America/New_York"
overdue_after = 2
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "ml-connector.toml"
    path.write_text(CONFIG)
    return path


def test_explain_shows_local_time_utc_and_the_clock_change() -> None:
    schedule = compile_schedule("x", ScheduleConfig(cron="0 9 * * *", timezone="Europe/London"))
    rows = explain_rows({"x": schedule}, datetime(2026, 10, 23, 12, tzinfo=UTC), 4)
    assert [(r["local"], r["utc"]) for r in rows] == [
        ("Sat 2026-10-24 09:00 BST", "2026-10-24 08:00 UTC"),
        ("Sun 2026-10-25 09:00 GMT", "2026-10-25 09:00 UTC"),
        ("Mon 2026-10-26 09:00 GMT", "2026-10-26 09:00 UTC"),
        ("Tue 2026-10-27 09:00 GMT", "2026-10-27 09:00 UTC"),
    ]
    assert rows[1]["note"] == "clock change: UTC+01:00 -> UTC+00:00"
    assert [r["note"] for r in rows if r["note"]] == [rows[1]["note"]]


def test_explain_cli_lists_every_instance(config) -> None:
    result = CliRunner().invoke(cli, ["schedule", "--explain", "--count", "3", "--json", "-c", str(config)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["integration"] for r in rows} == {"syspro-looker", "syspro-looker@plant-b"}
    b = [r for r in rows if r["integration"] == "syspro-looker@plant-b"]
    assert all(r["local"].endswith(("01:30 EST", "01:30 EDT")) for r in b)


def test_instances_get_their_own_settings_and_dataset(config) -> None:
    settings = load_settings(config)
    b = instance_settings(settings, parse_instance("syspro-looker@plant-b"))
    assert b.syspro_looker.syspro_connection == "syspro-plant-b"
    assert b.syspro_looker.looker_connection == "looker"  # inherited from [syspro-looker]
    assert b.warehouse.dataset == "plant_b" and b.warehouse_path == settings.warehouse_path
    c = instance_settings(settings, parse_instance("syspro-looker@plant-c"))
    assert c.warehouse.dataset == "syspro_plant_c" and c.syspro_looker.syspro_connection == "syspro-odata"
    assert instance_settings(settings, parse_instance("syspro-looker")) is settings
    with pytest.raises(ConfigError, match="No integration called 'nope'"):
        parse_instance("nope@x")
    with pytest.raises(ConfigError, match="not valid"):
        parse_instance("syspro-looker@Plant A")


def test_bad_schedules_say_what_to_write(tmp_path) -> None:
    path = tmp_path / "c.toml"
    for body, message in [
        ('[schedule.syspro-looker]\nevery = "soon"', "not a duration"),
        ('[schedule.syspro-looker]\ncron = "61 * * * *"', "is not a cron expression"),
        ('[schedule.syspro-looker]\nevery = "1h"\ntimezone = "Mars/Olympus"', "not an IANA zone"),
        ('[schedule.syspro-looker]\ntimezone = "UTC"', "runs never"),
        ('[schedule.syspro-looker]\nevery="1h"\nwindows=[{days="Someday", every="5m"}]', "days 'Someday'"),
    ]:
        path.write_text(body)
        with pytest.raises(ConfigError, match=message):
            load_schedules(load_settings(path))
    path.write_text('["syspro-looker@plant-a"]\nsyspro_conection = "x"\n[runtime]\nlease_expiry = "3m"\n')
    with pytest.raises(ConfigError, match="unknown key 'syspro_conection'"):  # an instance's typo is refused too
        load_settings(path)
    path.write_text('[runtime]\nlease_expiri = "3m"\n')
    with pytest.raises(ConfigError, match="unknown key 'lease_expiri'"):
        load_settings(path)


def test_status_and_runs(config, monkeypatch) -> None:
    app = bootstrap(load_settings(config), create_keys=True)
    now = datetime.now(UTC)
    store = app.store
    store.runs.start("r1", "syspro-looker@plant-b", "h:1:x", now - timedelta(days=3), trigger="schedule")
    store.runs.finish("r1", "succeeded", {"streams": [{"read": 5, "loaded": 5}]}, now - timedelta(days=3))
    store.runs.start("r2", "syspro-looker", "h:1:y", now - timedelta(minutes=5), trigger="webhook")
    store.runs.finish("r2", "partial", {"streams": [{"read": 3, "loaded": 2, "parked": 1}]}, now)
    result = CliRunner().invoke(cli, ["status", "--json", "-c", str(config)])
    assert result.exit_code == 1, result.output  # plant-b is overdue: exit 1 for monitoring
    rows = {r["integration"]: r for r in json.loads(result.stdout)}
    assert rows["syspro-looker@plant-b"]["overdue"] is True
    assert rows["syspro-looker"]["overdue"] is False and rows["syspro-looker"]["last_success"]
    assert rows["syspro-looker@plant-b"]["next_run_local"].endswith(("01:30 EST", "01:30 EDT"))
    result = CliRunner().invoke(cli, ["runs", "--integration", "syspro-looker@plant-b", "--json", "-c", str(config)])
    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)
    assert (run["run_id"], run["trigger"], run["status"], run["read"]) == ("r1", "schedule", "succeeded", 5)
    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["runs", "-c", str(config)])
    assert "webhook" in table.stdout and "partial" in table.stdout
