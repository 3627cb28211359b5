"""Filters: ``ix_reports_filter`` (live reports by stage, task and M tier, newest first).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LIVE = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_reports_filter",
        "reports",
        ["stage", "task", "m_tier", "created_at", "pk"],
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_filter", table_name="reports")
