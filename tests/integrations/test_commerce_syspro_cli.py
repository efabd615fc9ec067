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
