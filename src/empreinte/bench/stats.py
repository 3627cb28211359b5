"""Repeat statistics: mean and Student-t confidence interval of a per-repeat quantity.

With ``R`` repeats ``x_1..x_R`` the interval is ``mean ± t(1 - α/2, R - 1) × s / √R`` with
``s`` the sample standard deviation (``ddof = 1``). It says where the *mean* over repeats
lies, under the assumption that repeats are independent draws of the same distribution; it
does not include the meter's own systematic uncertainty (reported beside it as a range).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = ["RepeatStats", "repeat_stats", "t_quantile"]


def t_quantile(p: float, df: int) -> float:
    """Quantile ``p`` of Student's t with ``df`` degrees of freedom (scipy)."""
    if df < 1:
        raise ValueError("df must be >= 1")
    from scipy.stats import t  # type: ignore[import-untyped]

    return float(t.ppf(p, df))


@dataclass(frozen=True, slots=True)
class RepeatStats:
    """Mean, standard deviation and confidence interval of ``values`` (``None`` if R < 2)."""

    values: tuple[float, ...]
    mean: float
    std: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def half_width(self) -> float | None:
        return None if self.ci_high is None else self.ci_high - self.mean

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["values"] = list(self.values)
        return d


def repeat_stats(values: Sequence[float], confidence: float = 0.95) -> RepeatStats:
    """Mean and t-interval of ``values``; with one value, no spread and no interval."""
    if not values:
        raise ValueError("no values")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    xs = tuple(float(v) for v in values)
    n = len(xs)
    mean = math.fsum(xs) / n
    if n < 2:
        return RepeatStats(xs, mean, None, None, None, confidence)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
    return RepeatStats(xs, mean, std, mean - half, mean + half, confidence)
