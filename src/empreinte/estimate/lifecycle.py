"""Lifecycle scenarios: training, fine-tunings, retraining and inference over a deployment.

A scenario file (YAML or JSON) holds one scenario, or ``base`` plus ``variants`` (each a
partial scenario merged over the base) for what-if comparisons::

    base:
      name: baseline
      model: meta-llama/Llama-3.1-70B-Instruct
      hardware: nvidia-h100-sxm
      location: USA
      hardware_lifetime_years: 5
      training: {tokens: 15.0e12}
      fine_tunings: [{tokens: 2.0e9, count: 4}]
      retraining_every_days: 365
      inference: {requests_per_day: 1.0e6, input_tokens: 400, output_tokens: 300, days: 730}
    variants:
      france: {location: FRA}
      older-gpus: {hardware: nvidia-a100-sxm4-80gb, inference: {method: flops}}

Each stage gets energy by layer and impacts (usage + embodied of the accelerators, allocated
by accelerator-hours over the hardware lifetime); inference accelerator-hours are the
accelerator energy divided by the average power (TDP × the sourced inference load).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from empreinte.errors import CodedWarning, ConfigError, WarningCode
from empreinte.estimate.common import to_json_range
from empreinte.estimate.layers import Layers
from empreinte.estimate.reuse import Reuse
from empreinte.ranges import Range, as_range

__all__ = [
    "Data",
    "Scenario",
    "ScenarioResult",
    "StageResult",
    "load_scenarios",
    "run_scenario",
]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Training(_M):
    tokens: float | None = Field(default=None, gt=0)
    accelerator_hours: float | None = Field(default=None, gt=0)
    flops: float | None = Field(default=None, gt=0)
    mfu: float | None = Field(default=None, gt=0, le=1)
    count: int | None = Field(default=None, ge=1, description="accelerators used")


class FineTuning(Training):
    runs: int = Field(default=1, ge=1, description="how many such fine-tunings")


class Inference(_M):
    requests_per_day: float = Field(gt=0)
    days: float = Field(gt=0, description="deployment period")
    output_tokens: float = Field(gt=0)
    input_tokens: float = Field(default=0, ge=0)
    method: Literal["fitted", "flops"] = "fitted"
    batch: float | None = Field(default=None, gt=0)
    count: int | None = Field(default=None, ge=1, description="accelerators per replica")
    fleet: float | None = Field(
        default=None, ge=1, description="accelerators provisioned all the days (fixed fleet)"
    )


class Data(_M):
    """Storage of the dataset and checkpoints, and network transfer (impacts.data)."""

    dataset_tb: float | None = Field(default=None, ge=0)
    checkpoints_tb: float | None = Field(default=None, ge=0)
    retention_years: float | None = Field(default=None, ge=0)
    replicas: float = Field(default=1.0, ge=1)
    medium: Literal["hdd", "ssd", "tape"] = "hdd"
    transfer_gb: float | None = Field(default=None, ge=0)


class Scenario(_M):
    name: str = Field(min_length=1, max_length=100)
    model: str | None = None
    params_total: float | None = Field(default=None, gt=0)
    params_active: float | None = Field(default=None, gt=0)
    hardware: str = "nvidia-h100-sxm"
    location: str | None = None
    pue: float | None = Field(default=None, ge=1)
    grid_gwp: float | str | None = Field(
        default=None, description="stated kgCO2e/kWh: VALUE, LOW:HIGH or VALUE:LOW:HIGH"
    )
    datacenter: str | None = Field(default=None, description="operator preset (PUE, WUE)")
    server: str | None = Field(default=None, description="server archetype (embodied share)")
    hardware_lifetime_years: float | None = Field(default=None, gt=0)
    training: Training | None = None
    fine_tunings: list[FineTuning] = Field(default_factory=list)
    retraining_every_days: float | None = Field(default=None, gt=0)
    inference: Inference | None = None
    data: Data | None = None
    reuse: Reuse | None = None

    @field_validator("grid_gwp")
    @classmethod
    def _grid_gwp(cls, v: float | str | None) -> float | str | None:
        _grid_factor(v)
        return v


def _grid_factor(v: float | str | None) -> float | Range | None:
    """A scenario's stated grid factor as a number or range, finite and >= 0."""
    from empreinte.estimate.common import check_input
    from empreinte.ranges import parse_range

    r = parse_range(v, "grid_gwp")
    check_input("grid_gwp", r, strict=False)
    return r  # type: ignore[no-any-return]


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = (
            _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
        )
    return out


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios from a YAML or JSON file: one, a list, or ``base`` + ``variants``."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc}") from exc
    try:
        if p.suffix.lower() == ".json":
            raw = json.loads(text)
        else:
            import yaml

            raw = yaml.safe_load(text)
    except ValueError as exc:  # json.JSONDecodeError
        raise ConfigError(f"{p}: not valid JSON: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError (yaml is imported lazily)
        import yaml

        if not isinstance(exc, yaml.YAMLError):
            raise
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        what = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{p}: not valid YAML{at}: {what}") from exc
    if isinstance(raw, Mapping) and "base" in raw:
        base = dict(raw["base"])
        base.setdefault("name", "base")
        items = [base] + [
            _merge(base, {**dict(v or {}), "name": name})
            for name, v in dict(raw.get("variants") or {}).items()
        ]
    elif isinstance(raw, list):
        items = raw
    elif isinstance(raw, Mapping):
        items = [raw]
    else:
        raise ConfigError(f"{p}: expected a scenario mapping, a list, or base + variants")
    if not items:
        raise ConfigError(f"{p}: no scenario in the file")
    from pydantic import ValidationError

    try:
        return [Scenario.model_validate(i) for i in items]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"]) or "scenario"
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{p}: {loc}: {msg}") from exc


@dataclass
class StageResult:
    stage: str
    layers: Layers
    accelerator_hours: float
    gwp_usage_kgco2e: Range
    gwp_embodied_kgco2e: Range | None
    water_l: Range
    criteria: dict[str, Range] = field(default_factory=dict)  # usage + embodied + end of life

    @property
    def gwp_kgco2e(self) -> Range:
        return self.gwp_usage_kgco2e + (self.gwp_embodied_kgco2e or Range.point(0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "energy_kwh": to_json_range(self.layers.full),
            "layers_kwh": {k: to_json_range(v) for k, v in self.layers.as_dict().items()},
            "accelerator_hours": self.accelerator_hours,
            "gwp_kgco2e": to_json_range(self.gwp_kgco2e),
            "gwp_usage_kgco2e": to_json_range(self.gwp_usage_kgco2e),
            "gwp_embodied_kgco2e": to_json_range(self.gwp_embodied_kgco2e),
            "water_l": to_json_range(self.water_l),
            "criteria": {k: to_json_range(v) for k, v in self.criteria.items()},
        }


@dataclass
class ScenarioResult:
    scenario: Scenario
    stages: list[StageResult]
    requests: float
    warnings: list[Any] = field(default_factory=list)  # coded warnings of every stage
    data: list[Any] = field(default_factory=list)  # impacts.data.DataComponent
    reuse: Any | None = None  # estimate.reuse.ReuseResult

    def total(self, attr: str) -> Range:
        out = Range.point(0.0)
        for s in self.stages:
            v = s.layers.full if attr == "energy_kwh" else getattr(s, attr)
            out = out + v
        for c in self.data:  # storage and transfer; a component not assessed adds nothing
            d = getattr(c, attr, None)
            if d is not None:
                out = out + d
        return out

    def per_request(self, attr: str) -> Range | None:
        return None if not self.requests else self.total(attr) / self.requests

    def per_response_full(self) -> dict[str, Range] | None:
        """One response's full footprint, every criterion: usage + embodied + end of life of
        the inference, with training, retraining and fine-tuning amortised over the requests."""
        if not self.requests:
            return None
        out: dict[str, Range] = {}
        for s in self.stages:
            for k, v in s.criteria.items():
                out[k] = out.get(k, Range.point(0.0)) + v
        return {k: v / self.requests for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "name": self.scenario.name,
                "scenario": self.scenario.model_dump(exclude_none=True),
                "stages": [s.to_dict() for s in self.stages],
                "warnings": [w.as_dict() for w in self.warnings],
                "total": {
                    "energy_kwh": to_json_range(self.total("energy_kwh")),
                    "gwp_kgco2e": to_json_range(self.total("gwp_kgco2e")),
                    "water_l": to_json_range(self.total("water_l")),
                },
                "requests": self.requests,
                "per_request": {
                    "energy_wh": to_json_range(_times(self.per_request("energy_kwh"), 1e3)),
                    "gwp_gco2e": to_json_range(_times(self.per_request("gwp_kgco2e"), 1e3)),
                },
                "per_response_full": None
                if (full := self.per_response_full()) is None
                else {
                    "functional_unit": "one response: usage + embodied (accelerators"
                    + (", server" if self.scenario.server else "")
                    + ") + end of life, training and fine-tuning amortised",
                    **{k: to_json_range(v) for k, v in full.items()},
                },
            }
            | (
                {
                    "data": [c.to_dict() for c in self.data],
                    "data_warnings": [w.as_dict() for c in self.data for w in c.warnings],
                }
                if self.data
                else {}
            )
            | ({"reuse": self.reuse.to_dict()} if self.reuse is not None else {})
        )


def _times(r: Range | None, k: float) -> Range | None:
    return None if r is None else r * k


def _stage(
    name: str, layers: Layers, hours: float | Range, pue: Range, sc: Scenario
) -> StageResult:
    """A stage's impacts; ``hours`` (accelerator-hours) may be a range: the embodied share then
    carries the activity uncertainty, as in :func:`estimate_training`'s own report."""
    from empreinte.impacts import HardwareShare, compute_impacts

    central = float(as_range(hours).value)
    acc_share = HardwareShare.accelerator(sc.hardware, 1, hours) if central > 0 else None
    shares = [acc_share] if acc_share and acc_share.gwp_kgco2e is not None else []
    if shares and sc.server is not None:
        from empreinte.factors.hardware import get_server

        slots = get_server(sc.server).accelerator_slots or 1
        shares.append(HardwareShare.server(sc.server, 1, as_range(hours) / slots))
    res = compute_impacts(
        layers.it,
        location=sc.location,
        pue=pue,
        datacenter=sc.datacenter,
        grid_gwp=_grid_factor(sc.grid_gwp),
        hardware=shares,
        lifetime_years=sc.hardware_lifetime_years,
    )
    gwp = res.criteria["gwp_kgco2e"]
    water = res.criteria["water_l"].usage
    assert gwp.usage is not None and water is not None
    criteria = {k: c.total for k, c in res.criteria.items() if c.total is not None}
    return StageResult(name, layers, central, gwp.usage, gwp.embodied, water, criteria)


def run_scenario(sc: Scenario) -> ScenarioResult:
    """Estimate every stage of a scenario."""
    from empreinte.estimate.inference import estimate_inference
    from empreinte.estimate.training import estimate_training

    stages: list[StageResult] = []
    warnings: list[Any] = []
    if sc.training is not None:
        t = sc.training
        est = estimate_training(
            hardware=sc.hardware,
            location=sc.location,
            pue=sc.pue,
            model=sc.model,
            params_total=sc.params_total,
            params_active=sc.params_active,
            tokens=t.tokens,
            accelerator_hours=t.accelerator_hours,
            flops=t.flops,
            mfu=t.mfu,
            count=t.count,
            grid_gwp=_grid_factor(sc.grid_gwp),
            datacenter=sc.datacenter,
        )
        warnings.extend(est.warnings)
        stages.append(_stage("training", est.layers, est.accelerator_hours, est.pue, sc))
        days = sc.inference.days if sc.inference else 0.0
        if sc.retraining_every_days and days > sc.retraining_every_days:
            n = math.ceil(days / sc.retraining_every_days) - 1
            stages.append(
                _stage(
                    "retraining",
                    est.layers.scaled(n),
                    est.accelerator_hours * n,
                    est.pue,
                    sc,
                )
            )
    for i, ft in enumerate(sc.fine_tunings):
        est = estimate_training(
            hardware=sc.hardware,
            location=sc.location,
            pue=sc.pue,
            model=sc.model,
            params_total=sc.params_total,
            params_active=sc.params_active,
            tokens=ft.tokens,
            accelerator_hours=ft.accelerator_hours,
            flops=ft.flops,
            mfu=ft.mfu,
            count=ft.count,
            stage="fine_tuning",
            grid_gwp=_grid_factor(sc.grid_gwp),
            datacenter=sc.datacenter,
        )
        warnings.extend(est.warnings)
        label = "fine_tuning" if len(sc.fine_tunings) == 1 else f"fine_tuning_{i + 1}"
        hours = est.accelerator_hours * ft.runs
        stages.append(_stage(label, est.layers.scaled(ft.runs), hours, est.pue, sc))
    requests = 0.0
    if sc.inference is not None:
        inf = sc.inference
        requests = inf.requests_per_day * inf.days
        est_i = estimate_inference(
            hardware=sc.hardware,
            location=sc.location,
            pue=sc.pue,
            model=sc.model,
            params_total=sc.params_total,
            params_active=sc.params_active,
            input_tokens=inf.input_tokens,
            output_tokens=inf.output_tokens,
            requests=requests,
            method=inf.method,
            batch=inf.batch,
            count=inf.count,
            provisioned_hours=inf.days * 24.0 if inf.fleet is not None else None,
            fleet=inf.fleet,
            grid_gwp=_grid_factor(sc.grid_gwp),
            datacenter=sc.datacenter,
        )
        warnings.extend(est_i.warnings)
        acc = est_i.hardware
        inf_hours = est_i.accelerator_hours_range()  # as the inference report's own embodied
        if inf_hours is None:
            raise ConfigError(f"no TDP for {acc.id}: cannot allocate its embodied impacts")
        stages.append(_stage("inference", est_i.total, inf_hours, est_i.pue, sc))
    if not stages:
        raise ConfigError(f"scenario {sc.name!r} has no training, fine-tuning or inference")
    if sc.server is None and any(st.gwp_embodied_kgco2e is not None for st in stages):
        warnings.append(
            CodedWarning(
                WarningCode.EMBODIED_PARTIAL,
                "no server archetype given: embodied impacts cover the accelerators only "
                "(give server, e.g. 'hgx-8gpu')",
            )
        )
    seen = set()
    unique = []
    for w in warnings:
        if (w.code, w.message) not in seen:
            seen.add((w.code, w.message))
            unique.append(w)
    data = []
    if sc.data is not None:
        from empreinte.estimate.common import resolve_pue
        from empreinte.impacts.data import data_components

        d = sc.data
        data = data_components(
            dataset_tb=d.dataset_tb,
            checkpoints_tb=d.checkpoints_tb,
            retention_years=d.retention_years,
            replicas=d.replicas,
            medium=d.medium,
            transfer_gb=d.transfer_gb,
            location=sc.location,
            pue=resolve_pue(sc.pue, sc.location, []),
        )
    result = ScenarioResult(sc, stages, requests, unique, data)
    if sc.reuse is not None:
        from empreinte.estimate.reuse import reuse_what_if

        result.reuse = reuse_what_if(sc, sc.reuse)
    return result
