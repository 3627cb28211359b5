"""Aggregates: stats, facets and leaderboards, cached per ``meta.data_version``.

The cache lives in the :class:`Aggregates` instance of one app (no module state); any write
bumps ``data_version`` in its transaction, so a cached value is never served after a write,
whichever process made it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import Meta, ReportRow
from empreinte.observatory.storage.query import Filters
from empreinte.observatory.summaries import cohorts, knowledge, totals

__all__ = ["Aggregates", "full_stats"]

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

    def memo(self, session: Session, key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
        """``fn()``, cached until the next write (for the analyses pages)."""
        return self._cached(session, ("memo", *key), fn)

    # -- stats --------------------------------------------------------------------------

    def stats(self, session: Session, filters: Filters) -> dict[str, Any]:
        """Totals and breakdowns by year, stage, hardware and M tier (from the ``totals``
        summary when the filters allow, else over ``reports``)."""
        fn = totals.stats if totals.serves(filters) else _stats
        return dict(self._cached(session, ("stats", filters.key()), lambda: fn(session, filters)))

    def knowledge(self, session: Session) -> dict[str, Any]:
        """The home page's state of knowledge (:mod:`empreinte.observatory.summaries.knowledge`)."""
        return dict(
            self._cached(session, ("knowledge",), lambda: knowledge.state_of_knowledge(session))
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
        view: str = "models",
        itl_ms: float | None = None,
    ) -> dict[str, Any]:
        key = ("leaderboard", task, unit, min_quality, gate, limit, view, itl_ms)
        return dict(
            self._cached(
                session,
                key,
                lambda: cohorts.leaderboard(
                    session,
                    task,
                    unit,
                    min_quality=min_quality,
                    gate=gate,
                    limit=limit,
                    view=view,
                    itl_ms=itl_ms,
                ),
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


def full_stats(session: Session, filters: Filters) -> dict[str, Any]:
    """Stats computed over every matching report (no summary)."""
    return _stats(session, filters)


def _stats(session: Session, filters: Filters) -> dict[str, Any]:
    where = filters.where()
    sums = dict(session.execute(select(*_sums()).where(*where)).one()._mapping)
    by_year = sorted(_group(session, ReportRow.year, where, "year"), key=lambda r: r["year"])
    by_stage = sorted(
        _group(session, ReportRow.stage, where, "stage"), key=totals.by_energy("stage")
    )
    by_hw = sorted(
        _group(session, ReportRow.hardware, where, "hardware"), key=totals.by_energy("hardware")
    )
    r = ReportRow
    stmt = (
        select(r.m_tier, r.stage, func.count(r.pk), func.sum(r.energy_kwh))
        .add_columns(func.sum(r.gwp_kgco2e), func.count(r.gwp_kgco2e))
        .add_columns(func.sum(r.water_l), func.count(r.water_l))
        .where(*where)
        .group_by(r.m_tier, r.stage)
    )
    tier_rows = [(t, st, list(rest)) for t, st, *rest in session.execute(stmt)]
    return {
        "totals": sums,
        "by_year": by_year,
        "by_stage": by_stage,
        "by_hardware": by_hw[:30],
        **totals.tier_breakdown(tier_rows),
    }


def _facets(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    live = ReportRow.superseded_by.is_(None)
    for name in ("stage", "task", "hardware", "zone", "m_tier", "fu_type"):
        col = getattr(ReportRow, name)
        vals = session.scalars(select(col).where(live, col.is_not(None)).distinct().limit(500))
        out[name] = sorted(vals)
    return out
