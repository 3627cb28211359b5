"""The state of knowledge for the home page: what is known, each number at its own tier.

Three panels, none adding across trust tiers or boundaries:

- the largest training runs, publisher's figures first (with empreinte's recomputation);
- what one prompt costs, as disclosed (each with its boundary and tier);
- what one output token costs, from measurements only (M1–M3), per hardware, as a median
  with its 10th–90th percentile band over configurations.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import ReportRow
from empreinte.observatory.storage.query import Filters, list_reports
from empreinte.report.published import reconcile
from empreinte.report.validate import validate_report

__all__ = ["state_of_knowledge"]

_MEASURED = ("M1", "M2", "M3")
_PER_PROMPT = ("request", "prompt", "query")
_TOKEN_UNITS = ("output_token", "token")
_MAX_ROWS = 50_000  # per-token rows read for the quantiles (ML.ENERGY v3 has 695)


def _published(row: ReportRow) -> dict[str, Any] | None:
    body = json.loads(row.body)
    if not body.get("published"):
        return None
    comparison = reconcile(validate_report(body))
    return comparison.to_dict() if comparison else None


def _entry(row: ReportRow) -> dict[str, Any]:
    boundary = row.boundary.replace("+", " + ")
    return {
        "report_id": row.report_id,
        "model": row.model or row.name or row.report_id,
        "name": row.name,
        "publisher": row.publisher,
        "m_tier": row.m_tier,
        "boundary": boundary,
        "energy_kwh": row.energy_kwh,
        "gwp_kgco2e": row.gwp_kgco2e,
        "energy_per_unit_kwh": row.energy_per_unit_kwh,
        "fu_type": row.fu_type,
        "published": _published(row),
    }


def _quantiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=10, method="inclusive")
    return q[0], statistics.median(xs), q[-1]


def _per_token(session: Session) -> list[dict[str, Any]]:
    r = ReportRow
    stmt = (
        select(r.hardware, r.model, r.energy_per_unit_kwh)
        .where(
            r.superseded_by.is_(None),
            r.fu_type.in_(_TOKEN_UNITS),
            r.m_tier.in_(_MEASURED),
            r.energy_per_unit_kwh.is_not(None),
        )
        .limit(_MAX_ROWS)
    )
    groups: dict[str, tuple[list[float], set[str]]] = {}
    for hw, model, e in session.execute(stmt):
        xs, models = groups.setdefault(hw or "unknown hardware", ([], set()))
        xs.append(float(e or 0.0))  # the query excludes None
        models.add(model or "")
    out = []
    for hw, (xs, models) in groups.items():
        low, mid, high = _quantiles(sorted(xs))
        out.append(
            {
                "hardware": hw,
                "configurations": len(xs),
                "models": len(models),
                "median_kwh": mid,
                "p10_kwh": low,
                "p90_kwh": high,
            }
        )
    return sorted(out, key=lambda d: -d["configurations"])


def _per_prompt_kwh(e: dict[str, Any]) -> float:
    """The energy per prompt a panel shows: the publisher's, else the report's per unit."""
    energy = (e["published"] or {}).get("energy")
    if energy is not None:
        return float(energy["published"])
    return float(e["energy_per_unit_kwh"] or 0.0)


def state_of_knowledge(session: Session) -> dict[str, Any]:
    """The home page's three panels (see the module docstring)."""
    training, _ = list_reports(session, Filters(stage="training"), sort="-energy_kwh", limit=6)
    prompts = []
    for unit in _PER_PROMPT:
        rows, _ = list_reports(session, Filters(stage="inference", unit=unit), limit=10)
        prompts.extend(rows)
    per_prompt = [_entry(r) for r in prompts]
    per_prompt.sort(key=lambda e: -_per_prompt_kwh(e))  # the widest boundary first
    return {
        "training": [_entry(r) for r in training],
        "per_prompt": per_prompt[:10],
        "per_token": _per_token(session),
    }
