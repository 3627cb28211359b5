"""Training footprints from proxies: accelerator-hours, or parameters and tokens, or FLOPs.

    C      = 6 × N_active × D                          (FLOP; or given directly)
    hours  = C / (peak_FLOP/s × MFU) / 3600            (accelerator-hours; or given directly)
    E_acc  = hours × P_avg                              (P_avg: given, or TDP × a sourced range)

then the host, idle and facility layers of :mod:`empreinte.estimate.layers`. Every unstated
input takes a sourced default range (``data/assumptions.json``), so the result is a range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.common import (
    check_input,
    default_or,
    engine_result,
    estimate_warning,
    hardware_item,
    model_params,
    resolve_pue,
    server_share,
    to_json_range,
    with_sources,
)
from empreinte.estimate.layers import LAYERS, Layers, boundary_layers
from empreinte.ranges import Range, as_range

__all__ = ["BOUNDARIES", "TrainingEstimate", "estimate_training", "training_flops"]

BOUNDARIES = ("full", "accelerators")
Boundary = Literal["full", "accelerators"]

SECONDS_PER_HOUR = 3600.0
W_PER_KW = 1000.0


def training_flops(params_active: Range | float, tokens: Range | float) -> Range:
    """Training compute ``6 × N_active × D`` in FLOP (Kaplan et al. 2020)."""
    return as_range(params_active) * as_range(tokens) * 6.0


@dataclass
class TrainingEstimate:
    """A training estimate: compute, accelerator-hours, power and energy by layer."""

    hardware: Any
    count: float | None
    accelerator_hours: Range
    power_w: Range
    pue: Range
    layers: Layers
    location: str | None
    flops: Range | None = None
    mfu: Range | None = None
    model_id: str | None = None
    params_total: Range | None = None
    params_active: Range | None = None
    server: str | None = None
    warnings: list[CodedWarning] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    stage: str = "training"
    grid_gwp: Range | None = None
    boundary: Boundary = "full"
    datacenter: str | None = None
    teacher_flops: Range | None = None
    data: list[Any] = field(default_factory=list)  # impacts.data.DataComponent, beside compute

    @property
    def wall_hours(self) -> float | None:
        return None if not self.count else float(self.accelerator_hours.value) / self.count

    def embodied_shares(self) -> list[Any]:
        """Hardware whose manufacturing is allocated to the run (accelerators, servers)."""
        from empreinte.impacts import HardwareShare

        hours = self.accelerator_hours  # a range: embodied carries the activity uncertainty
        shares = []
        if self.hardware.embodied is not None:
            shares.append(HardwareShare.accelerator(self.hardware.id, 1, hours))
        return shares + server_share(self.server, hours)

    def impact_result(self) -> Any:
        """The impact engine's result for this run (every step: ``.explain()``)."""
        return engine_result(self.layers.it, self)

    def explain(self) -> list[dict[str, Any]]:
        """The estimator's quantities then the impact engine's steps, each with its sources."""
        rows: list[dict[str, Any]] = [
            {"phase": "estimate", "name": k, "unit": u} | (to_json_range(v) or {})
            for k, v, u in (
                ("flops", self.flops, "FLOP"),
                ("mfu", self.mfu, "1"),
                ("accelerator_hours", self.accelerator_hours, "h"),
                ("power_w", self.power_w, "W"),
                *((f"energy_{k}", v, "kWh") for k, v in self.layers.as_dict().items()),
            )
            if v is not None
        ]
        for i, r in enumerate(rows):  # the estimator's sources, listed once
            r["sources"] = list(dict.fromkeys(self.sources)) if i == 0 else []
        steps: list[dict[str, Any]] = self.impact_result().explain()
        return rows + steps

    def to_report(self, name: str | None = None) -> Any:
        """A validated report (method ``proxy_model``, tier M4) with every layer."""
        from empreinte.report.build import make_report
        from empreinte.report.models import System

        warnings = [estimate_warning(f"{self.stage} energy"), *self.warnings]
        if self.server is None:
            warnings.append(
                CodedWarning(
                    WarningCode.EMBODIED_PARTIAL,
                    "no server archetype given: embodied impacts cover the accelerators only",
                )
            )
        system = None
        if self.model_id or self.params_total is not None:
            system = System(
                model_id=self.model_id or "unnamed",
                parameters_total=None if self.params_total is None else self.params_total.value,
                parameters_active=None if self.params_active is None else self.params_active.value,
            )
        count = self.count or 1
        report = make_report(
            stage=self.stage,
            method="proxy_model",
            energy_kwh={
                "gpu": self.layers.accelerators,
                "other": self.layers.host + self.layers.idle,
            },
            location=self.location,
            pue=self.pue,
            datacenter=self.datacenter,
            grid_gwp=self.grid_gwp,
            hardware=[hardware_item(self.hardware, count)],
            embodied=self.embodied_shares(),
            layers=self.layers.as_dict(),
            measurement={
                "boundary": ["accelerators"] if self.boundary == "accelerators" else list(LAYERS),
                "duration_s": None if self.wall_hours is None else self.wall_hours * 3600,
            },
            warnings=warnings,
            name=name,
            system=system,
            counters={"accelerator_hours": float(self.accelerator_hours.value)}
            | ({} if self.flops is None else {"flops": float(self.flops.value)}),
        )
        if self.data:
            from empreinte.estimate.data import attach_data

            report = attach_data(report, self.data)
        return with_sources(report, self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "hardware": self.hardware.id,
            "count": self.count,
            "model_id": self.model_id,
            "flops": to_json_range(self.flops),
            "teacher_flops": to_json_range(self.teacher_flops),
            "boundary": self.boundary,
            "grid_gwp_kgco2e_per_kwh": to_json_range(self.grid_gwp),
            "mfu": to_json_range(self.mfu),
            "accelerator_hours": to_json_range(self.accelerator_hours),
            "power_w": to_json_range(self.power_w),
            "pue": to_json_range(self.pue),
            "energy_kwh": {k: to_json_range(v) for k, v in self.layers.as_dict().items()}
            | {"it": to_json_range(self.layers.it), "full": to_json_range(self.layers.full)},
            "location": self.location,
            "warnings": [w.as_dict() for w in self.warnings],
            "sources": list(dict.fromkeys(self.sources)),
        } | ({"data": [c.to_dict() for c in self.data]} if self.data else {})


def estimate_training(
    *,
    hardware: str,
    accelerator_hours: Range | float | None = None,
    flops: Range | float | None = None,
    model: str | None = None,
    params_total: float | None = None,
    params_active: float | None = None,
    tokens: Range | float | None = None,
    mfu: Range | float | None = None,
    count: float | None = None,
    power_w: Range | float | None = None,
    pue: Range | float | None = None,
    location: str | None = None,
    host_ratio: Range | float | None = None,
    idle_ratio: Range | float | None = None,
    server: str | None = None,
    stage: str = "training",
    grid_gwp: Range | float | None = None,
    boundary: Boundary = "full",
    datacenter: str | None = None,
    teacher_flops: Range | float | None = None,
) -> TrainingEstimate:
    """Estimate a training (or fine-tuning) run; see the module docstring for the formulas.

    Give one of ``accelerator_hours``, ``flops``, or ``tokens`` with the parameters (counts,
    or a ``model`` name from the catalog). ``power_w`` is the average power per accelerator;
    when it already includes the host's share (as Patterson et al.'s figures do), pass
    ``host_ratio=0``.

    Without ``mfu``, parameters and tokens take the MFU prior fitted on public runs
    (:func:`empreinte.estimate.mfu.mfu_prior`, by model size and chip peak); bare ``flops``
    take the flat ``training_mfu`` assumption. ``teacher_flops`` adds the compute of a
    distillation teacher (logits) that ``6 N D`` of the student does not see.
    ``boundary="accelerators"`` counts accelerator energy only (Meta's model cards: GPU-hours
    × TDP × grid factor): no host, idle or facility layer. ``datacenter`` is an operator
    preset (``meta``, ``google-cloud``...) giving the PUE and WUE. ``grid_gwp`` is a stated
    grid factor (kgCO2e/kWh) replacing the location's.
    """
    from empreinte.factors.hardware import get_accelerator

    for name, value in (
        ("accelerator-hours", accelerator_hours),
        ("flops", flops),
        ("tokens", tokens),
        ("power-w", power_w),
    ):
        check_input(name, value)
    check_input("teacher-flops", teacher_flops, strict=False)
    if accelerator_hours is not None and (mfu is not None or teacher_flops is not None):
        raise EstimateError(
            "mfu and teacher-flops apply when the hours come from FLOPs or tokens, "
            "not with accelerator-hours"
        )
    check_input("grid-gwp", grid_gwp, strict=False)
    if boundary not in BOUNDARIES:
        raise EstimateError(f"unknown boundary {boundary!r}: use 'full' or 'accelerators'")
    if boundary == "accelerators":
        given = [
            n
            for n, v in (("pue", pue), ("host-ratio", host_ratio), ("idle-ratio", idle_ratio))
            if v is not None
        ]
        if given:
            raise EstimateError(
                f"{', '.join(given)} do not apply to the accelerators boundary "
                "(accelerator energy only): drop them or use boundary 'full'"
            )
    check_input("mfu", mfu, maximum=1.0)
    check_input("count", count, minimum=1.0, strict=False)
    check_input("pue", pue, minimum=1.0, strict=False)
    check_input("host-ratio", host_ratio, strict=False)
    check_input("idle-ratio", idle_ratio, strict=False)
    acc = get_accelerator(hardware)
    warnings: list[CodedWarning] = []
    sources: list[str] = []
    params = None
    if accelerator_hours is None and flops is None:
        if tokens is None:
            raise EstimateError("give accelerator-hours, FLOPs, or tokens with the parameters")
        params = model_params(model, params_total, params_active, warnings)
        sources.extend(params.sources)
    elif model is not None or params_total is not None or params_active is not None:
        params = model_params(model, params_total, params_active, warnings)
    c = None
    mfu_r = None
    if accelerator_hours is not None:
        hours = as_range(accelerator_hours)
    else:
        if flops is not None:
            c = as_range(flops)
        else:
            assert params is not None and tokens is not None
            c = training_flops(params.active, tokens)
        if teacher_flops is not None:
            c = c + as_range(teacher_flops)
        if acc.peak_flops_bf16 is None:
            raise EstimateError(f"no peak FLOP/s for {acc.id}: give accelerator-hours instead")
        sources.extend(acc.peak_flops_bf16.sources)
        peak = float(acc.peak_flops_bf16.value)
        if mfu is None and params is not None:
            from empreinte.estimate.mfu import mfu_prior

            mfu_r = mfu_prior(float(params.active.value), peak, warnings)
            sources.append("empreinte-mfu-prior")
        else:
            mfu_r = default_or(mfu, "training_mfu", sources)
        hours = c / (mfu_r * peak) / SECONDS_PER_HOUR
    if hours.low <= 0:
        raise EstimateError("accelerator-hours must be positive")
    if power_w is not None:
        p = as_range(power_w)
    else:
        if acc.tdp_w is None:
            raise EstimateError(f"no TDP for {acc.id}: give the average power per chip (power_w)")
        sources.extend(acc.tdp_w.sources)
        p = default_or(None, "training_power_fraction_of_tdp", sources) * acc.tdp_w.value
    if boundary == "accelerators":
        pue_r = Range.point(1.0)
        layers = boundary_layers(hours * p / W_PER_KW, host_ratio=0, idle_ratio=0, pue=pue_r)
        warnings.append(
            CodedWarning(
                WarningCode.BOUNDARY_ACCELERATORS,
                "accelerator energy only (as Meta's model cards): no host, idle or facility "
                "energy; not comparable with full-boundary figures",
            )
        )
    else:
        pue_r = resolve_pue(pue, location, warnings, datacenter)
        layers = boundary_layers(
            hours * p / W_PER_KW,
            host_ratio=default_or(host_ratio, "host_ratio", sources),
            idle_ratio=default_or(idle_ratio, "idle_ratio", sources),
            pue=pue_r,
        )
    if datacenter is not None:
        from empreinte.factors.datacenters import get_datacenter

        sources.extend(get_datacenter(datacenter).pue.sources)
    return TrainingEstimate(
        hardware=acc,
        count=count,
        accelerator_hours=hours,
        power_w=p,
        pue=pue_r,
        layers=layers,
        location=location,
        flops=c,
        mfu=mfu_r,
        model_id=params.model_id if params else model,
        params_total=params.total if params else None,
        params_active=params.active if params else None,
        server=server,
        warnings=warnings,
        sources=sources,
        stage=stage,
        grid_gwp=None if grid_gwp is None else as_range(grid_gwp),
        boundary=boundary,
        datacenter=datacenter,
        teacher_flops=None if teacher_flops is None else as_range(teacher_flops),
    )
