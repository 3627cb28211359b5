"""Writing to the observatory: tokens and report ingestion (verification, idempotency).

Every write happens in one transaction that also bumps ``meta.data_version``; the API
acknowledges a report only after that transaction has committed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from empreinte.errors import ConfigError
from empreinte.observatory.storage import columns
from empreinte.observatory.storage.db import WITHDRAWN, Meta, ReportRow, TokenRow, WithdrawalRow
from empreinte.observatory.storage.errors import Conflict, NotFound
from empreinte.observatory.storage.registry import inherit
from empreinte.observatory.summaries import maintain as summaries
from empreinte.report.models import Report
from empreinte.report.verification import catalog_entry, join_flags, verify

__all__ = [
    "Conflict",
    "Ingested",
    "NotFound",
    "bump_version",
    "content_hash",
    "create_token",
    "find_token",
    "ingest",
    "list_tokens",
    "report_columns",
    "revoke_token",
    "utcnow",
    "withdraw",
    "withdrawal",
]

TOKEN_PREFIX = "emp_"
_INSERT_REPORT = insert(ReportRow)  # run on the connection: Core, not ORM bulk
_ACCEL = ("gpu", "tpu", "npu", "accelerator")


def utcnow() -> datetime:
    """Naive UTC now (the database stores naive UTC datetimes)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(d: datetime) -> datetime:
    return d.astimezone(UTC).replace(tzinfo=None) if d.tzinfo else d


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(raw: dict[str, Any]) -> str:
    """SHA-256 of the submitted JSON in canonical form, ``verification`` left out."""
    body = {k: v for k, v in raw.items() if k != "verification"}
    return _hash(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


# -- tokens ---------------------------------------------------------------------------------


def create_token(session: Session, name: str) -> str:
    """Create a token named ``name``; returns the secret (shown once, stored hashed)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ConfigError("a token name must have 1 to 100 characters")
    if session.scalar(select(TokenRow.id).where(TokenRow.name == name)) is not None:
        raise ConfigError(f"a token named {name!r} already exists (revoke it or pick another)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(TokenRow(name=name, token_hash=_hash(secret), created_at=utcnow()))
    session.commit()
    return secret


def revoke_token(session: Session, name: str) -> None:
    row = session.scalar(select(TokenRow).where(TokenRow.name == name))
    if row is None:
        raise ConfigError(f"no token named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()


def list_tokens(session: Session) -> list[TokenRow]:
    return list(session.scalars(select(TokenRow).order_by(TokenRow.id)))


def find_token(session: Session, secret: str) -> TokenRow | None:
    """The active token with this secret, or ``None``."""
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == _hash(secret)))
    return row if row is not None and row.revoked_at is None else None


# -- reports --------------------------------------------------------------------------------


def report_columns(r: Report) -> dict[str, Any]:
    """The indexed columns extracted from a (verified) report."""
    accel = [h for h in r.hardware if h.kind in _ACCEL] or [
        h for h in r.hardware if h.kind == "cpu"
    ]
    hw = None
    if accel:
        h = accel[0]
        hw = catalog_entry(h.kind, h.catalog_id or h.name)[0] or h.name
    gwp = r.impacts.gwp_kgco2e
    water = r.impacts.water_l
    pu = r.per_unit
    pu_gwp = pu.impacts.gwp_kgco2e if pu is not None else None
    quality = columns.quality_column(r.task, r.quality_metrics)
    v = r.verification
    assert v is not None
    created = _naive_utc(r.created_at)
    return {
        "report_id": r.report_id,
        "created_at": created,
        "year": created.year,
        "stage": r.lifecycle_stage,
        "task": r.task,
        "model": r.system.model_id if r.system else None,
        "name": r.name,
        "publisher": r.publisher.name if r.publisher else None,
        "hardware": hw,
        "hardware_count": sum(h.count for h in accel) if accel else None,
        "precision": r.system.precision if r.system else None,
        "boundary": "+".join(r.measurement.boundary),
        "zone": r.location.zone,
        "method": r.measurement.method,
        "m_tier": v.m_tier,
        "a_tier": v.a_tier,
        "flags": join_flags(v.flags),
        "energy_kwh": r.energy.total_kwh.value,
        "gwp_kgco2e": gwp.total.value if gwp else None,
        "water_l": water.total.value if water else None,
        "fu_type": r.functional_unit.type if r.functional_unit else None,
        "fu_count": r.functional_unit.count if r.functional_unit else None,
        "energy_per_unit_kwh": pu.energy_kwh.value if pu else None,
        "gwp_per_unit_kgco2e": pu_gwp.total.value if pu_gwp else None,
        "quality_metric": quality[0],
        "quality_value": quality[1],
        **columns.config_columns(r.counters),
        "supersedes": r.supersedes,
        "datacenter_id": r.datacenter.id or r.datacenter.preset,
    }


@dataclass(frozen=True)
class Ingested:
    index: int
    report_id: str
    created: bool  # False: the same report was already stored (idempotent resubmission)


def bump_version(session: Session) -> None:
    session.execute(update(Meta).where(Meta.key == "data_version").values(value=Meta.value + 1))


def ingest(
    session: Session,
    items: Sequence[tuple[Report, dict[str, Any]]],
    *,
    token_id: int | None,
    idempotency_key: str | None = None,
    field_prefix: str = "",
) -> list[Ingested]:
    """Verify and store ``(report, submitted_json)`` pairs atomically; idempotent.

    A report whose content hash, or whose ``(token, Idempotency-Key)``, is already stored
    returns the stored id. A different report reusing a stored ``report_id`` is a conflict;
    ``supersedes`` must name a report submitted with the same token.
    """
    idempotency_key = idempotency_key or None  # an empty key is no key (never stored)
    for attempt in range(3):
        try:
            return _ingest_once(session, items, token_id, idempotency_key, field_prefix)
        except IntegrityError:  # a concurrent identical submission won the race: look again
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _key(idem: str | None, i: int, n: int) -> str | None:
    if idem is None:
        return None
    return idem if n == 1 else f"{idem}#{i}"


def _ingest_once(
    session: Session,
    items: Sequence[tuple[Report, dict[str, Any]]],
    token_id: int | None,
    idem: str | None,
    prefix: str,
) -> list[Ingested]:
    n = len(items)
    hashes = [content_hash(raw) for _, raw in items]
    keys = [_key(idem, i, n) for i in range(n)]
    by_hash: dict[str, str] = {
        h: rid
        for h, rid in session.execute(
            select(ReportRow.content_hash, ReportRow.report_id).where(
                ReportRow.content_hash.in_(set(hashes))
            )
        )
    }
    by_key: dict[str, str] = {}
    if idem is not None:
        owner = ReportRow.token_id.is_(None) if token_id is None else ReportRow.token_id == token_id
        stmt = select(ReportRow.idempotency_key, ReportRow.report_id).where(
            owner, ReportRow.idempotency_key.in_([k for k in keys if k])
        )
        by_key = {k: rid for k, rid in session.execute(stmt) if k is not None}
    ids = {r.report_id for r, _ in items}
    taken = set(session.scalars(select(ReportRow.report_id).where(ReportRow.report_id.in_(ids))))
    now = utcnow()
    out: list[Ingested] = []
    rows: list[dict[str, Any]] = []
    new_in_batch: dict[str, str] = {}
    supersede: list[tuple[str, str]] = []
    supersede_loc: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for i, ((report, _raw), h, k) in enumerate(zip(items, hashes, keys, strict=True)):
        loc = f"{prefix}{i}." if n > 1 or prefix else ""
        existing = by_hash.get(h) or (by_key.get(k) if k else None) or new_in_batch.get(h)
        if existing is not None:
            out.append(Ingested(i, existing, False))
            continue
        if report.report_id in taken:
            errors.append((f"{loc}report_id", "already used by a different report"))
            continue
        site_errors = inherit(session, report)
        if site_errors:
            errors.extend((loc + f, m) for f, m in site_errors)
            continue
        report.verification = verify(report)  # the parsed report is ours: no copy
        if report.supersedes is not None:
            errors.extend(
                _check_supersedes(session, report.supersedes, token_id, new_in_batch, loc)
            )
            supersede.append((report.supersedes, report.report_id))
            supersede_loc[report.report_id] = f"{loc}supersedes"
        taken.add(report.report_id)
        new_in_batch[h] = report.report_id
        rows.append(
            {
                **report_columns(report),
                "content_hash": h,
                "idempotency_key": k,
                "token_id": token_id,
                "received_at": now,
                "body": report.model_dump_json(exclude_none=True),
            }
        )
        out.append(Ingested(i, report.report_id, True))
    if errors:
        session.rollback()
        raise Conflict("some reports cannot be stored", errors)
    if rows:
        session.connection().execute(_INSERT_REPORT, rows)
        summaries.add_rows(session, rows)
        summaries.retiring(session, [old for old, _ in supersede])
        for old, new in supersede:
            # conditional: of concurrent corrections of one report, exactly one commits (the
            # row is locked by the first UPDATE; the others then match no row and get 409)
            done = session.execute(
                update(ReportRow)
                .where(ReportRow.report_id == old, ReportRow.superseded_by.is_(None))
                .values(superseded_by=new)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                msg = f"{old!r} was superseded meanwhile by another report"
                raise Conflict("some reports cannot be stored", [(supersede_loc[new], msg)])
        summaries.retired(session, [old for old, _ in supersede])
        bump_version(session)
        if token_id is not None:
            session.execute(
                update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=now)
            )
    session.commit()
    return out


def withdraw(
    session: Session, report_id: str, reason: str, *, operator: str | None = None
) -> WithdrawalRow:
    """Withdraw a live report (moderation): it stays stored and readable, shown as withdrawn,
    and leaves lists, stats, leaderboards and exports like a superseded report. Commits."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > 2000:
        raise ConfigError("--reason: say why, in 1 to 2,000 characters")
    row = session.execute(
        select(ReportRow.superseded_by).where(ReportRow.report_id == report_id)
    ).first()
    if row is None:
        raise ConfigError(f"no report with id {report_id!r}")
    if row.superseded_by == WITHDRAWN:
        raise ConfigError(f"report {report_id!r} is already withdrawn")
    if row.superseded_by is not None:
        raise ConfigError(
            f"report {report_id!r} was superseded by {row.superseded_by!r}: withdraw that one"
        )
    summaries.retiring(session, [report_id])
    done = session.execute(
        update(ReportRow)
        .where(ReportRow.report_id == report_id, ReportRow.superseded_by.is_(None))
        .values(superseded_by=WITHDRAWN)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConfigError(f"report {report_id!r} changed meanwhile: try again")
    summaries.retired(session, [report_id])
    w = WithdrawalRow(report_id=report_id, reason=reason, withdrawn_at=utcnow(), operator=operator)
    session.add(w)
    bump_version(session)
    session.commit()
    return w


def withdrawal(session: Session, report_id: str) -> WithdrawalRow | None:
    """The withdrawal of this report, if it was withdrawn."""
    return session.get(WithdrawalRow, report_id)


def _check_supersedes(
    session: Session, old: str, token_id: int | None, batch: dict[str, str], loc: str
) -> list[tuple[str, str]]:
    if old in batch.values():
        return []
    row = session.execute(
        select(ReportRow.token_id, ReportRow.superseded_by).where(ReportRow.report_id == old)
    ).first()
    if row is None:
        return [(f"{loc}supersedes", f"no report with id {old!r}")]
    if row.token_id != token_id:
        return [(f"{loc}supersedes", "only the token that submitted a report can supersede it")]
    if row.superseded_by == WITHDRAWN:
        return [(f"{loc}supersedes", f"{old!r} was withdrawn by the operators")]
    if row.superseded_by is not None:
        return [(f"{loc}supersedes", f"already superseded by {row.superseded_by!r}")]
    return []
