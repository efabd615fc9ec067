"""looker-qad instances, at the wiring level (no Looker or QAD is called): ``looker-qad@emea`` is built
with its own connections and keys its plan and the figure lines' history (what QAD was given, from
which the source re-emits lines at zero and revisions) by its instance, not by the integration's name."""

from __future__ import annotations

from ml_connector.bootstrap import bootstrap
from ml_connector.integrations.looker_qad.streams import FIGURE_LINES
from ml_connector.runtime.service import build
from ml_connector.settings import Settings
from ml_connector.store.deliveries import DeliveryLedger

LINE = "GL spend by plant|2026-11|6000-100"


def test_each_instance_reads_its_own_figure_history(tmp_path) -> None:
    app = bootstrap(
        Settings.model_validate(
            {
                "data_dir": str(tmp_path / "data"),
                "looker-qad@emea": {"looker_connection": "looker-emea", "qad_connection": "qad-emea"},
            }
        ),
        create_keys=True,
    )
    now = app.clock.now()
    for suffix in ("", "-emea"):
        app.connections.put(f"looker{suffix}", "looker", {"base_url": "https://looker.invalid", "client_id": "id"},
                            {"client_secret": "s"}, now)  # fmt: skip
        app.connections.put(
            f"qad{suffix}", "qad",
            {"base_url": "https://qad.invalid", "username": "u", "domain": "10USA", "entity": f"10{suffix or '-us'}"},
            {"password": "p"}, now,
        )  # fmt: skip
    with app.store.engine.begin() as db:  # the default instance gave QAD one line
        DeliveryLedger.settle(db, "looker-qad", FIGURE_LINES, LINE, "h-default", state="delivered", now=now,
                              run_id="r1", target_ref="je:1")  # fmt: skip
    history = {}
    for key in ("looker-qad", "looker-qad@emea"):
        plan = build(app, key)
        try:
            assert plan.name == key and plan.connections["QAD"] == ("qad" if key == "looker-qad" else "qad-emea")
            [stream] = plan.streams
            source, _target = plan.dry_run_parts(stream)
            history[key] = source.delivered(FIGURE_LINES, "GL spend by plant")
        finally:
            plan.close()
    assert history == {"looker-qad": {LINE: ["h-default"]}, "looker-qad@emea": {}}
