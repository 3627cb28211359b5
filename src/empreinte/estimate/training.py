"""Training footprints from proxies: accelerator-hours, or parameters and tokens, or FLOPs.

    C      = 6 × N_active × D                          (FLOP; or given directly)
    hours  = C / (peak_FLOP/s × MFU) / 3600            (accelerator-hours; or given directly)
    E_acc  = hours × P_avg                              (P_avg: given, or TDP × a sourced range)

then the host, idle and facility layers of :mod:`empreinte.estimate.layers`. Every unstated
input takes a sourced default range (``data/assumptions.json``), so the result is a range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.common import (
    chain_input,
    check_input,
    engine_result,
    estimate_warning,
    hardware_item,
    model_params,
    server_share,
    sourced,
    sourced_pue,
    to_json_range,
    with_chain,
    with_sources,
)
from empreinte.estimate.layers import LAYERS, Layers
from empreinte.impacts import formulas as f
from empreinte.impacts.engine import Evaluation, Input, StepDict, evaluate
from empreinte.ranges import Range, as_range

if TYPE_CHECKING:
    from empreinte.impacts.assess import ImpactResult

__all__ = ["BOUNDARIES", "TrainingEstimate", "estimate_training", "training_flops"]

BOUNDARIES = ("full", "accelerators")
Boundary = Literal["full", "accelerators"]

_LAYER_STEPS = (
    "accelerators_energy_kwh",
    "host_energy_kwh",
    "idle_energy_kwh",
    "facility_overhead_kwh",
)
"""The training graph's steps of the four boundary layers, in the order of ``LAYERS``."""


def training_flops(params_active: Range | float, tokens: Range | float) -> Range:
    """Training compute ``6 × N_active × D`` in FLOP (Kaplan et al. 2020): the engine's
    ``training_flops`` formula."""
    return as_range(f.training_flops(params_active, tokens))


@dataclass
class TrainingEstimate:
    """A training estimate: compute, accelerator-hours, power and energy by layer."""

    chain: Evaluation  # the engine's training graph, from the proxies to the IT energy
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
        step = self.chain.steps.get("accelerator_hours")
        srcs = ("user-input",) if step is None else step.sources
        shares = []
        if self.hardware.embodied is not None:
            shares.append(HardwareShare.accelerator(self.hardware.id, 1, hours, srcs))
        return shares + server_share(self.server, hours, srcs)

    def pue_input(self) -> Input:
        """The PUE with its sources (a data-centre preset's, an assumption's or the user's)."""
        return chain_input(self.chain, "pue", self.pue)

    def impact_result(self) -> ImpactResult:
        """The impact engine's result for this run (every step: ``.explain()``)."""
        return engine_result(self.layers.it, self)

    def explain(self) -> list[StepDict]:
        """The estimator's chain (the engine's ``training`` graph: FLOPs, accelerator-hours,
        power, the boundary layers, the IT energy), then the impact engine's steps; each step
        with its sources and, for a formula, the names of the steps it reads."""
        rows = self.chain.explain()
        for r in rows:
            r["phase"] = "estimate"
        return rows + self.impact_result().explain()

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
            pue=self.pue_input(),
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
        return with_chain(with_sources(report, self.sources), self.chain)

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
    if accelerator_hours is not None and flops is not None:
        raise EstimateError(
            "give accelerator-hours or flops, not both: the hours would replace the FLOPs"
        )
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
                f"{given[0] + ' does' if len(given) == 1 else ', '.join(given) + ' do'} not "
                "apply to the accelerators boundary "
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
    chain: dict[str, Input] = {}  # the estimator's inputs, evaluated by the engine's graph
    c = None
    mfu_r = None
    if accelerator_hours is not None:
        hours = as_range(accelerator_hours)
        chain["accelerator_hours"] = Input(hours, "h", ("user-input",))
    else:
        if flops is not None:
            c = as_range(flops)
            chain["training_flops"] = Input(c, "FLOP", ("user-input",))
        else:
            assert params is not None and tokens is not None
            chain["params_active"] = Input(params.active, "1", params.sources, params.model_id)
            chain["training_tokens"] = Input(as_range(tokens), "token", ("user-input",))
            c = as_range(f.training_flops(params.active, tokens))
        if teacher_flops is not None:
            c = c + as_range(teacher_flops)
            for k in ("params_active", "training_tokens"):
                chain.pop(k, None)
            chain["training_flops"] = Input(
                c, "FLOP", ("user-input",), "6 N_active D of the student + the teacher's FLOPs"
            )
        if acc.peak_flops_bf16 is None:
            raise EstimateError(f"no peak FLOP/s for {acc.id}: give accelerator-hours instead")
        sources.extend(acc.peak_flops_bf16.sources)
        peak = float(acc.peak_flops_bf16.value)
        chain["peak_flops_per_s"] = Input(
            peak, "FLOP/s", tuple(acc.peak_flops_bf16.sources), f"{acc.id}, dense BF16"
        )
        if mfu is None and params is not None:
            from empreinte.estimate.mfu import mfu_prior

            mfu_r = mfu_prior(float(params.active.value), peak, warnings)
            sources.append("empreinte-mfu-prior")
            chain["mfu"] = Input(
                mfu_r, "1", ("empreinte-mfu-prior",), "MFU prior fitted on public training runs"
            )
        else:
            chain["mfu"] = sourced(mfu, "training_mfu", sources)
            mfu_r = as_range(chain["mfu"].value)
        hours = as_range(f.accelerator_hours(c, mfu_r, peak))
    if hours.low <= 0:
        raise EstimateError("accelerator-hours must be positive")
    if power_w is not None:
        chain["accelerator_power_w"] = Input(as_range(power_w), "W", ("user-input",))
    else:
        if acc.tdp_w is None:
            raise EstimateError(f"no TDP for {acc.id}: give the average power per chip (power_w)")
        sources.extend(acc.tdp_w.sources)
        chain["power_fraction_of_tdp"] = sourced(None, "training_power_fraction_of_tdp", sources)
        chain["tdp_w"] = Input(acc.tdp_w.value, "W", tuple(acc.tdp_w.sources), acc.id)
    if boundary == "accelerators":
        note = "accelerators boundary: not counted"
        chain["host_ratio"] = Input(0, "1", (), note)
        chain["idle_ratio"] = Input(0, "1", (), note)
        chain["pue"] = Input(Range.point(1.0), "1", (), note)
        warnings.append(
            CodedWarning(
                WarningCode.BOUNDARY_ACCELERATORS,
                "accelerator energy only (as Meta's model cards): no host, idle or facility "
                "energy; not comparable with full-boundary figures",
            )
        )
    else:
        chain["pue"] = sourced_pue(pue, location, warnings, datacenter)
        chain["host_ratio"] = sourced(host_ratio, "host_ratio", sources)
        chain["idle_ratio"] = sourced(idle_ratio, "idle_ratio", sources)
    ev = evaluate(chain, graph="training")
    p = ev.range("accelerator_power_w")
    layer_ranges = [ev.range(n) for n in _LAYER_STEPS]
    assert p is not None and all(r is not None for r in layer_ranges)  # every input is given
    layers = Layers(*layer_ranges)  # type: ignore[arg-type]
    pue_r = as_range(chain["pue"].value)
    if datacenter is not None:
        from empreinte.factors.datacenters import get_datacenter

        sources.extend(get_datacenter(datacenter).pue.sources)
    return TrainingEstimate(
        chain=ev,
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
