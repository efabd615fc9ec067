"""sign-in: users, web_sessions, api_tokens, login_attempts and the action_log

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("must_change", sa.Boolean(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        _ts("last_failed_at"),
        _ts("locked_until"),
        _ts("last_sign_in_at"),
        _ts("created_at", False),
        _ts("updated_at", False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("address", sa.String(100)),
        _ts("created_at", False),
        _ts("last_seen_at", False),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["username"])
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _ts("created_at", False),
        _ts("last_used_at"),
        _ts("revoked_at"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _ts("at", False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("address", sa.String(100), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_address", "login_attempts", ["address", "at"])
    op.create_table(
        "action_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _ts("at", False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("address", sa.String(100)),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(300)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text()),
    )
    op.create_index("ix_action_log_at", "action_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_action_log_at", "action_log")
    op.drop_table("action_log")
    op.drop_index("ix_login_attempts_address", "login_attempts")
    op.drop_table("login_attempts")
    op.drop_table("api_tokens")
    op.drop_index("ix_web_sessions_user", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("users")
