"""Operating an observatory database: open, migrate, seed, dump and load (full backups)."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from empreinte.errors import DataError, ServerError
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store
from empreinte.observatory.storage.db import (
    ReportRow,
    TokenRow,
    WithdrawalRow,
    make_engine,
    make_sessionmaker,
    open_error,
)
from empreinte.observatory.summaries import maintain as summaries
from empreinte.report.models import MAX_MAGNITUDE, Report

__all__ = ["DUMP_FORMAT", "count_reports", "dump", "load", "open_db", "seed", "unstorable"]

DUMP_FORMAT = "empreinte.observatory.dump/1"
_REPORT_COLS = [c.name for c in ReportRow.__table__.columns if c.name not in ("pk", "token_id")]
_TOKEN_COLS = [c.name for c in TokenRow.__table__.columns if c.name != "id"]
_WITHDRAWAL_COLS = [c.name for c in WithdrawalRow.__table__.columns]


def open_db(settings: Settings, *, migrate: bool = True) -> sessionmaker[Session]:
    """Sessions over ``settings.database_url``, the schema migrated to the latest revision."""
    engine = make_engine(settings.database_url, busy_timeout_s=settings.busy_timeout_s)
    try:
        if migrate:
            from empreinte.observatory.storage.migrate import upgrade

            upgrade(engine)
        else:
            with engine.connect():
                pass
    except SQLAlchemyError as exc:
        engine.dispose()
        raise open_error(exc, settings.database_url) from None
    return make_sessionmaker(engine)


def count_reports(session: Session) -> int:
    return int(session.scalar(select(func.count(ReportRow.pk))) or 0)


def _seed_reports() -> Iterator[Report]:
    try:
        from empreinte.observatory.seed import iter_seed_reports
    except ImportError:
        raise ServerError(
            "the bundled seed dataset (empreinte.observatory.seed) is not in this build"
        ) from None
    return iter_seed_reports()


def seed(session: Session, batch: int = 500) -> tuple[int, int]:
    """Load the bundled published figures; returns ``(created, already present)``."""
    created = existing = 0
    chunk: list[tuple[Report, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal created, existing
        res = store.ingest(session, chunk, token_id=None)
        created += sum(r.created for r in res)
        existing += sum(not r.created for r in res)
        chunk.clear()

    for rep in _seed_reports():
        chunk.append((rep, json.loads(rep.model_dump_json(exclude_none=True))))
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    return created, existing


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def _ser(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _finite(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in rec.items()}


def dump(session: Session, path: Path) -> tuple[int, int]:
    """Write every token (hashed) and report with its server-side state; ``(tokens, reports)``."""
    names: dict[int | None, str] = dict(session.execute(select(TokenRow.id, TokenRow.name)).all())
    n_tok = n_rep = 0
    with _open(path, "w") as f:
        f.write(json.dumps({"format": DUMP_FORMAT, "exported_at": store.utcnow().isoformat()}))
        f.write("\n")
        for t in session.scalars(select(TokenRow).order_by(TokenRow.id)):
            rec = {"type": "token", **{c: _ser(getattr(t, c)) for c in _TOKEN_COLS}}
            f.write(json.dumps(rec, allow_nan=False) + "\n")
            n_tok += 1
        from empreinte.observatory.storage.query import Filters, iter_rows

        for row in iter_rows(session, Filters(include_superseded=True)):
            rec = {"type": "report", "token": names.get(row.token_id)}
            rec.update({c: _ser(getattr(row, c)) for c in _REPORT_COLS})
            # standard JSON: a non-finite number (from an old database) is written as null,
            # and the row is then named and skipped by load, never a file nothing can read
            f.write(json.dumps(_finite(rec), ensure_ascii=False, allow_nan=False) + "\n")
            n_rep += 1
        for w in session.scalars(select(WithdrawalRow).order_by(WithdrawalRow.report_id)):
            rec = {"type": "withdrawal", **{c: _ser(getattr(w, c)) for c in _WITHDRAWAL_COLS}}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return n_tok, n_rep


def _records(f: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    it = iter(f)
    try:
        head = json.loads(next(it, "{}") or "{}")
    except (ValueError, UnicodeDecodeError):
        head = None
    if not isinstance(head, dict) or head.get("format") != DUMP_FORMAT:
        raise DataError(f"not an observatory dump (expected format {DUMP_FORMAT!r})")
    for n, line in enumerate(it, 2):
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"dump line {n}: {exc}") from None
            if not isinstance(rec, dict):
                raise DataError(f"dump line {n}: not a record")
            yield n, rec


def _dt(v: Any) -> Any:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


_LENGTHS = {
    c.name: getattr(c.type, "length", None)
    for c in ReportRow.__table__.columns
    if isinstance(getattr(c.type, "length", None), int)
}


def unstorable(vals: dict[str, Any]) -> str | None:
    """Why a report row of a dump cannot be stored in every database, or ``None``.

    Old SQLite databases may hold text that PostgreSQL refuses (NUL characters, values longer
    than the column); such a row is skipped and named, never half-loaded.
    """
    for k, v in vals.items():
        if isinstance(v, str):
            if "\x00" in v:
                return f"{k}: holds a NUL character"
            n = _LENGTHS.get(k)
            if n is not None and len(v) > n:
                return f"{k}: {len(v)} characters, at most {n}"
    for k in ("report_id", "content_hash", "body", "created_at", "received_at", "energy_kwh"):
        if vals.get(k) is None:
            return f"{k}: missing"
    for k in ("energy_kwh", "hardware_count", "gwp_kgco2e", "water_l", "fu_count",
              "energy_per_unit_kwh", "gwp_per_unit_kgco2e", "quality_value"):  # fmt: skip
        v = vals.get(k)
        if v is not None and (not isinstance(v, int | float) or not abs(v) <= MAX_MAGNITUDE):
            return f"{k}: {v!r} is not a finite number"
    return None


def load(
    session: Session, path: Path, batch: int = 1000, *, skipped: list[str] | None = None
) -> tuple[int, int]:
    """Restore a dump; rows already present (same id or content) are kept. ``(tokens, reports)``.

    A report row that a database could not store (see :func:`unstorable`) is not loaded; its
    line, id and reason are appended to ``skipped``.
    """
    n_tok = n_rep = 0
    tokens = dict(session.execute(select(TokenRow.name, TokenRow.id)).all())
    pending: list[dict[str, Any]] = []
    withdrawals: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal n_rep
        ids = {r["report_id"] for r in pending}
        hashes = {r["content_hash"] for r in pending}
        have = set(session.scalars(select(ReportRow.report_id).where(ReportRow.report_id.in_(ids))))
        have_h = set(
            session.scalars(
                select(ReportRow.content_hash).where(ReportRow.content_hash.in_(hashes))
            )
        )
        rows = [
            r for r in pending if r["report_id"] not in have and r["content_hash"] not in have_h
        ]
        if rows:
            session.execute(insert(ReportRow), rows)
            summaries.add_rows(session, rows)
            store.bump_version(session)
        session.commit()
        n_rep += len(rows)
        pending.clear()

    with _open(path, "r") as f:
        for line, rec in _records(f):
            kind = rec.pop("type", None)
            if kind == "token":
                if rec["name"] not in tokens:
                    vals = {c: rec.get(c) for c in _TOKEN_COLS}
                    for c in ("created_at", "revoked_at", "last_used_at"):
                        vals[c] = _dt(vals[c])
                    row = TokenRow(**vals)
                    session.add(row)
                    session.flush()
                    tokens[row.name] = row.id
                    n_tok += 1
            elif kind == "report":
                name = rec.pop("token", None)
                vals = {c: rec.get(c) for c in _REPORT_COLS}
                why = unstorable(vals)
                if why is None:
                    try:
                        for c in ("created_at", "received_at"):
                            vals[c] = _dt(vals[c])
                    except ValueError as exc:
                        why = f"not a timestamp: {exc}"
                if why is not None:
                    if skipped is not None:
                        skipped.append(f"line {line} ({vals.get('report_id')!r}): {why}")
                    continue
                vals["token_id"] = tokens.get(name) if name else None
                pending.append(vals)
                if len(pending) >= batch:
                    flush()
            elif kind == "withdrawal":
                withdrawals.append({c: rec.get(c) for c in _WITHDRAWAL_COLS})
            else:
                raise DataError(f"dump record of unknown type {kind!r}")
    flush()
    have_w = set(session.scalars(select(WithdrawalRow.report_id)))
    for w in withdrawals:  # after the reports (a dump writes them last)
        if w["report_id"] in have_w:
            continue
        w["withdrawn_at"] = _dt(w["withdrawn_at"])
        session.add(WithdrawalRow(**w))
    session.commit()
    return n_tok, n_rep
