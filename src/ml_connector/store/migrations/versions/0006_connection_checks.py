"""connections.checked_at / check_result (`connections show` says when last checked); partial index on
record_ledger.replay_of (audit finds the replay that superseded a row without an IN list)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("check_result", sa.String(length=300), nullable=True))
    op.create_index(
        "ix_ledger_replay_of",
        "record_ledger",
        ["replay_of"],
        sqlite_where=sa.text("replay_of IS NOT NULL"),
        postgresql_where=sa.text("replay_of IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_replay_of", table_name="record_ledger")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("check_result")
        batch.drop_column("checked_at")
