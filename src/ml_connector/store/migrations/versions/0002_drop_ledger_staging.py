"""drop ledger_staging: bulk loads now spill staged records to Arrow files (store/staging.py)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ledger_staging_run_id", table_name="ledger_staging")
    op.drop_table("ledger_staging")


def downgrade() -> None:
    op.create_table(
        "ledger_staging",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.String(length=300), nullable=False),
        sa.Column("source_ts", sa.String(length=40), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
    )
    op.create_index("ix_ledger_staging_run_id", "ledger_staging", ["run_id"], unique=False)
