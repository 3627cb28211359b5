"""Database tables (SQLAlchemy 2) and engine setup.

A report is stored whole (``body``, its JSON) plus indexed columns extracted from it for
filtering and aggregation. The schema is created and changed only by the Alembic migrations in
``migrations/`` (:func:`.migrate.upgrade`). ``meta.data_version`` is bumped
in every write transaction; cached aggregates are keyed by it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from empreinte.errors import ServerError

__all__ = [
    "WITHDRAWN",
    "Base",
    "CohortRow",
    "DatacenterRow",
    "FrontRow",
    "Meta",
    "ReportRow",
    "TokenRow",
    "TotalRow",
    "WithdrawalRow",
    "make_engine",
    "make_sessionmaker",
    "open_error",
]


class Base(DeclarativeBase):
    pass


class TokenRow(Base):
    """An API token; only its SHA-256 is stored."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


BOARD_INDEX = (
    "task", "fu_type", "hardware", "precision", "boundary", "m_tier", "quality_metric",
    "energy_per_unit_kwh", "quality_value", "report_id", "model",
)  # fmt: skip
"""Columns of ``ix_reports_board`` (leaderboard reads: cohort, metric, then energy order)."""


class ReportRow(Base):
    """One report: the whole JSON plus the columns the API filters, sorts and sums on."""

    __tablename__ = "reports"
    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    report_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(260), nullable=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime())
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40))
    task: Mapped[str | None] = mapped_column(String(100), nullable=True)
    model: Mapped[str | None] = mapped_column(String(300), nullable=True)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    publisher: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hardware: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hardware_count: Mapped[float | None] = mapped_column(Float, nullable=True)
    precision: Mapped[str | None] = mapped_column(String(50), nullable=True)
    boundary: Mapped[str] = mapped_column(String(60))
    zone: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(30))
    m_tier: Mapped[str] = mapped_column(String(2))
    a_tier: Mapped[str] = mapped_column(String(2))
    flags: Mapped[str] = mapped_column(Text, default="")
    energy_kwh: Mapped[float] = mapped_column(Float)
    gwp_kgco2e: Mapped[float | None] = mapped_column(Float, nullable=True)
    water_l: Mapped[float | None] = mapped_column(Float, nullable=True)
    fu_type: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fu_count: Mapped[float | None] = mapped_column(Float, nullable=True)
    energy_per_unit_kwh: Mapped[float | None] = mapped_column(Float, nullable=True)
    gwp_per_unit_kgco2e: Mapped[float | None] = mapped_column(Float, nullable=True)
    quality_metric: Mapped[str | None] = mapped_column(String(100), nullable=True)
    quality_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    # migration 0007: serving configuration (from counters, see observatory.config)
    max_batch: Mapped[float | None] = mapped_column(Float, nullable=True)
    parallelism: Mapped[str | None] = mapped_column(String(60), nullable=True)
    itl_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    throughput_tok_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    supersedes: Mapped[str | None] = mapped_column(String(64), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    datacenter_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 0006
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_reports_idem", "token_id", "idempotency_key", unique=True),
        Index("ix_reports_created", "created_at", "pk"),
        Index("ix_reports_energy", "energy_kwh", "pk"),
        Index("ix_reports_stage", "stage", "created_at"),
        Index("ix_reports_task", "task", "fu_type", "energy_per_unit_kwh"),
        Index("ix_reports_model", "model"),
        Index("ix_reports_hardware", "hardware"),
        Index("ix_reports_zone", "zone"),
        Index("ix_reports_m_tier", "m_tier"),
        Index("ix_reports_year", "year", "stage"),
        Index("ix_reports_datacenter", "datacenter_id", "created_at"),  # migration 0006
        # migration 0002: leaderboard reads (covering, live reports only)
        Index(
            "ix_reports_board",
            *BOARD_INDEX,
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
        # migration 0003: the usual filter combination, newest first
        Index(
            "ix_reports_filter",
            "stage",
            "task",
            "m_tier",
            "created_at",
            "pk",
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
    )


class CohortRow(Base):
    """Live reports per leaderboard cohort and quality metric (kept at ingestion)."""

    __tablename__ = "cohorts"
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    fu_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    hardware: Mapped[str] = mapped_column(String(200), primary_key=True)
    precision: Mapped[str] = mapped_column(String(50), primary_key=True)
    boundary: Mapped[str] = mapped_column(String(60), primary_key=True)
    m_tier: Mapped[str] = mapped_column(String(2), primary_key=True)
    quality_metric: Mapped[str] = mapped_column(String(100), primary_key=True)
    reports: Mapped[int] = mapped_column(BigInteger, default=0)
    q_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    q_min: Mapped[float | None] = mapped_column(Float, nullable=True)


class FrontRow(Base):
    """The Pareto front of each cohort and quality metric (kept at ingestion)."""

    __tablename__ = "fronts"
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    fu_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    hardware: Mapped[str] = mapped_column(String(200), primary_key=True)
    precision: Mapped[str] = mapped_column(String(50), primary_key=True)
    boundary: Mapped[str] = mapped_column(String(60), primary_key=True)
    m_tier: Mapped[str] = mapped_column(String(2), primary_key=True)
    quality_metric: Mapped[str] = mapped_column(String(100), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    energy_per_unit_kwh: Mapped[float] = mapped_column(Float)
    quality_value: Mapped[float] = mapped_column(Float)
    model: Mapped[str | None] = mapped_column(String(300), nullable=True)


class TotalRow(Base):
    """Sums over live reports per (year, stage, task, unit, hardware, M tier), kept at ingestion.

    ``gwp_n``/``water_n`` count the reports with a value, so that a sum over none is ``None``.
    """

    __tablename__ = "totals"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    fu_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    hardware: Mapped[str] = mapped_column(String(200), primary_key=True)
    m_tier: Mapped[str] = mapped_column(String(2), primary_key=True)
    reports: Mapped[int] = mapped_column(BigInteger, default=0)
    energy_kwh: Mapped[float] = mapped_column(Float, default=0.0)
    gwp_kgco2e: Mapped[float] = mapped_column(Float, default=0.0)
    gwp_n: Mapped[int] = mapped_column(BigInteger, default=0)
    water_l: Mapped[float] = mapped_column(Float, default=0.0)
    water_n: Mapped[int] = mapped_column(BigInteger, default=0)


class DatacenterRow(Base):
    """A site or cloud region of the data-centre registry: the declaration as JSON (``body``)
    plus the columns the registry lists and filters on (migration 0006)."""

    __tablename__ = "datacenters"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str] = mapped_column(String(40))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    updated_at: Mapped[datetime] = mapped_column(DateTime())
    body: Mapped[str] = mapped_column(Text)


WITHDRAWN = "!withdrawn"
"""``superseded_by`` of a report withdrawn by an operator (never a report id: ids have no
``!``), so that everything leaving superseded reports out leaves it out too."""


class WithdrawalRow(Base):
    """An operator's withdrawal of a report, with its reason (migration 0008)."""

    __tablename__ = "withdrawals"
    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime] = mapped_column(DateTime())
    operator: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Meta(Base):
    """Key/value pairs; ``data_version`` counts write transactions."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def _sqlite_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit that was acknowledged survives a crash of the process or the machine.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms:d}")
        cur.close()

    return on_connect


def make_engine(url: str, *, busy_timeout_s: float = 10.0) -> Engine:
    """An engine for ``url``; SQLite files get WAL, full sync and a busy timeout (a write that
    waits longer for a lock fails; the API answers 503 with ``Retry-After``)."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}
        )
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout_s * 1000)))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)


def open_error(exc: Exception, url: str) -> ServerError:
    """One line for a database that cannot be opened: what, where, what to do."""
    from sqlalchemy.engine import make_url

    try:
        where = make_url(url).render_as_string(hide_password=True)
    except Exception:
        where = url
    orig = getattr(exc, "orig", None) or exc
    reason = " ".join(str(orig).split("\n", 1)[0].split()) or type(orig).__name__
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if "not a database" in reason or "malformed" in reason:
            return ServerError(
                f"the SQLite database {path} is corrupt or not an SQLite file ({reason}): "
                "restore it from a backup (empreinte server load FILE --db ...) or choose "
                "another with --db"
            )
        return ServerError(
            f"cannot open the SQLite database {path} ({reason}): check the path and its "
            "permissions, or choose another with --db"
        )
    return ServerError(
        f"PostgreSQL unreachable or refused the connection at {where} ({reason}): check that "
        "the server runs and the URL (--db or EMPREINTE_DATABASE_URL)"
    )
