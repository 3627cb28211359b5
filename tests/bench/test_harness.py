"""The harness on a scripted meter and a fake clock: exact energies, statistics and reports."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from empreinte.bench.harness import RunConfig, run_benchmark
from empreinte.bench.models import ModelSpec
from empreinte.bench.ratings import load_ratings
from empreinte.bench.results import BenchResult, load_result, save_result
from empreinte.bench.tasks import load_split
from empreinte.errors import ConfigError
from empreinte.testing import ScriptedMeter


class FakeClock:
    """A monotonic clock moved only by ``advance``/``sleep``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    sleep = advance


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


COST_PER_BATCH_S = 0.125  # a binary fraction: sums of it are exact


class SlowConstant:
    """Predicts class 0; each predict call advances the fake clock by a fixed cost."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.fitted = False

    def fit(self, x: Any, y: Any) -> None:
        self.fitted = True

    def predict(self, x: Any) -> np.ndarray[Any, Any]:
        self.clock.advance(COST_PER_BATCH_S)
        return np.zeros(len(x), dtype=int)


def power(elapsed: float) -> dict[str, float]:
    # 10 W until t=2 s, then 15 W, then 20 W from t=3 s (the repeats start at 1.25, 2.25, 3.25)
    return {"cpu:0": 10.0 if elapsed < 2 else 15.0 if elapsed < 3 else 20.0}


def run(clock: FakeClock, **cfg: Any) -> BenchResult:
    spec = ModelSpec("slow-constant", lambda: SlowConstant(clock), ("tabular",))
    options: dict[str, Any] = {
        "samples": 16,
        "batch_size": 8,
        "repeats": 3,
        "min_window_s": 1.0,
        "idle_s": 1.0,
        "interval_s": 3600.0,
        **cfg,
    }
    config = RunConfig(**options)
    meter = ScriptedMeter(power, clock=clock)
    return run_benchmark("wine", spec, config, meters=[meter], clock=clock, sleep=clock.sleep)


def test_energy_per_1000_inferences_and_its_interval(clock: FakeClock) -> None:
    r = run(clock)
    # each repeat: 4 passes of 2 batches (0.25 s a pass) = 1.0 s and 64 inferences
    assert r.inferences == [64, 64, 64]
    expected_j = [10.0, 15.0, 20.0]  # W x 1 s
    wh_per_1000 = [e / 3600 / 64 * 1000 for e in expected_j]
    s = r.energy_wh_per_1000
    assert list(s.values) == pytest.approx(wh_per_1000)
    assert s.mean == pytest.approx(sum(wh_per_1000) / 3)
    sd = math.sqrt(sum((x - s.mean) ** 2 for x in wh_per_1000) / 2)
    half = 4.302652729749464 * sd / math.sqrt(3)
    assert (s.ci_low, s.ci_high) == (pytest.approx(s.mean - half), pytest.approx(s.mean + half))
    # idle baseline: 10 W over the 1 s idle window; dynamic = gross - 10 W x 1 s
    assert r.idle_power_w == pytest.approx((10.0, 10.0, 10.0))
    assert r.dynamic_wh_per_1000 is not None
    assert list(r.dynamic_wh_per_1000.values) == pytest.approx(
        [(e - 10.0) / 3600 / 64 * 1000 for e in expected_j]
    )
    assert r.meter_range_wh_per_1000 == pytest.approx((s.mean, s.mean))  # exact meter


def test_warmup_is_excluded_and_the_report_is_per_inference(clock: FakeClock) -> None:
    r = run(clock)
    rep = r.report
    assert rep.lifecycle_stage == "inference" and rep.task == "wine"
    assert rep.functional_unit is not None and rep.functional_unit.type == "inference"
    assert rep.functional_unit.count == 192
    # 45 J over the three repeats (the 0.25 s warm-up at 10 W = 2.5 J is not in it)
    assert rep.energy.total_kwh.value == pytest.approx(45.0 / 3.6e6)
    assert rep.energy.cpu_kwh is not None
    assert rep.per_unit is not None
    assert rep.per_unit.energy_kwh.value == pytest.approx(45.0 / 3.6e6 / 192)
    names = [w.name for w in rep.windows]
    assert names == ["idle", "warmup", "repeat-1", "repeat-2", "repeat-3"]
    warm = rep.windows[1]
    assert warm.energy_kwh.value == pytest.approx(2.5 / 3.6e6)
    assert rep.measurement.idle_power_w is not None
    assert rep.measurement.idle_power_w.value == pytest.approx(10.0)
    assert rep.counters["inferences"] == 192
    assert "short-window" in {w.code for w in rep.warnings}
    st = rep.statistics["energy_per_1000_inferences_wh"]
    assert st.n == 3 and st.unit == "Wh" and len(st.values) == 3
    assert st.mean == pytest.approx(r.energy_wh_per_1000.mean)
    assert st.ci_low == r.energy_wh_per_1000.ci_low and st.ci_high == r.energy_wh_per_1000.ci_high


def test_quality_class_and_gate(clock: FakeClock) -> None:
    r = run(clock)
    y = load_split("wine").y_test[:16]
    assert r.quality["accuracy"] == pytest.approx(float(np.mean(y == 0)))
    rating = load_ratings().tasks["wine"]
    assert r.gate == {"metric": "macro_f1", "min": rating.gate.minimum, "passed": False}
    # below the gate there is no class (one rule for the CLI and the web board), although
    # the energy alone would be rated
    assert rating.classify(r.energy_wh_per_1000.mean) == "G"
    assert r.energy_class is None


def test_training_is_a_separate_report(clock: FakeClock) -> None:
    r = run(clock)
    assert r.training_report is not None
    assert r.training_report.lifecycle_stage == "training"
    # fit() takes no time on the fake clock: zero energy, measured, not missing
    assert r.training_wh == (0.0, 0.0, 0.0)


def test_round_trip_through_json(clock: FakeClock, tmp_path: Any) -> None:
    r = run(clock)
    back = load_result(save_result(r, tmp_path / "r.json"))
    assert back.to_dict() == r.to_dict()


def test_single_repeat_has_no_interval(clock: FakeClock) -> None:
    r = run(clock, repeats=1)
    assert r.energy_wh_per_1000.ci_low is None


def test_bad_config_and_kind() -> None:
    with pytest.raises(ConfigError):
        run_benchmark("wine", "logreg", RunConfig(repeats=0))
    with pytest.raises(ConfigError, match="does not accept"):
        run_benchmark("text-topics", "logreg", RunConfig())
