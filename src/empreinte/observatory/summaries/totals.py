"""Stats summary: the ``totals`` table kept at ingestion, and stats read from it.

``totals`` holds one row per (year, stage, task, functional unit, hardware, M tier) with the
number of live reports and their summed energy, GWP and water. Ingestion adds the new rows in
the same transaction as the reports (one upsert per touched key); a supersession subtracts the
report it retires before marking it. ``/api/v1/stats`` and the home page then sum a few hundred
summary rows instead of every report, so the first call after a write is as fast as any other.
Filters the summary cannot answer (model, zone, dates, text, superseded reports) fall back to
the full aggregate over ``reports``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import ReportRow, TotalRow
from empreinte.observatory.storage.query import Filters
from empreinte.observatory.summaries.base import Db, upsert
from empreinte.vocabulary import TIERS

__all__ = [
    "KEY",
    "TRUST",
    "add_rows",
    "by_energy",
    "rebuild",
    "retired",
    "retiring",
    "serves",
    "stats",
    "tier_breakdown",
]

TRUST: dict[str, tuple[str, ...]] = {
    "measured": ("M1", "M2", "M3"),
    "estimated": ("M4",),
    "declared": ("M5",),
}
"""The three kinds of numbers that are never added together (methodology.md, M tiers)."""

KEY = ("year", "stage", "task", "fu_type", "hardware", "m_tier")
"""The columns of a summary key (``None`` is stored as ``""`` so that the key is unique)."""

_SUMS = ("reports", "energy_kwh", "gwp_kgco2e", "gwp_n", "water_l", "water_n")
_Key = tuple[Any, ...]


def _key(row: Mapping[str, Any]) -> _Key:
    return tuple(
        row[c] if c == "year" else ("" if row.get(c) is None else str(row[c])) for c in KEY
    )


def _upsert(session: Db, values: list[dict[str, Any]], *, add: bool) -> None:
    """Insert summary rows, or on a key conflict add the sums (``add``) or replace them."""

    def updates(t: Any, ex: Any) -> dict[str, Any]:
        if not add:
            return {c: getattr(ex, c) for c in _SUMS}
        empty = t.reports + ex.reports <= 0  # back to nothing: no float residue
        return {c: case((empty, 0), else_=getattr(t, c) + getattr(ex, c)) for c in _SUMS}

    upsert(session, TotalRow, KEY, values, updates)


def _accumulate(rows: Iterable[Mapping[str, Any]], sign: int) -> list[dict[str, Any]]:
    acc: dict[_Key, list[Any]] = {}
    for r in rows:
        if r.get("superseded_by") is not None:
            continue
        a = acc.setdefault(_key(r), [0, 0.0, 0.0, 0, 0.0, 0])
        a[0] += sign
        a[1] += sign * r["energy_kwh"]
        if r.get("gwp_kgco2e") is not None:
            a[2] += sign * r["gwp_kgco2e"]
            a[3] += sign
        if r.get("water_l") is not None:
            a[4] += sign * r["water_l"]
            a[5] += sign
    return [
        {**dict(zip(KEY, k, strict=True)), **dict(zip(_SUMS, v, strict=True))}
        for k, v in sorted(acc.items())
    ]


def add_rows(session: Db, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count newly inserted live report rows (column dicts) into the summary."""
    _upsert(session, _accumulate(rows, 1), add=True)


_ROW_COLS = [getattr(ReportRow, c) for c in (*KEY, "energy_kwh", "gwp_kgco2e", "water_l")]


def retiring(session: Db, report_ids: Iterable[str]) -> None:
    """Take these reports out of the summary if they are live; call it before retiring them."""
    ids = sorted(set(report_ids))
    if not ids:
        return
    stmt = select(*_ROW_COLS).where(ReportRow.report_id.in_(ids), ReportRow.superseded_by.is_(None))
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    _upsert(session, _accumulate(rows, -1), add=True)


def retired(session: Db, report_ids: Iterable[str]) -> None:
    """Nothing to do after a supersession: :func:`retiring` took the reports out."""


def rebuild(session: Db) -> None:
    """Recompute the whole summary from ``reports`` (after a bulk load); does not commit."""
    session.execute(delete(TotalRow))
    cols = [
        ReportRow.year if c == "year" else func.coalesce(getattr(ReportRow, c), "") for c in KEY
    ]
    stmt = (
        select(
            *cols,
            func.count(ReportRow.pk),
            func.coalesce(func.sum(ReportRow.energy_kwh), 0.0),
            func.coalesce(func.sum(ReportRow.gwp_kgco2e), 0.0),
            func.count(ReportRow.gwp_kgco2e),
            func.coalesce(func.sum(ReportRow.water_l), 0.0),
            func.count(ReportRow.water_l),
        )
        .where(ReportRow.superseded_by.is_(None))
        .group_by(*cols)
    )
    n = len(KEY)
    values = [
        {**dict(zip(KEY, r[:n], strict=True)), **dict(zip(_SUMS, r[n:], strict=True))}
        for r in session.execute(stmt)
    ]
    _upsert(session, values, add=False)


# -- reading stats --------------------------------------------------------------------------


def serves(filters: Filters) -> bool:
    """Whether the summary can answer stats under ``filters``."""
    return not (
        filters.model
        or filters.zone
        or filters.date_from
        or filters.date_to
        or filters.q
        or filters.include_superseded
        or filters.avoided
    )


def _where(filters: Filters) -> list[Any]:
    c: list[Any] = [TotalRow.reports > 0]
    for name in ("stage", "task", "hardware"):
        v = getattr(filters, name)
        if v:
            c.append(getattr(TotalRow, name) == v)
    if filters.unit:
        c.append(TotalRow.fu_type == filters.unit)
    if filters.tier:
        c.append(TotalRow.m_tier.in_(filters.tiers()))
    return c


def _out(name: str | None, value: Any, sums: list[Any]) -> dict[str, Any]:
    n, energy, gwp, gwp_n, water, water_n = sums
    out = {name: value} if name else {}
    out.update(
        reports=int(n),
        energy_kwh=float(energy) if n else None,
        gwp_kgco2e=float(gwp) if gwp_n else None,
        water_l=float(water) if water_n else None,
    )
    return out


def stats(session: Session, filters: Filters) -> dict[str, Any]:
    """Totals and breakdowns by year, stage, hardware and M tier, from the summary."""
    total = [0, 0.0, 0.0, 0, 0.0, 0]
    groups: dict[str, dict[Any, list[Any]]] = {"year": {}, "stage": {}, "hardware": {}}
    stmt = select(*(getattr(TotalRow, c) for c in (*KEY, *_SUMS))).where(*_where(filters))
    tier_rows: list[tuple[str, str, list[Any]]] = []
    for r in session.execute(stmt):
        row = r._mapping
        sums = [row[c] for c in _SUMS]
        tier_rows.append((row["m_tier"], row["stage"], sums))
        for i, v in enumerate(sums):
            total[i] += v
        for g, acc in groups.items():
            k = row[g] if g in ("year", "stage") else (row[g] or None)
            a = acc.setdefault(k, [0, 0.0, 0.0, 0, 0.0, 0])
            for i, v in enumerate(sums):
                a[i] += v

    def listed(g: str) -> list[dict[str, Any]]:
        return [_out(g, k, v) for k, v in groups[g].items()]

    return {
        "totals": _out(None, None, total),
        "by_year": sorted(listed("year"), key=lambda r: r["year"]),
        "by_stage": sorted(listed("stage"), key=by_energy("stage")),
        "by_hardware": sorted(listed("hardware"), key=by_energy("hardware"))[:30],
        **tier_breakdown(tier_rows),
    }


def _zero() -> list[Any]:
    return [0, 0.0, 0.0, 0, 0.0, 0]


def _add(acc: list[Any], sums: list[Any]) -> None:
    for i, v in enumerate(sums):
        acc[i] += v or 0


def tier_breakdown(rows: Iterable[tuple[str, str, list[Any]]]) -> dict[str, Any]:
    """``by_tier`` (``M1``…``M5``, each with its stages) and ``by_trust`` (measured M1–M3,
    estimated M4, declared M5, each with its stages) from ``(m_tier, stage, sums)`` rows,
    ``sums`` as in ``_SUMS``. A tier with no report has ``reports: 0`` and no sums (None)."""
    tiers: dict[str, dict[str, list[Any]]] = {t: {} for t in TIERS}
    for tier, stage, sums in rows:
        _add(tiers.setdefault(tier, {}).setdefault(stage, _zero()), sums)

    def block(stages: dict[str, list[Any]]) -> dict[str, Any]:
        total = _zero()
        for v in stages.values():
            _add(total, v)
        listed = [_out("stage", k, v) for k, v in stages.items()]
        return {**_out(None, None, total), "by_stage": sorted(listed, key=by_energy("stage"))}

    by_tier = {t: block(tiers[t]) for t in sorted(tiers)}
    by_trust = {}
    for name, members in TRUST.items():
        merged: dict[str, list[Any]] = {}
        for t in members:
            for stage, v in tiers[t].items():
                _add(merged.setdefault(stage, _zero()), v)
        by_trust[name] = {"tiers": list(members), **block(merged)}
    return {"by_tier": by_tier, "by_trust": by_trust}


def by_energy(name: str) -> Any:
    """Most energy first; ties by name (``None`` last)."""
    return lambda r: (-(r["energy_kwh"] or 0), r[name] is None, r[name] or "")
