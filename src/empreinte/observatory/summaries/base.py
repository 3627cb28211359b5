"""What every summary table shares: the protocol ingestion drives, one upsert for SQLite and
PostgreSQL, and the leaderboard key that cohorts and fronts are both kept by.

A summary is a module with four functions (:class:`Summary`); :mod:`.maintain` calls them in
the transaction that changes ``reports``, so a summary is never behind the reports it sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection
from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import ReportRow

__all__ = ["BOARD_KEY", "Db", "Summary", "board_key", "board_where", "upsert"]

Db = Session | Connection
"""Summaries run inside an ORM session (ingestion) or on a connection (migrations)."""


class Summary(Protocol):
    """A summary table kept up to date with ``reports`` (``totals``, ``cohorts``, ``fronts``)."""

    def add_rows(self, session: Db, rows: Iterable[Mapping[str, Any]], /) -> None:
        """Count newly inserted report rows (column dicts), in the same transaction."""

    def retiring(self, session: Db, report_ids: Iterable[str], /) -> None:
        """These live reports are about to be superseded or withdrawn (still live)."""

    def retired(self, session: Db, report_ids: Iterable[str], /) -> None:
        """These reports were just marked superseded or withdrawn."""

    def rebuild(self, session: Db, /) -> None:
        """Recompute the whole table from ``reports`` (bulk load, migration); no commit."""


Updates = Callable[[Any, Any], dict[str, Any]]
"""``(table columns, excluded) -> {column: new value}`` for a key that is already stored."""


def upsert(session: Db, table: Any, key: Iterable[str], values: list[dict[str, Any]],
           updates: Updates) -> None:  # fmt: skip
    """Insert ``values`` into ``table`` (an ORM class); on a conflict on ``key``, set the
    columns ``updates`` gives. One statement per call, on SQLite and PostgreSQL alike."""
    if not values:
        return
    bind = session.get_bind() if isinstance(session, Session) else session
    stmt: Any
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    set_ = updates(table.__table__.c, stmt.excluded)
    session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=set_), values)


BOARD_KEY = ("task", "fu_type", "hardware", "precision", "boundary", "m_tier", "quality_metric")
"""The columns of a leaderboard cohort, the key of ``cohorts`` and ``fronts`` (``None`` is
stored as ``""`` so that the key is unique)."""


def board_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The cohort key of a report row (column dict)."""
    return tuple("" if row.get(c) is None else str(row[c]) for c in BOARD_KEY)


def board_where(key: Mapping[str, str]) -> list[ColumnElement[bool]]:
    """Conditions selecting the live reports of one cohort key (``""`` matches ``NULL``)."""
    out: list[ColumnElement[bool]] = [
        ReportRow.superseded_by.is_(None),
        ReportRow.energy_per_unit_kwh.is_not(None),
    ]
    for c in BOARD_KEY:
        col = getattr(ReportRow, c)
        v = key.get(c, "")
        out.append(col.is_(None) if v == "" else col == v)
    return out
