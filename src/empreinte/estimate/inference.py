"""Inference footprints per request (or per N requests) from a model name or its parameters.

Two methods, both giving the accelerator layer, then host, idle and facility layers
(:mod:`empreinte.estimate.layers`):

- ``fitted`` (default): the per-token model fitted on ML.ENERGY v3 measurements
  (:mod:`empreinte.estimate.pertoken`), GPU energy per output token with the task's typical
  prompt; H100 SXM and B200 only. The data have no input lengths, so the prefill of the
  given input tokens is added from FLOPs (``2 N_active L_in`` at the compute-bound MFU, as
  the FLOP method does; there is no sourced per-input-token coefficient). The FLOP method
  runs beside it as a cross-check: both are reported with their agreement ratio
  (warning ``methods-disagree`` beyond ×2).
- ``flops``: Epoch AI's method. ``t = 2 N_active tokens / (peak × MFU)``;
  ``E_acc = t × P × load``. Input tokens run at the (compute-bound) training MFU, output
  tokens at the decoding MFU.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.assumptions import assumption
from empreinte.estimate.common import (
    ModelParams,
    belong,
    chain_input,
    check_input,
    default_or,
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
from empreinte.vocabulary import CRITERIA, J_PER_KWH

__all__ = ["InferenceEstimate", "estimate_inference", "flops_energy_j", "upstream_totals"]

Method = Literal["fitted", "flops"]
DEFAULT_TASK = "lm-arena-chat"
"""The fitted method's prompt profile when no task is given."""

DISAGREEMENT_FACTOR = 2.0


def provisioned_layers(
    accelerators_kwh: Range,
    *,
    requests: float,
    accelerators: float,
    hours: float,
    tdp_w: float,
    host_ratio: Range,
    pue: Range,
    sources: list[str],
    warnings: list[CodedWarning],
) -> Layers:
    """Per-request layers of a fixed fleet (``accelerators`` × ``hours``) serving ``requests``.

    ``busy = requests × A / (TDP × load)`` accelerator-hours are active (``load``: the sourced
    inference power fraction); the rest of the provisioned accelerator-hours idle at
    ``TDP × idle fraction`` (an assumption, ``accelerator_idle_power_fraction_of_tdp``), with
    their hosts (× ``1 + host_ratio``). The idle layer is that energy over the requests.
    """
    load = default_or(None, "inference_power_fraction_of_tdp", sources)
    idle_frac = default_or(None, "accelerator_idle_power_fraction_of_tdp", sources)
    kw = tdp_w / 1000.0
    busy_h = accelerators_kwh * requests / (load * kw)
    provisioned_h = accelerators * hours
    if float(busy_h.value) > provisioned_h:
        warnings.append(
            CodedWarning(
                WarningCode.PROVISIONED_SATURATED,
                f"the requests need about {float(busy_h.value):,.0f} accelerator-hours, more than "
                f"the {provisioned_h:,.0f} provisioned: no idle capacity counted",
            )
        )
    idle_h = Range(
        max(provisioned_h - float(busy_h.value), 0.0),
        max(provisioned_h - float(busy_h.high), 0.0),
        max(provisioned_h - float(busy_h.low), 0.0),
    )
    idle_kwh = idle_h * idle_frac * kw * (host_ratio + 1.0) / requests
    host = accelerators_kwh * host_ratio
    facility = (accelerators_kwh + host + idle_kwh) * (as_range(pue) - 1.0)
    return Layers(accelerators_kwh, host, idle_kwh, facility)


def flops_energy_j(
    params_active: Range | float,
    tokens: Range | float,
    peak_flops: float,
    mfu: Range | float,
    power_w: Range | float,
    load: Range | float,
) -> Range:
    """Accelerator energy (J) of ``2 × N_active × tokens`` FLOP (Epoch AI, 2025): the
    engine's ``decode_seconds``/``prefill_seconds`` then ``..._energy_j`` formulas."""
    seconds = f.flop_seconds(params_active, tokens, mfu, peak_flops)
    return f.flop_energy_j(seconds, power_w, load)


@dataclass
class InferenceEstimate:
    """Energy of ``requests`` requests by boundary layer, and per request."""

    method: Method
    hardware: Any
    params: ModelParams
    input_tokens: float
    output_tokens: float
    requests: float
    per_request: Layers
    pue: Range
    location: str | None
    gpus: int | None = None
    batch: Range | None = None
    warnings: list[CodedWarning] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    grid_gwp: Range | None = None
    datacenter: str | None = None
    server: str | None = None  # server archetype whose share of embodied impacts is counted
    provisioned_accelerator_hours: float | None = None  # fixed fleet x hours (provisioned mode)
    cross_check: Range | None = None  # accelerator Wh per request by the other method
    prefill: Range | None = None  # accelerator Wh per request of the input tokens (fitted)
    boundary: str = "datacenter"  # or "end-to-end": with the network and device layers below
    end_to_end: list[Any] = field(default_factory=list)  # impacts.enduser.EndToEndLayer
    chain: Evaluation = field(default_factory=Evaluation)  # the engine's inference graph
    # upstream stages (training, fine-tuning) amortised over the model's lifetime requests
    amortised: dict[str, Range] = field(default_factory=dict)  # criterion: total impact
    lifetime_requests: float | None = None
    amortised_from: tuple[str, ...] = ()  # report ids of the amortised stages, when given

    def boundary_figures(self, report: Any) -> dict[str, dict[str, Range | None]]:
        """Per request, on the data-centre boundary (full layers; the report's per-unit GWP)
        and, when asked, end to end (+ network + device): ``{boundary: {energy_kwh, gwp}}``."""
        pu = report.per_unit
        g = None if pu is None else pu.impacts.gwp_kgco2e
        gwp = None if g is None else Range(g.total.value, g.total.low, g.total.high)
        out: dict[str, dict[str, Range | None]] = {
            "datacenter": {"energy_kwh": self.per_request.full, "gwp_kgco2e": gwp}
        }
        if self.end_to_end:
            energy = self.per_request.full
            for la in self.end_to_end:
                energy = energy + la.energy_kwh
                t = la.total("gwp_kgco2e")
                gwp = None if gwp is None or t is None else gwp + t
            out["end-to-end"] = {"energy_kwh": energy, "gwp_kgco2e": gwp}
        return out

    def per_response_full(self) -> dict[str, Range] | None:
        """One response's full footprint, every criterion the report assesses: usage +
        embodied (accelerators, and the server with ``server``) + end of life, plus the
        ``amortised`` upstream stages divided by ``lifetime_requests`` (the functional unit
        of publishers' life-cycle assessments; as ``estimate lifecycle``). ``None`` without
        ``lifetime_requests``; a criterion the upstream totals lack is left out (never
        counted as zero)."""
        if self.lifetime_requests is None:
            return None
        return self._full(self._report())

    def _full(self, report: Any) -> dict[str, Range] | None:
        """:meth:`per_response_full` from this estimate's report (before ``amortised``)."""
        assert self.lifetime_requests is not None
        pu = report.per_unit
        if pu is None:
            return None
        out: dict[str, Range] = {}
        for k in CRITERIA:
            split = getattr(pu.impacts, k)
            if split is None or k not in self.amortised:
                continue
            own = Range(split.total.value, split.total.low, split.total.high)
            out[k] = own + self.amortised[k] / self.lifetime_requests
        return out

    @property
    def agreement_ratio(self) -> float | None:
        """Central accelerator energy of this method over the other's (cross-check)."""
        if self.cross_check is None or not self.cross_check.value:
            return None
        return float(self.per_request.accelerators.value) * 1000 / float(self.cross_check.value)

    @property
    def total(self) -> Layers:
        return self.per_request.scaled(self.requests)

    def accelerator_hours(self) -> float | None:
        """Accelerator-hours implied by the energy at TDP × the sourced inference load."""
        r = self.accelerator_hours_range()
        return None if r is None else float(r.value)

    def accelerator_hours_range(self) -> Range | None:
        """The same as a range: energy bounds over the load bounds (activity uncertainty)."""
        from empreinte.estimate.assumptions import assumption

        if self.provisioned_accelerator_hours is not None:  # the fleet is held all along
            return Range.point(self.provisioned_accelerator_hours)
        if self.hardware.tdp_w is None:
            return None
        load = assumption("inference_power_fraction_of_tdp").range
        kw = load * (float(self.hardware.tdp_w.value) / 1000.0)
        return self.total.accelerators / kw

    def embodied_shares(self) -> list[Any]:
        """Accelerators, plus the host server's share (``server``, one per 8 slots)."""
        from empreinte.impacts import HardwareShare

        hours = self.accelerator_hours_range()
        if hours is None or self.hardware.embodied is None:
            return []
        srcs: tuple[str, ...] = (
            ("user-input",)  # a fixed fleet for the hours given
            if self.provisioned_accelerator_hours is not None
            else (
                "energy-estimated-proxy-model",
                *assumption("inference_power_fraction_of_tdp").sources,
            )
        )
        shares = [HardwareShare.accelerator(self.hardware.id, 1, hours, srcs)]
        return shares + server_share(self.server, hours, srcs)

    def pue_input(self) -> Input:
        """The PUE with its sources (a data-centre preset's, an assumption's or the user's)."""
        return chain_input(self.chain, "pue", self.pue)

    def impact_result(self) -> ImpactResult:
        """The impact engine's result for all requests (every step: ``.explain()``)."""
        return engine_result(self.total.it, self)

    def explain(self) -> list[StepDict]:
        """The estimator's chain (the engine's ``inference`` graph: FLOPs or the fitted
        per-token model, the boundary layers per request, the IT energy of all requests), its
        other quantities (batch, cross-check), then the impact engine's steps and the layers
        beyond the data centre; each step with its sources and, for a formula, its inputs."""
        rows = self.chain.explain()
        extra: list[tuple[str, Range | None, str, list[str]]] = [
            ("batch", self.batch, "requests", []),
            ("cross_check_accelerators_wh", self.cross_check, "Wh", ["epoch-ai-2025"]),
        ]
        for k, v, u, cited in extra:
            if v is not None:
                rows.append(_row(k, v, u, cited))
        for r in rows:
            r["phase"] = "estimate"
        steps = self.impact_result().explain()
        for la in self.end_to_end:  # beyond the data centre: its own rows and sources
            srcs = list(dict.fromkeys(la.sources))
            for k, v, u in (
                (f"per_request_{la.layer}_{la.unit.lower()}", la.quantity_range, la.unit),
                (f"per_request_{la.layer}_kwh", la.energy_kwh, "kWh"),
                (f"per_request_{la.layer}_gwp_kgco2e", la.total("gwp_kgco2e"), "kgCO2e"),
            ):
                if v is not None:
                    steps.append(_row(k, v, u, srcs) | {"phase": "end-to-end"})
        return rows + steps

    def to_report(self, name: str | None = None) -> Any:
        """A validated report for all requests, with per-request values (tier M4); with
        ``lifetime_requests``, its ``amortised`` block (the per-response full footprint)."""
        report = self._report(name)
        full = None if self.lifetime_requests is None else self._full(report)
        if full is None:
            return report
        from empreinte.report.models import Amortised

        def est(r: Range) -> dict[str, float]:
            return {"value": float(r.value), "low": float(r.low), "high": float(r.high)}

        block = Amortised(
            lifetime_requests=float(self.lifetime_requests or 1.0),
            upstream_reports=list(self.amortised_from),
            upstream_totals={k: est(v) for k, v in self.amortised.items()},
            per_response_full={k: est(v) for k, v in full.items()},
        )
        return report.model_copy(update={"amortised": block})

    def _report(self, name: str | None = None) -> Any:
        from empreinte.report.build import make_report
        from empreinte.report.models import System

        t = self.total
        report = make_report(
            stage="inference",
            method="proxy_model",
            energy_kwh={"gpu": t.accelerators, "other": t.host + t.idle},
            location=self.location,
            pue=self.pue_input(),
            datacenter=self.datacenter,
            grid_gwp=self.grid_gwp,
            hardware=[hardware_item(self.hardware, self.gpus or 1)],
            embodied=self.embodied_shares(),
            functional_unit=("inference", self.requests),
            layers=t.as_dict(),
            measurement={"boundary": list(LAYERS)},
            warnings=[
                estimate_warning(f"inference energy ({self.method} method)"),
                *self.warnings,
                *(
                    []
                    if self.server is not None
                    else [
                        CodedWarning(
                            WarningCode.EMBODIED_PARTIAL,
                            "no server archetype given: embodied impacts cover the "
                            "accelerators only (give server, e.g. 'hgx-8gpu')",
                        )
                    ]
                ),
            ],
            name=name,
            system=System(
                model_id=self.params.model_id or "unnamed",
                parameters_total=float(self.params.total.value),
                parameters_active=float(self.params.active.value),
            ),
            counters={
                "requests": self.requests,
                "input_tokens": self.input_tokens * self.requests,
                "output_tokens": self.output_tokens * self.requests,
            },
        )
        report = report.model_copy(update={"system_boundary": self.boundary})
        if self.end_to_end:
            report = self._attach_end_to_end(report)
        return with_chain(with_sources(report, self.sources), self.chain)

    def _attach_end_to_end(self, report: Any) -> Any:
        from empreinte.report.models import EndToEnd, WarningItem

        figures = {
            b: {k: to_json_range(v) for k, v in f.items() if v is not None}
            for b, f in self.boundary_figures(report).items()
        }
        block = EndToEnd.model_validate(
            {"layers": [la.to_dict() for la in self.end_to_end], "per_unit": figures}
        )
        warnings = list(report.warnings)
        seen = {(w.code, w.message) for w in warnings}
        for la in self.end_to_end:
            for w in la.warnings:
                if (str(w.code), w.message) not in seen:
                    seen.add((str(w.code), w.message))
                    warnings.append(WarningItem(code=str(w.code), message=w.message))
        sources = [s for la in self.end_to_end for s in la.sources]
        report = report.model_copy(update={"end_to_end": block, "warnings": warnings})
        return with_sources(report, sources)

    def to_dict(self) -> dict[str, Any]:
        def wh(layers: Layers) -> dict[str, Any]:
            d = {k: to_json_range(v * 1000) for k, v in layers.as_dict().items()}
            return d | {
                "it": to_json_range(layers.it * 1000),
                "full": to_json_range(layers.full * 1000),
            }

        return {
            "method": self.method,
            "model_id": self.params.model_id,
            "params_total": to_json_range(self.params.total),
            "params_active": to_json_range(self.params.active),
            "hardware": self.hardware.id,
            "gpus": self.gpus,
            "batch": to_json_range(self.batch),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "requests": self.requests,
            "pue": to_json_range(self.pue),
            "location": self.location,
            "per_request_wh": wh(self.per_request),
            "total_wh": wh(self.total),
            "prefill_accelerators_wh": to_json_range(self.prefill),
            "cross_check": None
            if self.cross_check is None
            else {
                "method": "flops" if self.method == "fitted" else "fitted",
                "accelerators_wh": to_json_range(self.cross_check),
                "agreement_ratio": self.agreement_ratio,
            },
            "grid_gwp_kgco2e_per_kwh": to_json_range(self.grid_gwp),
            "boundary": self.boundary,
            "end_to_end": None
            if not self.end_to_end
            else {
                "layers": [la.to_dict() for la in self.end_to_end],
                "per_request": {
                    b: {k: to_json_range(v) for k, v in f.items()}
                    for b, f in self.boundary_figures(self.to_report()).items()
                },
            },
            "per_response_full": None
            if (full := self.per_response_full()) is None
            else {
                "functional_unit": "one response, data-centre boundary: usage + embodied "
                "(accelerators"
                + (", server" if self.server else "")
                + f") + end of life, upstream stages amortised over "
                f"{self.lifetime_requests:,.4g} requests",
                **{k: to_json_range(v) for k, v in full.items()},
            },
            "warnings": [w.as_dict() for w in self.warnings],
            "sources": list(dict.fromkeys(self.sources)),
        }


def estimate_inference(
    *,
    model: str | None = None,
    params_total: float | None = None,
    params_active: float | None = None,
    input_tokens: Range | float = 0.0,
    output_tokens: Range | float,
    requests: float = 1.0,
    method: Method = "fitted",
    hardware: str = "nvidia-h100-sxm",
    batch: Range | float | None = None,
    gpus: int | None = None,
    precision: str = "bfloat16",
    task: str | None = None,
    mfu: Range | float | None = None,
    power_w: Range | float | None = None,
    load: Range | float | None = None,
    pue: Range | float | None = None,
    location: str | None = None,
    host_ratio: Range | float | None = None,
    idle_ratio: Range | float | None = None,
    count: int | None = None,
    grid_gwp: Range | float | None = None,
    datacenter: str | None = None,
    server: str | None = None,
    provisioned_hours: float | None = None,
    fleet: float | None = None,
    boundary: str = "datacenter",
    device: str | None = None,
    device_seconds: Range | float | None = None,
    bytes_per_request: Range | float | None = None,
    network_access: str | None = None,
    user_location: str | None = None,
    amortise: Mapping[str, Range | float] | Sequence[Any] | None = None,
    lifetime_requests: float | None = None,
) -> InferenceEstimate:
    """Estimate the energy of ``requests`` requests of ``input_tokens`` + ``output_tokens``.

    Token counts may be ranges. ``count`` is the accelerator count (``gpus`` is its older
    name); ``mfu``, ``power_w`` and ``load`` belong to the FLOP method and are an error with
    ``method="fitted"``. ``grid_gwp`` is a stated grid factor (kgCO2e/kWh); ``datacenter`` an
    operator preset for the PUE and WUE. ``server`` is a server archetype whose share of
    embodied impacts is allocated with the accelerators' (one server per its slots).

    ``provisioned_hours``: a fixed fleet of ``fleet`` accelerators (default: one replica of
    ``count``) is provisioned for that many hours to serve the ``requests``: the idle layer is
    then the provisioned capacity left idle (:func:`provisioned_layers`), not a ratio of the
    active energy.

    ``boundary="end-to-end"`` adds, per request, the network layer (``bytes_per_request``
    over ``network_access``, fixed or mobile; derived from the tokens when not given) and the
    user's device layer (``device_seconds`` on a ``device`` preset, default smartphone), on
    the grid of ``user_location`` (default: ``location``); :mod:`empreinte.impacts.enduser`.

    ``amortise``: upstream totals by criterion (``gwp_kgco2e``, ``water_l``...: a training or
    fine-tuning run's impacts), or the upstream reports themselves (:func:`upstream_totals`
    sums and checks them; their ids go into the report's ``amortised`` block), shared over
    ``lifetime_requests``, the requests the model serves in its life: the estimate then
    gives :meth:`InferenceEstimate.per_response_full`.
    """
    from empreinte.factors.hardware import get_accelerator

    end_to_end = _end_to_end_layers(
        boundary,
        device=device,
        device_seconds=device_seconds,
        bytes_per_request=bytes_per_request,
        network_access=network_access,
        user_location=user_location,
        location=location,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )

    if count is not None and gpus is not None and count != gpus:
        raise EstimateError(f"count ({count}) and gpus ({gpus}) disagree: give count only")
    gpus = count if count is not None else gpus
    if method == "fitted":
        given = [
            n for n, v in (("mfu", mfu), ("power-w", power_w), ("load", load)) if v is not None
        ]
        if given:
            raise EstimateError(
                f"{belong(given)} to the flops method: add method 'flops' "
                "(--method flops) or drop them"
            )
    check_input("grid-gwp", grid_gwp, strict=False)
    check_input("provisioned-hours", provisioned_hours)
    if provisioned_hours is not None:
        if idle_ratio is not None:
            raise EstimateError(
                "idle-ratio does not apply with provisioned hours: the idle layer is the "
                "provisioned capacity left idle"
            )
        check_input("fleet", fleet, minimum=1.0, strict=False)
    elif fleet is not None:
        raise EstimateError(
            "a fleet is provisioned for a time: give --provisioned-hours with --fleet "
            "(library: provisioned_hours with fleet)"
        )
    if server is not None:
        from empreinte.factors.hardware import get_server

        get_server(server)  # unknown archetype: an error now, not at report time
    check_input("output-tokens", output_tokens)
    check_input("input-tokens", input_tokens, strict=False)
    check_input("requests", requests)
    check_input("batch", batch, minimum=1.0, strict=False)
    check_input("gpus", gpus, minimum=1.0, strict=False)
    check_input("mfu", mfu, maximum=1.0)
    check_input("power-w", power_w)
    check_input("load", load, maximum=1.0)
    check_input("pue", pue, minimum=1.0, strict=False)
    check_input("host-ratio", host_ratio, strict=False)
    check_input("idle-ratio", idle_ratio, strict=False)
    from empreinte.estimate.fit import BYTES_PER_PARAM

    if precision not in BYTES_PER_PARAM:
        raise EstimateError(f"unknown precision {precision!r}; known: {', '.join(BYTES_PER_PARAM)}")
    acc = get_accelerator(hardware)
    if method == "flops":
        from empreinte.estimate.pertoken import _FITTED_GPUS

        if acc.id not in _FITTED_GPUS:
            # with the FLOP method, task and batch set only the fitted cross-check, which
            # runs on the fitted GPUs alone: elsewhere they would be ignored
            given = [n for n, v in (("task", task), ("batch", batch)) if v is not None]
            if given:
                raise EstimateError(
                    f"{belong(given)} to the fitted method (with method 'flops' they set only "
                    f"the fitted cross-check, which {acc.id} has no data for): use method "
                    "'fitted' (--method fitted) on a fitted GPU or drop them"
                )
    task = task if task is not None else DEFAULT_TASK
    warnings: list[CodedWarning] = []
    sources: list[str] = []
    params = model_params(model, params_total, params_active, warnings)
    sources.extend(params.sources)
    chain: dict[str, Input] = {}  # the estimator's inputs, evaluated by the engine's graph
    batch_r = None
    n_gpus = gpus
    cross: Range | None = None
    prefill_wh: Range | None = None
    if method == "fitted":
        from empreinte.estimate.pertoken import (
            extrapolation,
            extrapolation_warning,
            fitted_gpu,
            length_scale,
            profile,
        )

        batch_r = default_or(batch, "inference_batch", sources)
        gpu_label = fitted_gpu(acc.id)
        prof, n_gpus = profile(
            active=params.active,
            total=params.total,
            precision=precision,
            batch=batch_r,
            gpus=gpus,
            gpu=gpu_label,
            memory_gb=acc.memory_gb.value,
            task=task,
            warnings=warnings,
        )
        out_r = as_range(output_tokens)
        scale = Range(
            length_scale(float(out_r.value)),
            length_scale(float(out_r.low)),
            length_scale(float(out_r.high)),
        )
        chain["per_token_profile_j"] = Input(
            prof,
            "J/token",
            tuple(dict.fromkeys(("ml-energy-v3", *params.sources))),
            f"fitted per-token model at L_out = 1 ({params.model_id or 'given parameters'}, "
            f"task {task}, {n_gpus} GPU(s), batch {float(batch_r.value):g}, {precision})",
        )
        chain["output_length_scale"] = Input(
            scale, "token", ("ml-energy-v3",), "L_out × clip(L_out, L_min, L_max)^c_L"
        )
        acc_j = as_range(f.fitted_decode_energy_j(prof, scale))
        widen, axes = extrapolation({"output length": float(out_r.value)})
        chain["extrapolation_widening"] = Input(
            widen,
            "1",
            ("empreinte-default",),
            "assumption: × (1 + 0.5 × e-folds) outside the fitted output lengths",
        )
        if axes:
            acc_j = as_range(f.widened_decode_energy_j(acc_j, widen))
            warnings.append(extrapolation_warning(axes, widen))
        sources.append("ml-energy-v3")
        ld_in = sourced(None, "inference_power_fraction_of_tdp", sources)
        ld_cc = as_range(ld_in.value)
        assert acc.peak_flops_bf16 is not None and acc.tdp_w is not None  # H100, B200
        peak = acc.peak_flops_bf16.value
        tdp = Range.point(acc.tdp_w.value)
        if as_range(input_tokens).high > 0:
            mfu_in = sourced(None, "training_mfu", sources)
            _flop_inputs(chain, acc, params, peak, tdp, ld_in)
            chain["input_tokens"] = Input(as_range(input_tokens), "token", ("user-input",))
            chain["prefill_mfu"] = mfu_in
            prefill_j = flops_energy_j(
                params.active, input_tokens, peak, as_range(mfu_in.value), tdp, ld_cc
            )
            acc_j = acc_j + prefill_j
            prefill_wh = prefill_j / 3600.0
            warnings.append(
                CodedWarning(
                    WarningCode.PREFILL_FLOPS,
                    f"fitted method: the prefill of the input tokens is added from FLOPs "
                    f"(2 N_active L_in at the training MFU; the data have no input lengths); "
                    f"the fitted term also carries the typical prompt of task {task!r}",
                )
            )
        cc_j = flops_energy_j(
            params.active, output_tokens, peak, default_or(None, "inference_mfu", []), tdp, ld_cc
        )
        if prefill_wh is not None:
            cc_j = cc_j + prefill_wh * 3600.0
        cross = cc_j / 3600.0
        ratio = float(acc_j.value) / float(cc_j.value)
        if not 1 / DISAGREEMENT_FACTOR <= ratio <= DISAGREEMENT_FACTOR:
            warnings.append(
                CodedWarning(
                    WarningCode.METHODS_DISAGREE,
                    f"the fitted method gives {ratio:.2f}× the FLOP method's accelerator energy "
                    "(both in the JSON's cross_check); the spread is model uncertainty",
                )
            )
    elif method == "flops":
        if acc.peak_flops_bf16 is None:
            raise EstimateError(f"no peak FLOP/s for {acc.id}")
        if power_w is None and acc.tdp_w is None:
            raise EstimateError(f"no TDP for {acc.id}: give the power per accelerator")
        sources.extend(["epoch-ai-2025", *acc.peak_flops_bf16.sources])
        p = as_range(power_w) if power_w is not None else Range.point(acc.tdp_w.value)  # type: ignore[union-attr]
        ld_in = sourced(load, "inference_power_fraction_of_tdp", sources)
        ld = as_range(ld_in.value)
        peak = acc.peak_flops_bf16.value
        decode_mfu = sourced(mfu, "inference_mfu", sources)
        _flop_inputs(chain, acc, params, peak, p, ld_in, given_power=power_w is not None)
        chain["output_tokens"] = Input(as_range(output_tokens), "token", ("user-input",))
        chain["decode_mfu"] = decode_mfu
        acc_j = flops_energy_j(
            params.active, output_tokens, peak, as_range(decode_mfu.value), p, ld
        )
        if input_tokens:
            mfu_in = sourced(None, "training_mfu", sources)
            chain["input_tokens"] = Input(as_range(input_tokens), "token", ("user-input",))
            chain["prefill_mfu"] = mfu_in
            prefill_mfu = as_range(mfu_in.value)
            acc_j = acc_j + flops_energy_j(params.active, input_tokens, peak, prefill_mfu, p, ld)
        from empreinte.estimate.pertoken import _FITTED_GPUS

        if acc.id in _FITTED_GPUS:  # the fitted method beside it, as a cross-check
            other = estimate_inference(
                params_total=float(params.total.value),
                params_active=float(params.active.value),
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                hardware=acc.id,
                batch=batch,
                gpus=gpus,
                precision=precision,
                task=task,
                pue=1.0,
                host_ratio=0.0,
                idle_ratio=0.0,
            )
            cross = other.per_request.accelerators * 1000.0
            ratio = float(acc_j.value) / 3600.0 / float(cross.value)
            if not 1 / DISAGREEMENT_FACTOR <= ratio <= DISAGREEMENT_FACTOR:
                warnings.append(
                    CodedWarning(
                        WarningCode.METHODS_DISAGREE,
                        f"the FLOP method gives {ratio:.2f}× the fitted method's accelerator "
                        "energy (both in the JSON's cross_check); the spread is model uncertainty",
                    )
                )
    else:
        raise EstimateError(f"unknown method {method!r}: use 'fitted' or 'flops'")
    if "prefill_seconds" not in chain and "input_tokens" not in chain:
        chain["prefill_energy_j"] = Input(Range.point(0.0), "J", (), "no input tokens")
    chain["pue"] = sourced_pue(pue, location, warnings, datacenter)
    pue_r = as_range(chain["pue"].value)
    chain["requests"] = Input(float(requests), "requests", ("user-input",))
    graph = "inference-fitted" if method == "fitted" else "inference"
    if provisioned_hours is None:
        chain["host_ratio"] = sourced(host_ratio, "host_ratio", sources)
        chain["idle_ratio"] = sourced(idle_ratio, "idle_ratio", sources)
        ev = evaluate(chain, graph=graph)
        per_request = Layers(*_layers(ev))
    else:
        if acc.tdp_w is None:
            raise EstimateError(f"no TDP for {acc.id}: provisioned capacity needs it")
        check_fleet(fleet, n_gpus)
        chain["host_ratio"] = sourced(host_ratio, "host_ratio", sources)
        per_request = provisioned_layers(
            acc_j / J_PER_KWH,
            requests=float(requests),
            accelerators=float(fleet if fleet is not None else (n_gpus or 1)),
            hours=float(provisioned_hours),
            tdp_w=float(acc.tdp_w.value),
            host_ratio=as_range(chain["host_ratio"].value),
            pue=pue_r,
            sources=sources,
            warnings=warnings,
        )
        idle_srcs = (
            *assumption("inference_power_fraction_of_tdp").sources,
            *assumption("accelerator_idle_power_fraction_of_tdp").sources,
        )
        chain["idle_energy_kwh"] = Input(
            per_request.idle,
            "kWh",
            tuple(dict.fromkeys(idle_srcs)),
            "provisioned accelerator-hours left idle × TDP × idle fraction × (1 + host ratio) "
            "/ requests",
        )
        ev = evaluate(chain, graph=graph)
        per_request = Layers(*_layers(ev))
    totals, from_ids = _amortised(amortise, lifetime_requests)
    if lifetime_requests is not None and requests > lifetime_requests:
        raise EstimateError(
            f"--requests ({requests:g}) exceeds --lifetime-requests ({lifetime_requests:g}): "
            "the model's life holds at least the requests estimated here"
        )
    return InferenceEstimate(
        chain=ev,
        method=method,
        hardware=acc,
        params=params,
        input_tokens=float(as_range(input_tokens).value),
        output_tokens=float(as_range(output_tokens).value),
        requests=float(requests),
        per_request=per_request,
        pue=pue_r,
        location=location,
        gpus=n_gpus,
        batch=batch_r,
        warnings=warnings,
        sources=sources,
        grid_gwp=None if grid_gwp is None else as_range(grid_gwp),
        datacenter=datacenter,
        server=server,
        provisioned_accelerator_hours=None
        if provisioned_hours is None
        else float(fleet if fleet is not None else (n_gpus or 1)) * float(provisioned_hours),
        cross_check=cross,
        prefill=prefill_wh,
        boundary=boundary,
        end_to_end=end_to_end,
        amortised=totals,
        amortised_from=from_ids,
        lifetime_requests=None if lifetime_requests is None else float(lifetime_requests),
    )


def check_fleet(fleet: float | None, replica: int | None) -> None:
    """A provisioned fleet holds at least one replica of the model (its accelerators)."""
    if fleet is not None and replica is not None and fleet < replica:
        raise EstimateError(
            f"--fleet {fleet:g} is smaller than one replica of the model ({replica} "
            "accelerators hold its weights): provision at least one replica, or set --count"
        )


def _amortised(
    amortise: Mapping[str, Range | float] | Sequence[Any] | None,
    lifetime_requests: float | None,
) -> tuple[dict[str, Range], tuple[str, ...]]:
    """The upstream totals to amortise and the reports they come from, checked: both given or
    neither, known criteria, finite non-negative values, a request count of at least 1.
    ``amortise`` is totals by criterion, or the upstream reports (:func:`upstream_totals`)."""
    if (amortise is None) != (lifetime_requests is None):
        raise EstimateError(
            "amortised upstream impacts need both the totals (--amortise) and the requests "
            "they are shared over (--lifetime-requests)"
        )
    if amortise is None or lifetime_requests is None:
        return {}, ()
    if not math.isfinite(lifetime_requests) or lifetime_requests < 1:
        raise EstimateError(
            f"--lifetime-requests must be a finite count of at least 1, got {lifetime_requests!r}"
        )
    ids: tuple[str, ...] = ()
    if not isinstance(amortise, Mapping):
        ids = tuple(str(r.report_id) for r in amortise)
        amortise = upstream_totals(amortise)
    out: dict[str, Range] = {}
    for k, v in amortise.items():
        if k not in CRITERIA:
            raise EstimateError(f"amortise: unknown criterion {k!r}; known: {list(CRITERIA)}")
        r = as_range(v)
        if not all(math.isfinite(float(x)) and float(x) >= 0 for x in (r.low, r.value, r.high)):
            raise EstimateError(f"amortise.{k} must be finite and non-negative, got {r}")
        out[k] = r
    return out, ids


UPSTREAM_STAGES = ("data_preparation", "training", "fine_tuning", "evaluation")
"""Stages whose impacts a model's responses share (what happens before it serves)."""


def upstream_totals(reports: Sequence[Any]) -> dict[str, Range]:
    """Criteria totals (usage + embodied + end of life) summed over reports (training and
    fine-tuning runs) for :func:`estimate_inference`'s ``amortise``. A criterion that any of
    the reports does not assess is left out: the sum would be partial.

    Each report must be of an upstream stage (:data:`UPSTREAM_STAGES`), on the full boundary
    (an accelerators-only figure would be mixed with the response's full one), and counted
    once (the same ``report_id`` twice is an error)."""
    seen: set[str] = set()
    for r in reports:
        name = f"report {r.report_id}"
        if str(r.lifecycle_stage) not in UPSTREAM_STAGES:
            raise EstimateError(
                f"--amortise: {name} is of stage {r.lifecycle_stage!s}; only what comes before "
                f"serving is amortised ({', '.join(UPSTREAM_STAGES)})"
            )
        if list(r.measurement.boundary) == ["accelerators"]:
            raise EstimateError(
                f"--amortise: {name} counts the accelerators only (boundary accelerators); "
                "amortise a full-boundary report, the response's footprint is full-boundary"
            )
        if r.report_id in seen:
            raise EstimateError(f"--amortise: {name} given twice")
        seen.add(r.report_id)
    out: dict[str, Range] = {}
    for k in CRITERIA:
        parts = [getattr(r.impacts, k) for r in reports]
        if not reports or any(p is None for p in parts):
            continue
        out[k] = Range.point(0.0)
        for p in parts:
            out[k] = out[k] + Range(p.total.value, p.total.low, p.total.high)
    return out


def _row(name: str, v: Range, unit: str, sources: list[str]) -> StepDict:
    """An input step of the estimator beside its graph (batch, cross-check, end to end)."""
    return StepDict(
        name=name,
        value=float(v.value),
        low=float(v.low),
        high=float(v.high),
        unit=unit,
        kind="input",
        sources=sources,
    )


def _flop_inputs(
    chain: dict[str, Input],
    acc: Any,
    params: ModelParams,
    peak: float,
    power: Range,
    load: Input,
    given_power: bool = False,
) -> None:
    """The FLOP method's inputs shared by decode and prefill, into ``chain``."""
    chain["params_active"] = Input(params.active, "1", params.sources, params.model_id)
    chain["peak_flops_per_s"] = Input(
        peak, "FLOP/s", tuple(acc.peak_flops_bf16.sources), f"{acc.id}, dense BF16"
    )
    srcs = ("user-input",) if given_power else tuple(acc.tdp_w.sources)
    chain["power_w"] = Input(power, "W", srcs, None if given_power else f"TDP of {acc.id}")
    chain["load"] = load


_LAYER_STEPS = (
    "accelerators_energy_kwh",
    "host_energy_kwh",
    "idle_energy_kwh",
    "facility_overhead_kwh",
)


def _layers(ev: Evaluation) -> list[Range]:
    """The four boundary layers from the inference graph's evaluation (in ``LAYERS`` order)."""
    out = [ev.range(n) for n in _LAYER_STEPS]
    if any(r is None for r in out):
        missing = [n for n, r in zip(_LAYER_STEPS, out, strict=True) if r is None]
        raise EstimateError(f"inference graph incomplete: {', '.join(missing)}")
    return [r for r in out if r is not None]


def _end_to_end_layers(
    boundary: str,
    *,
    device: str | None,
    device_seconds: Range | float | None,
    bytes_per_request: Range | float | None,
    network_access: str | None,
    user_location: str | None,
    location: str | None,
    input_tokens: Range | float,
    output_tokens: Range | float,
) -> list[Any]:
    """The network and device layers of the end-to-end boundary (none for the data centre's)."""
    from empreinte.vocabulary import SYSTEM_BOUNDARIES

    if boundary not in SYSTEM_BOUNDARIES:
        raise EstimateError(
            f"unknown boundary {boundary!r}: use one of {', '.join(SYSTEM_BOUNDARIES)}"
        )
    given = [
        n
        for n, v in (
            ("device", device),
            ("device-seconds", device_seconds),
            ("bytes", bytes_per_request),
            ("network", network_access),
            ("user-location", user_location),
        )
        if v is not None
    ]
    if boundary == "datacenter":
        if given:
            raise EstimateError(
                f"{belong(given)} to the end-to-end boundary: add boundary "
                "'end-to-end' (--boundary end-to-end) or drop them"
            )
        return []
    if user_location is None:
        user_location = location
    if device_seconds is None:
        raise EstimateError(
            "the end-to-end boundary needs the time on the user's device: give device seconds "
            "(--device-seconds, e.g. 30 or 10:60)"
        )
    check_input("device-seconds", device_seconds, strict=False)
    check_input("bytes", bytes_per_request, strict=False)
    from empreinte.impacts.enduser import bytes_from_tokens, device_layer, network_layer

    derived = bytes_per_request is None
    moved = bytes_from_tokens(input_tokens, output_tokens) if derived else bytes_per_request
    assert moved is not None
    return [
        network_layer(
            moved, access=network_access or "fixed", location=user_location, derived=derived
        ),
        device_layer(device or "smartphone", device_seconds, location=user_location),
    ]
