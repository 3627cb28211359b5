"""A report structured as ITU-T L.1801 (02/2026) asks: goal and scope, inventory, impacts by
life-cycle stage and criterion, and data quality.

ITU-T L.1801 "Guidelines for assessing the environmental impact of artificial intelligence
systems" (identical to ETSI ES 204 135) applies the ICT life-cycle assessment of ITU-T L.1410
to AI systems: a functional unit, a system boundary, the life-cycle stages of L.1410 (raw
material acquisition and production of the equipment, use, end of life) with the AI system's
development (data preparation, training, fine-tuning, evaluation) and operation (inference)
inside the use of the equipment, several impact categories, and first-order effects kept apart
from second- and higher-order effects (clause 8.3), which a footprint report does not assess.

Mapping (``docs/reporting.md``; field list: JSON Schema ``schemas/l1801-1.json``):

- ``life_cycle_stages.equipment_production``: embodied impacts (manufacturing of the hardware,
  allocated to the job by time over the hardware's lifetime);
- ``life_cycle_stages.ai_development`` or ``ai_operation``: usage impacts (electricity at the
  facility), by the report's life-cycle stage;
- ``life_cycle_stages.end_of_life``: end-of-life impacts;
- a stage the report did not assess is ``null`` with the reason in ``excluded``; never zero;
- ``life_cycle_inventory.data``: storage and transfer of data (``report.data``), beside the
  compute and never added into its stages or impact categories.
"""

from __future__ import annotations

import json
from typing import Any

from empreinte.report.exporters._common import CRITERION_LABELS, PHASES, Exported, hardware_summary
from empreinte.report.models import METHOD_TIER, Estimate, Report

__all__ = ["FORMAT", "export", "l1801_document", "stage_of_phase"]

FORMAT = "empreinte.l1801/1"
RECOMMENDATION = "ITU-T L.1801 (02/2026) / ETSI ES 204 135, on the LCA method of ITU-T L.1410"
DEVELOPMENT = ("data_preparation", "training", "fine_tuning", "evaluation")


def stage_of_phase(report: Report) -> dict[str, str]:
    """Report phase -> L.1801 life-cycle stage for this report's life-cycle stage."""
    use = "ai_development" if report.lifecycle_stage in DEVELOPMENT else "ai_operation"
    return {"embodied": "equipment_production", "usage": use, "end_of_life": "end_of_life"}


def _est(e: Estimate | None) -> dict[str, float] | None:
    return None if e is None else {"value": e.value, "low": e.low, "high": e.high}


def _stages(report: Report) -> tuple[dict[str, Any], list[dict[str, str]]]:
    mapping = stage_of_phase(report)
    stages: dict[str, Any] = {
        "equipment_production": None,
        "ai_development": None,
        "ai_operation": None,
        "end_of_life": None,
    }
    excluded: list[dict[str, str]] = []
    for phase in PHASES:
        stage = mapping[phase]
        values: dict[str, Any] = {}
        for key, (label, unit) in CRITERION_LABELS.items():
            split = getattr(report.impacts, key)
            e = None if split is None else getattr(split, phase)
            if e is not None:
                values[key] = {"label": label, "unit": unit} | (_est(e) or {})
        if values:
            stages[stage] = values
        else:
            excluded.append({"stage": stage, "reason": f"{phase.replace('_', ' ')} not assessed"})
    other = "ai_operation" if mapping["usage"] == "ai_development" else "ai_development"
    excluded.append(
        {"stage": other, "reason": f"outside this report (a {report.lifecycle_stage} report)"}
    )
    return stages, excluded


def l1801_document(report: Report) -> dict[str, Any]:
    """``report`` as the sections of an L.1801 assessment (first-order effects only)."""
    stages, excluded = _stages(report)
    system = report.system
    fu = report.functional_unit
    tier = METHOD_TIER[report.measurement.method]
    categories = {
        key: {"label": label, "unit": unit} | (_est(split.total) or {})
        for key, (label, unit) in CRITERION_LABELS.items()
        if (split := getattr(report.impacts, key)) is not None
    }
    per_unit = None
    if report.per_unit is not None:
        per_unit = {
            "functional_unit": report.per_unit.functional_unit.type,
            "energy_kwh": _est(report.per_unit.energy_kwh),
        } | {
            key: _est(split.total)
            for key in CRITERION_LABELS
            if (split := getattr(report.per_unit.impacts, key)) is not None
        }
    return {
        "format": FORMAT,
        "recommendation": RECOMMENDATION,
        "report_id": report.report_id,
        "goal_and_scope": {
            "ai_system": {
                "model": None if system is None else system.model_id,
                "parameters_total": None if system is None else system.parameters_total,
                "task": report.task,
            },
            "lifecycle_stage_of_the_ai_system": report.lifecycle_stage,
            "functional_unit": None
            if fu is None
            else {"type": fu.type, "count": fu.count, "description": f"{fu.count:g} × {fu.type}"},
            "system_boundary": {
                "layers": list(report.measurement.boundary),
                "facility_overhead_included": report.energy.facility_kwh is not None,
                "hardware": hardware_summary(report) or None,
                "location": report.location.zone,
                "boundary": report.system_boundary or "datacenter",
                "end_to_end": _end_to_end(report),
            },
            "effects_assessed": "first-order (L.1801 clause 8.1-8.2)",
            "effects_not_assessed": "second- and higher-order effects (L.1801 clause 8.3)",
        },
        "life_cycle_inventory": {
            "energy_kwh": {
                name: _est(getattr(report.energy, f"{name}_kwh"))
                for name in ("total", "gpu", "cpu", "ram", "other", "facility")
            },
            "pue": _est(report.datacenter.pue),
            "wue_l_per_kwh": _est(report.datacenter.wue_l_per_kwh),
            "measurement_method": report.measurement.method,
            "duration_s": report.measurement.duration_s,
            "data": _data(report),
        },
        "life_cycle_stages": stages,
        "excluded": excluded,
        "impact_categories": categories,
        "per_functional_unit": per_unit,
        "data_quality": {
            "tier": tier,
            "warnings": [{"code": w.code, "message": w.message} for w in report.warnings],
            "sources": [s.id for s in report.provenance.sources],
            "citation": report.provenance.citation,
        },
    }


def _data(report: Report) -> list[dict[str, Any]]:
    """The data items (storage, transfer) as inventory flows beside the compute: their
    quantity, energy and GWP by phase, ``None`` where not assessed; never in the stages or the
    impact categories, which cover the compute."""
    out = []
    for d in report.data:
        g = d.gwp_kgco2e
        out.append(
            {
                "component": d.component,
                "name": d.name,
                "quantity": d.quantity,
                "unit": d.unit,
                "medium": d.medium,
                "replicas": d.replicas,
                "energy_kwh": _est(d.energy_kwh),
                "gwp_kgco2e": None
                if g is None
                else {
                    "usage": _est(g.usage),
                    "embodied": _est(g.embodied),
                    "total": _est(g.total),
                },
                "sources": list(d.sources),
                "note": d.note,
            }
        )
    return out


def _end_to_end(report: Report) -> dict[str, Any] | None:
    """The network and device layers beyond the data centre, per functional unit, and the
    per-unit figure on both boundaries (``None`` on the data centre's boundary)."""
    e2e = report.end_to_end
    if e2e is None:
        return None
    layers = []
    for la in e2e.layers:
        g = la.impacts.gwp_kgco2e
        layers.append(
            {
                "layer": la.layer,
                "name": la.name,
                "quantity": la.quantity,
                "unit": la.unit,
                "energy_kwh": _est(la.energy_kwh),
                "gwp_kgco2e": None if g is None else _est(g.total),
                "sources": list(la.sources),
            }
        )
    per_unit = {
        b: {"energy_kwh": _est(f.energy_kwh), "gwp_kgco2e": _est(f.gwp_kgco2e)}
        for b, f in e2e.per_unit.items()
    }
    return {"layers": layers, "per_functional_unit": per_unit}


def export(report: Report) -> Exported:
    text = json.dumps(l1801_document(report), indent=2, ensure_ascii=False, allow_nan=False)
    return Exported(text + "\n", "application/json", "l1801.json")
