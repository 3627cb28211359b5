"""Aggregates: stats, facets and leaderboards, cached per ``meta.data_version``.

The cache lives in the :class:`Aggregates` instance of one app (no module state); any write
bumps ``data_version`` in its transaction, so a cached value is never served after a write,
whichever process made it.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from empreinte.observatory import ranking
from empreinte.observatory.db import Meta, ReportRow
from empreinte.observatory.query import Filters

__all__ = ["Aggregates"]

_MAX_ENTRIES = 256


class Aggregates:
    """Cached aggregate queries over one database."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def _cached(self, session: Session, key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
        version = session.scalar(select(Meta.value).where(Meta.key == "data_version"))
        full = (version, *key)
        if full in self._cache:
            self._cache.move_to_end(full)
            return self._cache[full]
        value = fn()
        self._cache[full] = value
        while len(self._cache) > _MAX_ENTRIES:
            self._cache.popitem(last=False)
        return value

    # -- stats --------------------------------------------------------------------------

    def stats(self, session: Session, filters: Filters) -> dict[str, Any]:
        """Totals and breakdowns by year, stage, hardware and M tier."""
        return dict(
            self._cached(session, ("stats", filters.key()), lambda: _stats(session, filters))
        )

    def facets(self, session: Session) -> dict[str, list[str]]:
        """Distinct values of the filterable columns (for the UI's menus)."""
        return dict(self._cached(session, ("facets",), lambda: _facets(session)))

    def leaderboard(
        self,
        session: Session,
        task: str | None,
        unit: str | None,
        *,
        min_quality: float | None = None,
        gate: float | None = 0.9,
        limit: int = 50,
    ) -> dict[str, Any]:
        key = ("leaderboard", task, unit, min_quality, gate, limit)
        return dict(
            self._cached(
                session,
                key,
                lambda: _leaderboard(session, task, unit, min_quality, gate, limit),
            )
        )


def _sums() -> tuple[Any, ...]:
    return (
        func.count(ReportRow.pk).label("reports"),
        func.sum(ReportRow.energy_kwh).label("energy_kwh"),
        func.sum(ReportRow.gwp_kgco2e).label("gwp_kgco2e"),
        func.sum(ReportRow.water_l).label("water_l"),
    )


def _group(session: Session, col: Any, where: list[Any], name: str) -> list[dict[str, Any]]:
    stmt = select(col.label(name), *_sums()).where(*where).group_by(col)
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    return rows


def _stats(session: Session, filters: Filters) -> dict[str, Any]:
    where = filters.where()
    totals = dict(session.execute(select(*_sums()).where(*where)).one()._mapping)
    by_year = sorted(_group(session, ReportRow.year, where, "year"), key=lambda r: r["year"])
    by_stage = sorted(
        _group(session, ReportRow.stage, where, "stage"), key=lambda r: -(r["energy_kwh"] or 0)
    )
    by_hw = sorted(
        _group(session, ReportRow.hardware, where, "hardware"),
        key=lambda r: -(r["energy_kwh"] or 0),
    )
    by_tier = sorted(_group(session, ReportRow.m_tier, where, "m_tier"), key=lambda r: r["m_tier"])
    return {
        "totals": totals,
        "by_year": by_year,
        "by_stage": by_stage,
        "by_hardware": by_hw[:30],
        "by_tier": by_tier,
    }


def _facets(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    live = ReportRow.superseded_by.is_(None)
    for name in ("stage", "task", "hardware", "zone", "m_tier", "fu_type"):
        col = getattr(ReportRow, name)
        vals = session.scalars(select(col).where(live, col.is_not(None)).distinct().limit(500))
        out[name] = sorted(vals)
    return out


def _boards(session: Session) -> list[dict[str, Any]]:
    stmt = (
        select(ReportRow.task, ReportRow.fu_type, func.count(ReportRow.pk))
        .where(
            ReportRow.superseded_by.is_(None),
            ReportRow.task.is_not(None),
            ReportRow.energy_per_unit_kwh.is_not(None),
        )
        .group_by(ReportRow.task, ReportRow.fu_type)
        .order_by(func.count(ReportRow.pk).desc())
    )
    return [{"task": t, "unit": u, "reports": n} for t, u, n in session.execute(stmt)]


def _entry_dict(e: ranking.Entry) -> dict[str, Any]:
    return {"id": e.id, "energy_per_unit_kwh": e.energy, "quality": e.quality, **e.extra}


def _leaderboard(
    session: Session,
    task: str | None,
    unit: str | None,
    min_quality: float | None,
    gate: float | None,
    limit: int,
) -> dict[str, Any]:
    boards = _boards(session)
    if task is None:
        return {"boards": boards}
    if unit is None:
        units = [b["unit"] for b in boards if b["task"] == task]
        unit = units[0] if units else None
    cols = (
        ReportRow.report_id,
        ReportRow.model,
        ReportRow.hardware,
        ReportRow.precision,
        ReportRow.boundary,
        ReportRow.m_tier,
        ReportRow.energy_per_unit_kwh,
        ReportRow.quality_metric,
        ReportRow.quality_value,
    )
    stmt = select(*cols).where(
        ReportRow.task == task,
        ReportRow.fu_type == unit,
        ReportRow.energy_per_unit_kwh.is_not(None),
        ReportRow.superseded_by.is_(None),
    )
    groups: dict[tuple[str, ...], list[Any]] = {}
    for r in session.execute(stmt):
        key = ranking.cohort_key(r.hardware, r.precision, r.boundary, r.m_tier)
        groups.setdefault(key, []).append(r)
    cohorts = []
    for key, rows in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        metrics = Counter(r.quality_metric for r in rows if r.quality_metric)
        metric = metrics.most_common(1)[0][0] if metrics else None
        higher = ranking.higher_is_better(metric)
        entries = [
            ranking.Entry(
                id=r.report_id,
                energy=r.energy_per_unit_kwh,
                quality=r.quality_value if r.quality_metric == metric else None,
                label=r.model or r.report_id,
                cohort=key,
                extra={"model": r.model},
            )
            for r in rows
        ]
        if metric is None:  # nothing to gate on: rank by energy alone, and say so
            ranked = ranking.rank(entries, require_quality=False)
            threshold = None
        else:
            ranked = ranking.rank(
                entries, min_quality=min_quality, relative_gate=gate, higher=higher
            )
            threshold = ranking.gate_threshold(
                entries, min_quality=min_quality, relative_gate=gate, higher=higher
            )
        cohorts.append(
            {
                "cohort": dict(
                    zip(("hardware", "precision", "boundary", "m_tier"), key, strict=True)
                ),
                "reports": len(rows),
                "quality_metric": metric,
                "higher_is_better": higher,
                "quality_gate": threshold,
                "ranking": [{"rank": x.rank, **_entry_dict(x.entry)} for x in ranked[:limit]],
                "pareto_front": [
                    _entry_dict(e) for e in ranking.pareto_front(entries, higher=higher)
                ],
                "points": [_entry_dict(e) for e in entries[:2000]],
            }
        )
    return {"task": task, "unit": unit, "boards": boards, "cohorts": cohorts[:20]}
