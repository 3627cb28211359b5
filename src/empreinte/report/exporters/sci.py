"""Software Carbon Intensity (SCI, ISO/IEC 21031:2024): ``((E × I) + M) per R``.

- ``E`` energy drawn, kWh: the facility energy (IT energy × PUE) when known, else IT energy;
- ``I`` location-based grid intensity, gCO2e/kWh (from ``provenance.explain``, else usage GWP / E);
- ``M`` embodied emissions, gCO2e: embodied + end-of-life GWP (SCI counts creation and disposal);
- ``R`` the functional unit (``functional_unit``; one whole job when the report has none).

``ewaste_kg_per_unit`` (the e-waste mass allocated per R) is given beside the score, not in it.

The score is computed from the report's own GWP figures, so it equals
``(usage GWP + M) / R`` with the same bounds. When no embodied GWP was assessed ``M`` is null,
``m_included`` is false and the score covers operational emissions only (said in ``notes``).
"""

from __future__ import annotations

import json
from typing import Any

from empreinte.report.exporters._common import G_PER_KG, Exported, grid_gwp_kgco2e_per_kwh
from empreinte.report.models import Estimate, Report

__all__ = ["export", "sci"]


def _est(e: Estimate | None, k: float = 1.0) -> dict[str, float] | None:
    if e is None:
        return None
    return {"value": e.value * k, "low": e.low * k, "high": e.high * k}


def _add(a: Estimate | None, b: Estimate | None) -> Estimate | None:
    if a is None:
        return b
    if b is None:
        return a
    return Estimate(value=a.value + b.value, low=a.low + b.low, high=a.high + b.high)


def sci(report: Report) -> dict[str, Any]:
    """The SCI block: ``E``, ``I``, ``M``, ``R``, the score per unit with bounds, and notes."""
    from empreinte.errors import ReportError

    gwp = report.impacts.gwp_kgco2e
    if gwp is None or gwp.usage is None:
        raise ReportError(
            "SCI needs the usage-phase GWP, which the report lacks",
            [("impacts.gwp_kgco2e.usage", "missing")],
        )
    notes: list[str] = []
    energy = report.energy.facility_kwh or report.energy.total_kwh
    if report.energy.facility_kwh is None:
        notes.append("E is IT energy: the report gives no facility (PUE-inclusive) energy")
    intensity = grid_gwp_kgco2e_per_kwh(report)
    if intensity is None and energy.value > 0:
        v = gwp.usage.value / energy.value
        intensity = Estimate(value=v, low=v, high=v)
        notes.append("I derived as usage GWP / E (no grid factor in provenance.explain)")
    m = _add(gwp.embodied, gwp.end_of_life)
    if m is None:
        notes.append(
            "M not assessed (no embodied GWP in the report): "
            "the score covers operational emissions only"
        )
    if report.functional_unit is not None:
        r_type, r_count = report.functional_unit.type, report.functional_unit.count
    else:
        r_type, r_count = "job", 1.0
        notes.append("no functional unit in the report: R is the whole job")
    e2e = report.end_to_end
    e2e_fig = e2e.per_unit.get("end-to-end") if e2e else None
    e2e_gwp = e2e_fig.gwp_kgco2e if e2e_fig else None
    if e2e is not None:
        notes.append(
            "the network and user-device layers (end-to-end boundary) are not in E or M: "
            "end_to_end_gco2e_per_unit gives the report's per-request figure on that boundary"
        )
    if report.data:
        notes.append(
            "storage and transfer of data (the report's data items) are not in E or M: "
            "see the report's data section"
        )
    operational = gwp.usage
    total = _add(operational, m)
    assert total is not None
    per_unit = G_PER_KG / r_count
    ewaste = report.impacts.ewaste_kg  # beside the score (a mass), never in it
    return {
        "formula": "((E * I) + M) per R",
        "E_kwh": _est(energy),
        "I_gco2e_per_kwh": _est(intensity, G_PER_KG),
        "O_gco2e": _est(operational, G_PER_KG),
        "M_gco2e": _est(m, G_PER_KG),
        "R": {"type": r_type, "count": r_count},
        "sci_gco2e_per_unit": _est(total, per_unit),
        "unit": f"gCO2e per {r_type}",
        "m_included": m is not None,
        "ewaste_kg_per_unit": None if ewaste is None else _est(ewaste.total, 1 / r_count),
        "end_to_end_gco2e_per_unit": None if e2e_gwp is None else _est(e2e_gwp, G_PER_KG),
        "location_zone": report.location.zone,
        "report_id": report.report_id,
        "notes": notes,
    }


def export(report: Report) -> Exported:
    """The SCI block as JSON."""
    return Exported(json.dumps(sci(report), indent=2) + "\n", "application/json", "json")
