"""Training MFU prior fitted on public runs (``data/training_runs.json``).

Each run with disclosed accelerator-hours, parameters and tokens implies a model FLOPs
utilisation ``MFU = 6 N_active D / (hours × 3600 × peak)``. Small models on fast chips use a
smaller share of the peak (Llama 3 8B ≈ 0.16 on H100, Llama 3.1 405B ≈ 0.35; Llama 2 on A100
0.35–0.44), so the prior is log-linear in model size and chip peak, with their interaction::

    ln MFU = a + b ln N_B + c ln P + d ln N_B × ln P     (N_B: active params / 1e9, P: PFLOP/s)

fitted by least squares on the runs (a few points: the fit is recomputed on first use, so it
is reproducible by construction). Outside the fitted data (size or chip peak beyond the runs')
the drivers are clamped to the data's edge (for the size, the sizes of the runs on the same
chip when it has runs: a 1B model on an A100 is outside Llama 2's 7-70B even though H100 runs
go down to 1.23B), the central value to the observed MFU span, and the range widens by the
distance (coded warning ``mfu-extrapolated`` naming the axis). One
exception, from physics: below the smallest run, MFU goes on falling along the fitted size
slope at that chip (smaller matrix products use less of the peak: Llama 3.2 1B used 0.05 of
an H100, Llama 3 8B 0.16); it never rises as a model shrinks (a negative slope stays flat). The
range is the central value divided and multiplied by the worst leave-one-run-out ratio
(predicted / implied MFU, either way: with a dozen runs the sign of the next error is unknown),
its high end capped at the best MFU any training run has published (0.55).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from empreinte.errors import CodedWarning, WarningCode
from empreinte.estimate.assumptions import read_estimate_data
from empreinte.ranges import Range

__all__ = ["MfuFit", "PublicRun", "implied_mfu", "mfu_fit", "mfu_prior", "public_runs"]

SECONDS_PER_HOUR = 3600.0
WIDEN_PER_E_FOLD = 0.5
"""Assumption: the range widens by ×(1 + 0.5 × e-folds beyond the data) on each side."""


@dataclass(frozen=True)
class PublicRun:
    """A published training run (``data/training_runs.json``)."""

    name: str
    model: str | None
    hardware: str
    active_params: float
    tokens: float
    accelerator_hours: float
    power_w: float
    tco2e: float | None
    sources: tuple[str, ...]

    @property
    def peak_flops(self) -> float:
        from empreinte.factors.hardware import get_accelerator

        peak = get_accelerator(self.hardware).peak_flops_bf16
        assert peak is not None
        return float(peak.value)

    @property
    def implied_grid(self) -> float | None:
        """kgCO2e/kWh that reproduces the publisher's tCO2e from hours × W."""
        if self.tco2e is None:
            return None
        return self.tco2e * 1000.0 / (self.accelerator_hours * self.power_w / 1000.0)


def implied_mfu(run: PublicRun) -> float:
    """``6 N_active D / (hours × 3600 × peak)``."""
    return (
        6.0
        * run.active_params
        * run.tokens
        / (run.accelerator_hours * SECONDS_PER_HOUR * run.peak_flops)
    )


@cache
def public_runs(held_out: bool = False) -> tuple[PublicRun, ...]:
    """The runs of the fit, or (``held_out=True``) the disclosures kept out of it."""
    raw = json.loads(read_estimate_data("training_runs.json"))
    return tuple(
        PublicRun(
            name=r["name"],
            model=r["model"],
            hardware=r["hardware"],
            active_params=float(r["active_params"]),
            tokens=float(r["tokens"]),
            accelerator_hours=float(r["accelerator_hours"]),
            power_w=float(r["power_w"]),
            tco2e=None if r["tco2e"] is None else float(r["tco2e"]),
            sources=tuple(r["sources"]),
        )
        for r in raw["held_out" if held_out else "runs"]
    )


def _features(active_b: float, peak_pflops: float) -> list[float]:
    a, p = math.log(active_b), math.log(peak_pflops)
    return [1.0, a, p, a * p]


def _lstsq(x: Any, y: Any) -> Any:
    return np.linalg.lstsq(x, y, rcond=None)[0]


@dataclass(frozen=True)
class MfuFit:
    """Coefficients, leave-one-run-out ratios and the fitted domain of the MFU prior."""

    coef: tuple[float, ...]
    loo: dict[str, tuple[float, float]]  # run name: (implied MFU, LOO predicted MFU)
    active_b: tuple[float, float]
    peak_pflops: tuple[float, float]
    mfu_span: tuple[float, float]
    chip_active_b: dict[float, tuple[float, float]]  # chip peak: sizes of its runs

    def size_domain(self, peak_pflops: float) -> tuple[float, float]:
        """The sizes the runs cover on this chip (a fitted chip within 1 % of its peak), or
        on all chips for a chip without runs."""
        for peak, span in self.chip_active_b.items():
            if abs(peak / peak_pflops - 1.0) <= 0.01:
                return span
        return self.active_b

    @property
    def ratio_low(self) -> float:
        return min(p / m for m, p in self.loo.values())

    @property
    def ratio_high(self) -> float:
        return max(p / m for m, p in self.loo.values())

    @property
    def spread(self) -> float:
        """The worst leave-one-run-out ratio either way, applied symmetrically (few runs:
        the sign of the next error is unknown)."""
        return max(self.ratio_high, 1.0 / self.ratio_low)

    @property
    def median_abs_error(self) -> float:
        return float(np.median([abs(p / m - 1.0) for m, p in self.loo.values()]))

    def size_slope(self, peak_pflops: float) -> float:
        """d ln MFU / d ln N on a chip of this peak (``b + d ln P``)."""
        return self.coef[1] + self.coef[3] * math.log(peak_pflops)

    def central(self, active_b: float, peak_pflops: float) -> float:
        return math.exp(float(np.dot(_features(active_b, peak_pflops), self.coef)))


@cache
def mfu_fit(exclude: str | None = None) -> MfuFit:
    """Least-squares fit of ``ln MFU`` on the public runs, with leave-one-run-out ratios.

    ``exclude`` leaves the named run out (validation of that run from proxies only).
    """
    runs = tuple(r for r in public_runs() if r.name != exclude)
    x = np.array([_features(r.active_params / 1e9, r.peak_flops / 1e15) for r in runs])
    y = np.log([implied_mfu(r) for r in runs])
    coef = _lstsq(x, y)
    loo = {}
    for i, r in enumerate(runs):
        keep = np.arange(len(runs)) != i
        ci = _lstsq(x[keep], y[keep])
        loo[r.name] = (float(math.exp(y[i])), float(math.exp(float(x[i] @ ci))))
    sizes = [r.active_params / 1e9 for r in runs]
    peaks = [r.peak_flops / 1e15 for r in runs]
    mfus = [math.exp(v) for v in y]
    by_chip: dict[float, list[float]] = {}
    for size, peak in zip(sizes, peaks, strict=True):
        by_chip.setdefault(peak, []).append(size)
    return MfuFit(
        tuple(float(c) for c in coef),
        loo,
        (min(sizes), max(sizes)),
        (min(peaks), max(peaks)),
        (min(mfus), max(mfus)),
        {p: (min(v), max(v)) for p, v in by_chip.items()},
    )


def mfu_prior(
    active_params: float,
    peak_flops: float,
    warnings: list[CodedWarning] | None = None,
    exclude: str | None = None,
) -> Range:
    """The MFU prior for a run of ``active_params`` on a chip of ``peak_flops`` (dense)."""
    fit = mfu_fit(exclude)
    a, p = active_params / 1e9, peak_flops / 1e15
    p_c = min(max(p, fit.peak_pflops[0]), fit.peak_pflops[1])
    size_lo, size_hi = fit.size_domain(p)  # on a chip with runs, the sizes of its own runs
    a_c = min(max(a, size_lo), size_hi)
    central = min(max(fit.central(a_c, p_c), fit.mfu_span[0]), fit.mfu_span[1])
    slope = fit.size_slope(p_c)
    if a < a_c and slope > 0:
        # below the smallest run, MFU keeps falling along the fitted slope (smaller matmuls
        # use less of the peak); it never rises as a model shrinks, so a negative slope
        # (a chip whose runs happen to fall with size) stays flat at the edge
        central *= (a / a_c) ** slope
    folds = abs(math.log(a / a_c)) + abs(math.log(p / p_c))
    widen = 1.0 + WIDEN_PER_E_FOLD * folds
    if folds > 0 and warnings is not None:
        axes = [n for n, v, c in (("model size", a, a_c), ("chip peak", p, p_c)) if v != c]
        warnings.append(
            CodedWarning(
                WarningCode.MFU_EXTRAPOLATED,
                f"training MFU prior outside its data ({', '.join(axes)}: fitted on "
                f"{size_lo:g}-{size_hi:g}B active parameters on this chip, "
                f"{fit.peak_pflops[0]:g}-{fit.peak_pflops[1]:g} PFLOP/s chips); "
                f"range widened ×{widen:.2f}",
            )
        )
    spread = fit.spread * widen
    low = central / spread
    high = min(central * spread, mfu_ceiling())
    return Range(central, min(low, central), max(high, central))


def mfu_ceiling() -> float:
    """The highest MFU a training run has published (the ``training_mfu`` assumption's high
    bound: Megatron 52 %, PaLM 46 %, Llama 3 38-43 %): no prior range goes above it."""
    from empreinte.estimate.assumptions import assumption

    return float(assumption("training_mfu").range.high)
