"""The summaries that ingestion keeps, driven as one: storage calls these four functions and
never a summary module by name, so adding a summary table is one module and one row here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from empreinte.observatory.summaries import cohorts, fronts, totals
from empreinte.observatory.summaries.base import Db, Summary

__all__ = ["SUMMARIES", "add_rows", "rebuild", "retired", "retiring"]

SUMMARIES: tuple[Summary, ...] = (cohorts, fronts, totals)
"""In rebuild order: a front is rebuilt from the cohorts that have quality figures."""


def add_rows(session: Db, rows: Sequence[Mapping[str, Any]]) -> None:
    """Count newly inserted report rows (column dicts) into every summary."""
    for s in SUMMARIES:
        s.add_rows(session, rows)


def retiring(session: Db, report_ids: Iterable[str]) -> None:
    """Before marking these live reports superseded or withdrawn."""
    ids = sorted(set(report_ids))
    for s in SUMMARIES:
        s.retiring(session, ids)


def retired(session: Db, report_ids: Iterable[str]) -> None:
    """After marking these reports superseded or withdrawn."""
    ids = sorted(set(report_ids))
    for s in SUMMARIES:
        s.retired(session, ids)


def rebuild(session: Db) -> None:
    """Recompute every summary from ``reports`` (after a bulk load); does not commit."""
    for s in SUMMARIES:
        s.rebuild(session)
