"""Pareto fronts kept at ingestion: the ``fronts`` table, one row per front point.

For each leaderboard cohort and quality metric (the key of ``cohorts``), ``fronts`` holds the
live reports no other beats on both energy per unit and quality, as
:func:`empreinte.ranking.pareto_front` defines it. A new report can only change the front of
its own key, and the front of (old front + new points) is the front of (every report + new
points), so ingestion reads the few front rows of the keys it touches and writes the
difference, in the same transaction. Retiring a front point (a supersession) recomputes that
key's front from ``reports`` through the covering index. A leaderboard then reads the front
instead of seeking it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.orm import Session

from empreinte import ranking
from empreinte.observatory.storage.db import CohortRow, FrontRow, ReportRow
from empreinte.observatory.summaries.base import BOARD_KEY, Db, board_key, board_where

__all__ = ["add_rows", "read", "rebuild", "retired", "retiring"]

_Key = tuple[str, ...]
_keycols = BOARD_KEY
_key = board_key


def _match(key: _Key) -> Any:
    return and_(*(getattr(FrontRow, c) == v for c, v in zip(_keycols, key, strict=True)))


def _entry(r: Any) -> ranking.Entry:
    return ranking.Entry(
        id=r["report_id"],
        energy=r["energy_per_unit_kwh"],
        quality=r["quality_value"],
        extra={"model": r["model"]},
    )


def _stored(session: Db, key: _Key) -> list[ranking.Entry]:
    stmt = select(
        FrontRow.report_id, FrontRow.energy_per_unit_kwh, FrontRow.quality_value, FrontRow.model
    ).where(_match(key))
    return [_entry(r._mapping) for r in session.execute(stmt)]


def _write(session: Db, key: _Key, old: list[ranking.Entry], new: list[ranking.Entry]) -> None:
    gone = {e.id for e in old} - {e.id for e in new}
    have = {e.id for e in old}
    if gone:
        session.execute(delete(FrontRow).where(_match(key), FrontRow.report_id.in_(sorted(gone))))
    named = dict(zip(_keycols, key, strict=True))
    added = [
        {**named, "report_id": e.id, "energy_per_unit_kwh": e.energy,
         "quality_value": e.quality, "model": e.extra.get("model")}
        for e in new if e.id not in have
    ]  # fmt: skip
    if added:
        session.execute(insert(FrontRow), added)


def add_rows(session: Db, rows: Iterable[Mapping[str, Any]]) -> None:
    """Fold newly inserted report rows (column dicts) into the fronts of their keys."""
    new: dict[_Key, list[ranking.Entry]] = {}
    for r in rows:
        if (
            r.get("superseded_by") is not None
            or r.get("task") is None
            or r.get("energy_per_unit_kwh") is None
            or r.get("quality_metric") is None
            or r.get("quality_value") is None
        ):
            continue
        new.setdefault(_key(r), []).append(_entry({**r, "model": r.get("model")}))
    for key, points in sorted(new.items()):
        old = _stored(session, key)
        higher = ranking.higher_is_better(key[-1])
        _write(session, key, old, ranking.pareto_front([*old, *points], higher=higher))


def _recompute(session: Db, key: _Key) -> list[ranking.Entry]:
    """The front of ``key`` from ``reports``, one index seek per point."""
    higher = ranking.higher_is_better(key[-1])
    where = board_where(dict(zip(_keycols, key, strict=True)))
    q, e = ReportRow.quality_value, ReportRow.energy_per_unit_kwh
    order = (e.asc(), q.desc() if higher else q.asc(), ReportRow.report_id.asc())
    cols = (ReportRow.report_id, e, q, ReportRow.model)
    front: list[ranking.Entry] = []
    cond: list[Any] = [q.is_not(None)]
    while True:
        stmt = select(*cols).where(*where, *cond).order_by(*order).limit(1)
        row = session.execute(stmt).first()
        if row is None:
            return front
        p = _entry(row._mapping)
        front.append(p)
        cond = [e >= p.energy, q > p.quality if higher else q < p.quality]


def retiring(session: Db, report_ids: Iterable[str]) -> None:
    """Nothing to do before a supersession: :func:`retired` recomputes the fronts."""


def retired(session: Db, report_ids: Iterable[str]) -> None:
    """Recompute the fronts these (now superseded) reports were on; call after marking them."""
    ids = sorted(set(report_ids))
    if not ids:
        return
    cols = [getattr(FrontRow, c) for c in _keycols]
    keys = {tuple(r) for r in session.execute(select(*cols).where(FrontRow.report_id.in_(ids)))}
    for key in sorted(keys):
        _write(session, key, _stored(session, key), _recompute(session, key))


def rebuild(session: Db) -> None:
    """Recompute every front from ``reports`` (after a bulk load); does not commit."""
    session.execute(delete(FrontRow))
    cols = [getattr(CohortRow, c) for c in _keycols]
    stmt = select(*cols).where(CohortRow.reports > 0, CohortRow.quality_metric != "")
    for key in sorted(tuple(r) for r in session.execute(stmt)):
        _write(session, key, [], _recompute(session, key))


def read(session: Session, key: _Key) -> list[ranking.Entry]:
    """The stored front of ``key``, in energy order (as :func:`ranking.pareto_front` gives)."""
    return ranking.pareto_front(_stored(session, key), higher=ranking.higher_is_better(key[-1]))
