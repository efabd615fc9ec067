"""commerce-syspro set up end to end through the CLI alone (no store writes from the test), against the
Commerce and SYSPRO e.net emulators, with a SYSPRO company that has no company password; then `check` and
`run` pass. A cancelled order becomes a failed record: the run is `partial` (exit 1) and `parked --json`
lists it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from ml_connector.cli.main import app
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import ACCOUNTS, BRANCHES, GROUPS, LATE_MAPPING, REVENUE


class _Behind:
    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=15)


def _mappings_csv() -> str:
    rows = [("category", k, v) for k, v in REVENUE.items()] + [(k, "default", v) for k, v in ACCOUNTS.items()]
    rows += [("customer_group", k, v) for k, v in GROUPS.items()] + [("store", k, v) for k, v in BRANCHES.items()]
    rows.append(LATE_MAPPING)
    lines = ["integration,kind,source_key,target_value"] + [f"commerce-syspro,{k},{s},{t}" for k, s, t in rows]
    return "\n".join(lines) + "\n"


def test_commerce_syspro_through_the_cli_alone(tmp_path: Path) -> None:
    commerce = serve_in_thread(create_emulator("commerce", seed=42, orders=0, customers=4, clock=_Behind()))
    enet = serve_in_thread(create_emulator("syspro-enet", seed=42))  # company without a company password
    try:
        assert enet.app.state.credentials["company_password"] == ""
        config = tmp_path / "ml-connector.toml"
        runner = CliRunner()

        def cli(*args: str, env: dict[str, str] | None = None, input: str | None = None):
            result = runner.invoke(app, [*args, "-c", str(config)], env=env, input=input)
            return result

        assert runner.invoke(app, ["init", "--path", str(config)]).exit_code == 0
        c, e = commerce.app.state.credentials, enet.app.state.credentials
        env = {f"ML_CONNECTOR_SECRET_{k.upper()}": c[k] for k in
               ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}  # fmt: skip
        added = cli("connections", "add", "commerce", "--system", "commerce", "--set",
                    f"base_url={commerce.url}/rest/default", env=env)  # fmt: skip
        assert added.exit_code == 0, added.output
        added = cli("connections", "add", "syspro-enet", "--system", "syspro-enet",
                    "--set", f"base_url={enet.url}/SYSPROWCFService/Rest", "--set", f"operator={e['operator']}",
                    "--set", f"company_id={e['company_id']}", "--secret-stdin", "operator_password",
                    env={"ML_CONNECTOR_SECRET_COMPANY_PASSWORD": ""}, input=e["operator_password"] + "\n")  # fmt: skip
        assert added.exit_code == 0, added.output
        (tmp_path / "map.csv").write_text(_mappings_csv())
        assert cli("mappings", "import", str(tmp_path / "map.csv")).exit_code == 0

        store = commerce.app.state.emulator.store
        for n in range(4):
            store.place_order(store_code=("default", "b2b", "marketplace")[n % 3])
        checked = cli("check", "commerce-syspro", "--json")
        assert checked.exit_code == 0, checked.output
        assert {r["system"] for r in json.loads(checked.stdout)} >= {"Adobe Commerce", "SYSPRO e.net"}
        ran = cli("run", "commerce-syspro", "--json")
        assert ran.exit_code == 0, ran.output
        report = json.loads(ran.stdout)
        assert report["status"] == "succeeded"
        assert next(s for s in report["streams"] if s["stream"] == "sales_order")["loaded"] == 4
        assert len(enet.app.state.emulator.rows("SorMaster")) >= 4

        cancelled = store.place_order(store_code="default")
        store.cancel_order(cancelled["entity_id"])
        again = cli("run", "commerce-syspro", "--json")
        report = json.loads(again.stdout)
        assert report["status"] == "partial" and again.exit_code == 1, again.output
        assert sum(s["failed"] for s in report["streams"]) >= 1
        parked = cli("parked", "--json")
        assert parked.exit_code == 0, parked.output
        failed = [r for r in json.loads(parked.stdout) if r["status"] == "failed"]
        assert failed and "canceled" in failed[0]["reason"]
    finally:
        commerce.stop()
        enet.stop()
