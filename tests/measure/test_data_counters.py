"""``t.count(bytes_stored=..., bytes_transferred=...)`` become ``report.data`` items, the same
as ``estimate training --dataset-tb ... --transfer-gb ...`` (golden values: see
tests/estimate/test_data_storage_transfer.py)."""

from __future__ import annotations

import pytest

from empreinte.measure.monitor import track
from empreinte.testing import ScriptedMeter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_byte_counters_become_data_items() -> None:
    clock = Clock()
    meter = ScriptedMeter({"gpu:0": 300.0}, clock=clock)
    with track("job", meters=[meter], interval_s=60, live=False, location="FRA", pue=1.2) as t:
        clock.t = 120.0
        # 10 TB kept one year in 3 copies; 1,000 GB moved
        t.count(bytes_stored=10e12, storage_retention_years=1, storage_replicas=3)
        t.count(bytes_transferred=1000e9)
    r = t.report()
    stored, moved = r.data
    assert (stored.component, stored.unit, stored.quantity) == ("storage", "TB-year", 30)
    assert stored.energy_kwh is not None and moved.energy_kwh is not None
    assert stored.energy_kwh.value == pytest.approx(204.984)  # 30 × 5.694 × 1.2
    assert moved.energy_kwh.value == pytest.approx(1.875)  # 1000 × 0.001875
    assert moved.gwp_kgco2e is not None
    assert moved.gwp_kgco2e.total.value == pytest.approx(1.875 * 0.056039)
    assert r.counters["bytes_transferred"] == 1000e9  # the raw counters stay
    assert "network-average-intensity" in {w.code for w in r.warnings}


def test_no_byte_counters_no_data_items() -> None:
    clock = Clock()
    meter = ScriptedMeter({"gpu:0": 300.0}, clock=clock)
    with track("job", meters=[meter], interval_s=60, live=False) as t:
        clock.t = 120.0
        t.count(tokens=10)
    assert t.report().data == []
