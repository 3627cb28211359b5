"""The per-token inference energy model: features, least-squares fit, leave-one-model-out error.

The model is log-linear in a few physical drivers of the GPU energy per output token measured
by ML.ENERGY v3 (``data/ml-energy-v3-llm.csv``; GPU energy only, vLLM, steady state)::

    ln E_token_J = c0 + c1 ln N_active + c2 ln N_total + c3 ln bytes_per_param
                 + c4 ln B + c5 (ln B)^2 + c6 ln G + c7 [B200] + c8 [B200] ln B
                 + c9 ln L_out + sum_t c_t [task = t]
                 + c_s1 ln S ln B + c_s2 ln S (ln B)^2          (S = N_total / N_active)
                 + c_moe [MoE]                                  ([MoE]: N_total > N_active)

with ``N`` in billions of parameters, ``B`` the average batch size, ``G`` the GPU count,
``L_out`` the average output length in tokens and the task indicators standing for the prompt
profile (chat is the reference). The last two terms let an MoE's sparsity ``S`` act through
the batch (at small batch a step reads about the active experts, at large batch most of them):
without them a 1T-total / 32B-active MoE cost the same fraction of a dense 405B at every batch.
The indicator ``[MoE]`` is the fixed cost of routing a token to experts that a dense model of
the same active size does not pay: the router, the grouped expert GEMMs (less efficient than
one dense GEMM at the same FLOP) and, with the experts spread over GPUs, the all-to-all
dispatch and combine. With it, ``ln N_total`` and ``ln N_active`` place an MoE between a
dense model of its active and one of its total size (Qwen3-235B-A22B at batch 64: 2.5× the first,
0.55× the second); without it the held-out MoE models missed by up to ×2 (gpt-oss-120b
1.85, Llama-4-Maverick 1.93, Llama-4-Scout 0.64) and the leave-one-model-out median error
was 18.4 % instead of 16.5 %.
The file has energy per output token with the prefill
included and no input lengths, so prefill and decode cannot be separated from it: the task
indicator carries the typical prompt of each workload instead.

The functions here are pure and work on numpy arrays; :mod:`scripts/fit_inference_model.py`
writes the fitted coefficients and the error table to ``data/inference_model.json``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from empreinte.errors import DataError, EstimateError

__all__ = [
    "BYTES_PER_PARAM",
    "FEATURES",
    "GPUS",
    "REFERENCE_TASK",
    "TASKS",
    "coefficients_dict",
    "design_matrix",
    "fit_coefficients",
    "leave_one_model_out",
    "read_ml_energy",
]

FloatArray = npt.NDArray[np.float64]

BYTES_PER_PARAM = {"bfloat16": 2.0, "float16": 2.0, "fp8": 1.0, "int8": 1.0, "mxfp4": 0.5}
"""Weight bytes per parameter by precision (the file's ``weight_precision`` values)."""

GPUS = ("H100", "B200")
"""GPU models present in the data file; the model is not fitted for any other."""

REFERENCE_TASK = "lm-arena-chat"
TASKS = ("lm-arena-chat", "gpqa", "image-chat", "video-chat", "sourcegraph-fim")
"""ML.ENERGY v3 workloads: chat, reasoning (GPQA), image chat, video chat, code completion."""

FEATURES = (
    "intercept",
    "ln_active_b",
    "ln_total_b",
    "ln_bytes_per_param",
    "ln_batch",
    "ln_batch_sq",
    "ln_gpus",
    "b200",
    "b200_ln_batch",
    "ln_output_len",
    *(f"task_{t}" for t in TASKS if t != REFERENCE_TASK),
    "ln_sparsity_ln_batch",
    "ln_sparsity_ln_batch_sq",
    "moe",
)

_MOE_MIN_LN_SPARSITY = 1e-9
"""``ln(N_total / N_active)`` above this is a mixture of experts (equal counts are dense)."""

_COLUMNS = (
    "model_id",
    "task",
    "total_params_billions",
    "activated_params_billions",
    "weight_precision",
    "gpu_model",
    "num_gpus",
    "avg_batch_size",
    "avg_output_len",
    "energy_per_token_joules",
)


def read_ml_energy(text: str) -> dict[str, Any]:
    """Columns of the ML.ENERGY v3 CSV as numpy arrays (strings for ids, floats otherwise)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise DataError("the ML.ENERGY file has no rows")
    missing = [c for c in _COLUMNS if c not in rows[0]]
    if missing:
        raise DataError(f"the ML.ENERGY file lacks columns {missing}")
    out: dict[str, Any] = {}
    for c in _COLUMNS:
        vals = [r[c] for r in rows]
        if c in ("model_id", "task", "weight_precision", "gpu_model"):
            out[c] = np.array(vals)
        else:
            out[c] = np.array([float(v) for v in vals])
    return out


def _as_array(x: Any, n: int, dtype: Any = float) -> Any:
    a = np.asarray(x, dtype=dtype)
    return np.broadcast_to(a, (n,)) if a.ndim == 0 else a


def design_matrix(
    *,
    active_b: Any,
    total_b: Any,
    precision: Any,
    batch: Any,
    gpus: Any,
    gpu: Any,
    output_len: Any,
    task: Any,
) -> FloatArray:
    """The feature matrix (rows × :data:`FEATURES`) from scalars or arrays of inputs."""
    n = max(np.size(v) for v in (active_b, total_b, precision, batch, gpus, gpu, output_len, task))
    prec = _as_array(precision, n, object)
    gpu_a = _as_array(gpu, n, object)
    task_a = _as_array(task, n, object)
    unknown_p = set(prec.tolist()) - set(BYTES_PER_PARAM)
    if unknown_p:
        raise EstimateError(
            f"unknown precision {sorted(unknown_p)}; known: {list(BYTES_PER_PARAM)}"
        )
    unknown_g = set(gpu_a.tolist()) - set(GPUS)
    if unknown_g:
        raise EstimateError(
            f"the per-token model is fitted on {list(GPUS)} only, not {sorted(unknown_g)}: "
            "use the FLOP-based method for other hardware"
        )
    unknown_t = set(task_a.tolist()) - set(TASKS)
    if unknown_t:
        raise EstimateError(f"unknown task {sorted(unknown_t)}; known: {list(TASKS)}")
    bpp = np.vectorize(BYTES_PER_PARAM.__getitem__, otypes=[float])(prec)
    ln_b = np.log(_as_array(batch, n))
    b200 = (gpu_a == "B200").astype(float)
    ln_s = np.log(_as_array(total_b, n)) - np.log(_as_array(active_b, n))
    cols = [
        np.ones(n),
        np.log(_as_array(active_b, n)),
        np.log(_as_array(total_b, n)),
        np.log(bpp),
        ln_b,
        ln_b**2,
        np.log(_as_array(gpus, n)),
        b200,
        b200 * ln_b,
        np.log(_as_array(output_len, n)),
        *((task_a == t).astype(float) for t in TASKS if t != REFERENCE_TASK),
        ln_s * ln_b,
        ln_s * ln_b**2,
        (ln_s > _MOE_MIN_LN_SPARSITY).astype(float),
    ]
    return np.column_stack(cols).astype(float)


def _design_from_data(data: Mapping[str, Any]) -> FloatArray:
    return design_matrix(
        active_b=data["activated_params_billions"],
        total_b=data["total_params_billions"],
        precision=data["weight_precision"],
        batch=data["avg_batch_size"],
        gpus=data["num_gpus"],
        gpu=data["gpu_model"],
        output_len=data["avg_output_len"],
        task=data["task"],
    )


def fit_coefficients(data: Mapping[str, Any]) -> FloatArray:
    """Least-squares coefficients of ``ln E_token`` on :data:`FEATURES`."""
    x = _design_from_data(data)
    y = np.log(np.asarray(data["energy_per_token_joules"], dtype=float))
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return np.asarray(coef, dtype=float)


def _subset(data: Mapping[str, Any], mask: Any) -> dict[str, Any]:
    return {k: np.asarray(v)[mask] for k, v in data.items()}


def leave_one_model_out(data: Mapping[str, Any]) -> dict[str, Any]:
    """Refit without each model in turn and predict it; ratios are predicted / measured.

    Returns ``per_model`` (configurations, median and worst ratio, median absolute error) and
    the summary: median over models of the per-model median error, and pooled quantiles.
    """
    models = np.asarray(data["model_id"])
    ratios_all: list[FloatArray] = []
    per_model: list[dict[str, Any]] = []
    for m in sorted(set(models.tolist())):
        test = models == m
        coef = fit_coefficients(_subset(data, ~test))
        held = _subset(data, test)
        pred = np.exp(_design_from_data(held) @ coef)
        r = pred / np.asarray(held["energy_per_token_joules"], dtype=float)
        ratios_all.append(r)
        worst = float(r[np.argmax(np.abs(np.log(r)))])
        per_model.append(
            {
                "model_id": m,
                "configurations": int(test.sum()),
                "gpus": sorted(set(np.asarray(held["gpu_model"]).tolist())),
                "median_ratio": float(np.median(r)),
                "worst_ratio": worst,
                "median_abs_error": float(np.median(np.abs(r - 1))),
            }
        )
    pooled = np.concatenate(ratios_all)
    return {
        "per_model": per_model,
        "median_abs_error_by_model": float(np.median([p["median_abs_error"] for p in per_model])),
        "median_abs_error_pooled": float(np.median(np.abs(pooled - 1))),
        "ratio_quantiles": {
            q: float(np.quantile(pooled, float(q) / 100)) for q in ("5", "10", "50", "90", "95")
        },
        "configurations": int(pooled.size),
        "models": len(per_model),
    }


def coefficients_dict(coef: Sequence[float]) -> dict[str, float]:
    """Coefficients keyed by feature name (for the JSON file)."""
    if len(coef) != len(FEATURES):
        raise DataError(f"expected {len(FEATURES)} coefficients, got {len(coef)}")
    return {name: float(c) for name, c in zip(FEATURES, coef, strict=True)}


def same_fit(a: object, b: object, rel: float = 1e-9) -> bool:
    """True when two fitted-model documents (nested JSON values) agree: strings, integers and
    structure exactly, floats within ``rel`` relative difference.

    A least-squares fit is reproducible to rounding, not bit for bit: another numpy (or BLAS)
    changes the last digits, so the shipped coefficients are compared with a tolerance.
    """
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            return False
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return bool(np.isclose(float(a), float(b), rtol=rel, atol=0.0))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_fit(a[k], b[k], rel) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_fit(x, y, rel) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b
