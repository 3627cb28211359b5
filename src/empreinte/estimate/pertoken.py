"""The fitted per-token model (``data/inference_model.json``) evaluated for a model profile.

The model is ``ln E_token = base + c_L ln L_out`` where ``base`` collects every term but the
output length (:mod:`empreinte.estimate.fit`). A *profile* is ``exp(base)`` for one model,
hardware, precision, batch and GPU count, as a range: its bounds cover the parameter and
batch brackets and the model's leave-one-model-out error (10th to 90th percentile of the
predicted/measured ratio). Then, vectorised over requests::

    E_request_J = profile × L_out^(1 + c_L)
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from empreinte.errors import DataError, EstimateError
from empreinte.estimate.assumptions import assumption, read_estimate_data
from empreinte.estimate.fit import BYTES_PER_PARAM, FEATURES, design_matrix
from empreinte.ranges import Range

__all__ = ["FittedModel", "fitted_gpu", "fitted_model", "gpu_count", "profile"]

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


def fitted_gpu(accelerator_id: str) -> str:
    """The data file's GPU label of a catalog accelerator, or an error naming the others."""
    try:
        return _FITTED_GPUS[accelerator_id]
    except KeyError:
        raise EstimateError(
            f"the per-token model is fitted on H100 SXM and B200 measurements only, not "
            f"{accelerator_id}: use the FLOP-based method (method='flops')"
        ) from None


def gpu_count(total_params: float, precision: str, memory_gb: float) -> int:
    """GPUs to hold the weights: ``2^ceil(log2(ceil(overhead × bytes / memory)))`` (EcoLogits)."""
    overhead = assumption("gpu_memory_overhead").value
    need = math.ceil(overhead * total_params * BYTES_PER_PARAM[precision] / (memory_gb * 1e9))
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
) -> tuple[Range, int]:
    """``exp(base)`` as a range (J per token at ``L_out = 1``) and the central GPU count."""
    fm = fitted_model()

    def g(t: float) -> int:
        return gpus if gpus is not None else gpu_count(t, precision, memory_gb)

    central_gpus = g(float(total.value))
    central = math.exp(
        _base(fm, active.value, total.value, precision, batch.value, central_gpus, gpu, task)
    )
    batches = {float(batch.value), *np.geomspace(batch.low, batch.high, 5).tolist()}
    vals = []
    for a, t, b in itertools.product(
        {active.low, active.value, active.high}, {total.low, total.value, total.high}, batches
    ):
        if a > t:
            continue
        vals.append(math.exp(_base(fm, a, t, precision, b, g(t), gpu, task)))
    low = min(vals) / fm.ratio_high
    high = max(vals) / fm.ratio_low
    return Range(central, min(low, central), max(high, central)), central_gpus
