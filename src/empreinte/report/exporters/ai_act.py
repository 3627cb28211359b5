"""The energy and compute part of the AI Act's documentation of general-purpose AI models.

Regulation (EU) 2024/1689, Annex XI, Section 1, point 2 asks a provider for "(d) the
computational resources used to train the model (e.g. number of floating point operations),
training time, and other relevant details related to the training" and "(e) known or estimated
energy consumption of the model", where an unknown energy "may be based on information about
computational resources used". The Model Documentation Form of the GPAI Code of Practice
(Transparency chapter, 2025) asks the same items field by field: training compute in FLOP,
training time, the energy in MWh with the methodology, and the reason where a value is unknown.

This exporter fills those fields from one report and says which it cannot fill and why; it
never writes a number the report does not carry. The field list is the JSON Schema
``schemas/ai-act-1.json`` beside this module (``docs/reporting.md`` maps each field).

- ``training.energy_consumption``: the report's energy, MWh, with its bounds, ``status``
  ``measured`` (tiers M1–M3), ``estimated`` (M4) or ``declared`` (M5), the method and the
  boundary (facility energy with the PUE when the report has it, else IT energy);
- ``training.computational_resources``: training compute from the report's ``flops`` counter
  (``t.count(flops=...)``, or ``estimate training``: 6·N·D), training time from the
  measurement's duration, accelerator-hours and the hardware;
- an inference report fills ``inference`` (energy per functional unit) and says that the
  training fields belong to the training report.
"""

from __future__ import annotations

import json
from typing import Any

from empreinte.report.exporters._common import Exported, hardware_summary
from empreinte.report.models import METHOD_TIER, DataItem, Estimate, Report

__all__ = ["FORMAT", "ai_act_document", "export"]

FORMAT = "empreinte.ai-act/1"
KWH_PER_MWH = 1000.0
KG_PER_T = 1000.0
WH_PER_KWH = 1000.0
SECONDS_PER_HOUR = 3600.0
TRAINING_STAGES = ("training", "fine_tuning")
LEGAL_BASIS = (
    "Regulation (EU) 2024/1689 (AI Act), Article 53(1)(a) and Annex XI, Section 1, point 2(d)-(e); "
    "GPAI Code of Practice, Transparency chapter, Model Documentation Form (2025)"
)
STATUS = {"M1": "measured", "M2": "measured", "M3": "measured", "M4": "estimated", "M5": "declared"}
METHOD_TEXT = {
    "external_meter": "measured with an external power meter",
    "hw_counter": "measured with hardware energy counters (e.g. NVML, RAPL)",
    "software_model": "measured with a software power model",
    "proxy_model": "estimated from computational resources with a proxy model",
    "declared": "declared by the publisher",
}


def _scaled(e: Estimate, k: float) -> dict[str, float]:
    return {"value": e.value * k, "low": e.low * k, "high": e.high * k}


def _energy(report: Report) -> dict[str, Any]:
    tier = METHOD_TIER[report.measurement.method]
    facility = report.energy.facility_kwh
    layers = list(report.measurement.boundary)
    if facility is not None:
        energy, boundary = facility, "facility (IT energy × PUE)"
    else:
        energy, boundary = report.energy.total_kwh, "IT equipment (no PUE in the report)"
    method = METHOD_TEXT[report.measurement.method]
    if report.provenance.citation:
        method += f"; source: {report.provenance.citation}"
    return {
        "mwh": _scaled(energy, 1 / KWH_PER_MWH),
        "status": STATUS[tier],
        "tier": tier,
        "method": method,
        "boundary": boundary,
        "layers": layers,
        "unknown_reason": None,
    }


def _compute(report: Report) -> dict[str, Any]:
    flops = report.counters.get("flops")
    duration = report.measurement.duration_s
    hours = report.counters.get("accelerator_hours")
    compute: dict[str, Any] = {
        "training_compute_flop": flops,
        "training_compute_method": None,
        "training_time_hours": None if duration is None else duration / SECONDS_PER_HOUR,
        "accelerator_hours": hours,
        "hardware": hardware_summary(report) or None,
        "unknown_reason": None,
    }
    if flops is not None:
        compute["training_compute_method"] = (
            "6 × active parameters × training tokens (Kaplan et al. 2020)"
            if report.measurement.method == "proxy_model"
            else "operations counted by the job (flops counter)"
        )
    else:
        compute["unknown_reason"] = (
            "the report carries no training compute: count it in the job "
            "(t.count(flops=...)) or estimate it from parameters and tokens "
            "(empreinte estimate training --params ... --tokens ...)"
        )
    return compute


def _data_item(d: DataItem) -> dict[str, Any]:
    """A data item (storage, transfer) beside the model's energy and emissions, never added
    into them; not asked by Annex XI (empreinte's addition). ``None`` where not assessed."""
    g = d.gwp_kgco2e
    return {
        "component": d.component,
        "name": d.name,
        "quantity": d.quantity,
        "unit": d.unit,
        "medium": d.medium,
        "energy_mwh": None if d.energy_kwh is None else _scaled(d.energy_kwh, 1 / KWH_PER_MWH),
        "emissions_tco2e": None if g is None else _scaled(g.total, 1 / KG_PER_T),
        "sources": list(d.sources),
    }


def ai_act_document(report: Report) -> dict[str, Any]:
    """The energy-and-compute section of the GPAI model documentation for ``report``."""
    system = report.system
    doc: dict[str, Any] = {
        "format": FORMAT,
        "legal_basis": LEGAL_BASIS,
        "report_id": report.report_id,
        "model": {
            "identifier": None if system is None else system.model_id,
            "parameters_total": None if system is None else system.parameters_total,
            "parameters_active": None if system is None else system.parameters_active,
            "architecture": None if system is None else system.architecture,
        },
        "provider": None
        if report.publisher is None
        else report.publisher.organization or report.publisher.name,
        "lifecycle_stage": report.lifecycle_stage,
        "training": None,
        "inference": None,
        "emissions_tco2e": None,
        "ewaste_kg": None,
        "data": [_data_item(d) for d in report.data],
        "warnings": [w.code for w in report.warnings],
        "sources": [s.id for s in report.provenance.sources],
    }
    gwp = report.impacts.gwp_kgco2e
    if gwp is not None:
        doc["emissions_tco2e"] = _scaled(gwp.total, 1 / KG_PER_T)
    ewaste = report.impacts.ewaste_kg  # beside the emissions (not asked by Annex XI): our addition
    if ewaste is not None:
        doc["ewaste_kg"] = _scaled(ewaste.total, 1.0)
    if report.lifecycle_stage in TRAINING_STAGES:
        doc["training"] = {
            "energy_consumption": _energy(report),
            "computational_resources": _compute(report),
        }
    else:
        unit = report.per_unit
        doc["inference"] = {
            "applies_to": report.lifecycle_stage,
            "energy_consumption": _energy(report),
            "per_functional_unit_wh": None
            if unit is None
            else {"unit": unit.functional_unit.type} | _scaled(unit.energy_kwh, WH_PER_KWH),
            "note": (
                f"this report covers {report.lifecycle_stage}; the AI Act's training energy and "
                "compute (Annex XI 2(d)-(e)) come from the training report"
            ),
        }
    return doc


def export(report: Report) -> Exported:
    text = json.dumps(ai_act_document(report), indent=2, ensure_ascii=False, allow_nan=False)
    return Exported(text + "\n", "application/json", "ai-act.json")
