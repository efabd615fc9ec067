"""The web UI shows each instance's schedule, next run, last success and overdue state; /metrics adds
last-success timestamps, run-duration histograms and parked gauges per integration instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ml_connector.bootstrap import bootstrap
from ml_connector.settings import Settings
from ml_connector.web.app import create_web_app
from web_session import signed_in


def make(tmp_path):
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "schedule": {
                "syspro-looker@plant-b": {"every": "15m", "timezone": "Europe/London", "overdue_after": 2},
                "commerce-syspro": {"every": "1h"},
            },
        }
    )
    app = bootstrap(settings, create_keys=True)
    now = datetime.now(UTC)
    for run_id, name, status, ago, secs in [
        ("r1", "syspro-looker@plant-b", "succeeded", timedelta(hours=2), 12),
        ("r2", "commerce-syspro", "succeeded", timedelta(minutes=10), 3),
        ("r3", "commerce-syspro", "failed", timedelta(minutes=5), 400),
    ]:
        app.store.runs.start(run_id, name, "h:1:x", now - ago, trigger="schedule")
        app.store.runs.finish(run_id, status, {"streams": []}, now - ago + timedelta(seconds=secs))
    return app, now


def test_runs_page_shows_schedule_next_run_and_overdue(tmp_path) -> None:
    app, _now = make(tmp_path)
    page = signed_in(create_web_app(app), app).get("/").text
    b = page[page.index('id="integration-syspro-looker@plant-b"') :]
    b = b[: b.index("</section>")]
    assert "every 15m (Europe/London)" in b and 'data-overdue="yes"' in b and "overdue</span>" in b
    c = page[page.index('id="integration-commerce-syspro"') :]
    c = c[: c.index("</section>")]
    assert "every 1h (UTC)" in c and 'data-overdue="no"' in c and "next run" in c


def test_metrics_per_instance(tmp_path) -> None:
    app, now = make(tmp_path)
    metrics = signed_in(create_web_app(app), app).get("/metrics").text
    last = [line for line in metrics.splitlines() if line.startswith("ml_connector_last_success_timestamp_seconds{")]
    values = {line.split('"')[1]: float(line.split()[-1]) for line in last}
    assert abs(values["syspro-looker@plant-b"] - (now - timedelta(hours=2, seconds=-12)).timestamp()) < 1
    assert abs(values["commerce-syspro"] - (now - timedelta(minutes=10, seconds=-3)).timestamp()) < 1
    assert 'ml_connector_run_duration_seconds_bucket{integration="commerce-syspro",le="5.0"} 1.0' in metrics
    assert 'ml_connector_run_duration_seconds_bucket{integration="commerce-syspro",le="+Inf"} 2.0' in metrics
    assert 'ml_connector_run_duration_seconds_count{integration="syspro-looker@plant-b"} 1.0' in metrics
    assert 'ml_connector_parked_open{integration="syspro-looker@plant-b"} 0.0' in metrics
