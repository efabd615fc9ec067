"""Prometheus metrics read from the store at scrape time, through a per-app registry (no global state)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ml_connector.bootstrap import App
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.runtime.pause import login_pause, refused_counts
from ml_connector.store import Store
from ml_connector.store.parking import OPEN
from ml_connector.store.schema import parked, record_ledger, runs


class StoreCollector(Collector):
    """Runs by integration and status, ledger records by status, open parked records: counted on scrape."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        run_family = CounterMetricFamily(
            "ml_connector_runs",
            "Runs recorded in the store, by integration and status.",
            labels=["integration", "status"],
        )
        record_family = CounterMetricFamily(
            "ml_connector_records",
            "Audit ledger rows, by integration, stream and status.",
            labels=["integration", "stream", "status"],
        )
        parked_family = GaugeMetricFamily(
            "ml_connector_parked_open", "Parked or failed records waiting for replay.", labels=["integration"]
        )
        with self._store.engine.connect() as db:
            ran = set()
            for row in db.execute(
                select(runs.c.integration, runs.c.status, func.count()).group_by(runs.c.integration, runs.c.status)
            ):
                run_family.add_metric([row[0], row[1]], row[2])
                ran.add(row[0])
            for row in db.execute(
                select(
                    record_ledger.c.integration, record_ledger.c.stream, record_ledger.c.status, func.count()
                ).group_by(record_ledger.c.integration, record_ledger.c.stream, record_ledger.c.status)
            ):
                record_family.add_metric([row[0], row[1], row[2]], row[3])
            waiting = dict.fromkeys([*INTEGRATIONS, *sorted(ran)], 0)  # every instance that has run, too
            for row in db.execute(
                select(parked.c.integration, func.count())
                .where(parked.c.status.in_(OPEN))
                .group_by(parked.c.integration)
            ):
                waiting[row[0]] = row[1]
            for integration, count in waiting.items():
                parked_family.add_metric([integration], count)
        yield run_family
        yield record_family
        yield parked_family


DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)


class RunTimingCollector(Collector):
    """Per integration instance: the last successful run's end (a timestamp to alert on in Prometheus)
    and a histogram of finished runs' durations."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            "ml_connector_last_success_timestamp_seconds",
            "When the newest succeeded or partial run of the instance finished (Unix time).",
            labels=["integration"],
        )
        durations = HistogramMetricFamily(
            "ml_connector_run_duration_seconds", "Durations of finished runs, per instance.", labels=["integration"]
        )
        finished: dict[str, list[float]] = {}
        with self._store.engine.connect() as db:
            for row in db.execute(
                select(runs.c.integration, func.max(runs.c.finished_at))
                .where(runs.c.status.in_(("succeeded", "partial")))
                .group_by(runs.c.integration)
            ):
                if row[1] is not None:
                    last.add_metric([row[0]], row[1].timestamp())
            for timing in db.execute(
                select(runs.c.integration, runs.c.started_at, runs.c.finished_at).where(runs.c.finished_at.is_not(None))
            ):
                finished.setdefault(timing[0], []).append((timing[2] - timing[1]).total_seconds())
        for integration, values in finished.items():
            buckets = [(str(b), sum(1 for v in values if v <= b)) for b in DURATION_BUCKETS]
            buckets.append(("+Inf", len(values)))
            durations.add_metric([integration], buckets, sum(values))
        yield last
        yield durations


class LoginPauseCollector(Collector):
    """Per integration instance that has run: 1 while its scheduled runs are paused because a connection's
    logins were refused (runtime/pause.py), else 0."""

    def __init__(self, app: App) -> None:
        self._app = app

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "ml_connector_paused",
            "1 while the instance's scheduled runs are paused by refused logins (fix, then `ml-connector check`).",
            labels=["integration"],
        )
        counts = refused_counts(self._app)
        with self._app.store.engine.connect() as db:
            ran = sorted({row[0] for row in db.execute(select(runs.c.integration).distinct())})
        for instance in dict.fromkeys([*INTEGRATIONS, *ran]):
            family.add_metric([instance], 1 if login_pause(self._app, instance, counts) else 0)
        yield family


def metrics_registry(app: App) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(app.store))
    registry.register(RunTimingCollector(app.store))
    registry.register(LoginPauseCollector(app))
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
