from __future__ import annotations

import os
from pathlib import Path

import pytest

from empreinte.errors import MeterUnavailable
from empreinte.measure.rapl import RaplMeter, discover_zones, powercap_root
from empreinte.testing import make_powercap_zone, set_powercap_energy


def test_package_and_dram_per_socket_without_core_uncore(tmp_path: Path) -> None:
    p0 = mk(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    mk(tmp_path, "intel-rapl:0:0", "core", 500_000)
    mk(tmp_path, "intel-rapl:0:1", "uncore", 100_000)
    d0 = mk(tmp_path, "intel-rapl:0:2", "dram", 0)
    p1 = mk(tmp_path, "intel-rapl:1", "package-1", 0)
    mk(tmp_path, "intel-rapl:1:0", "dram", 0)
    meter = RaplMeter(tmp_path)
    assert meter.probe().channels == ("cpu:0", "cpu:1", "ram:0", "ram:1")
    assert meter.read().energy_j == {"cpu:0": 0, "cpu:1": 0, "ram:0": 0, "ram:1": 0}
    set_powercap_energy(p0, 3_000_000)
    set_powercap_energy(p1, 1_500_000)
    set_powercap_energy(d0, 250_000)
    e = meter.read().energy_j
    assert e == {"cpu:0": 2.0, "cpu:1": 1.5, "ram:0": 0.25, "ram:1": 0.0}


def test_wraparound_across_several_wraps(tmp_path: Path) -> None:
    z = mk(tmp_path, "intel-rapl:0", "package-0", 900, max_range_uj=1000)
    meter = RaplMeter(tmp_path)
    meter.read()
    total_uj = 0
    raw = 900
    for step in [300, 700, 999, 50, 800, 600]:  # each step < range: sampled often enough
        raw = (raw + step) % 1000
        set_powercap_energy(z, raw)
        total_uj += step
        assert meter.read().energy_j["cpu:0"] == pytest.approx(total_uj / 1e6)
    assert meter._acc["cpu:0"].wraps == 4


def test_missing_dram_reads_package_only(tmp_path: Path) -> None:
    mk(tmp_path, "intel-rapl:0", "package-0", 10)
    assert [z.channel for z in discover_zones(tmp_path)] == ["cpu:0"]


def test_psys_never_added_to_packages(tmp_path: Path) -> None:
    mk(tmp_path, "intel-rapl:0", "package-0", 10)
    mk(tmp_path, "intel-rapl:1", "psys", 10)
    assert [z.name for z in discover_zones(tmp_path)] == ["package-0"]


def test_psys_alone_is_used(tmp_path: Path) -> None:
    mk(tmp_path, "intel-rapl:1", "psys", 10)
    assert [z.channel for z in discover_zones(tmp_path)] == ["cpu:psys"]


def test_mmio_copy_is_deduplicated(tmp_path: Path) -> None:
    mk(tmp_path, "intel-rapl:0", "package-0", 10)
    mk(tmp_path, "intel-rapl-mmio:0", "package-0", 10)
    zones = discover_zones(tmp_path)
    assert [z.path.name for z in zones] == ["intel-rapl:0"]


def test_top_level_dram_zone(tmp_path: Path) -> None:
    mk(tmp_path, "intel-rapl:0", "package-0", 10)
    mk(tmp_path, "intel-rapl:1", "dram", 10)
    assert [z.channel for z in discover_zones(tmp_path)] == ["cpu:0", "ram:0"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_explained(tmp_path: Path) -> None:
    z = mk(tmp_path, "intel-rapl:0", "package-0", 10)
    (z / "energy_uj").chmod(0)
    avail = RaplMeter(tmp_path).probe()
    assert not avail.ok and "root only" in avail.reason and "chmod" in (avail.fix or "")


def test_permission_denied_is_explained_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mk(tmp_path, "intel-rapl:0", "package-0", 10)
    real = Path.read_text

    def deny(self: Path, *a: object, **k: object) -> str:
        if self.name == "energy_uj":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_text", deny)
    meter = RaplMeter(tmp_path)
    avail = meter.probe()
    assert not avail.ok and "root only" in avail.reason
    assert "EMPREINTE_POWERCAP_ROOT" in (avail.fix or "")
    with pytest.raises(MeterUnavailable):
        meter.read()


def test_missing_root(tmp_path: Path) -> None:
    avail = RaplMeter(tmp_path / "nope").probe()
    assert not avail.ok and "does not exist" in avail.reason


def test_root_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPREINTE_POWERCAP_ROOT", str(tmp_path))
    assert powercap_root() == tmp_path
    monkeypatch.delenv("EMPREINTE_POWERCAP_ROOT")
    assert powercap_root() == Path("/sys/class/powercap")


def mk(
    root: Path,
    dirname: str,
    name: str,
    energy_uj: int = 0,
    max_range_uj: int | None = 262_143_328_850,
) -> Path:
    return Path(make_powercap_zone(root, dirname, name, energy_uj, max_range_uj))
