"""Analyses: the state of knowledge across reports, as data (pages, ``.json`` twins, CSV).

- :func:`training`: training runs, energy and GWP against publication date and against
  training compute (FLOP when a report states it, else accelerator-hours), by M tier, each
  with its low–high bounds, beside the publisher's own figure where one is stated.
- :func:`inference`: measured energy per output token (M1–M3) against active parameters, per
  hardware: for each model and hardware its lowest-energy configuration, with the spread
  across its configurations; per-prompt disclosures (estimates and declarations) apart, each
  with its boundary, placed on the per-token axis only when the publisher states the tokens
  and the active parameters.
- :func:`layers`: the boundary layers (accelerators, host, idle, facility) side by side for
  the reports that give two or more.

Live reports only (superseded ones left out). A missing value stays ``None``: it is never
drawn as zero.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empreinte.measure.base import J_PER_KWH
from empreinte.observatory.storage.db import ReportRow
from empreinte.vocabulary import LAYERS

__all__ = ["MEASURED", "csv_text", "inference", "layers", "training"]

MEASURED = ("M1", "M2", "M3")
"""Tiers counted as measured (external meter, hardware counter, software model)."""
_MAX = 5000
_PROMPT_UNITS = ("request", "prompt", "query")


def _bodies(session: Session, *where: Any) -> Iterable[tuple[ReportRow, dict[str, Any]]]:
    stmt = (
        select(ReportRow)
        .where(ReportRow.superseded_by.is_(None), *where)
        .order_by(ReportRow.created_at, ReportRow.report_id)
        .limit(_MAX)
    )
    for row in session.scalars(stmt):
        yield row, json.loads(row.body)


def _est(d: dict[str, Any] | None) -> tuple[float | None, float | None, float | None]:
    if not d:
        return None, None, None
    return d.get("value"), d.get("low"), d.get("high")


def _label(row: ReportRow, body: dict[str, Any]) -> str:
    return row.model or body.get("name") or row.report_id


def training(session: Session, min_kwh: float = 1.0) -> dict[str, Any]:
    """Training runs of at least ``min_kwh`` (see the module docstring; the default leaves
    out the frugal benchmark's trainings of a few µWh, which would flatten the axis)."""
    runs = []
    where = (ReportRow.stage == "training", ReportRow.energy_kwh >= min_kwh)
    for row, body in _bodies(session, *where):
        energy = body.get("energy") or {}
        facility = energy.get("facility_kwh")
        e, e_lo, e_hi = _est(facility or energy.get("total_kwh"))
        gwp = ((body.get("impacts") or {}).get("gwp_kgco2e") or {}).get("total")
        g, g_lo, g_hi = _est(gwp)
        counters = body.get("counters") or {}
        flop = counters.get("training_flops")
        hours = counters.get("accelerator_hours") or counters.get("gpu_hours")
        runs.append(
            {
                "id": row.report_id,
                "label": _label(row, body),
                "date": row.created_at.date().isoformat(),
                "year": row.created_at.year + (row.created_at.timetuple().tm_yday - 1) / 365.25,
                "tier": row.m_tier,
                "publisher": row.publisher,
                "boundary": row.boundary,
                "energy_kwh": e,
                "energy_low_kwh": e_lo,
                "energy_high_kwh": e_hi,
                "energy_basis": "facility (IT × PUE)" if facility else "IT",
                "gwp_kgco2e": g,
                "gwp_low_kgco2e": g_lo,
                "gwp_high_kgco2e": g_hi,
                "published_gwp_kgco2e": (body.get("published") or {}).get("gwp_kgco2e"),
                "training_flops": flop,
                "accelerator_hours": hours,
                "hardware": row.hardware,
            }
        )
    return {
        "min_kwh": min_kwh,
        "runs": runs,
        "compute_axis": (
            "training_flops" if runs and all(r["training_flops"] for r in runs)
            else "accelerator_hours"
        ),
        "tiers": sorted({r["tier"] for r in runs}),
    }  # fmt: skip


def _params(body: dict[str, Any]) -> float | None:
    s = body.get("system") or {}
    v = s.get("parameters_active") or s.get("parameters_total")
    return float(v) if v else None


def inference(session: Session, task: str | None = None) -> dict[str, Any]:
    """Measured energy per output token against active parameters (see the module docstring)."""
    tasks: dict[str, int] = {}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    measured = (ReportRow.fu_type == "output_token", ReportRow.m_tier.in_(MEASURED))
    for t in session.scalars(
        select(ReportRow.task).where(ReportRow.superseded_by.is_(None), *measured)
    ):
        tasks[t or ""] = tasks.get(t or "", 0) + 1
    chosen = task if task in tasks else max(tasks, key=lambda t: (tasks[t], t), default=None)
    if chosen is not None:
        for row, body in _bodies(session, *measured, ReportRow.task == chosen):
            params, j = _params(body), row.energy_per_unit_kwh
            if params is None or j is None:
                continue
            j *= J_PER_KWH
            key = (row.model or row.report_id, row.hardware or "unknown hardware")
            b = best.get(key)
            if b is None:
                best[key] = b = {
                    "id": row.report_id, "model": key[0], "hardware": key[1],
                    "tier": row.m_tier, "boundary": row.boundary,
                    "active_parameters": params, "energy_per_token_j": j,
                    "min_j": j, "max_j": j, "configurations": 0,
                }  # fmt: skip
            b["configurations"] += 1
            b["min_j"], b["max_j"] = min(b["min_j"], j), max(b["max_j"], j)
            if j < b["energy_per_token_j"]:
                b.update(id=row.report_id, energy_per_token_j=j)
    return {
        "task": chosen,
        "tasks": sorted(tasks),
        "points": sorted(best.values(), key=lambda p: (p["hardware"], p["active_parameters"])),
        "hardware": sorted({p["hardware"] for p in best.values()}),
        "disclosures": _disclosures(session),
    }


def _disclosures(session: Session) -> list[dict[str, Any]]:
    """Per-prompt figures (estimates and declarations), with their boundary."""
    out = []
    for row, body in _bodies(
        session, ReportRow.stage == "inference", ReportRow.fu_type.in_(_PROMPT_UNITS)
    ):
        energy = body.get("energy") or {}
        facility = energy.get("facility_kwh")
        e, lo, hi = _est(facility or energy.get("total_kwh"))
        tokens = (body.get("counters") or {}).get("output_tokens")
        params = _params(body)
        per_token = e * J_PER_KWH / tokens if e is not None and tokens else None
        out.append(
            {
                "id": row.report_id,
                "label": _label(row, body),
                "publisher": row.publisher,
                "tier": row.m_tier,
                "method": row.method,
                "boundary": row.boundary,
                "energy_basis": "facility (IT × PUE)" if facility else "IT",
                "energy_per_prompt_kwh": e,
                "energy_low_kwh": lo,
                "energy_high_kwh": hi,
                "output_tokens": tokens,
                "active_parameters": params,
                "energy_per_token_j": per_token,
                "on_chart": per_token is not None and params is not None,
                "why_not": None if per_token is not None and params is not None else (
                    "tokens per prompt not stated" if not tokens else
                    "active parameters not stated"
                ),
            }
        )  # fmt: skip
    return out


def layers(session: Session) -> dict[str, Any]:
    """Reports with two or more boundary layers, each layer's energy and share."""
    rows = []
    # layers lie within the boundary: only a boundary of two or more layers can give them
    for row, body in _bodies(session, ReportRow.boundary.like("%+%")):
        got = (body.get("energy") or {}).get("layers") or {}
        if len(got) < 2:
            continue
        vals = {k: (got.get(k) or {}).get("value") for k in LAYERS}
        total = sum(v for v in vals.values() if v is not None)
        rows.append(
            {
                "id": row.report_id,
                "label": _label(row, body),
                "stage": row.stage,
                "tier": row.m_tier,
                "unit": row.fu_type,
                "total_kwh": total,
                **{f"{k}_kwh": v for k, v in vals.items()},
                **{f"{k}_share": (v / total if v is not None and total else None)
                   for k, v in vals.items()},
            }
        )  # fmt: skip
    return {"layers": list(LAYERS), "reports": rows}


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV (columns of the first row; a cell a spreadsheet would evaluate is quoted)."""
    if not rows:
        return ""
    buf = io.StringIO()
    cols = list(rows[0])
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return "" if v is None else v
