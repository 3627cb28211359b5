"""``track(..., otel=...)``: energy (counter, J) and power (gauge, W) per component through the
OpenTelemetry metrics API, read back by the SDK's InMemoryMetricReader."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk.metrics")
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Gauge, InMemoryMetricReader, Sum

from empreinte.errors import ConfigError
from empreinte.measure.base import J_PER_KWH
from empreinte.measure.monitor import track
from empreinte.testing import ScriptedMeter


def _points(reader: InMemoryMetricReader) -> dict[str, dict[str, Any]]:
    """``{instrument: {component: point}}`` from one collection."""
    data = reader.get_metrics_data()
    out: dict[str, dict[str, Any]] = {}
    assert data is not None
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            assert sm.scope.name == "empreinte"
            for m in sm.metrics:
                unit, kind = {"empreinte.energy": ("J", Sum), "empreinte.power": ("W", Gauge)}[
                    m.name
                ]
                assert m.unit == unit and isinstance(m.data, kind)
                if kind is Sum:  # a cumulative, monotonic counter
                    assert m.data.is_monotonic
                for p in m.data.data_points:
                    out.setdefault(m.name, {})[p.attributes["component"]] = p
    return out


def test_energy_counter_and_power_gauge_per_component_with_run_attributes() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    meter = ScriptedMeter({"gpu:0": 300.0, "gpu:1": 100.0, "cpu:0": 50.0})
    with track(
        "otel-run", stage="training", meters=[meter], interval_s=0.02, live=False, otel=provider
    ) as t:
        deadline = time.monotonic() + 10
        while meter.reads < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        during = _points(reader)
    assert meter.reads >= 5, "the sampler did not read the meter"
    r = t.report()
    after = _points(reader)
    energy, power = after["empreinte.energy"], after["empreinte.power"]
    assert set(energy) == set(power) == {"gpu", "cpu"}  # no ram/other series: none measured
    for comp, est in (("gpu", r.energy.gpu_kwh), ("cpu", r.energy.cpu_kwh)):
        assert est is not None
        point = energy[comp]
        assert dict(point.attributes) == {
            "component": comp,
            "run": "otel-run",
            "stage": "training",
            "report_id": t.report_id,
        }
        # the counter's sum is the report's energy (the tail is added when the tracker stops)
        assert point.value == pytest.approx(est.value * J_PER_KWH, rel=1e-9)
        assert 0 < during["empreinte.energy"][comp].value < point.value
    # constant scripted power (the interval is timed by the sampler, the energy by the meter)
    assert power["gpu"].value == pytest.approx(400.0, rel=0.05)
    assert power["cpu"].value == pytest.approx(50.0, rel=0.05)
    provider.shutdown()


def test_global_meter_provider_with_otel_true() -> None:
    """``otel=True`` takes the provider the program set (own process: it is set only once)."""
    code = """
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from empreinte import track
from empreinte.testing import ScriptedMeter
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
with track("global", meters=[ScriptedMeter({"ram:0": 7.0})], live=False, otel=True) as t:
    pass
[point] = [p for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics
           for m in sm.metrics if m.name == "empreinte.energy" for p in m.data.data_points]
print(point.attributes["component"], point.value, t.report().energy.ram_kwh.value * 3.6e6)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    comp, value, expected = proc.stdout.split()
    assert comp == "ram" and float(value) > 0
    assert float(value) == pytest.approx(float(expected), rel=1e-9)


def test_not_installed_or_not_a_provider_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="MeterProvider"):
        track("x", meters=[ScriptedMeter({"cpu:0": 1.0})], otel="yes")
    monkeypatch.setitem(sys.modules, "opentelemetry.metrics", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"empreinte\[otel\]"):
        track("x", meters=[ScriptedMeter({"cpu:0": 1.0})], otel=True)
    track("x", meters=[ScriptedMeter({"cpu:0": 1.0})], otel=False)  # off: nothing imported


def test_a_component_first_read_later_gets_no_power_until_it_has_an_interval() -> None:
    """Its energy since the run started is not the power of the last interval."""
    from types import SimpleNamespace

    from empreinte.measure.otel import OtelMetrics
    from empreinte.measure.sampler import Totals

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    tracker: Any = SimpleNamespace(name="r", stage="training", report_id="x")
    m = OtelMetrics(tracker, provider)
    m.observe(Totals(1.0, {"gpu:0": (100.0, 100.0, 100.0)}))
    m.observe(Totals(2.0, {"gpu:0": (200.0, 200.0, 200.0), "cpu:0": (5000.0, 5000.0, 5000.0)}))
    points = _points(reader)
    assert points["empreinte.power"]["gpu"].value == pytest.approx(100.0)
    assert "cpu" not in points["empreinte.power"]  # not 5,000 W over one second
    assert points["empreinte.energy"]["cpu"].value == pytest.approx(5000.0)
    m.observe(Totals(3.0, {"gpu:0": (300.0, 300.0, 300.0), "cpu:0": (5050.0, 5050.0, 5050.0)}))
    assert _points(reader)["empreinte.power"]["cpu"].value == pytest.approx(50.0)
    provider.shutdown()
