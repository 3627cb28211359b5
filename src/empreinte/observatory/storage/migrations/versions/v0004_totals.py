"""Stats: the ``totals`` summary table (sums of live reports per year, stage, task, unit,
hardware and M tier), filled from the reports already stored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "totals",
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(40), primary_key=True),
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("fu_type", sa.String(60), primary_key=True),
        sa.Column("hardware", sa.String(200), primary_key=True),
        sa.Column("m_tier", sa.String(2), primary_key=True),
        sa.Column("reports", sa.BigInteger(), nullable=False),
        sa.Column("energy_kwh", sa.Float(), nullable=False),
        sa.Column("gwp_kgco2e", sa.Float(), nullable=False),
        sa.Column("gwp_n", sa.BigInteger(), nullable=False),
        sa.Column("water_l", sa.Float(), nullable=False),
        sa.Column("water_n", sa.BigInteger(), nullable=False),
    )
    from empreinte.observatory.summaries.totals import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("totals")
