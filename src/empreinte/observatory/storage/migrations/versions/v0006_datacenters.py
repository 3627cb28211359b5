"""Data-centre registry: the ``datacenters`` table, seeded with the operators' published
figures of the reference data, and ``reports.datacenter_id`` (filled from stored reports).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datacenters",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("operator", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("zone", sa.String(40), nullable=False),
        sa.Column("token_id", sa.Integer(), sa.ForeignKey("tokens.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("datacenter_id", sa.String(100), nullable=True))
    op.create_index("ix_reports_datacenter", "reports", ["datacenter_id", "created_at"])
    bind = op.get_bind()
    reports = sa.table("reports", sa.column("pk"), sa.column("body"), sa.column("datacenter_id"))
    for pk, body in bind.execute(sa.select(reports.c.pk, reports.c.body)):
        dc = json.loads(body).get("datacenter") or {}
        site = dc.get("id") or dc.get("preset")
        if site:
            bind.execute(sa.update(reports).where(reports.c.pk == pk).values(datacenter_id=site))
    from sqlalchemy.orm import Session

    from empreinte.observatory.storage.registry import seed_sites
    from empreinte.observatory.storage.store import utcnow

    with Session(bind=bind) as session:
        seed_sites(session, utcnow())
        session.flush()


def downgrade() -> None:
    op.drop_index("ix_reports_datacenter", "reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("datacenter_id")
    op.drop_table("datacenters")
