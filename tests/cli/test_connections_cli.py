"""`ml-connector connections add|show|edit|schema` against a real store: per-system schemas, empty secrets
where the system allows them, secrets from a file or stdin, no silent overwrite, typos refused with a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app
from ml_connector.settings import load_settings

ODATA = ["--system", "syspro-odata", "--set", "base_url=http://127.0.0.1:9/SYSPRO8OData/SYSPROOData"]


@pytest.fixture
def cli(tmp_path: Path):
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    bootstrap(load_settings(config), create_keys=True)  # what `ml-connector init` leaves behind
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(app, [*args, "-c", str(config)], env=env, input=input)

    return invoke


def test_unknown_setting_is_refused_with_the_nearest_name(cli) -> None:
    result = cli("connections", "add", "erp", "--system", "syspro-odata", "--set", "base_ur=http://x", "--set",
                 "operator=ODATA", env={"ML_CONNECTOR_SECRET_PASSWORD": "pw-123456"})  # fmt: skip
    assert result.exit_code == 2
    assert "base_ur" in result.stderr and "did you mean 'base_url'" in result.stderr
    assert "Traceback" not in result.output
    assert json.loads(cli("connections", "list", "--json").stdout) == []


def test_unknown_system_suggests_the_nearest(cli) -> None:
    result = cli("connections", "add", "erp", "--system", "syspro-odta")
    assert result.exit_code == 2
    assert "did you mean 'syspro-odata'" in result.stderr


def test_missing_required_setting_names_it(cli) -> None:
    result = cli("connections", "add", "erp", *ODATA, env={"ML_CONNECTOR_SECRET_PASSWORD": "pw-123456"})
    assert result.exit_code == 2
    assert "--set operator=..." in result.stderr


def test_empty_company_password_is_a_value_but_an_empty_odata_password_is_not(cli) -> None:
    env = {"ML_CONNECTOR_SECRET_OPERATOR_PASSWORD": "op-secret-1", "ML_CONNECTOR_SECRET_COMPANY_PASSWORD": ""}
    enet = ["--system", "syspro-enet", "--set", "base_url=http://127.0.0.1:9/SYSPROWCFService/Rest",
            "--set", "operator=ADMIN"]  # fmt: skip
    assert cli("connections", "add", "enet", *enet, env=env).exit_code == 0
    shown = json.loads(cli("connections", "show", "enet", "--json").stdout)
    assert shown["secrets"] == ["company_password", "operator_password"]
    assert shown["empty_secrets"] == ["company_password"]
    assert shown["settings"]["company_id"] == "L"  # the schema's default
    assert "op-secret-1" not in json.dumps(shown)
    refused = cli("connections", "add", "erp", *ODATA, "--set", "operator=O", env={"ML_CONNECTOR_SECRET_PASSWORD": ""})
    assert refused.exit_code == 2
    assert "password may not be empty" in refused.stderr


def test_prompt_accepts_an_empty_answer_where_allowed(cli) -> None:
    enet = ["--system", "syspro-enet", "--set", "base_url=http://127.0.0.1:9/SYSPROWCFService/Rest",
            "--set", "operator=ADMIN"]  # fmt: skip
    # Prompted in order: operator_password, then company_password (Enter: none).
    result = cli("connections", "add", "enet", *enet, input="op-secret-1\n\n")
    assert result.exit_code == 0, result.output
    assert json.loads(cli("connections", "show", "enet", "--json").stdout)["empty_secrets"] == ["company_password"]


def test_secret_from_stdin_and_from_a_file(cli, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("from-a-file-99\n")
    add = cli("connections", "add", "erp", *ODATA, "--set", "operator=O", "--secret-file", f"password={secret_file}")
    assert add.exit_code == 0, add.output
    edit = cli("connections", "edit", "erp", "--secret-stdin", "password", input="from-stdin-42\n")
    assert edit.exit_code == 0, edit.output
    stored = bootstrap(load_settings(tmp_path / "ml-connector.toml")).connections.get("erp")
    assert stored.secret("password").reveal() == "from-stdin-42"
    wrong = cli("connections", "edit", "erp", "--secret-stdin", "pasword", input="x\n")
    assert wrong.exit_code == 2 and "did you mean 'password'" in wrong.stderr


def test_add_never_overwrites_silently_and_edit_keeps_secrets(cli) -> None:
    env = {"ML_CONNECTOR_SECRET_PASSWORD": "first-secret-1"}
    assert cli("connections", "add", "erp", *ODATA, "--set", "operator=A1", env=env).exit_code == 0
    again = cli("connections", "add", "erp", *ODATA, "--set", "operator=B2", env=env)
    assert again.exit_code == 2 and "--replace" in again.stderr and "connections edit erp" in again.stderr
    assert json.loads(cli("connections", "show", "erp", "--json").stdout)["settings"]["operator"] == "A1"
    replaced = cli("connections", "add", "erp", *ODATA, "--set", "operator=B2", "--replace", env=env)
    assert replaced.exit_code == 0
    edited = cli("connections", "edit", "erp", "--set", "company=B")
    assert edited.exit_code == 0, edited.output
    shown = json.loads(cli("connections", "show", "erp", "--json").stdout)
    assert shown["settings"]["operator"] == "B2" and shown["settings"]["company"] == "B"
    assert shown["secrets"] == ["password"] and shown["checked_at"] is None
    typo = cli("connections", "edit", "erp", "--set", "compnay=C")
    assert typo.exit_code == 2 and "did you mean 'company'" in typo.stderr
    human = cli("connections", "show", "erp")
    assert "(set)" in human.stdout and "first-secret-1" not in human.stdout and "never" in human.stdout


def test_schema_command_lists_fields() -> None:
    result = CliRunner().invoke(app, ["connections", "schema", "syspro-enet"])
    assert result.exit_code == 0
    assert "company_password" in result.stdout and "may be empty" in result.stdout
