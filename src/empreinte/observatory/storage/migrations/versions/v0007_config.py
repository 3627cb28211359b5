"""Leaderboard: serving configuration columns (max batch, parallelism, median inter-token
latency, throughput) read from each stored report's counters, and the rated quality metric
for benchmark tasks; the cohort and front summaries are rebuilt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLS = ("max_batch", "parallelism", "itl_ms", "throughput_tok_s")
_BATCH = 2000


def upgrade() -> None:
    op.add_column("reports", sa.Column("max_batch", sa.Float(), nullable=True))
    op.add_column("reports", sa.Column("parallelism", sa.String(60), nullable=True))
    op.add_column("reports", sa.Column("itl_ms", sa.Float(), nullable=True))
    op.add_column("reports", sa.Column("throughput_tok_s", sa.Float(), nullable=True))
    from empreinte.observatory.storage.columns import config_columns, quality_column
    from empreinte.observatory.summaries import cohorts, fronts

    bind = op.get_bind()
    reports = sa.table(
        "reports",
        sa.column("pk"),
        sa.column("task"),
        sa.column("body"),
        sa.column("quality_metric"),
        sa.column("quality_value"),
        *(sa.column(c) for c in _COLS),
    )
    stmt = (
        reports.update()
        .where(reports.c.pk == sa.bindparam("k"))
        .values({c: sa.bindparam(c) for c in (*_COLS, "quality_metric", "quality_value")})
    )
    last = -1
    while True:  # in batches by primary key: constant memory on a large database
        rows = bind.execute(
            sa.select(reports.c.pk, reports.c.task, reports.c.body)
            .where(reports.c.pk > last)
            .order_by(reports.c.pk)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        updates = []
        for pk, task, body in rows:
            d = json.loads(body)
            vals = config_columns(d.get("counters") or {})
            metric, value = quality_column(task, d.get("quality_metrics") or {})
            if any(v is not None for v in vals.values()) or metric is not None:
                updates.append({"k": pk, **vals, "quality_metric": metric, "quality_value": value})
        if updates:
            bind.execute(stmt, updates)
    cohorts.rebuild(bind)
    fronts.rebuild(bind)


def downgrade() -> None:
    with op.batch_alter_table("reports") as b:
        for c in reversed(_COLS):
            b.drop_column(c)
