"""The store's tables (SQLAlchemy Core). Alembic revisions in ``migrations/`` create and evolve them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrement needs INTEGER PRIMARY KEY


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back aware on every backend. SQLite keeps no offset, so without
    this its values came back naive while PostgreSQL's came back aware; a naive value given to the store
    is taken as UTC (the only clock here is UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, UtcDateTime(), nullable=nullable)


connections = Table(
    "connections",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("system", String(50), nullable=False),
    Column("settings", JSON, nullable=False),  # non-secret settings (URL, user, company)
    Column("secret_blob", LargeBinary, nullable=False),  # Fernet token of a JSON object of secrets
    _ts("created_at", False),
    _ts("updated_at", False),
    _ts("checked_at"),  # last `ml-connector check` that used it
    Column("check_result", String(300), nullable=True),  # "ok" or the first failure, scrubbed
)

cursors = Table(
    "cursors",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("value", String(100)),
    Column("run_id", String(40)),
    _ts("updated_at", False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("integration", String(100), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # running | succeeded | partial | failed | crashed
    _ts("started_at", False),
    _ts("finished_at"),
    Column("summary", JSON),
    Column("error", Text),
    Column("holder", String(200)),
    Column("trigger", String(20)),  # schedule | webhook | manual | retry | catch-up (None: before 0006)
    _ts("slot"),  # the schedule slot this run serves (None: not scheduled)
)

record_ledger = Table(
    "record_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("integration", String(100), nullable=False),
    Column("stream", String(100), nullable=False),
    Column("source_id", String(300), nullable=False),
    Column("source_ts", String(40)),
    _ts("extracted_at", False),
    _ts("delivered_at"),
    Column("target_ref", String(300)),
    Column("status", String(30), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error", Text),
    Column("content_hash", String(32), nullable=False),
    Column("replay_of", BigInteger),  # the ledger row this replay supersedes
    Index("ix_ledger_lookup", "integration", "stream", "source_id"),
    Index("ix_ledger_run", "run_id"),
    # Replays are rare: a partial index finds "superseded by" without costing bulk loads anything.
    Index(
        "ix_ledger_replay_of",
        "replay_of",
        sqlite_where=text("replay_of IS NOT NULL"),
        postgresql_where=text("replay_of IS NOT NULL"),
    ),
)

# When a bulk load's records were delivered: one row per (run, stream, status) written at the target's
# commit, so a million ledger rows are never rewritten to stamp it. Readers fill an empty
# record_ledger.delivered_at from here.
ledger_commits = Table(
    "ledger_commits",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("status", String(30), primary_key=True),
    Column("integration", String(100), nullable=False),
    _ts("delivered_at", False),
    Column("records", Integer, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("source_id", String(300), primary_key=True),
    Column("content_hash", String(32), primary_key=True),
    Column("state", String(20), nullable=False),  # pending | sending | delivered | failed | parked
    Column("target_ref", String(300)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("run_id", String(40)),
    _ts("updated_at", False),
)

parked = Table(
    "parked",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("integration", String(100), nullable=False),
    Column("stream", String(100), nullable=False),
    Column("source_id", String(300), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("source_ts", String(40)),
    Column("payload", JSON, nullable=False),  # the mapped row, so release needs no re-read
    Column("status", String(20), nullable=False),  # parked | failed | released | superseded
    Column("reason", Text, nullable=False),
    Column("reference", String(100)),  # e.g. "supplier"
    Column("ref_key", String(300)),  # e.g. "0000099"
    Column("attempts", Integer, nullable=False, default=1),
    Column("run_id", String(40), nullable=False),
    _ts("parked_at", False),
    _ts("released_at"),
    Column("release_run_id", String(40)),
    UniqueConstraint("integration", "stream", "source_id", "content_hash", name="uq_parked_record"),
    Index("ix_parked_open", "integration", "status"),
)

mappings = Table(
    "mappings",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("kind", String(50), primary_key=True),  # e.g. customer, sku_gl, tax_gl, store_branch
    Column("source_key", String(300), primary_key=True),
    Column("target_value", String(300), nullable=False),
    _ts("updated_at", False),
)

leases = Table(
    "leases",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    _ts("acquired_at", False),
    _ts("expires_at", False),
    _ts("heartbeat_at"),  # the holder's last renewal; a lease not renewed past expires_at is taken over
)

schedule_state = Table(  # one row per integration instance the scheduler serves
    "schedule_state",
    metadata,
    Column("integration", String(100), primary_key=True),
    _ts("last_slot"),  # newest slot handed to a run (missed slots before it are not run again)
    _ts("retry_at"),  # when the failed run of last_slot is tried again (None: no retry pending)
    Column("attempts", Integer, nullable=False, default=0),
    _ts("updated_at", False),
)

run_requests = Table(  # targeted runs asked for outside the schedule (webhooks, the web UI)
    "run_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("integration", String(100), nullable=False, index=True),
    Column("trigger", String(20), nullable=False),
    Column("reason", Text),
    _ts("requested_at", False),
    _ts("taken_at"),
)

alert_incidents = Table(  # one open incident per (integration, kind): one alert, then one recovery
    "alert_incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("integration", String(100), nullable=False),
    Column("kind", String(30), nullable=False),  # failed | parked | overdue | budget | lockout
    Column("message", Text, nullable=False),
    _ts("opened_at", False),
    _ts("closed_at"),
    Index("ix_alert_incidents_open", "integration", "kind", "closed_at"),
)

sequences = Table(
    "sequences",
    metadata,
    Column("name", String(200), primary_key=True),  # e.g. "x12:ISA:ACME"
    Column("value", BigInteger, nullable=False),
)

# --- sign-in (revision 0005): local and OIDC users, sessions, API tokens, login attempts, the action log ---

users = Table(
    "users",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("role", String(20), nullable=False),  # viewer | operator | admin
    Column("source", String(20), nullable=False),  # local | oidc
    Column("password_hash", String(200)),  # Argon2id; None for OIDC users
    Column("must_change", Boolean, nullable=False),  # one-time password: change it at the next sign-in
    Column("failed_count", Integer, nullable=False),  # consecutive failed sign-ins
    _ts("last_failed_at"),
    _ts("locked_until"),
    _ts("last_sign_in_at"),
    _ts("created_at", False),
    _ts("updated_at", False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's session id (never the id)
    Column("username", String(100), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("address", String(100)),
    _ts("created_at", False),
    _ts("last_seen_at", False),
    Index("ix_web_sessions_user", "username"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("prefix", String(12), nullable=False),  # the first characters, to tell tokens apart
    Column("role", String(20), nullable=False),
    Column("created_by", String(100), nullable=False),
    _ts("created_at", False),
    _ts("last_used_at"),
    _ts("revoked_at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _ts("at", False),
    Column("username", String(100), nullable=False),
    Column("address", String(100), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_address", "address", "at"),
)

action_log = Table(
    "action_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _ts("at", False),
    Column("actor", String(100), nullable=False),  # user name, "token:<name>" or "cli:<os user>"
    Column("address", String(100)),
    Column("action", String(50), nullable=False),  # run_now, replay, ping, sign_in, sign_in_failed, ...
    Column("target", String(300)),
    Column("outcome", String(20), nullable=False),  # ok | refused | failed
    Column("detail", Text),
    Index("ix_action_log_at", "at"),
)

# What a record target last wrote per field (a short hash per field), so an update sends only the fields
# that changed (Pipedrive: organizations and deals). Written in the same step as the delivery.
sent_fields = Table(
    "sent_fields",
    metadata,
    Column("integration", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("source_id", String(300), primary_key=True),
    Column("fields", JSON, nullable=False),  # field name -> hash of the value last sent
    _ts("updated_at", False),
)

# Tokens spent per system per budget day (Pipedrive's daily token budget survives restarts).
token_spend = Table(
    "token_spend",
    metadata,
    Column("system", String(100), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("spent", Integer, nullable=False),
    _ts("updated_at", False),
)

webhook_inbox = Table(  # webhook deliveries that carry their data (looker-qad's pushed rows) until a run takes them
    "webhook_inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("integration", String(100), nullable=False),  # the instance the delivery is for
    Column("subject", String(300), nullable=False),  # what it is about (looker-qad: the figure)
    Column("digest", String(64), nullable=False),  # of the delivery's content: a repeat is recognised by it
    Column("payload", JSON),  # the delivery's data; dropped once a run consumed it (the ledger has the lines)
    Column("state", String(20), nullable=False),  # pending | consumed | superseded
    _ts("received_at", False),
    _ts("consumed_at"),
    Column("run_id", String(40)),  # the run that consumed it
    Index("ix_webhook_inbox_subject", "integration", "subject", "state"),
)
