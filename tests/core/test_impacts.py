"""Golden tests of the impact engine, hand-computed from methodology.md and validation.md."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from empreinte.errors import ConfigError, UnknownKeyError, WarningCode
from empreinte.impacts import HardwareShare, Input, compute_batch, compute_impacts, evaluate
from empreinte.ranges import Range

FRA = {"gwp": 0.056039, "adpe": 4.858e-08, "pe": 9.3135, "water": 3.6737}  # grid.csv, FRA row
# (GWP: Ember via OWID, 2023: 56.039 gCO2e/kWh)


def approx(x: float, rel: float = 1e-9) -> object:
    return pytest.approx(x, rel=rel)


def test_usage_in_france_hand_computed() -> None:
    r = compute_impacts(100, location="FRA", pue=1.2, wue_l_per_kwh=0.5)
    c = r.criteria
    assert r.facility_energy_kwh.value == approx(120.0)
    assert c["gwp_kgco2e"].usage.value == approx(120 * FRA["gwp"])  # 6.7247 kg
    assert c["adpe_kgsbe"].usage.value == approx(120 * FRA["adpe"])
    assert c["pe_mj"].usage.value == approx(120 * FRA["pe"])
    # W = E_IT × (WUE_on + PUE × WUE_off) = 100 × (0.5 + 1.2 × 3.6737)
    assert c["water_l"].usage.value == approx(100 * (0.5 + 1.2 * FRA["water"]))
    assert c["gwp_kgco2e"].embodied is None  # not assessed, never 0
    codes = {w.code for w in r.warnings}
    assert WarningCode.EMBODIED_UNKNOWN in codes
    assert WarningCode.LOCATION_UNKNOWN not in codes


def test_bloom_dynamic_emissions_24_69_t() -> None:
    """Luccioni et al. 2023: 1,082,990 A100-hours × 400 W = 433,196 kWh × 0.057 = 24.69 t."""
    ev = evaluate(
        {
            "it_energy_kwh": Input(1_082_990 * 0.400, "kWh"),
            "pue": Input(1.0, "1"),
            "grid_gwp_kgco2e_per_kwh": Input(0.057, "kgCO2e/kWh"),
        }
    )
    assert ev.get("it_energy_kwh") == approx(433_196.0)
    assert ev.get("usage_gwp_kgco2e") / 1000 == pytest.approx(24.69, abs=0.005)


def test_bloom_embodied_11_2_t() -> None:
    """BLOOM: 2,500 kg per server w/o GPUs (8 A100 each), 150 kg per A100, 6 years at 85 %."""
    gpu_hours = 1_082_990
    gpus = HardwareShare(
        "a100", 1, gpu_hours, Range.point(150.0), None, None, ("luccioni-bloom-2023",)
    )
    servers = HardwareShare("hpe-apollo-6500", 1, gpu_hours / 8, Range.point(2500.0), None, None)
    r = compute_impacts(
        0.0,
        location="FRA",
        pue=1.0,
        wue_l_per_kwh=0.0,
        hardware=[gpus, servers],
        lifetime_years=6,
        utilisation=0.85,
    )
    by_item = {k: ev.get("embodied_gwp_kgco2e").value for k, ev in r.embodied.items()}
    assert by_item["a100"] / 1000 == pytest.approx(3.64, abs=0.005)
    assert by_item["hpe-apollo-6500"] / 1000 == pytest.approx(7.57, abs=0.01)
    assert r.criteria["gwp_kgco2e"].embodied.value / 1000 == pytest.approx(11.2, abs=0.05)
    # end of life: at most 1 % of the whole life cycle (Dell PAIA): (usage + embodied) x s/(1-s)
    eol = r.criteria["gwp_kgco2e"].end_of_life
    emb = r.criteria["gwp_kgco2e"].embodied
    use = r.criteria["gwp_kgco2e"].usage
    assert eol.low == 0.0
    assert eol.high == approx((use.high + emb.high) * 0.01 / 0.99)
    total = r.criteria["gwp_kgco2e"].total
    assert eol.high / total.high == pytest.approx(0.01, rel=1e-9)
    # ADPe not given for these items: not assessed, never 0
    assert r.criteria["adpe_kgsbe"].embodied is None


def test_catalog_hardware_carries_the_spread_across_sources() -> None:
    r = compute_impacts(
        10,
        location="FRA",
        pue=1.1,
        wue_l_per_kwh=0.0,
        hardware=[HardwareShare.accelerator("H100 SXM", 8, 10)],
    )
    emb = r.criteria["gwp_kgco2e"].embodied
    assert emb.low < emb.value < emb.high
    # NVIDIA PCF 164 .. Boavizta 575 kg per H100, compounded by lifetime 3..6 y, use 50..100 %
    assert emb.high / emb.low == approx((575 / 164) * (6 * 1.0) / (3 * 0.5))
    assert r.criteria["gwp_kgco2e"].total.value > r.criteria["gwp_kgco2e"].usage.value


def test_unknown_location_uses_world_with_a_wide_range_and_a_warning() -> None:
    r = compute_impacts(1.0, pue=1.0, wue_l_per_kwh=0.0)
    g = r.criteria["gwp_kgco2e"].usage
    assert g.value == approx(0.45829)
    assert g.low < 0.2 < 0.6 < g.high
    assert WarningCode.LOCATION_UNKNOWN in {w.code for w in r.warnings}


def test_default_pue_and_wue_are_labelled() -> None:
    r = compute_impacts(1.0, location="FRA")
    codes = {w.code for w in r.warnings}
    assert WarningCode.PUE_DEFAULT in codes
    assert r.pue.value.low < r.pue.value.value < r.pue.value.high
    assert r.facility_energy_kwh.high > r.facility_energy_kwh.low


def test_cloud_region_resolves_offline() -> None:
    r = compute_impacts(1.0, location="cloud:aws:eu-west-3")
    assert r.location.zone.zone == "FRA"
    assert r.location.datacenter is not None
    assert WarningCode.PUE_DEFAULT not in {w.code for w in r.warnings}


def test_explain_lists_every_intermediate_with_unit_and_source() -> None:
    steps = {s["name"]: s for s in compute_impacts(100, location="FRA", pue=1.2).explain()}
    for name in (
        "it_energy_kwh",
        "pue",
        "facility_energy_kwh",
        "usage_gwp_kgco2e",
        "usage_water_l",
    ):
        assert name in steps
        assert steps[name]["unit"] != "?"
    assert steps["usage_gwp_kgco2e"]["unit"] == "kgCO2e"
    assert steps["usage_gwp_kgco2e"]["inputs"] == ["facility_energy_kwh", "grid_gwp_kgco2e_per_kwh"]
    assert "ecologits-electricity-mix" in steps["grid_gwp_kgco2e_per_kwh"]["sources"]
    assert steps["facility_energy_kwh"]["sources"]


def test_errors_are_clear() -> None:
    with pytest.raises(UnknownKeyError, match="FRQ"):
        compute_impacts(1.0, location="FRQ")
    with pytest.raises(ConfigError, match="pue"):
        compute_impacts(1.0, location="FRA", pue=0.9)
    with pytest.raises(ConfigError, match="energy"):
        compute_impacts(-1.0, location="FRA")


def test_batch_equals_scalar_path() -> None:
    energy = np.array([1.0, 250.0, 3.5, 0.0])
    zones = np.array(["FRA", "usa", "DEU", "FRA"])
    pue = np.array([1.2, 1.1, 1.5, 1.0])
    out = compute_batch(energy, zones, pue, wue_l_per_kwh=0.2)
    for i in range(len(energy)):
        one = compute_impacts(energy[i], location=str(zones[i]), pue=pue[i], wue_l_per_kwh=0.2)
        for crit in ("gwp_kgco2e", "adpe_kgsbe", "pe_mj", "water_l"):
            assert out[crit].value[i] == approx(one.criteria[crit].usage.value)
            assert out[crit].high[i] == approx(one.criteria[crit].usage.high)


def test_batch_rejects_unknown_zone_by_name() -> None:
    with pytest.raises(UnknownKeyError, match="XXX"):
        compute_batch(np.array([1.0]), np.array(["XXX"]), np.array([1.0]), 0.0)


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(1.0, 3.0))
def test_more_energy_never_means_less_impact(e1: float, e2: float, pue: float) -> None:
    a = compute_impacts(min(e1, e2), location="DEU", pue=pue, wue_l_per_kwh=0.1)
    b = compute_impacts(max(e1, e2), location="DEU", pue=pue, wue_l_per_kwh=0.1)
    for crit in ("gwp_kgco2e", "water_l", "pe_mj"):
        assert a.criteria[crit].usage.value <= b.criteria[crit].usage.value + 1e-12
        assert math.isfinite(b.criteria[crit].usage.high)
