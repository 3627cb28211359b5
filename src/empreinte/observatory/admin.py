"""Operating an observatory database: open, migrate, seed, dump and load (full backups)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from empreinte.errors import DataError, ServerError
from empreinte.observatory import cohorts, fronts, store, totals
from empreinte.observatory.db import ReportRow, TokenRow, make_engine, make_sessionmaker
from empreinte.observatory.settings import Settings
from empreinte.report.models import Report

__all__ = ["DUMP_FORMAT", "count_reports", "dump", "load", "open_db", "seed"]

DUMP_FORMAT = "empreinte.observatory.dump/1"
_REPORT_COLS = [c.name for c in ReportRow.__table__.columns if c.name not in ("pk", "token_id")]
_TOKEN_COLS = [c.name for c in TokenRow.__table__.columns if c.name != "id"]


def open_db(settings: Settings, *, migrate: bool = True) -> sessionmaker[Session]:
    """Sessions over ``settings.database_url``, the schema migrated to the latest revision."""
    engine = make_engine(settings.database_url)
    if migrate:
        from empreinte.observatory.migrate import upgrade

        upgrade(engine)
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


def dump(session: Session, path: Path) -> tuple[int, int]:
    """Write every token (hashed) and report with its server-side state; ``(tokens, reports)``."""
    names: dict[int | None, str] = dict(session.execute(select(TokenRow.id, TokenRow.name)).all())
    n_tok = n_rep = 0
    with _open(path, "w") as f:
        f.write(json.dumps({"format": DUMP_FORMAT, "exported_at": store.utcnow().isoformat()}))
        f.write("\n")
        for t in session.scalars(select(TokenRow).order_by(TokenRow.id)):
            rec = {"type": "token", **{c: _ser(getattr(t, c)) for c in _TOKEN_COLS}}
            f.write(json.dumps(rec) + "\n")
            n_tok += 1
        from empreinte.observatory.query import Filters, iter_rows

        for row in iter_rows(session, Filters(include_superseded=True)):
            rec = {"type": "report", "token": names.get(row.token_id)}
            rec.update({c: _ser(getattr(row, c)) for c in _REPORT_COLS})
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n_rep += 1
    return n_tok, n_rep


def _records(f: Iterable[str]) -> Iterator[dict[str, Any]]:
    it = iter(f)
    head = json.loads(next(it, "{}") or "{}")
    if head.get("format") != DUMP_FORMAT:
        raise DataError(f"not an observatory dump (expected format {DUMP_FORMAT!r})")
    for n, line in enumerate(it, 2):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"dump line {n}: {exc}") from None


def _dt(v: Any) -> Any:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


def load(session: Session, path: Path, batch: int = 1000) -> tuple[int, int]:
    """Restore a dump; rows already present (same id or content) are kept. ``(tokens, reports)``."""
    n_tok = n_rep = 0
    tokens = dict(session.execute(select(TokenRow.name, TokenRow.id)).all())
    pending: list[dict[str, Any]] = []

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
            cohorts.add_rows(session, rows)
            fronts.add_rows(session, rows)
            totals.add_rows(session, rows)
            store.bump_version(session)
        session.commit()
        n_rep += len(rows)
        pending.clear()

    with _open(path, "r") as f:
        for rec in _records(f):
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
                for c in ("created_at", "received_at"):
                    vals[c] = _dt(vals[c])
                vals["token_id"] = tokens.get(name) if name else None
                pending.append(vals)
                if len(pending) >= batch:
                    flush()
            else:
                raise DataError(f"dump record of unknown type {kind!r}")
    flush()
    return n_tok, n_rep
