from __future__ import annotations

import pytest

from empreinte.errors import WarningCode
from empreinte.measure import fallback
from empreinte.measure.fallback import (
    FallbackMeter,
    boavizta_fraction,
    codecarbon_fraction,
    cpu_power_w,
    power_models,
    ram_power_w,
    resolve_cpu,
)
from empreinte.ranges import Range


def test_curves_golden_values() -> None:
    # CodeCarbon: 0.1 + 0.9 load^3
    assert codecarbon_fraction(0.0) == pytest.approx(0.1)
    assert codecarbon_fraction(0.5) == pytest.approx(0.2125)
    assert codecarbon_fraction(1.0) == pytest.approx(1.0)
    # Boavizta's fitted points, and linear between them
    assert [boavizta_fraction(x) for x in (0, 0.1, 0.5, 1.0)] == pytest.approx(
        [0.12, 0.32, 0.75, 1.02]
    )
    assert boavizta_fraction(0.3) == pytest.approx((0.32 + 0.75) / 2)


@pytest.mark.parametrize("load", [0.0, 0.05, 0.25, 0.5, 0.9, 1.0])
def test_cpu_power_spans_both_curves(load: float) -> None:
    p = cpu_power_w(Range(100.0, 80.0, 120.0), load)
    a, b = codecarbon_fraction(load), boavizta_fraction(load)
    assert p.low == pytest.approx(80 * min(a, b))
    assert p.high == pytest.approx(120 * max(a, b))
    assert p.low <= p.value <= p.high and p.low > 0


def test_cpu_power_is_monotonic_in_load() -> None:
    tdp = Range(100.0, 90.0, 110.0)
    values = [cpu_power_w(tdp, x / 20).value for x in range(21)]
    assert values == sorted(values)


def test_ram_power_green_algorithms() -> None:
    r = ram_power_w(64)
    assert r.value == pytest.approx(0.3725 * 64)
    assert r.low == pytest.approx(3 / 16 * 64) and r.high == pytest.approx(5 / 8 * 64)


def test_every_constant_has_a_source() -> None:
    for key, block in power_models().items():
        if not key.startswith("_"):
            assert block["source"]


def test_unknown_cpu_gets_a_wide_sourced_range_never_zero() -> None:
    model = resolve_cpu("Mystery CPU 9000", 4, in_vm=False)
    assert model.tdp_w.low == pytest.approx(1.9 * 4) and model.tdp_w.high == pytest.approx(
        17.75 * 4
    )
    assert WarningCode.CPU_TDP_UNKNOWN in [w.code for w in model.warnings]


def test_known_cpu_in_vm_is_capped_by_the_vcpu_share(monkeypatch: pytest.MonkeyPatch) -> None:
    from empreinte.factors import _base

    class Cpu:
        tdp_w = _base.SourcedValue(value=270.0, unit="W", sources=["x"])

    import empreinte.factors.hardware as hw

    monkeypatch.setattr(hw, "find_cpu", lambda brand: Cpu())
    bare = resolve_cpu("EPYC 7763", 2, in_vm=False)
    assert bare.tdp_w.value == 270.0
    vm = resolve_cpu("EPYC 7763", 2, in_vm=True)
    assert vm.tdp_w.high <= 270.0 and vm.tdp_w.value <= 17.75 * 2
    assert WarningCode.VM_SHARE in [w.code for w in vm.warnings]


def test_meter_integrates_power_over_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 10.0, 20.0])
    cpu = iter([(0.0, 0.0), (5.0, 20.0), (15.0, 40.0)])  # 25 %, then 50 % busy
    monkeypatch.setattr(fallback.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(fallback, "machine_cpu_seconds", lambda: next(cpu))
    monkeypatch.setattr(
        fallback,
        "resolve_cpu",
        lambda b, n, v: fallback.CpuModel(b, Range(100.0, 100.0, 100.0), ()),
    )
    m = FallbackMeter(("cpu", "ram"), brand="x", logical_cpus=2, ram_gb=16)
    m.read()
    s = m.read()
    expected = (
        cpu_power_w(Range(100.0), 0.25).value * 10 + cpu_power_w(Range(100.0), 0.5).value * 10
    )
    assert s.energy_j["cpu:0"] == pytest.approx(expected)
    assert s.energy_j["ram:0"] == pytest.approx(0.3725 * 16 * 20)
    lo, hi = s.bounds("ram:0")
    assert lo < s.energy_j["ram:0"] < hi
    assert WarningCode.RAM_POWER_ESTIMATED in [w.code for w in m.warnings]


def test_catalog_lookup_waits_until_energy_is_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.0, 10.0])  # probe, first read, second read
    cpu = iter([(0.0, 0.0), (0.0, 0.0), (5.0, 20.0)])
    monkeypatch.setattr(fallback.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(fallback, "machine_cpu_seconds", lambda: next(cpu))
    calls: list[str] = []

    def resolve(b: str, n: int, v: bool) -> fallback.CpuModel:
        calls.append(b)
        return fallback.CpuModel(b, Range(100.0), ())

    monkeypatch.setattr(fallback, "resolve_cpu", resolve)
    m = FallbackMeter(("cpu",), brand="x", logical_cpus=2)
    assert m.probe(describe=False).ok and calls == []
    m.read()
    s = m.read()
    assert calls == [] and "cpu:0" in s.energy_j
    assert s.energy_j["cpu:0"] == pytest.approx(cpu_power_w(Range(100.0), 0.25).value * 10)
    assert calls == ["x"]


def test_machine_cpu_seconds_matches_psutil() -> None:
    import psutil

    busy, total = fallback.machine_cpu_seconds()
    t = psutil.cpu_times()
    ref_total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
    assert total == pytest.approx(ref_total, abs=2.0) and 0 <= busy <= total
