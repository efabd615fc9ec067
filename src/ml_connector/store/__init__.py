"""Persistence: connections, cursors, runs, the record ledger, deliveries, parked records, mappings,
schedule state and run requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ml_connector.secrets.keys import KeyRing
from ml_connector.store.connections import ConnectionStore
from ml_connector.store.cursors import CursorStore
from ml_connector.store.database import open_store
from ml_connector.store.deliveries import DeliveryLedger
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.mappings import MappingStore
from ml_connector.store.parking import ParkedStore
from ml_connector.store.runs import LeaseStore, RunStore
from ml_connector.store.schedules import RunRequestStore, ScheduleStateStore
from ml_connector.store.sequences import SequenceStore


@dataclass
class Store:
    """Every repository over one database engine."""

    engine: Engine
    cursors: CursorStore
    runs: RunStore
    leases: LeaseStore
    ledger: RecordLedger
    deliveries: DeliveryLedger
    parked: ParkedStore
    mappings: MappingStore
    sequences: SequenceStore
    schedule: ScheduleStateStore
    requests: RunRequestStore
    connections: ConnectionStore | None = None

    @classmethod
    def open(cls, url: str, keys: KeyRing | None = None) -> Store:
        engine = open_store(url)
        return cls(
            engine=engine,
            cursors=CursorStore(engine),
            runs=RunStore(engine),
            leases=LeaseStore(engine),
            ledger=RecordLedger(engine),
            deliveries=DeliveryLedger(engine),
            parked=ParkedStore(engine),
            mappings=MappingStore(engine),
            sequences=SequenceStore(engine),
            schedule=ScheduleStateStore(engine),
            requests=RunRequestStore(engine),
            connections=ConnectionStore(engine, keys) if keys else None,
        )
