"""Leaderboard: the ``cohorts`` summary table and the covering index ``ix_reports_board``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LIVE = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("fu_type", sa.String(60), primary_key=True),
        sa.Column("hardware", sa.String(200), primary_key=True),
        sa.Column("precision", sa.String(50), primary_key=True),
        sa.Column("boundary", sa.String(60), primary_key=True),
        sa.Column("m_tier", sa.String(2), primary_key=True),
        sa.Column("quality_metric", sa.String(100), primary_key=True),
        sa.Column("reports", sa.BigInteger(), nullable=False),
        sa.Column("q_max", sa.Float(), nullable=True),
        sa.Column("q_min", sa.Float(), nullable=True),
    )
    op.create_index(
        "ix_reports_board",
        "reports",
        ["task", "fu_type", "hardware", "precision", "boundary", "m_tier", "quality_metric",
         "energy_per_unit_kwh", "quality_value", "report_id", "model"],
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )  # fmt: skip
    from empreinte.observatory.summaries.cohorts import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_reports_board", table_name="reports")
    op.drop_table("cohorts")
