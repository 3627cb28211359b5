"""Golden lookups of the hardware catalog (accelerators, CPUs, servers)."""

from __future__ import annotations

import pytest

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors.hardware import (
    HardwareRepository,
    find_cpu,
    get_accelerator,
    get_server,
    list_accelerators,
    list_servers,
)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", "nvidia-h100-sxm"),
        ("NVIDIA A100-SXM4-80GB", "nvidia-a100-sxm4-80gb"),
        ("Tesla V100-SXM2-16GB", "nvidia-v100-sxm2-16gb"),
        ("nvidia-h100-pcie", "nvidia-h100-pcie"),
        ("  nvidia   l4 ", "nvidia-l4"),
        ("AMD Instinct MI300X", "amd-mi300x"),
        ("Tesla T4", "nvidia-t4"),
        ("TPU v5p", "google-tpu-v5p"),
        ("Apple M2 Ultra", "apple-m2-ultra"),
    ],
)
def test_alias_resolution(label: str, expected: str) -> None:
    assert get_accelerator(label).id == expected


def test_h100_embodied_range_spans_sources() -> None:
    # NVIDIA PCF 164, Hubblo 273, Boavizta bottom-up 575 kgCO2e (methodology.md)
    gwp = get_accelerator("nvidia-h100-sxm").embodied
    assert gwp is not None
    r = gwp.gwp_kgco2e.range
    assert (r.low, r.value, r.high) == (164, 273, 575)
    assert gwp.gwp_kgco2e.unit == "kgCO2e"


def test_a100_range_contains_bloom_figure() -> None:
    emb = get_accelerator("A100 SXM4 80GB").embodied
    assert emb is not None
    assert emb.gwp_kgco2e.range.low <= 150 <= emb.gwp_kgco2e.range.high  # BLOOM's LCA


def test_h100_specs() -> None:
    h100 = get_accelerator("H100 SXM")
    assert h100.tdp_w is not None and h100.tdp_w.value == 700
    assert h100.peak_flops_bf16 is not None and h100.peak_flops_bf16.value == 989e12
    assert h100.memory_gb.value == 80


def test_catalog_size_and_units() -> None:
    accs = list_accelerators()
    assert len(accs) >= 30
    for a in accs:
        assert a.memory_gb.unit == "GB"
        if a.tdp_w is not None:
            assert a.tdp_w.unit == "W"
        if a.peak_flops_bf16 is not None:
            assert a.peak_flops_bf16.unit == "FLOP/s"
        if a.embodied is not None:
            assert a.embodied.gwp_kgco2e.range.low > 0


def test_unknown_accelerator_suggests() -> None:
    with pytest.raises(UnknownKeyError) as exc:
        get_accelerator("H10")
    assert exc.value.kind == "accelerator"
    assert "nvidia-h100-sxm" in exc.value.suggestions


@pytest.mark.parametrize(
    ("brand", "name", "tdp"),
    [
        ("AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763", 280.0),
        ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "Intel Xeon Platinum 8380", 270.0),
        ("11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "Intel Core i7-1185G7", 28.0),
        ("Intel(R) Xeon(R) CPU E5-2698 v4 @ 2.20GHz", "Intel Xeon E5-2698 v4", 135.0),
    ],
)
def test_find_cpu(brand: str, name: str, tdp: float) -> None:
    cpu = find_cpu(brand)
    assert cpu is not None
    assert (cpu.name, cpu.tdp_w.value) == (name, tdp)
    assert cpu.tdp_w.sources == ["codecarbon-cpu-power"]


@pytest.mark.parametrize("brand", ["Apple M1 Max", "Some Future CPU 9999", "", "QEMU Virtual CPU"])
def test_find_cpu_never_guesses(brand: str) -> None:
    assert find_cpu(brand) is None


def test_cpu_raises_with_suggestions() -> None:
    with pytest.raises(UnknownKeyError):
        HardwareRepository().cpu("AMD EPYC 7764X")


def test_server_tdp_spread_is_sourced() -> None:
    spread = HardwareRepository().cpu_tdp_spread()
    assert spread.low is not None and spread.high is not None
    assert spread.low < spread.value < spread.high
    assert spread.sources == ["codecarbon-cpu-power"]


def test_servers() -> None:
    ids = {s.id for s in list_servers()}
    assert {"hgx-8gpu", "cpu-node", "dgx-a100"} <= ids
    hgx = get_server("hgx-8gpu")
    r = hgx.embodied.gwp_kgco2e.range
    # BLOOM's Apollo 6500 (low); Boavizta's p5.48xlarge without its GPUs (boaviztapi 15878f0):
    # 5652 [3072, 12198] kgCO2e, ADPe 0.3656 [0.2633, 0.5911] kgSbeq, PE 71466 [39070, 152890] MJ
    assert (r.low, r.value, r.high) == (2500, 5700, 12200)
    adpe = hgx.embodied.adpe_kgsbe.range
    assert (adpe.low, adpe.value, adpe.high) == (0.2633, 0.3656, 0.5911)
    pe = hgx.embodied.pe_mj.range
    assert (pe.low, pe.value, pe.high) == (39070, 71470, 152900)
    # p4d.24xlarge without its GPUs: ADPe 0.2432 [0.1772, 0.3635] kgSbeq, PE 37954 [20976, 74319] MJ
    a100 = get_server("dgx-a100").embodied
    assert (a100.adpe_kgsbe.value, a100.pe_mj.value) == (0.2432, 37950)
    assert (a100.gwp_kgco2e.range.low, a100.gwp_kgco2e.range.high) == (1630, 5880)
    assert (hgx.lifetime_years.range.low, hgx.lifetime_years.range.high) == (3, 6)
    with pytest.raises(UnknownKeyError):
        get_server("hgx-8gpus")


SV = {"value": 1.0, "unit": "W", "sources": ["x"]}
EMB = {
    "gwp_kgco2e": {**SV, "unit": "kgCO2e"},
    "adpe_kgsbe": {**SV, "unit": "kgSbeq"},
    "pe_mj": {**SV, "unit": "MJ"},
}


def test_injectable_loaders() -> None:
    acc = {"id": "toy", "vendor": "T", "name": "Toy", "kind": "gpu", "aliases": ["Toy GPU"]}
    repo = HardwareRepository(
        accelerators=lambda: {"accelerators": [{**acc, "memory_gb": {**SV, "unit": "GB"}}]},
        servers=lambda: {
            "servers": [
                {
                    "id": "s",
                    "name": "S",
                    "sources": ["x"],
                    "embodied": EMB,
                    "lifetime_years": SV,
                    "utilisation": SV,
                }
            ]
        },
        cpus=lambda: "Name,TDP\nToy CPU 1000,42\nToy CPU 2000,bad\n",
    )
    assert repo.accelerator("toy gpu").id == "toy"
    assert repo.server("s").embodied.pe_mj.value == 1.0
    cpu = repo.find_cpu("Toy(R) CPU 1000 @ 1GHz")
    assert cpu is not None and cpu.tdp_w.value == 42
    assert repo.find_cpu("Toy CPU 2000") is None  # unparseable upstream row is skipped


def test_bad_data_is_a_data_error() -> None:
    repo = HardwareRepository(accelerators=lambda: {"accelerators": [{"id": "x"}]})
    with pytest.raises(DataError):
        repo.accelerators()
    dup = {"id": "a", "vendor": "v", "name": "A", "kind": "gpu", "memory_gb": SV}
    repo = HardwareRepository(
        accelerators=lambda: {"accelerators": [{**dup, "aliases": ["b"]}, {**dup, "id": "b"}]}
    )
    with pytest.raises(DataError):
        repo.accelerator("a")
