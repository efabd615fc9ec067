"""ledger_commits (one delivery time per bulk load); record_state dropped (the ledger answers its questions)

The last delivered hash of a record is its newest loaded or released ledger row, and the target reference
of a record sent one at a time is in ``deliveries``: nothing read ``record_state`` any more.

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
    op.drop_table("record_state")


def downgrade() -> None:
    op.create_table(  # as revision 0001 made it; rows come back as records are delivered again
        "record_state",
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.String(length=300), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("target_ref", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("integration", "stream", "source_id"),
    )
    op.drop_table("ledger_commits")
