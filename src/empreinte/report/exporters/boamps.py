"""BoAmps JSON report (Boavizta, CC BY 4.0): header, task, measures, infrastructure, environment.

The official JSON Schemas (draft-04) ship in ``boamps_schemas/`` and our export is tested
against them. BoAmps requires a few objects the report may not know; they are filled with the
format's own "unknown" values and the mapping is documented in ``docs/report.md``:
``task.taskFamily`` is ``"unspecified"`` without ``task``; ``task.dataset`` is one input
counted in tokens or samples from the report's counters (``dataType`` ``other`` and no
quantity when it counts neither); with no ``hardware`` listed,
``infrastructure.components`` has one component per measured energy component, named after
the device its meter read (``measurement.meters[].device``), else ``"unspecified"``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from empreinte.report.exporters._common import (
    G_PER_KG,
    Exported,
    grid_gwp_kgco2e_per_kwh,
    utc_seconds,
)
from empreinte.report.models import Report
from empreinte.vocabulary import COMPONENTS

__all__ = ["SPEC_URI", "TASK_STAGE", "boamps_report", "export", "quality"]

SPEC_URI = "https://raw.githubusercontent.com/Boavizta/BoAmps/main/model/report_schema.json"

TASK_STAGE: dict[str, str] = {
    "data_preparation": "preprocessing",
    "training": "training",
    "fine_tuning": "finetuning",
    "evaluation": "evaluation",
    "inference": "inference",
    "end_of_life": "endOfLife",
    "other": "other",
}
"""Report life-cycle stage -> BoAmps ``task.taskStage``."""

_REQUEST_UNITS = {"inference", "request", "query", "prompt"}


def quality(report: Report) -> str:
    """BoAmps ``quality`` from the GWP bounds (else energy): high ≤ ±10 %, medium ≤ ±25 %, low."""
    split = report.impacts.gwp_kgco2e
    e = split.total if split else report.energy.total_kwh
    if e.value <= 0:
        return "low"
    spread = max(e.high - e.value, e.value - e.low) / e.value
    return "high" if spread <= 0.10 else "medium" if spread <= 0.25 else "low"


def _fmt_dt(report: Report) -> str:
    return utc_seconds(report.created_at).strftime("%Y-%m-%d %H:%M:%S")


TRAINING_TYPE = {"fine_tuning": "transferLearning"}
"""Report stage -> BoAmps ``trainingType`` where the stage implies it (fine-tuning a pretrained
model is transfer learning); other training types are not stated by a report."""


def _epochs(report: Report) -> float | None:
    """Epochs as the training callbacks record them (``counters.epochs``, else one
    ``epoch-N`` window per epoch); ``None`` when the report does not say."""
    if "epochs" in report.counters:
        return report.counters["epochs"]
    n = sum(1 for w in report.windows if w.name.startswith("epoch-") and w.parent is None)
    return float(n) if n else None


def _algorithm(report: Report) -> dict[str, Any]:
    s = report.system
    out: dict[str, Any] = {}
    if report.lifecycle_stage in TRAINING_TYPE:
        out["trainingType"] = TRAINING_TYPE[report.lifecycle_stage]
    if report.lifecycle_stage in ("training", "fine_tuning"):
        epochs = _epochs(report)
        if epochs is not None:
            out["epochsNumber"] = epochs
    if s is None:
        return out
    out["foundationModelName"] = s.model_id
    if s.parameters_total is not None:
        out["parametersNumber"] = s.parameters_total / 1e9
    if s.architecture:
        out["algorithmType"] = s.architecture
    if s.framework:
        out["framework"] = s.framework
    if s.precision:
        out["quantization"] = s.precision
    return out


def _manufacturer(kind: str, name: str) -> str | None:
    """The vendor of an accelerator in the hardware catalog (``None`` when not found)."""
    if kind not in ("gpu", "tpu", "npu", "accelerator"):
        return None
    from empreinte.errors import EmpreinteError
    from empreinte.factors.hardware import get_accelerator

    try:
        return get_accelerator(name).vendor
    except EmpreinteError:
        return None


def _dataset(report: Report) -> list[dict[str, Any]]:
    """What the job read, as its counters say (tokens, else samples); BoAmps requires one."""
    tokens = report.counters.get("tokens")
    if tokens is not None:
        return [{"dataUsage": "input", "dataType": "token", "dataQuantity": tokens}]
    samples = report.counters.get("samples") or report.counters.get("inferences")
    if samples is not None:
        return [{"dataUsage": "input", "dataType": "other", "dataQuantity": samples}]
    return [{"dataUsage": "input", "dataType": "other"}]


def _components(report: Report) -> list[dict[str, Any]]:
    comps: list[dict[str, Any]] = []
    for h in report.hardware:
        n = max(1, math.ceil(h.count))
        c: dict[str, Any] = {"componentName": h.name, "componentType": h.kind, "nbComponent": n}
        vendor = _manufacturer(h.kind, h.catalog_id or h.name)
        if vendor is not None:
            c["manufacturer"] = vendor
        if h.memory_gb is not None:
            c["memorySize"] = h.memory_gb
        if h.count != n:
            c["share"] = h.count / n
        comps.append(c)
    if not comps:
        # the meters name the device they read (a detected CPU): "unspecified" only without
        devices: dict[str, str] = {
            m.component: m.device for m in report.measurement.meters if m.device
        }
        for kind in COMPONENTS:
            if getattr(report.energy, f"{kind}_kwh") is not None:
                name = devices.get(kind) or "unspecified"
                comps.append({"componentName": name, "componentType": kind, "nbComponent": 1})
    return comps or [{"componentName": "unspecified", "componentType": "other", "nbComponent": 1}]


def _measure(report: Report) -> dict[str, Any]:
    m = report.measurement
    names = sorted({mi.name for mi in m.meters})
    out: dict[str, Any] = {
        "measurementMethod": f"empreinte ({m.method}{': ' + ', '.join(names) if names else ''})",
        "powerConsumption": report.energy.total_kwh.value,
    }
    if report.provenance.tool_version:
        out["version"] = report.provenance.tool_version
    for comp, key in (("cpu", "cpuTrackingMode"), ("gpu", "gpuTrackingMode")):
        modes = sorted({mi.name for mi in m.meters if mi.component == comp})
        if modes:
            out[key] = "+".join(modes)
    if m.duration_s is not None:
        out["measurementDuration"] = m.duration_s
    if m.started_at is not None:
        out["measurementDateTime"] = utc_seconds(m.started_at).strftime("%Y-%m-%d %H:%M:%S")
    return out


def boamps_report(report: Report) -> dict[str, Any]:
    """The BoAmps report as a dict (validates against the official schemas)."""
    header: dict[str, Any] = {
        "licensing": report.licence,
        "formatVersionSpecificationUri": SPEC_URI,
        "reportId": report.report_id,
        "reportDatetime": _fmt_dt(report),
        "reportStatus": "final" if report.status == "complete" else "draft",
    }
    if report.publisher is not None:
        pub = report.publisher
        header["publisher"] = {
            "name": pub.organization or pub.name,
            "confidentialityLevel": "public",
        }
    task: dict[str, Any] = {
        "taskStage": TASK_STAGE[report.lifecycle_stage],
        "taskFamily": report.task or "unspecified",
        "algorithms": [_algorithm(report)],
        "dataset": _dataset(report),
    }
    fu = report.functional_unit
    if report.lifecycle_stage == "inference" and fu is not None and fu.type in _REQUEST_UNITS:
        task["nbRequest"] = fu.count
    acc = report.quality_metrics.get("accuracy")
    if acc is not None and 0 <= acc <= 1:
        task["measuredAccuracy"] = acc
    if report.name:
        task["taskDescription"] = report.name
    loc = report.location
    infra: dict[str, Any] = {
        "infraType": "publicCloud" if loc.cloud_provider else "other",
        "components": _components(report),
    }
    if loc.cloud_provider:
        infra["cloudProvider"] = loc.cloud_provider
    env: dict[str, Any] = {"country": loc.zone}
    if loc.cloud_region:
        env["location"] = loc.cloud_region
    intensity = grid_gwp_kgco2e_per_kwh(report)
    if intensity is not None:
        env["powerSourceCarbonIntensity"] = intensity.value * G_PER_KG
    return {
        "header": header,
        "task": task,
        "measures": [_measure(report)],
        "infrastructure": infra,
        "environment": env,
        "quality": quality(report),
    }


def export(report: Report) -> Exported:
    """The BoAmps report as JSON."""
    text = json.dumps(boamps_report(report), indent=2, ensure_ascii=False) + "\n"
    return Exported(text, "application/json", "boamps.json")
