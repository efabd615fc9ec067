"""Prometheus metrics read from the store at scrape time, through a per-app registry (no global state)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ml_connector.integrations.registry import INTEGRATIONS
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
            for row in db.execute(
                select(runs.c.integration, runs.c.status, func.count()).group_by(runs.c.integration, runs.c.status)
            ):
                run_family.add_metric([row[0], row[1]], row[2])
            for row in db.execute(
                select(
                    record_ledger.c.integration, record_ledger.c.stream, record_ledger.c.status, func.count()
                ).group_by(record_ledger.c.integration, record_ledger.c.stream, record_ledger.c.status)
            ):
                record_family.add_metric([row[0], row[1], row[2]], row[3])
            waiting = dict.fromkeys(INTEGRATIONS, 0)
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


def metrics_registry(store: Store) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
