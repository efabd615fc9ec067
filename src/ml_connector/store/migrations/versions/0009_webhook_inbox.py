"""webhook_inbox: deliveries a webhook accepted that carry their own data (looker-qad's scheduled plans),
kept until a run (wherever it runs) consumes them

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_webhook_inbox_subject", "webhook_inbox", ["integration", "subject", "state"])


def downgrade() -> None:
    op.drop_index("ix_webhook_inbox_subject", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
