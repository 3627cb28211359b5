"""Report dicts for the observatory tests (schema empreinte.report/1, validated by the model)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

AVOIDED_CLAIM: dict[str, Any] = {
    "criterion": "gwp_kgco2e",
    "value": {"value": 4.0, "low": 2.0, "high": 6.0},
    "tier": "tier-2",
    "baseline": "the same itineraries planned by hand, with the trips they imply",
    "scope": "users' car trips in France, 2025",
    "rebound": "extra trips induced by easier planning subtracted (survey of 1,000 users)",
    "consequence_tree": True,
    "evidence": ["https://example.org/study", "internal survey 2025"],
}
"""An avoided-impact claim (ITU-T L.1480) as a publisher declares it, for ``avoided=[...]``."""


def est(v: float, spread: float = 0.1) -> dict[str, float]:
    return {"value": v, "low": v * (1 - spread), "high": v * (1 + spread)}


def phase(usage: float, embodied: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"usage": est(usage), "total": est(usage + (embodied or 0))}
    if embodied is not None:
        out["embodied"] = est(embodied)
    return out


def sample_report(**overrides: Any) -> dict[str, Any]:
    """A complete, plausible measured inference report; ``overrides`` replace top-level keys."""
    energy = overrides.pop("energy_kwh", 0.5)
    count = overrides.pop("count", 1000.0)
    model = overrides.pop("model", "meta-llama/Llama-3.1-8B")
    quality = overrides.pop("quality", 0.7)
    r: dict[str, Any] = {
        "schema_version": "empreinte.report/1",
        "report_id": uuid.uuid4().hex,
        "created_at": "2025-06-01T12:00:00Z",
        "name": "test run",
        "publisher": {"name": "tester"},
        "system": {"model_id": model, "precision": "bf16"},
        "lifecycle_stage": "inference",
        "task": "text-generation",
        "functional_unit": {"type": "inference", "count": count},
        "hardware": [{"kind": "gpu", "name": "NVIDIA H100 80GB HBM3", "count": 1}],
        "location": {"zone": "FRA"},
        "datacenter": {"pue": est(1.2, 0.05)},
        "measurement": {
            "method": "hw_counter",
            "meters": [{"name": "nvml", "component": "gpu", "method": "hw_counter"}],
            "duration_s": 3600.0,
        },
        "energy": {
            "total_kwh": est(energy),
            "gpu_kwh": est(energy * 0.8),
            "cpu_kwh": est(energy * 0.2),
            "facility_kwh": est(energy * 1.2),
        },
        "impacts": {
            "gwp_kgco2e": phase(energy * 1.2 * 0.05, 0.01),
            "water_l": phase(energy * 2.0),
        },
        "per_unit": {
            "functional_unit": {"type": "inference", "count": count},
            "energy_kwh": est(energy / count),
            "impacts": {"gwp_kgco2e": phase(energy * 1.2 * 0.05 / count)},
        },
        "quality_metrics": {"accuracy": quality} if quality is not None else {},
    }
    for k, v in overrides.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = copy.deepcopy(v)
    return r


def post(client: Any, body: Any, auth: dict[str, str], **headers: str) -> Any:
    return client.post("/api/v1/reports", json=body, headers={**auth, **headers})
