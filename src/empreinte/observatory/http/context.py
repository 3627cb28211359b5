"""What one app instance holds: settings, engine, sessions, caches, rate limiter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import Query, Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from empreinte.observatory.http.errors import ApiError
from empreinte.observatory.http.security import RateLimiter
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store
from empreinte.observatory.storage.query import Filters
from empreinte.observatory.summaries.aggregates import Aggregates
from empreinte.report.exporters import Exported
from empreinte.report.models import Report

__all__ = ["ITL_QUERY", "VIEW_QUERY", "Ctx", "Exporter", "authenticate", "get_ctx", "get_filters"]


Exporter = Callable[[Report, str], Exported]
"""A report exporter: ``(report, format) -> Exported``."""


@dataclass
class Ctx:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    aggregates: Aggregates
    limiter: RateLimiter
    exporters: dict[str, Exporter]


def get_ctx(request: Request) -> Ctx:
    ctx: Ctx = request.app.state.ctx
    return ctx


def authenticate(ctx: Ctx, authorization: str | None) -> int:
    """The id of the live token a request carries (401 without one, 429 over its rate)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(
            401,
            "a bearer token is required to submit (empreinte server token create --name NAME)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with ctx.sessions() as s:
        tok = store.find_token(s, authorization[7:].strip())
    if tok is None:
        raise ApiError(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    wait = ctx.limiter.check(tok.id)
    if wait > 0:
        raise ApiError(
            429,
            f"rate limit of {ctx.settings.rate_limit_per_minute} requests per minute reached",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    return tok.id


def _date(name: str, value: str | None) -> date | None:
    """An ISO date; an empty form field means no date."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422, f"{name}: not a date (YYYY-MM-DD)", fields=[(name, "expected YYYY-MM-DD")]
        ) from None


def get_filters(
    stage: str | None = Query(None, max_length=40, description="life-cycle stage"),
    task: str | None = Query(None, max_length=100),
    model: str | None = Query(None, max_length=300, description="model id, exact"),
    hardware: str | None = Query(None, max_length=200, description="catalog id or name"),
    zone: str | None = Query(None, max_length=40, description="grid zone"),
    tier: str | None = Query(None, max_length=20, description="M tier(s), e.g. M1 or M1,M2"),
    unit: str | None = Query(None, max_length=60, description="functional unit type"),
    date_from: str | None = Query(
        None, alias="from", max_length=10, description="created on or after (YYYY-MM-DD)"
    ),
    date_to: str | None = Query(
        None, alias="to", max_length=10, description="created on or before (YYYY-MM-DD)"
    ),
    q: str | None = Query(None, max_length=200, description="text in model, name, task, hardware"),
    include_superseded: bool = Query(False),
    avoided: bool = Query(False, description="only reports declaring avoided impacts"),
) -> Filters:
    return Filters(
        stage=stage or None,
        task=task or None,
        model=model or None,
        hardware=hardware or None,
        zone=zone or None,
        tier=tier or None,
        unit=unit or None,
        date_from=_date("from", date_from),
        date_to=_date("to", date_to),
        q=q or None,
        include_superseded=include_superseded,
        avoided=avoided,
    )


VIEW_QUERY = Query(
    "models",
    pattern="^(models|configurations)$",
    description="models: one row per model (its lowest-energy configuration passing the gate "
    "and the latency constraint); configurations: every configuration",
)
ITL_QUERY = Query(
    None,
    gt=0,
    le=1e6,
    allow_inf_nan=False,
    description="latency constraint: keep configurations whose median inter-token latency "
    "is at most this many milliseconds (none: no constraint)",
)
