"""Runtime: run trigger and slot, lease heartbeat, schedule state, run requests, alert incidents

Existing stores move forward unchanged in meaning: runs before this revision have no trigger (shown as
``manual``), and every existing row belongs to the default instance of its integration (an instance
``name@x`` keys its own rows as ``name@x``, so nothing needs rewriting).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("trigger", sa.String(length=20), nullable=True))
        runs.add_column(_ts("slot"))
    with op.batch_alter_table("leases") as leases:
        leases.add_column(_ts("heartbeat_at"))
    op.create_table(
        "schedule_state",
        sa.Column("integration", sa.String(length=100), primary_key=True),
        _ts("last_slot"),
        _ts("retry_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("updated_at", False),
    )
    op.create_table(
        "run_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("integration", sa.String(length=100), nullable=False, index=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _ts("requested_at", False),
        _ts("taken_at"),
    )
    op.create_table(
        "alert_incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _ts("opened_at", False),
        _ts("closed_at"),
    )
    op.create_index("ix_alert_incidents_open", "alert_incidents", ["integration", "kind", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_incidents_open", table_name="alert_incidents")
    op.drop_table("alert_incidents")
    op.drop_table("run_requests")
    op.drop_table("schedule_state")
    with op.batch_alter_table("leases") as leases:
        leases.drop_column("heartbeat_at")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("slot")
        runs.drop_column("trigger")
