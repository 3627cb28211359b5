"""The fitted per-token model (``data/inference_model.json``) evaluated for a model profile.

The model is ``ln E_token = base + c_L ln L_out`` where ``base`` collects every term but the
output length (:mod:`empreinte.estimate.fit`). A *profile* is ``exp(base)`` for one model,
hardware, precision, batch and GPU count, as a range: its bounds cover the parameter and
batch brackets and the model's leave-one-model-out error (10th to 90th percentile of the
predicted/measured ratio). Then, vectorised over requests::

    E_request_J = profile × L_out × clip(L_out, L_min, L_max)^c_L

Outside the fitted data the curves are bounded by physics rather than extrapolated:

- batch above the data's largest: energy per token stays at its value there (the fitted
  quadratic in ln batch would otherwise keep falling up to batch ~141,000);
- batch below the data's smallest: decoding is memory-bound, a step costs about the same
  energy whatever the batch, so energy per token grows as ``B_min / B``;
- output length outside the data: energy per token stays at the edge's value (no
  ``L^0.41`` towards implausibly cheap 10-token answers);
- a mixture of experts costs at least a dense model of its active size and at most one of
  its total size on the same GPUs (same FLOP per token as the first, at most the weights of
  the second): the fitted value is held between the two, which matters for sparsities
  outside the data's MoE span (a 47B/13B MoE would otherwise cost 1.5× a dense 47B);
- parameters and GPU count: the log-linear form is extrapolated;
- GPU count from the memory rule (no ``--count``): the central value takes the GPUs' worth of
  memory the weights need (e.g. 1.05 for a model just over one GPU), smooth in model size,
  since the spare memory of the power of two holds a larger batch; the range covers the
  power-of-two count too (no +38 % step where a model crosses a power of two).

On every axis outside the data the range widens by ``1 + 0.5 × e-folds`` on each side (an
assumption, labelled as such) and the coded warning ``extrapolated`` names the axes.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from empreinte.errors import DataError, EstimateError, WarningCode
from empreinte.estimate.assumptions import assumption, read_estimate_data
from empreinte.estimate.fit import BYTES_PER_PARAM, FEATURES, design_matrix
from empreinte.ranges import Range

__all__ = [
    "FittedModel",
    "data_domain",
    "extrapolation",
    "fitted_gpu",
    "fitted_model",
    "gpu_count",
    "length_scale",
    "profile",
]

WIDEN_PER_E_FOLD = 0.5
"""Assumption: outside the data a range widens by ×(1 + 0.5 × e-folds) on each side."""

_FITTED_GPUS = {"nvidia-h100-sxm": "H100", "nvidia-b200": "B200"}


@dataclass(frozen=True)
class FittedModel:
    """Coefficients and error quantiles of the per-token model."""

    coef: dict[str, float]
    ratio_low: float  # 10th percentile of predicted / measured (LOMO)
    ratio_high: float  # 90th percentile
    meta: dict[str, Any]

    @property
    def output_len_exponent(self) -> float:
        return self.coef["ln_output_len"]


@cache
def fitted_model() -> FittedModel:
    """The fitted model shipped with the package."""
    raw = json.loads(read_estimate_data("inference_model.json"))
    coef = raw["coefficients"]
    if list(coef) != list(FEATURES):
        raise DataError("inference_model.json does not match the features of this version")
    q = raw["leave_one_model_out"]["ratio_quantiles"]
    return FittedModel(dict(coef), float(q["10"]), float(q["90"]), raw)


@cache
def data_domain() -> dict[str, tuple[float, float]]:
    """Span of each driver in the fitted data (parameters in billions)."""
    from empreinte.estimate.fit import read_ml_energy

    dom = fitted_model().meta["domain"]
    data = read_ml_energy(read_estimate_data("ml-energy-v3-llm.csv"))
    out = {
        "active parameters": (float(dom["active_params_b"][0]), float(dom["active_params_b"][1])),
        "total parameters": (float(dom["total_params_b"][0]), float(dom["total_params_b"][1])),
        "batch": (float(dom["batch"][0]), float(dom["batch"][1])),
    }
    for axis, col in (("GPUs", "num_gpus"), ("output length", "avg_output_len")):
        v = np.asarray(data[col], dtype=float)
        out[axis] = (float(v.min()), float(v.max()))
    total = np.asarray(data["total_params_billions"], dtype=float)
    sparsity = total / np.asarray(data["activated_params_billions"], dtype=float)
    moe = sparsity[sparsity > 1.0]
    out["MoE sparsity"] = (float(moe.min()), float(moe.max()))
    return out


def extrapolation(values: dict[str, float]) -> tuple[float, list[str]]:
    """``(widening factor, axes outside the data)`` for driver values keyed like the domain."""
    dom = data_domain()
    folds = 0.0
    axes = []
    for axis, v in values.items():
        lo, hi = dom[axis]
        if v < lo or v > hi:
            folds += abs(math.log(v / (lo if v < lo else hi)))
            axes.append(axis)
    return 1.0 + WIDEN_PER_E_FOLD * folds, axes


def extrapolation_warning(axes: list[str], widen: float) -> Any:
    """The coded warning of an estimate outside the fitted data."""
    from empreinte.errors import CodedWarning
    from empreinte.units import number

    dom = data_domain()
    spans = "; ".join(f"{a} {number(dom[a][0])}–{number(dom[a][1])}" for a in axes)
    return CodedWarning(
        WarningCode.EXTRAPOLATED,
        f"outside the per-token model's data ({spans}): physics bounds used where they "
        f"exist, range widened ×{widen:.2f}",
    )


def length_scale(output_tokens: Any) -> Any:
    """``L × clip(L, L_min, L_max)^c_L``: energy per request over the profile (arrays ok)."""
    lo, hi = data_domain()["output length"]
    c = fitted_model().output_len_exponent
    return output_tokens * np.clip(output_tokens, lo, hi) ** c


def fitted_gpu(accelerator_id: str) -> str:
    """The data file's GPU label of a catalog accelerator, or an error naming the others."""
    try:
        return _FITTED_GPUS[accelerator_id]
    except KeyError:
        raise EstimateError(
            f"the per-token model is fitted on H100 SXM and B200 measurements only, not "
            f"{accelerator_id}: use the FLOP-based method (method='flops')"
        ) from None


def gpu_need(total_params: float, precision: str, memory_gb: float) -> float:
    """GPUs' worth of memory the weights take: ``overhead × bytes / memory`` (fractional)."""
    overhead = assumption("gpu_memory_overhead").value
    return float(overhead * total_params * BYTES_PER_PARAM[precision] / (memory_gb * 1e9))


def gpu_count(total_params: float, precision: str, memory_gb: float) -> int:
    """GPUs to hold the weights: ``2^ceil(log2(ceil(overhead × bytes / memory)))`` (EcoLogits)."""
    need = math.ceil(gpu_need(total_params, precision, memory_gb))
    return int(2 ** math.ceil(math.log2(max(need, 1))))


def _base(
    fm: FittedModel,
    active: float,
    total: float,
    precision: str,
    batch: float,
    gpus: float,
    gpu: str,
    task: str,
) -> float:
    x = design_matrix(
        active_b=active / 1e9,
        total_b=total / 1e9,
        precision=precision,
        batch=batch,
        gpus=gpus,
        gpu=gpu,
        output_len=1.0,
        task=task,
    )[0]
    return float(np.dot(x, [fm.coef[f] for f in FEATURES]))


def _bounded(
    fm: FittedModel,
    active: float,
    total: float,
    precision: str,
    batch: float,
    gpus: float,
    gpu: str,
    task: str,
) -> float:
    """``exp(base)`` with the batch bounded by physics outside the data (module docstring)."""
    lo, hi = data_domain()["batch"]
    b = min(max(batch, lo), hi)
    value = math.exp(_base(fm, active, total, precision, b, gpus, gpu, task))
    if total > active:  # MoE: between the dense model of its active and of its total size
        dense_active = math.exp(_base(fm, active, active, precision, b, gpus, gpu, task))
        dense_total = math.exp(_base(fm, total, total, precision, b, gpus, gpu, task))
        value = min(max(value, dense_active), dense_total)
    return value * max(lo / batch, 1.0)


def profile(
    *,
    active: Range,
    total: Range,
    precision: str,
    batch: Range,
    gpus: int | None,
    gpu: str,
    memory_gb: float,
    task: str,
    warnings: list[Any] | None = None,
) -> tuple[Range, int]:
    """``exp(base)`` as a range (J per token at ``L_out = 1``) and the central GPU count.

    Outside the fitted data the range widens and ``warnings`` (when given) receives the
    ``extrapolated`` warning naming the axes.
    """
    fm = fitted_model()

    def g(t: float) -> int:
        return gpus if gpus is not None else gpu_count(t, precision, memory_gb)

    def g_energy(t: float) -> float:
        # the memory rule's power of two holds the weights with room to spare, and the spare
        # memory holds a larger batch (KV cache): at the default batch the two effects about
        # cancel (the fitted ln G and ln B slopes: ×1.37 per doubling of GPUs, ×0.71 per
        # doubling of batch at 64), so the central value takes the GPUs' worth the weights
        # need, smooth in model size; the range also covers the whole power of two
        return gpus if gpus is not None else max(1.0, gpu_need(t, precision, memory_gb))

    central_gpus = g(float(total.value))
    central = _bounded(
        fm, active.value, total.value, precision, batch.value, g_energy(total.value), gpu, task
    )
    batches = {float(batch.value), *np.geomspace(batch.low, batch.high, 5).tolist()}
    vals = []
    for a, t, b in itertools.product(
        {active.low, active.value, active.high}, {total.low, total.value, total.high}, batches
    ):
        if a > t:
            continue
        for n in {g(t), g_energy(t)}:
            vals.append(_bounded(fm, a, t, precision, b, n, gpu, task))
    drivers = {
        "active parameters": float(active.value) / 1e9,
        "total parameters": float(total.value) / 1e9,
        "batch": float(batch.value),
        "GPUs": float(central_gpus),
    }
    if total.value > active.value:  # total / active of a mixture of experts
        drivers["MoE sparsity"] = float(total.value) / float(active.value)
    widen, axes = extrapolation(drivers)
    if axes and warnings is not None:
        warnings.append(extrapolation_warning(axes, widen))
    low = min(vals) / fm.ratio_high / widen
    high = max(vals) / fm.ratio_low * widen
    return Range(central, min(low, central), max(high, central)), central_gpus
