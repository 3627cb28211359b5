"""E-waste (``ewaste_kg``) and the end of life by component: golden cases computed by hand.

Defaults (``factors/data/lifecycle.json``): lifetime 5 [3, 6] years, utilisation 0.85
[0.5, 1]; accelerator mass 2 [1, 4] kg (no vendor publishes one: a stated assumption);
collection rate 0.223 [0, 0.428] (Global E-waste Monitor 2024); end-of-life share of the whole
life cycle s = 0.01 [0, 0.01] (Dell PAIA). DGX H100 host without GPUs: 130.45 kg (datasheet)
minus 8 accelerators = 114.45 [98.45, 122.45] kg.
"""

from __future__ import annotations

import pytest

from empreinte.impacts import HardwareShare, compute_impacts
from empreinte.report.build import make_report

H = 5 * 8760 * 0.85  # 37,230 h: central lifetime × utilisation
H_LONG = 6 * 8760 * 1.0  # 52,560 h: the share's low bound divides by this
H_SHORT = 3 * 8760 * 0.5  # 13,140 h: the share's high bound divides by this


def _training(**kw: object) -> object:
    """1,000 H100-hours on DGX H100 hosts (8 slots: 125 server-hours), 10 kWh in France."""
    return compute_impacts(
        10.0,
        location="FRA",
        hardware=[
            HardwareShare.accelerator("nvidia-h100-sxm", 1, 1000.0),
            HardwareShare.server("dgx-h100", 1, 125.0),
        ],
        **kw,  # type: ignore[arg-type]
    )


def test_ewaste_is_the_mass_allocated_like_embodied_impacts() -> None:
    """By hand:

    accelerators  2 kg × 1000 h / 37,230 h   = 0.053720 kg
                  low  1 kg × 1000 / 52,560  = 0.019026 kg
                  high 4 kg × 1000 / 13,140  = 0.304414 kg
    host          114.45 kg × 125 / 37,230   = 0.384267 kg
                  low  98.45 × 125 / 52,560  = 0.234137 kg
                  high 122.45 × 125 / 13,140 = 1.164860 kg
    total         0.437987 [0.253163, 1.469274] kg
    collected (formal, 22.3 %): accelerators 0.053720 × 0.223 = 0.011980 kg
    """
    res = _training()
    ew = res.criteria["ewaste_kg"]
    assert ew.usage is None and ew.embodied is None  # a mass leaving use: end of life only
    by = ew.end_of_life_by_component
    assert by is not None
    acc, host = by["accelerators"], by["host"]
    assert acc.value == pytest.approx(0.053720, rel=1e-4)
    assert acc.low == pytest.approx(0.019026, rel=1e-4)
    assert acc.high == pytest.approx(0.304414, rel=1e-4)
    assert host.value == pytest.approx(0.384267, rel=1e-5)
    assert host.low == pytest.approx(0.234137, rel=1e-5)
    assert host.high == pytest.approx(1.164860, rel=1e-5)
    total = ew.total
    assert total is not None
    assert total.value == pytest.approx(0.437987, rel=1e-5)
    assert (total.low, total.high) == pytest.approx((0.253163, 1.469274), rel=1e-5)
    steps = {(s["name"], s.get("hardware")): s for s in res.explain()}
    collected = steps[("ewaste_collected_kg", "nvidia-h100-sxm")]
    assert collected["value"] == pytest.approx(0.053720 * 0.223, rel=1e-4)
    assert collected["low"] == 0.0  # Africa: below 1 % formally collected
    assert "unitar-gem-2024" in collected["sources"]
    mass = steps[("equipment_mass_kg", "dgx-h100")]
    assert "nvidia-dgx-system-weight" in mass["sources"]
    assert "empreinte-mass-assumption" in steps[("equipment_mass_kg", "nvidia-h100-sxm")]["sources"]


def test_end_of_life_is_a_share_of_the_whole_split_by_mass() -> None:
    """A stated grid factor 0.1 kgCO2e/kWh and PUE 1, so usage = 10 kWh × 0.1 = 1 kgCO2e.

    embodied: 8 H100 × 273 kgCO2e × 10 h / 37,230 h = 0.586624; DGX H100 host 5,700 × 10 /
    37,230 = 1.531023; sum 2.117647 kgCO2e.
    end of life (whole life cycle, s = 1 %): (1 + 2.117647) × 0.01 / 0.99 = 0.031491 kgCO2e,
    low 0 (s low = 0).
    mass: 8 × 2 = 16 kg and 114.45 kg -> shares 16 / 130.45 = 0.122652 and 0.877348:
    accelerators 0.031491 × 0.122652 = 0.0038625, host 0.031491 × 0.877348 = 0.027629.
    """
    res = compute_impacts(
        10.0,
        location="FRA",
        pue=1.0,
        grid_gwp=0.1,
        hardware=[
            HardwareShare.accelerator("nvidia-h100-sxm", 8, 10.0),
            HardwareShare.server("dgx-h100", 1, 10.0),
        ],
    )
    gwp = res.criteria["gwp_kgco2e"]
    assert gwp.usage is not None and gwp.usage.value == pytest.approx(1.0)
    assert gwp.embodied is not None and gwp.embodied.value == pytest.approx(2.117647, rel=1e-6)
    assert gwp.end_of_life is not None
    assert gwp.end_of_life.value == pytest.approx(0.031491, rel=1e-4)
    assert gwp.end_of_life.low == 0.0
    by = gwp.end_of_life_by_component
    assert by is not None
    assert by["accelerators"].value == pytest.approx(0.0038625, rel=1e-4)
    assert by["host"].value == pytest.approx(0.027629, rel=1e-4)
    assert by["accelerators"].value + by["host"].value == pytest.approx(gwp.end_of_life.value)
    # ADPe and PE are split by the same mass shares
    for crit in ("adpe_kgsbe", "pe_mj"):
        c = res.criteria[crit]
        assert c.end_of_life is not None and c.end_of_life_by_component is not None
        part = c.end_of_life_by_component["accelerators"].value / c.end_of_life.value
        assert part == pytest.approx(16 / 130.45, rel=1e-6)
    assert res.criteria["water_l"].end_of_life is None  # not assessed, never 0


def test_hardware_without_mass_is_not_assessed_with_a_warning() -> None:
    res = compute_impacts(1.0, location="FRA", hardware=[HardwareShare.accelerator("M2", 1, 1.0)])
    assert "ewaste_kg" not in res.criteria
    assert "ewaste-not-assessed" in {w.code for w in res.warnings}
    res = compute_impacts(1.0, location="FRA")  # no hardware: nothing allocated
    assert "ewaste_kg" not in res.criteria


def test_report_carries_ewaste_and_per_unit() -> None:
    """The report's ``impacts.ewaste_kg`` and ``per_unit`` (÷ 1,000 requests)."""
    rep = make_report(
        stage="inference",
        method="proxy_model",
        total_kwh=10.0,
        location="FRA",
        embodied=[
            HardwareShare.accelerator("nvidia-h100-sxm", 1, 1000.0),
            HardwareShare.server("dgx-h100", 1, 125.0),
        ],
        functional_unit=("request", 1000),
    )
    ew = rep.impacts.ewaste_kg
    assert ew is not None and ew.usage is None and ew.embodied is None
    assert ew.end_of_life == ew.total
    assert ew.total.value == pytest.approx(0.437987, rel=1e-5)
    assert ew.end_of_life_by_component is not None
    assert set(ew.end_of_life_by_component) == {"accelerators", "host"}
    assert rep.per_unit is not None
    pu = rep.per_unit.impacts.ewaste_kg
    assert pu is not None and pu.total.value == pytest.approx(0.437987e-3, rel=1e-5)
    assert pu.end_of_life_by_component is not None
    assert pu.end_of_life_by_component["host"].value == pytest.approx(0.384267e-3, rel=1e-5)
    again = type(rep).model_validate_json(rep.to_json())
    assert again.impacts.ewaste_kg == ew
