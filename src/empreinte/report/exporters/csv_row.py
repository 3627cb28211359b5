"""One flat CSV row per report, with a stable, documented column list.

The observatory's per-report CSV download uses the same :data:`CSV_COLUMNS` and
:func:`csv_row` (its bulk export, ``/api/v1/export.csv``, has its own shorter list). A value
not in the report is an empty cell (never 0). Add columns only at the end; never rename one.
"""

from __future__ import annotations

import csv
import io

from empreinte.report.exporters._common import Exported, hardware_summary, spreadsheet_safe
from empreinte.report.models import Estimate, Report
from empreinte.report.published import reconcile
from empreinte.vocabulary import END_TO_END_LAYERS, PHASES, USAGE_CRITERIA, Criterion, Layer

__all__ = ["CSV_COLUMNS", "csv_row", "export"]

Cell = str | float | None

_EWASTE = Criterion.EWASTE.value
_EWASTE_COMPONENTS = (Layer.ACCELERATORS.value, Layer.HOST.value)
_DATA_COMPONENTS = (("storage", "tb_years"), ("transfer", "gb"))
"""(data component, column suffix of its summed quantity: TB-years stored, GB moved)."""


def _columns() -> tuple[str, ...]:
    cols = [
        "report_id",
        "created_at",
        "status",
        "name",
        "publisher",
        "licence",
        "model_id",
        "parameters_total",
        "parameters_active",
        "precision",
        "lifecycle_stage",
        "task",
        "functional_unit_type",
        "functional_unit_count",
        "hardware",
        "location_zone",
        "cloud_provider",
        "cloud_region",
        "pue",
        "wue_l_per_kwh",
        "method",
        "m_tier",
        "a_tier",
        "boundary",
        "attribution",
        "duration_s",
    ]
    for e in ("energy_kwh", "gpu_kwh", "cpu_kwh", "ram_kwh", "other_kwh", "facility_kwh"):
        cols += [e, f"{e}_low", f"{e}_high"]
    for c in USAGE_CRITERIA:
        cols += [c, f"{c}_low", f"{c}_high", f"{c}_usage", f"{c}_embodied", f"{c}_end_of_life"]
    cols += ["per_unit_energy_kwh", "per_unit_energy_kwh_low", "per_unit_energy_kwh_high"]
    for c in USAGE_CRITERIA:
        cols += [f"per_unit_{c}", f"per_unit_{c}_low", f"per_unit_{c}_high"]
    cols += ["warnings", "tool_version", "factors_version"]
    cols += ["citation", "published", "published_reconciliation"]
    # e-waste (added at the end: columns are never reordered)
    cols += [_EWASTE, f"{_EWASTE}_low", f"{_EWASTE}_high"]
    cols += [f"{_EWASTE}_{comp}" for comp in _EWASTE_COMPONENTS]
    cols += [f"per_unit_{_EWASTE}", f"per_unit_{_EWASTE}_low", f"per_unit_{_EWASTE}_high"]
    cols += ["system_boundary"]
    for la in END_TO_END_LAYERS:
        cols += [f"{la}_kwh", f"{la}_kwh_low", f"{la}_kwh_high"]
        cols += [f"{la}_gwp_kgco2e", f"{la}_gwp_kgco2e_low", f"{la}_gwp_kgco2e_high"]
    for b in ("datacenter", "end_to_end"):
        cols += [f"per_unit_{b}_energy_kwh", f"per_unit_{b}_energy_kwh_low"]
        cols += [f"per_unit_{b}_energy_kwh_high"]
        cols += [f"per_unit_{b}_gwp_kgco2e", f"per_unit_{b}_gwp_kgco2e_low"]
        cols += [f"per_unit_{b}_gwp_kgco2e_high"]
    # data items (storage, transfer), beside the compute: appended, never reordered
    for comp, unit in _DATA_COMPONENTS:
        cols += [f"{comp}_{unit}", f"{comp}_kwh", f"{comp}_kwh_low", f"{comp}_kwh_high"]
        cols += [f"{comp}_gwp_kgco2e", f"{comp}_gwp_kgco2e_low", f"{comp}_gwp_kgco2e_high"]
    return tuple(cols)


CSV_COLUMNS: tuple[str, ...] = _columns()
"""The CSV columns, in order (documented in ``docs/report.md``)."""


def _put(row: dict[str, Cell], key: str, e: Estimate | None) -> None:
    row[key] = e.value if e else None
    row[f"{key}_low"] = e.low if e else None
    row[f"{key}_high"] = e.high if e else None


def _sum(parts: list[Estimate | None]) -> Estimate | None:
    """The items' sum (bounds summed), or ``None`` when there is none or one is not assessed
    (a partial sum would read as the whole)."""
    if not parts or any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    return Estimate(
        value=sum(p.value for p in known),
        low=sum(p.low for p in known),
        high=sum(p.high for p in known),
    )


def csv_row(report: Report) -> dict[str, Cell]:
    """The report as ``{column: value}`` over :data:`CSV_COLUMNS` (``None`` when unknown)."""
    s, fu, dc, m = report.system, report.functional_unit, report.datacenter, report.measurement
    pub = report.publisher
    row: dict[str, Cell] = {
        "report_id": report.report_id,
        "created_at": report.created_at.isoformat(),
        "status": report.status,
        "name": report.name,
        "publisher": (pub.organization or pub.name) if pub else None,
        "licence": report.licence,
        "model_id": s.model_id if s else None,
        "parameters_total": s.parameters_total if s else None,
        "parameters_active": s.parameters_active if s else None,
        "precision": s.precision if s else None,
        "lifecycle_stage": report.lifecycle_stage,
        "task": report.task,
        "functional_unit_type": fu.type if fu else None,
        "functional_unit_count": fu.count if fu else None,
        "hardware": hardware_summary(report) or None,
        "location_zone": report.location.zone,
        "cloud_provider": report.location.cloud_provider,
        "cloud_region": report.location.cloud_region,
        "pue": dc.pue.value if dc.pue else None,
        "wue_l_per_kwh": dc.wue_l_per_kwh.value if dc.wue_l_per_kwh else None,
        "method": m.method,
        "m_tier": report.m_tier,
        "a_tier": report.verification.a_tier if report.verification else None,
        "boundary": "+".join(m.boundary),
        "attribution": m.attribution,
        "duration_s": m.duration_s,
    }
    en = report.energy
    _put(row, "energy_kwh", en.total_kwh)
    for comp in ("gpu_kwh", "cpu_kwh", "ram_kwh", "other_kwh", "facility_kwh"):
        _put(row, comp, getattr(en, comp))
    for c in USAGE_CRITERIA:
        split = getattr(report.impacts, c)
        _put(row, c, split.total if split else None)
        for phase in PHASES:
            e = getattr(split, phase) if split else None
            row[f"{c}_{phase}"] = e.value if e else None
    pu = report.per_unit
    _put(row, "per_unit_energy_kwh", pu.energy_kwh if pu else None)
    for c in USAGE_CRITERIA:
        split = getattr(pu.impacts, c) if pu else None
        _put(row, f"per_unit_{c}", split.total if split else None)
    row["warnings"] = ";".join(w.code for w in report.warnings) or None
    row["tool_version"] = report.provenance.tool_version
    row["factors_version"] = report.provenance.factors_version
    row["citation"] = report.provenance.citation
    row["published"] = "\n".join(f"{k}={v!r}" for k, v in report.published.items()) or None
    comparison = reconcile(report)
    recs = comparison.reconciliations if comparison else ()
    row["published_reconciliation"] = "\n".join(r.sentence for r in recs) or None
    ew = report.impacts.ewaste_kg
    _put(row, _EWASTE, ew.total if ew else None)
    by_comp = (ew.end_of_life_by_component if ew else None) or {}
    for comp in _EWASTE_COMPONENTS:
        e = by_comp.get(comp)  # type: ignore[call-overload]
        row[f"{_EWASTE}_{comp}"] = e.value if e else None
    pu_ew = pu.impacts.ewaste_kg if pu else None
    _put(row, f"per_unit_{_EWASTE}", pu_ew.total if pu_ew else None)
    row["system_boundary"] = report.system_boundary
    e2e = report.end_to_end
    items = {la.layer: la for la in e2e.layers} if e2e else {}
    for name in END_TO_END_LAYERS:
        item = items.get(name)  # type: ignore[call-overload]
        _put(row, f"{name}_kwh", item.energy_kwh if item else None)
        g = item.impacts.gwp_kgco2e if item else None
        _put(row, f"{name}_gwp_kgco2e", g.total if g else None)
    for b, key in (("datacenter", "datacenter"), ("end_to_end", "end-to-end")):
        fig = e2e.per_unit.get(key) if e2e else None  # type: ignore[call-overload]
        _put(row, f"per_unit_{b}_energy_kwh", fig.energy_kwh if fig else None)
        _put(row, f"per_unit_{b}_gwp_kgco2e", fig.gwp_kgco2e if fig else None)
    for comp, unit in _DATA_COMPONENTS:
        data = [d for d in report.data if d.component == comp]
        row[f"{comp}_{unit}"] = sum(d.quantity for d in data) if data else None
        _put(row, f"{comp}_kwh", _sum([d.energy_kwh for d in data]))
        _put(
            row,
            f"{comp}_gwp_kgco2e",
            _sum([d.gwp_kgco2e.total if d.gwp_kgco2e else None for d in data]),
        )
    assert tuple(row) == CSV_COLUMNS, "csv_row and CSV_COLUMNS disagree"
    return row


def export(report: Report) -> Exported:
    """A header line and one row (RFC 4180, ``\\r\\n`` line ends)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerow(
        {
            k: "" if v is None else spreadsheet_safe(v) if isinstance(v, str) else v
            for k, v in csv_row(report).items()
        }
    )
    return Exported(buf.getvalue(), "text/csv", "csv")
