from __future__ import annotations

import json
from pathlib import Path

import pytest

from empreinte.errors import MeterError, WarningCode
from empreinte.measure.base import J_PER_KWH, EnergySample
from empreinte.measure.monitor import Tracker, track
from empreinte.testing import ReplayMeter, ScriptedMeter, write_samples


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_energy_windows_counters_and_functional_unit() -> None:
    clock = Clock()
    meter = ScriptedMeter({"gpu:0": 300.0, "cpu:0": 60.0}, clock=clock)
    with track("train", stage="training", meters=[meter], interval_s=60, live=False) as t:
        clock.t = 10.0
        with t.window("epoch-1"):
            clock.t = 20.0
            with t.window("step"):
                clock.t = 25.0
                t.count(tokens=1000)
            t.count(samples=4)
        clock.t = 30.0
    r = t.report()
    assert r.energy.gpu_kwh.value == pytest.approx(300 * 30 / J_PER_KWH)
    assert r.energy.cpu_kwh.value == pytest.approx(60 * 30 / J_PER_KWH)
    assert r.measurement.method == "hw_counter"
    assert r.lifecycle_stage == "training"
    assert r.functional_unit.type == "tokens" and r.functional_unit.count == 1000
    assert r.per_unit.energy_kwh.value == pytest.approx(r.energy.total_kwh.value / 1000)
    step, epoch = r.windows
    assert (step.name, step.parent, epoch.name, epoch.parent) == (
        "step",
        "epoch-1",
        "epoch-1",
        None,
    )
    assert step.energy_kwh.value == pytest.approx(360 * 5 / J_PER_KWH)
    assert epoch.energy_kwh.value == pytest.approx(360 * 15 / J_PER_KWH)
    assert epoch.counters == {"tokens": 1000, "samples": 4} and step.counters == {"tokens": 1000}
    assert meter.closed


def test_weakest_method_and_bounds_from_modelled_meter() -> None:
    clock = Clock()
    counter = ScriptedMeter({"gpu:0": 100.0}, clock=clock)
    model = ScriptedMeter(
        {"cpu:0": 50.0}, clock=clock, method="software_model", rel_bounds=0.5, name="estimate"
    )
    t = Tracker("x", meters=[counter, model], interval_s=60, live=False).start()
    clock.t = 100.0
    r = t.stop()
    assert r.measurement.method == "software_model"
    assert r.energy.cpu_kwh.low == pytest.approx(0.5 * 5000 / J_PER_KWH)
    assert {m.name for m in r.measurement.meters} == {"scripted", "estimate"}
    assert r.measurement.boundary == ["accelerators", "host"]


def test_decorator_measures_each_call(tmp_path: Path) -> None:
    clock = Clock()
    tracker = track(
        "f",
        meters=[ScriptedMeter({"cpu:0": 10.0}, clock=clock)],
        live=False,
        out=tmp_path / "r.json",
    )

    @tracker
    def work() -> int:
        clock.t += 6.0
        return 42

    assert work() == 42
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["status"] == "complete"
    assert r["energy"]["cpu_kwh"]["value"] == pytest.approx(60 / J_PER_KWH)


def test_exception_marks_the_report_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with (
        pytest.raises(RuntimeError),
        track("x", meters=[ScriptedMeter({"cpu:0": 1.0})], out=out, live=False) as t,
        t.window("w"),
    ):
        raise RuntimeError("boom")
    r = json.loads(out.read_text())
    assert r["status"] == "incomplete" and r["windows"][0]["name"] == "w"
    assert WarningCode.INCOMPLETE in [w["code"] for w in r["warnings"]]


def test_periodic_checkpoint_is_incomplete_and_atomic(tmp_path: Path) -> None:
    import time

    out = tmp_path / "r.json"
    t = Tracker(
        "x",
        meters=[ScriptedMeter({"cpu:0": 100.0})],
        interval_s=0.02,
        checkpoint_s=0.05,
        out=out,
        live=False,
    ).start()
    deadline = time.monotonic() + 5
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    r = json.loads(out.read_text())
    assert r["status"] == "incomplete" and r["energy"]["cpu_kwh"]["value"] > 0
    assert not list(tmp_path.glob(".*.tmp"))
    assert t.stop().status == "complete"


def test_meter_failure_keeps_energy_and_warns() -> None:
    clock = Clock()
    good = ScriptedMeter({"cpu:0": 10.0}, clock=clock)
    bad = ScriptedMeter({"gpu:0": 100.0}, clock=clock, fail_after=2, name="flaky")
    t = Tracker("x", meters=[good, bad], interval_s=60, live=False).start()
    clock.t = 5.0
    t.sampler.read_now()  # second read of "flaky": its last good one
    clock.t = 10.0
    r = t.stop()
    assert r.energy.gpu_kwh.value == pytest.approx(500 / J_PER_KWH)  # up to its failure
    assert r.energy.cpu_kwh.value == pytest.approx(100 / J_PER_KWH)
    assert WarningCode.METER_FAILED in [w.code for w in r.warnings]


def test_no_reading_is_an_error_not_zero() -> None:
    t = Tracker("x", meters=[ScriptedMeter({"cpu:0": 1.0}, fail_after=0)], live=False).start()
    with pytest.raises(MeterError, match="no meter produced a reading"):
        t.stop()


def test_replay_meter_from_file(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    write_samples(
        [
            EnergySample(0.0, {"gpu:0": 0.0}),
            EnergySample(1.0, {"gpu:0": 250.0}),
            EnergySample(2.0, {"gpu:0": 700.0}),
        ],
        trace,
    )
    meter = ReplayMeter.load(trace)
    assert [meter.read().energy_j["gpu:0"] for _ in range(4)] == [0.0, 250.0, 700.0, 700.0]
    t = Tracker("x", meters=[ReplayMeter.load(trace)], interval_s=60, live=False).start()
    t.sampler.read_now()
    r = t.stop()
    assert r.energy.gpu_kwh.value == pytest.approx(700 / J_PER_KWH)


def test_replay_realtime() -> None:
    clock = Clock()
    m = ReplayMeter(
        [EnergySample(0.0, {"cpu:0": 0.0}), EnergySample(1.0, {"cpu:0": 5.0})],
        realtime=True,
        clock=clock,
    )
    assert m.read().energy_j["cpu:0"] == 0.0
    clock.t = 1.5
    assert m.read().energy_j["cpu:0"] == 5.0


def test_torch_sync_callable_called_at_edges() -> None:
    calls: list[int] = []
    with (
        track(
            "x", meters=[ScriptedMeter({"cpu:0": 1.0})], sync=lambda: calls.append(1), live=False
        ) as t,
        t.window("w"),
    ):
        pass
    assert len(calls) == 4


def test_live_line() -> None:
    from empreinte.measure.monitor import power_line
    from empreinte.measure.sampler import Totals

    line = power_line(
        "train",
        Totals(0.0, {"gpu:0": (0.0, 0.0, 0.0)}),
        Totals(2.0, {"gpu:0": (600.0, 600.0, 600.0)}),
        0.0,
    )
    assert "300.0 W" in line and "train" in line and "00:00:02" in line


def test_fallback_is_cheap_at_start_stop_and_windows_are_interpolated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from empreinte.measure import fallback
    from empreinte.ranges import Range

    looked_up: list[str] = []

    def resolve(brand: str, n: int, vm: bool) -> fallback.CpuModel:
        looked_up.append(brand)
        return fallback.CpuModel(brand, Range(100.0, 80.0, 120.0), ())

    monkeypatch.setattr(fallback, "resolve_cpu", resolve)
    meter = fallback.FallbackMeter(("cpu", "ram"), brand="x", logical_cpus=2, ram_gb=16)
    with track("fb", meters=[meter], interval_s=0.03, live=False) as t:
        for name in ("a", "b", "c"):
            with t.window(name):
                time.sleep(0.1)
        calls_while_running = len(looked_up)  # the sampler thread may have looked it up
    assert t.sampler is not None and t.sampler.final_s is not None
    windows = t.windows
    assert [w.name for w in windows] == ["a", "b", "c"]
    ram_w = 0.3725 * 16
    for w in windows:  # constant power: the interpolation is exact
        assert w.energy_j["ram:0"][0] == pytest.approx(ram_w * (w.end_s - w.start_s), rel=1e-6)
        v, lo, hi = w.energy_j["cpu:0"]
        assert 0 < lo <= v <= hi
    r = t.report()
    assert looked_up and calls_while_running <= len(looked_up)
    total_cpu = r.energy.cpu_kwh.value * J_PER_KWH
    assert sum(w.energy_j["cpu:0"][0] for w in windows) <= total_cpu * (1 + 1e-9)
    assert [w.name for w in r.windows] == ["a", "b", "c"]


def test_exit_does_not_build_the_report_but_stop_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from empreinte.measure import monitor

    built: list[str] = []
    real = monitor.to_report

    def spy(*a: object, **k: object) -> object:
        built.append(str(k.get("status")))
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(monitor, "to_report", spy)
    clock = Clock()
    with track("x", meters=[ScriptedMeter({"cpu:0": 10.0}, clock=clock)], live=False) as t:
        clock.t = 5.0
    assert built == []
    assert t.report().status == "complete" and built == ["complete"]
    assert t.report() is t.report() and built == ["complete"]  # built once after the end
    t2 = track("y", meters=[ScriptedMeter({"cpu:0": 10.0}, clock=clock)], live=False)
    with pytest.raises(RuntimeError), t2:
        raise RuntimeError("boom")
    assert t2.report().status == "incomplete"


def test_series_interpolates_between_samples() -> None:
    from empreinte.measure.sampler import Series

    s = Series()
    s.add(EnergySample(0.0, {"cpu:0": 0.0}, {"cpu:0": 0.0}, {"cpu:0": 0.0}))
    s.add(EnergySample(1.0, {"cpu:0": 10.0}, {"cpu:0": 8.0}, {"cpu:0": 12.0}))
    s.add(EnergySample(2.0, {"cpu:0": 30.0}, {"cpu:0": 20.0}, {"cpu:0": 40.0}))
    assert s.at(0.5)["cpu:0"] == pytest.approx((5.0, 4.0, 6.0))
    assert s.at(1.5)["cpu:0"] == pytest.approx((20.0, 14.0, 26.0))
    assert s.at(-1.0)["cpu:0"] == (0.0, 0.0, 0.0)
    assert s.at(3.0)["cpu:0"] == pytest.approx((50.0, 32.0, 68.0))  # last slope onwards


def test_finish_waits_for_a_tick_in_progress_and_no_tick_starts_after() -> None:
    import threading
    import time

    from empreinte.measure.sampler import Sampler

    entered, events = threading.Event(), []

    def slow(_: object) -> None:
        entered.set()
        time.sleep(0.2)
        events.append("tick done")

    s = Sampler([ScriptedMeter({"cpu:0": 1.0})], interval_s=0.01, on_sample=slow)
    s.start()
    assert entered.wait(5)
    s.finish()
    events.append("finished")
    assert events[:2] == ["tick done", "finished"]
    time.sleep(0.05)
    assert events == ["tick done", "finished"]  # the thread did no work after finish
