"""ledger_commits (one delivery time per bulk load) and record_state without a rowid on SQLite

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATE_COLUMNS = "integration, stream, source_id, content_hash, target_ref, updated_at"


def upgrade() -> None:
    op.create_table(
        "ledger_commits",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "stream", "status"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_state(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_state(with_rowid=True)
    op.drop_table("ledger_commits")


def _rebuild_state(*, with_rowid: bool) -> None:
    """SQLite cannot change a table's rowid in place: copy it into a rebuilt one."""
    op.execute(
        "CREATE TABLE record_state_new (integration VARCHAR(100) NOT NULL, stream VARCHAR(100) NOT NULL, "
        "source_id VARCHAR(300) NOT NULL, content_hash VARCHAR(32) NOT NULL, target_ref VARCHAR(300), "
        "updated_at DATETIME NOT NULL, PRIMARY KEY (integration, stream, source_id))"
        + ("" if with_rowid else " WITHOUT ROWID")
    )
    op.execute(f"INSERT INTO record_state_new ({_STATE_COLUMNS}) SELECT {_STATE_COLUMNS} FROM record_state")
    op.execute("DROP TABLE record_state")
    op.execute("ALTER TABLE record_state_new RENAME TO record_state")
