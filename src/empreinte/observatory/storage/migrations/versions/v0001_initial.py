"""Initial schema: tokens, reports, meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "reports",
        sa.Column("pk", _BIGINT, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(64), nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(260), nullable=True),
        sa.Column("token_id", sa.Integer(), sa.ForeignKey("tokens.id"), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("task", sa.String(100), nullable=True),
        sa.Column("model", sa.String(300), nullable=True),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("publisher", sa.String(200), nullable=True),
        sa.Column("hardware", sa.String(200), nullable=True),
        sa.Column("hardware_count", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(50), nullable=True),
        sa.Column("boundary", sa.String(60), nullable=False),
        sa.Column("zone", sa.String(40), nullable=False),
        sa.Column("method", sa.String(30), nullable=False),
        sa.Column("m_tier", sa.String(2), nullable=False),
        sa.Column("a_tier", sa.String(2), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("energy_kwh", sa.Float(), nullable=False),
        sa.Column("gwp_kgco2e", sa.Float(), nullable=True),
        sa.Column("water_l", sa.Float(), nullable=True),
        sa.Column("fu_type", sa.String(60), nullable=True),
        sa.Column("fu_count", sa.Float(), nullable=True),
        sa.Column("energy_per_unit_kwh", sa.Float(), nullable=True),
        sa.Column("gwp_per_unit_kgco2e", sa.Float(), nullable=True),
        sa.Column("quality_metric", sa.String(100), nullable=True),
        sa.Column("quality_value", sa.Float(), nullable=True),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_reports_idem", "reports", ["token_id", "idempotency_key"], unique=True)
    op.create_index("ix_reports_created", "reports", ["created_at", "pk"])
    op.create_index("ix_reports_energy", "reports", ["energy_kwh", "pk"])
    op.create_index("ix_reports_stage", "reports", ["stage", "created_at"])
    op.create_index("ix_reports_task", "reports", ["task", "fu_type", "energy_per_unit_kwh"])
    op.create_index("ix_reports_model", "reports", ["model"])
    op.create_index("ix_reports_hardware", "reports", ["hardware"])
    op.create_index("ix_reports_zone", "reports", ["zone"])
    op.create_index("ix_reports_m_tier", "reports", ["m_tier"])
    op.create_index("ix_reports_year", "reports", ["year", "stage"])
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "data_version", "value": 0}])


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("reports")
    op.drop_table("tokens")
