"""`ml-connector mappings list|set|remove|import|export` against a real store (Typer's CliRunner)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app
from ml_connector.settings import load_settings

CSV = """integration,kind,source_key,target_value
commerce-syspro,sku,PMP-SUB-05,10-4010-200
commerce-syspro,receivable_gl,default,10-1100-100
commerce-syspro,customer_group,0,000001
"""


def test_mappings_round_trip_through_csv(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    runner = CliRunner()

    bootstrap(load_settings(config), create_keys=True)  # what `ml-connector init` leaves behind

    def cli(*args: str):
        return runner.invoke(app, [*args, "-c", str(config)])

    (tmp_path / "in.csv").write_text(CSV)
    assert cli("mappings", "import", str(tmp_path / "in.csv")).exit_code == 0
    assert cli("mappings", "set", "commerce-syspro", "category", "WTY", "10-4000-400").exit_code == 0
    listed = cli("mappings", "list", "commerce-syspro", "--json")
    rows = json.loads(listed.stdout)
    assert {(r["kind"], r["source_key"], r["target_value"]) for r in rows} == {
        ("sku", "PMP-SUB-05", "10-4010-200"),
        ("receivable_gl", "default", "10-1100-100"),
        ("customer_group", "0", "000001"),
        ("category", "WTY", "10-4000-400"),
    }
    only_sku = json.loads(cli("mappings", "list", "commerce-syspro", "--kind", "sku", "--json").stdout)
    assert [r["source_key"] for r in only_sku] == ["PMP-SUB-05"]
    assert cli("mappings", "remove", "commerce-syspro", "sku", "PMP-SUB-05").exit_code == 0
    missing = cli("mappings", "remove", "commerce-syspro", "sku", "PMP-SUB-05")
    assert missing.exit_code == 2
    exported = cli("mappings", "export", "commerce-syspro").stdout
    assert exported.splitlines()[0] == "integration,kind,source_key,target_value"
    assert "PMP-SUB-05" not in exported
    assert "commerce-syspro,category,WTY,10-4000-400" in exported
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,source_key\nsku,X\n")
    refused = cli("mappings", "import", str(bad))
    assert refused.exit_code == 2
    help_text = runner.invoke(app, ["mappings", "--help"]).stdout
    assert "mappings set commerce-syspro sku" in help_text


def test_mappings_of_an_instance_are_its_own_and_names_are_checked(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    runner = CliRunner()
    bootstrap(load_settings(config), create_keys=True)

    def cli(*args: str):
        return runner.invoke(app, [*args, "-c", str(config)])

    (tmp_path / "in.csv").write_text(CSV)
    assert cli("mappings", "import", str(tmp_path / "in.csv")).exit_code == 0
    us = "commerce-syspro@store-us"
    assert cli("mappings", "set", us, "receivable_gl", "default", "20-1100-100").exit_code == 0
    mine = json.loads(cli("mappings", "list", us, "--json").stdout)
    assert [(r["integration"], r["kind"], r["target_value"]) for r in mine] == [(us, "receivable_gl", "20-1100-100")]
    default = json.loads(cli("mappings", "list", "commerce-syspro", "--kind", "receivable_gl", "--json").stdout)
    assert [r["target_value"] for r in default] == ["10-1100-100"]  # the default instance's, untouched
    # the CSV route copies the default's mappings to the instance (docs/RUNTIME.md, Instances)
    exported = cli("mappings", "export", "commerce-syspro").stdout
    copied = tmp_path / "us.csv"
    copied.write_text(exported.replace("\ncommerce-syspro,", f"\n{us},"))
    assert cli("mappings", "import", str(copied)).exit_code == 0
    assert {r["source_key"] for r in json.loads(cli("mappings", "list", us, "--json").stdout)} == {
        "PMP-SUB-05",
        "default",
        "0",
    }
    # a misspelt integration or a malformed instance is refused, not stored where no run reads it
    typo = cli("mappings", "set", "comerce-syspro@store-us", "sku", "X", "1")
    assert typo.exit_code == 2 and "No integration called 'comerce-syspro'" in typo.output
    bad = cli("mappings", "set", "commerce-syspro@Store US", "sku", "X", "1")
    assert bad.exit_code == 2 and "is not valid" in bad.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("integration,kind,source_key,target_value\ncommerce-syspro,sku,A,1\ncomerce-syspro,sku,B,2\n")
    refused = cli("mappings", "import", str(wrong))
    assert refused.exit_code == 2 and "line 3" in refused.output
    assert "A" not in {r["source_key"] for r in json.loads(cli("mappings", "list", "--json").stdout)}  # all or none
    assert cli("mappings", "remove", us, "sku", "NONE").output.count(f"mappings list {us}") == 1
    assert "commerce-syspro@store-us" in runner.invoke(app, ["mappings", "--help"]).stdout
