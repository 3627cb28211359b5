"""Leaderboard cohorts: a summary table kept at ingestion, and index-backed ranking queries.

``cohorts`` holds one row per (task, functional unit, hardware, precision, boundary, M tier,
quality metric) with the number of live reports and their best and worst quality. Ingestion
adds to it in the same transaction as the reports (an upsert per touched cohort); a
supersession recounts the cohorts it touched from ``reports``. A leaderboard then reads the
summary (which cohorts, which metric, which gate) and, through the partial covering index
``ix_reports_board``, only the rows it shows: the ``limit`` best candidates in energy order,
the Pareto front (one seek per front point) and a bounded set of chart points. No query
reads a whole cohort, so the first call after a write costs as much as any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, delete, func, select
from sqlalchemy.orm import Session

from empreinte import ranking
from empreinte.observatory import fronts
from empreinte.observatory.db import CohortRow, ReportRow

__all__ = [
    "KEY",
    "add_rows",
    "boards",
    "cohort_board",
    "cohort_where",
    "leaderboard",
    "rebuild",
    "recount",
]

KEY = ("task", "fu_type", "hardware", "precision", "boundary", "m_tier", "quality_metric")
"""The columns of a cohort key (``None`` is stored as ``""`` so that the key is unique)."""

_Key = tuple[str, ...]
_Db = Session | Connection


def _key(row: Mapping[str, Any]) -> _Key:
    return tuple("" if row.get(c) is None else str(row[c]) for c in KEY)


def _counted(row: Mapping[str, Any]) -> bool:
    return (
        row.get("superseded_by") is None
        and row.get("task") is not None
        and row.get("energy_per_unit_kwh") is not None
    )


def cohort_where(key: Mapping[str, str]) -> list[ColumnElement[bool]]:
    """Conditions selecting the live reports of one summary key (``""`` matches ``NULL``)."""
    out: list[ColumnElement[bool]] = [
        ReportRow.superseded_by.is_(None),
        ReportRow.energy_per_unit_kwh.is_not(None),
    ]
    for c in KEY:
        col = getattr(ReportRow, c)
        v = key.get(c, "")
        out.append(col.is_(None) if v == "" else col == v)
    return out


def _upsert(session: _Db, values: list[dict[str, Any]], *, add: bool) -> None:
    """Insert summary rows, or on a key conflict add the counts (``add``) or replace them."""
    if not values:
        return
    bind = session.get_bind() if isinstance(session, Session) else session
    dialect = bind.dialect.name
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(CohortRow)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(CohortRow)
    ex = stmt.excluded
    t = CohortRow.__table__.c
    if add:
        updates = {
            "reports": t.reports + ex.reports,
            "q_max": case(
                (t.q_max.is_(None), ex.q_max),
                (and_(ex.q_max.is_not(None), ex.q_max > t.q_max), ex.q_max),
                else_=t.q_max,
            ),
            "q_min": case(
                (t.q_min.is_(None), ex.q_min),
                (and_(ex.q_min.is_not(None), ex.q_min < t.q_min), ex.q_min),
                else_=t.q_min,
            ),
        }
    else:
        updates = {"reports": ex.reports, "q_max": ex.q_max, "q_min": ex.q_min}
    session.execute(stmt.on_conflict_do_update(index_elements=list(KEY), set_=updates), values)


def add_rows(session: _Db, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count newly inserted report rows (column dicts) into their cohorts."""
    acc: dict[_Key, list[Any]] = {}
    for r in rows:
        if not _counted(r):
            continue
        q = r.get("quality_value") if r.get("quality_metric") is not None else None
        a = acc.setdefault(_key(r), [0, None, None])
        a[0] += 1
        if q is not None:
            a[1] = q if a[1] is None else max(a[1], q)
            a[2] = q if a[2] is None else min(a[2], q)
    values = [
        {**dict(zip(KEY, k, strict=True)), "reports": n, "q_max": hi, "q_min": lo}
        for k, (n, hi, lo) in sorted(acc.items())
    ]
    _upsert(session, values, add=True)


def recount(session: _Db, report_ids: Iterable[str]) -> None:
    """Recount, from ``reports``, the cohorts of these reports (after a supersession)."""
    ids = list(report_ids)
    if not ids:
        return
    cols = [getattr(ReportRow, c) for c in KEY]
    keys = {
        _key(dict(zip(KEY, r, strict=True)))
        for r in session.execute(select(*cols).where(ReportRow.report_id.in_(ids)))
    }
    values = []
    for k in sorted(keys):
        named = dict(zip(KEY, k, strict=True))
        n, hi, lo = session.execute(
            select(
                func.count(ReportRow.pk),
                func.max(ReportRow.quality_value),
                func.min(ReportRow.quality_value),
            ).where(*cohort_where(named))
        ).one()
        values.append({**named, "reports": int(n), "q_max": hi, "q_min": lo})
    _upsert(session, values, add=False)


def rebuild(session: _Db) -> None:
    """Recompute the whole summary from ``reports`` (after a bulk load); does not commit."""
    session.execute(delete(CohortRow))
    cols = [func.coalesce(getattr(ReportRow, c), "") for c in KEY]
    stmt = (
        select(
            *cols,
            func.count(ReportRow.pk),
            func.max(ReportRow.quality_value),
            func.min(ReportRow.quality_value),
        )
        .where(
            ReportRow.superseded_by.is_(None),
            ReportRow.task.is_not(None),
            ReportRow.energy_per_unit_kwh.is_not(None),
        )
        .group_by(*cols)
    )
    values = [
        {**dict(zip(KEY, r[:7], strict=True)), "reports": r[7], "q_max": r[8], "q_min": r[9]}
        for r in session.execute(stmt)
    ]
    _upsert(session, values, add=False)


# -- reading a leaderboard ------------------------------------------------------------------

POINTS = 200
"""Chart points per cohort: this many lowest-energy entries, plus the ranking and the front
(a bounded sample: the chart shows where the front lies, not every report)."""

_COLS = (
    ReportRow.report_id,
    ReportRow.model,
    ReportRow.energy_per_unit_kwh,
    ReportRow.quality_value,
)


def boards(session: Session) -> list[dict[str, Any]]:
    """Every (task, functional unit) with live reports, most reports first."""
    n = func.sum(CohortRow.reports)
    stmt = (
        select(CohortRow.task, CohortRow.fu_type, n)
        .where(CohortRow.reports > 0)
        .group_by(CohortRow.task, CohortRow.fu_type)
        .order_by(n.desc(), CohortRow.task, CohortRow.fu_type)
    )
    return [{"task": t, "unit": u or None, "reports": int(c)} for t, u, c in session.execute(stmt)]


def _entries(session: Session, stmt: Any, key: tuple[str, ...]) -> list[ranking.Entry]:
    return [
        ranking.Entry(
            id=r.report_id,
            energy=r.energy_per_unit_kwh,
            quality=r.quality_value,
            label=r.model or r.report_id,
            cohort=key,
            extra={"model": r.model},
        )
        for r in session.execute(stmt)
    ]


def cohort_board(
    session: Session,
    names: dict[str, str],
    metric: str | None,
    best: tuple[float | None, float | None],
    *,
    min_quality: float | None,
    gate: float | None,
    limit: int,
) -> dict[str, Any]:
    """Ranking, Pareto front and chart points of one cohort (``names``: KEY but the metric)."""
    key = ranking.cohort_key(
        names["hardware"] or None, names["precision"] or None,
        names["boundary"] or None, names["m_tier"] or None,
    )  # fmt: skip
    where = cohort_where({**names, "quality_metric": metric or ""})
    e, q = ReportRow.energy_per_unit_kwh, ReportRow.quality_value
    higher = ranking.higher_is_better(metric)
    if metric is None:  # nothing to gate on: rank by energy alone, and say so
        stmt = select(*_COLS).where(*where).order_by(e, ReportRow.report_id).limit(limit)
        ranked = ranking.rank(_entries(session, stmt, key), require_quality=False)
        threshold, front = None, []
    else:
        top = best[0] if higher else best[1]
        probe = [ranking.Entry("", 0.0, top)] if top is not None else []
        threshold = ranking.gate_threshold(
            probe, min_quality=min_quality, relative_gate=gate, higher=higher
        )
        cond: list[ColumnElement[bool]] = [q.is_not(None)]
        if threshold is not None:
            cond.append(q >= threshold if higher else q <= threshold)
        stmt = (
            select(*_COLS)
            .where(*where, *cond)
            .order_by(e, q.desc() if higher else q.asc(), ReportRow.report_id)
            .limit(limit)
        )
        ranked = ranking.rank(_entries(session, stmt, key), min_quality=threshold, higher=higher)
        front = fronts.read(session, (*(names[c] for c in KEY[:-1]), metric))
    stmt = select(*_COLS).where(*where, q.is_not(None)).order_by(e).limit(POINTS)
    points = {p.id: p for p in [*_entries(session, stmt, key), *front]}
    for x in ranked:
        points.setdefault(x.entry.id, x.entry)
    return {
        "cohort": dict(zip(("hardware", "precision", "boundary", "m_tier"), key, strict=True)),
        "quality_metric": metric,
        "higher_is_better": higher,
        "quality_gate": threshold,
        "ranking": [{"rank": x.rank, **_entry_dict(x.entry)} for x in ranked],
        "pareto_front": [_entry_dict(p) for p in front],
        "points": [_entry_dict(p) for p in points.values()],
    }


def _entry_dict(e: ranking.Entry) -> dict[str, Any]:
    return {"id": e.id, "energy_per_unit_kwh": e.energy, "quality": e.quality, **e.extra}


def leaderboard(
    session: Session,
    task: str | None,
    unit: str | None,
    *,
    min_quality: float | None = None,
    gate: float | None = 0.9,
    limit: int = 50,
    max_cohorts: int = 20,
) -> dict[str, Any]:
    """The leaderboard of ``task`` and ``unit`` (the task's largest unit when ``None``)."""
    all_boards = boards(session)
    if task is None:
        return {"boards": all_boards}
    if unit is None:
        units = [b["unit"] for b in all_boards if b["task"] == task]
        unit = units[0] if units else None
    rows = session.scalars(
        select(CohortRow).where(
            CohortRow.task == task, CohortRow.fu_type == (unit or ""), CohortRow.reports > 0
        )
    )
    groups: dict[tuple[str, ...], list[CohortRow]] = {}
    for r in rows:
        groups.setdefault((r.hardware, r.precision, r.boundary, r.m_tier), []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: (-sum(r.reports for r in kv[1]), kv[0]))
    cohorts = []
    for names, parts in ordered[:max_cohorts]:
        with_metric = [r for r in parts if r.quality_metric]
        top = max(with_metric, key=lambda r: (r.reports, r.quality_metric), default=None)
        board = cohort_board(
            session,
            {"task": task, "fu_type": unit or "", **dict(zip(KEY[2:6], names, strict=True))},
            top.quality_metric if top else None,
            (top.q_max, top.q_min) if top else (None, None),
            min_quality=min_quality,
            gate=gate,
            limit=limit,
        )
        cohorts.append({"reports": sum(r.reports for r in parts), **board})
    return {"task": task, "unit": unit, "boards": all_boards, "cohorts": cohorts}
