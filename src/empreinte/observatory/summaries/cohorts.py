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

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, select
from sqlalchemy.orm import Session

from empreinte import ranking
from empreinte.bench.ratings import load_ratings
from empreinte.measure.base import J_PER_KWH
from empreinte.observatory.storage import columns as config
from empreinte.observatory.storage.db import CohortRow, ReportRow
from empreinte.observatory.summaries import fronts
from empreinte.observatory.summaries.base import BOARD_KEY, Db, board_key, board_where, upsert

__all__ = [
    "KEY",
    "add_rows",
    "boards",
    "cohort_board",
    "cohort_where",
    "default_board",
    "leaderboard",
    "rebuild",
    "retired",
    "retiring",
]

KEY = BOARD_KEY
_key = board_key
cohort_where = board_where
_Key = tuple[str, ...]


def _counted(row: Mapping[str, Any]) -> bool:
    return (
        row.get("superseded_by") is None
        and row.get("task") is not None
        and row.get("energy_per_unit_kwh") is not None
    )


def _upsert(session: Db, values: list[dict[str, Any]], *, add: bool) -> None:
    """Insert cohort rows, or on a key conflict add the counts (``add``) or replace them."""

    def updates(t: Any, ex: Any) -> dict[str, Any]:
        if not add:
            return {"reports": ex.reports, "q_max": ex.q_max, "q_min": ex.q_min}
        return {
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

    upsert(session, CohortRow, KEY, values, updates)


def add_rows(session: Db, rows: Iterable[Mapping[str, Any]]) -> None:
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


def retiring(session: Db, report_ids: Iterable[str]) -> None:
    """Nothing to do before a supersession: :func:`retired` recounts from ``reports``."""


def retired(session: Db, report_ids: Iterable[str]) -> None:
    """Recount, from ``reports``, the cohorts of these reports (after a supersession). A report
    without a task is in no cohort (as :func:`add_rows` and :func:`rebuild` count)."""
    ids = list(report_ids)
    if not ids:
        return
    cols = [getattr(ReportRow, c) for c in KEY]
    stmt = select(*cols).where(ReportRow.report_id.in_(ids), ReportRow.task.is_not(None))
    keys = {_key(dict(zip(KEY, r, strict=True))) for r in session.execute(stmt)}
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


def rebuild(session: Db) -> None:
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

VIEWS = ("models", "configurations")
"""``models``: one row per model, its lowest-energy configuration that passes the gate and the
latency constraint; ``configurations``: every configuration (report)."""

CONFIG = ("hardware_count", "max_batch", "parallelism", "itl_ms", "throughput_tok_s")
"""Configuration columns every leaderboard row carries (``gpus`` is ``hardware_count``)."""

_COLS = (
    ReportRow.report_id,
    ReportRow.model,
    ReportRow.energy_per_unit_kwh,
    ReportRow.quality_value,
    *(getattr(ReportRow, c) for c in CONFIG),
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
            extra={
                "model": r.model,
                "gpus": r.hardware_count,
                **{c: getattr(r, c) for c in CONFIG[1:]},
            },
        )
        for r in session.execute(stmt)
    ]


def _order(c: Any, metric: str | None, higher: bool) -> list[Any]:
    """Ranking order over the columns ``c`` (a table's or a subquery's): energy, then the
    better quality, then the id (a stable tie-break)."""
    if metric is None:
        return [c.energy_per_unit_kwh, c.report_id]
    q = c.quality_value
    return [c.energy_per_unit_kwh, q.desc() if higher else q.asc(), c.report_id]


def _best_per_model(stmt: Any, metric: str | None, higher: bool, limit: int) -> Any:
    """``stmt`` reduced to each model's first row in ranking order (reports without a model
    stand alone): one window function, the same on SQLite and PostgreSQL."""
    t = ReportRow.__table__.c
    part = func.coalesce(ReportRow.model, ReportRow.report_id)
    rn = func.row_number().over(partition_by=part, order_by=_order(t, metric, higher))
    sub = stmt.add_columns(rn.label("rn")).subquery()
    cols = [sub.c[c.key] for c in _COLS]
    return select(*cols).where(sub.c.rn == 1).order_by(*_order(sub.c, metric, higher)).limit(limit)


def cohort_board(
    session: Session,
    names: dict[str, str],
    metric: str | None,
    best: tuple[float | None, float | None],
    *,
    min_quality: float | None,
    gate: float | None,
    limit: int,
    view: str = "configurations",
    itl_ms: float | None = None,
) -> dict[str, Any]:
    """Ranking, Pareto front and chart points of one cohort (``names``: KEY but the metric).

    ``itl_ms``: keep only configurations whose median inter-token latency is at most this
    (a report that gives none is left out, and counted). A rated benchmark task
    (:func:`empreinte.observatory.storage.columns.rating_for`) is gated on its fixed minimum unless
    ``min_quality`` is given.
    """
    key = ranking.cohort_key(
        names["hardware"] or None, names["precision"] or None,
        names["boundary"] or None, names["m_tier"] or None,
    )  # fmt: skip
    where = cohort_where({**names, "quality_metric": metric or ""})
    e, q = ReportRow.energy_per_unit_kwh, ReportRow.quality_value
    higher = ranking.higher_is_better(metric)
    latency: list[ColumnElement[bool]] = []
    if itl_ms is not None:
        latency.append(ReportRow.itl_ms <= itl_ms)
    rating = config.rating_for(names["task"])
    rated = rating is not None and metric == rating.gate.metric
    # the gate is the task's on every board; classes are per 1,000 inferences: inference only
    classes = rated and names["fu_type"] == "inference"
    fixed = rated and min_quality is None
    if fixed and rating is not None:
        min_quality, gate = rating.gate.minimum, None
    threshold: float | None = None
    cond: list[ColumnElement[bool]] = [*latency]
    front: list[ranking.Entry] = []
    if metric is not None:
        top = best[0] if higher else best[1]
        probe = [ranking.Entry("", 0.0, top)] if top is not None else []
        threshold = ranking.gate_threshold(
            probe, min_quality=min_quality, relative_gate=gate, higher=higher
        )
        cond.append(q.is_not(None))
        if threshold is not None:
            cond.append(q >= threshold if higher else q <= threshold)
        front = fronts.read(session, (*(names[c] for c in KEY[:-1]), metric))
    stmt = select(*_COLS).where(*where, *cond)
    if view == "models":
        stmt = _best_per_model(stmt, metric, higher, limit)
    else:
        stmt = stmt.order_by(*_order(ReportRow.__table__.c, metric, higher)).limit(limit)
    entries = _entries(session, stmt, key)
    if metric is None:  # nothing to gate on: rank by energy alone, and say so
        ranked = ranking.rank(entries, require_quality=False)
    else:
        ranked = ranking.rank(entries, min_quality=threshold, higher=higher)
    counts = session.execute(
        select(func.count(), func.count(ReportRow.itl_ms), func.count(func.distinct(
            func.coalesce(ReportRow.model, ReportRow.report_id)
        ))).where(*where, *latency)
    ).one()  # fmt: skip
    drawn = q.is_not(None) if metric is not None else ReportRow.itl_ms.is_not(None)
    stmt = select(*_COLS).where(*where, *latency, drawn).order_by(e).limit(POINTS)
    points = {p.id: p for p in [*_entries(session, stmt, key), *front]}
    for x in ranked:
        points.setdefault(x.entry.id, x.entry)
    rows = [{"rank": x.rank, **_entry_dict(x.entry)} for x in ranked]
    below: list[dict[str, Any]] = []
    if metric is not None and threshold is not None:  # shown apart, never ranked
        fail = q < threshold if higher else q > threshold
        stmt = select(*_COLS).where(*where, *latency, fail)
        stmt = (
            _best_per_model(stmt, metric, higher, limit)
            if view == "models"
            else stmt.order_by(*_order(ReportRow.__table__.c, metric, higher)).limit(limit)
        )
        below = [{"rank": None, **_entry_dict(x)} for x in _entries(session, stmt, key)]
    if classes and rating is not None:
        _rate(session, rating, rows + below)
    return {
        "cohort": dict(zip(("hardware", "precision", "boundary", "m_tier"), key, strict=True)),
        "quality_metric": metric,
        "higher_is_better": higher,
        "quality_gate": threshold,
        "gate_source": _gate_source(fixed, names["task"], metric, threshold, min_quality, gate),
        "classes": classes,
        "view": view,
        "itl_ms": itl_ms,
        "candidates": int(counts[0]),
        "models": int(counts[2]),
        "with_latency": int(counts[1]),
        "ranking": rows,
        "below_gate": below,
        "pareto_front": [_entry_dict(p) for p in front],
        "points": [_entry_dict(p) for p in points.values()],
    }


def _gate_source(
    rated: bool,
    task: str,
    metric: str | None,
    threshold: float | None,
    min_quality: float | None,
    gate: float | None,
) -> str | None:
    """Where the quality gate comes from, in words."""
    if metric is None or threshold is None:
        return None
    if rated:
        return f"fixed rating v{load_ratings().version} of {task}: {metric} ≥ {threshold:g}"
    if min_quality is not None:
        return f"min_quality {min_quality:g}"
    return f"relative: {gate:g} × the best {metric}"


def _rate(session: Session, rating: Any, rows: list[dict[str, Any]]) -> None:
    """Energy class and repeat interval of the rows of a rated benchmark task, as
    ``empreinte bench leaderboard`` gives them (same mean, same rule: ``TaskRating.rate``)."""
    ids = [r["id"] for r in rows]
    bodies = dict(
        session.execute(select(ReportRow.report_id, ReportRow.body).where(
            ReportRow.report_id.in_(ids)
        )).all()
    )  # fmt: skip
    for r in rows:
        stat = (json.loads(bodies[r["id"]]).get("statistics") or {}).get(
            "energy_per_1000_inferences_wh"
        ) or {}
        mean = stat.get("mean")
        wh = float(mean) if mean is not None else r["energy_per_unit_kwh"] * 1e6
        passed, cls = rating.rate(wh, r["quality"])
        r.update(
            energy_wh_per_1000=wh,
            ci_low_wh_per_1000=stat.get("ci_low"),
            ci_high_wh_per_1000=stat.get("ci_high"),
            passed_gate=passed,
            energy_class=cls,
        )


def _entry_dict(e: ranking.Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "energy_per_unit_kwh": e.energy,
        "energy_per_unit_j": e.energy * J_PER_KWH,
        "quality": e.quality,
        **e.extra,
    }


def default_board(all_boards: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The board a bare ``/leaderboard`` opens on: the one with the most reports."""
    if not all_boards:
        return None, None
    return all_boards[0]["task"], all_boards[0]["unit"]


def leaderboard(
    session: Session,
    task: str | None,
    unit: str | None,
    *,
    min_quality: float | None = None,
    gate: float | None = 0.9,
    limit: int = 50,
    max_cohorts: int = 20,
    view: str = "models",
    itl_ms: float | None = None,
) -> dict[str, Any]:
    """The leaderboard of ``task`` and ``unit`` (the task's largest unit when ``None``; the
    largest board when ``task`` is ``None``)."""
    all_boards = boards(session)
    if task is None:
        task, unit = default_board(all_boards)
        if task is None:
            return {
                "task": None, "unit": None, "view": view, "itl_ms": itl_ms,
                "boards": all_boards, "cohorts": [],
            }  # fmt: skip
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
            view=view,
            itl_ms=itl_ms,
        )
        cohorts.append({"reports": sum(r.reports for r in parts), **board})
    return {
        "task": task,
        "unit": unit,
        "view": view,
        "itl_ms": itl_ms,
        "boards": all_boards,
        "cohorts": cohorts,
    }
