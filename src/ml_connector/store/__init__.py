"""Persistence: connections, cursors, runs, the record ledger, deliveries, parked records, mappings,
schedule state, run requests and the webhook inbox, and the console's users, sessions, API tokens and action log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ml_connector.secrets.keys import KeyRing
from ml_connector.store.actions import ActionLog
from ml_connector.store.connections import ConnectionStore
from ml_connector.store.cursors import CursorStore
from ml_connector.store.database import open_store
from ml_connector.store.deliveries import DeliveryLedger
from ml_connector.store.inbox import WebhookInbox
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.mappings import MappingStore
from ml_connector.store.parking import ParkedStore
from ml_connector.store.runs import LeaseStore, RunStore
from ml_connector.store.schedules import RunRequestStore, ScheduleStateStore
from ml_connector.store.sequences import SequenceStore
from ml_connector.store.tokens import TokenStore
from ml_connector.store.users import LoginAttemptStore, SessionStore, UserStore


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
    users: UserStore
    sessions: SessionStore
    tokens: TokenStore
    attempts: LoginAttemptStore
    actions: ActionLog
    inbox: WebhookInbox
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
            users=UserStore(engine),
            sessions=SessionStore(engine),
            tokens=TokenStore(engine),
            attempts=LoginAttemptStore(engine),
            actions=ActionLog(engine),
            inbox=WebhookInbox(engine),
            connections=ConnectionStore(engine, keys) if keys else None,
        )
