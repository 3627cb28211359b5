"""Reading from the observatory: filters, sorted cursor pagination, detail, export streams.

Every filter becomes a bound parameter of an SQLAlchemy expression: no SQL text is ever built
from user input.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from empreinte.errors import ConfigError
from empreinte.observatory.storage.db import ReportRow
from empreinte.vocabulary import TIERS

__all__ = ["SORTS", "Filters", "decode_cursor", "get_report", "iter_rows", "list_reports"]

SORTS: dict[str, Any] = {
    "created_at": ReportRow.created_at,
    "energy_kwh": ReportRow.energy_kwh,
    "gwp_kgco2e": ReportRow.gwp_kgco2e,
    "energy_per_unit_kwh": ReportRow.energy_per_unit_kwh,
}
"""Sortable columns (prefix ``-`` for descending)."""


@dataclass(frozen=True)
class Filters:
    """Report filters; ``None`` means "any". ``tier`` is an M tier or a list like ``M1,M2``."""

    stage: str | None = None
    task: str | None = None
    model: str | None = None
    hardware: str | None = None
    zone: str | None = None
    tier: str | None = None
    unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    include_superseded: bool = False
    avoided: bool = False  # only reports that declare avoided impacts (report.avoided)

    def key(self) -> tuple[Any, ...]:
        return tuple(asdict(self).values())

    def tiers(self) -> list[str]:
        """The M tiers of ``tier`` (``m1, M2`` -> ``["M1", "M2"]``); an unknown one is refused."""
        tiers = [t.strip().upper() for t in (self.tier or "").split(",") if t.strip()]
        bad = [t for t in tiers if t not in TIERS]
        if bad:
            raise ConfigError(f"tier: unknown {bad[0]!r} (expected M1 to M5)")
        return tiers

    def where(self) -> list[ColumnElement[bool]]:
        c: list[ColumnElement[bool]] = []
        for name in ("stage", "task", "model", "hardware", "zone"):
            v = getattr(self, name)
            if v:
                c.append(getattr(ReportRow, name) == v)
        if self.unit:
            c.append(ReportRow.fu_type == self.unit)
        if self.tier:
            c.append(ReportRow.m_tier.in_(self.tiers()))
        if self.date_from:
            c.append(ReportRow.created_at >= datetime.combine(self.date_from, datetime.min.time()))
        if self.date_to and self.date_to < date.max:  # to=9999-12-31: no upper bound
            end = datetime.combine(self.date_to + timedelta(days=1), datetime.min.time())
            c.append(ReportRow.created_at < end)
        if self.q:
            pattern = "%" + self.q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            pattern += "%"
            c.append(
                or_(
                    ReportRow.model.ilike(pattern, escape="\\"),
                    ReportRow.name.ilike(pattern, escape="\\"),
                    ReportRow.task.ilike(pattern, escape="\\"),
                    ReportRow.hardware.ilike(pattern, escape="\\"),
                )
            )
        if not self.include_superseded:
            c.append(ReportRow.superseded_by.is_(None))
        if self.avoided:  # the stored body is compact JSON: a declared claim opens the list
            c.append(ReportRow.body.contains('"avoided":[{', autoescape=True))
        return c

    def query_string(self) -> dict[str, str]:
        """Non-empty filters as query parameters (for links)."""
        out = {}
        for k, v in asdict(self).items():
            if v not in (None, "", False):
                out[k] = "true" if v is True else str(v)
        return out


def encode_cursor(value: Any, pk: int) -> str:
    v = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([v, pk]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """``(sort value, pk)`` from an opaque cursor; :class:`ConfigError` if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk < 2**63:
            raise ValueError("pk")
        if sort.lstrip("-") == "created_at":
            value = datetime.fromisoformat(value)
            if value.tzinfo is not None:  # stored naive UTC
                value = value.astimezone(UTC).replace(tzinfo=None)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError("value")
        else:
            value = float(value)  # a huge integer would overflow the database's integers
            if not math.isfinite(value):
                raise ValueError("value")
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError, RecursionError):
        raise ConfigError("cursor: not a cursor returned by this API") from None
    return value, pk


def _sorted(stmt: Select[Any], sort: str, cursor: str | None) -> Select[Any]:
    name = sort.lstrip("-")
    if name not in SORTS:
        raise ConfigError(f"sort: unknown {sort!r} (expected one of {', '.join(SORTS)})")
    col = SORTS[name]
    desc = sort.startswith("-")
    if name != "created_at" and name != "energy_kwh":
        stmt = stmt.where(col.is_not(None))
    if cursor:
        v, pk = decode_cursor(cursor, sort)
        if desc:
            stmt = stmt.where(or_(col < v, and_(col == v, ReportRow.pk < pk)))
        else:
            stmt = stmt.where(or_(col > v, and_(col == v, ReportRow.pk > pk)))
    order = (col.desc(), ReportRow.pk.desc()) if desc else (col.asc(), ReportRow.pk.asc())
    return stmt.order_by(*order)


def list_reports(
    session: Session,
    filters: Filters,
    *,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ReportRow], str | None]:
    """One page of reports and the cursor of the next page (``None`` at the end)."""
    stmt = _sorted(select(ReportRow).where(*filters.where()), sort, cursor).limit(limit + 1)
    rows = list(session.scalars(stmt))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        nxt = encode_cursor(getattr(last, sort.lstrip("-")), last.pk)
    return rows, nxt


def get_report(session: Session, report_id: str) -> ReportRow | None:
    return session.scalar(select(ReportRow).where(ReportRow.report_id == report_id))


def iter_rows(session: Session, filters: Filters, batch: int = 2000) -> Iterator[ReportRow]:
    """All matching reports in ``pk`` order, fetched ``batch`` at a time (keyset, no OFFSET)."""
    last = 0
    while True:
        stmt = (
            select(ReportRow)
            .where(*filters.where(), ReportRow.pk > last)
            .order_by(ReportRow.pk)
            .limit(batch)
        )
        rows = list(session.scalars(stmt))
        if not rows:
            return
        yield from rows
        last = rows[-1].pk
        session.expunge_all()
