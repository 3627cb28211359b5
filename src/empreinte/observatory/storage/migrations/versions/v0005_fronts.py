"""Leaderboard: the ``fronts`` table (Pareto front of each cohort and quality metric), filled
from the reports already stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fronts",
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("fu_type", sa.String(60), primary_key=True),
        sa.Column("hardware", sa.String(200), primary_key=True),
        sa.Column("precision", sa.String(50), primary_key=True),
        sa.Column("boundary", sa.String(60), primary_key=True),
        sa.Column("m_tier", sa.String(2), primary_key=True),
        sa.Column("quality_metric", sa.String(100), primary_key=True),
        sa.Column("report_id", sa.String(64), primary_key=True),
        sa.Column("energy_per_unit_kwh", sa.Float(), nullable=False),
        sa.Column("quality_value", sa.Float(), nullable=False),
        sa.Column("model", sa.String(300), nullable=True),
    )
    from empreinte.observatory.summaries.fronts import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("fronts")
