"""Moderation: the ``withdrawals`` table (report withdrawn by an operator, with its reason).

A withdrawn report keeps its row (history) with ``superseded_by = '!withdrawn'``, so lists,
stats, leaderboards and exports leave it out like a superseded one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawals",
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("withdrawals")
