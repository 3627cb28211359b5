"""The repeat statistic: golden values and the coverage of the t-interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from empreinte.bench.stats import repeat_stats, t_quantile


def test_t_quantiles_match_the_printed_table() -> None:
    # Student's t table (two-sided 95 %): df=1 12.706, df=2 4.303, df=4 2.776, df=29 2.045
    for df, q in [(1, 12.706), (2, 4.303), (4, 2.776), (29, 2.045)]:
        assert t_quantile(0.975, df) == pytest.approx(q, abs=5e-4)


def test_golden_interval_of_three_repeats() -> None:
    s = repeat_stats([100.0, 150.0, 200.0])
    assert s.mean == 150.0
    assert s.std == pytest.approx(50.0)
    half = 4.302652729749464 * 50.0 / math.sqrt(3)  # t(0.975, 2) x s / sqrt(R)
    assert s.ci_low == pytest.approx(150.0 - half)
    assert s.ci_high == pytest.approx(150.0 + half)
    assert s.half_width == pytest.approx(half)


def test_one_repeat_has_no_interval() -> None:
    s = repeat_stats([3.0])
    assert (s.mean, s.std, s.ci_low, s.ci_high) == (3.0, None, None, None)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        repeat_stats([])
    with pytest.raises(ValueError):
        repeat_stats([1.0, 2.0], confidence=1.0)


def test_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    """2,000 seeded runs of R=3 repeats: coverage within the binomial 99.9 % band of 0.95."""
    rng = np.random.default_rng(7)
    runs, hits = 2000, 0
    for _ in range(runs):
        s = repeat_stats(rng.normal(10.0, 2.0, size=3).tolist())
        assert s.ci_low is not None and s.ci_high is not None
        hits += s.ci_low <= 10.0 <= s.ci_high
    band = 3.29 * math.sqrt(0.95 * 0.05 / runs)
    assert abs(hits / runs - 0.95) < band
