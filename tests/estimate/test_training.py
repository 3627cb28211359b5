"""Training estimates: golden values, layers, ranges, report."""

from __future__ import annotations

import pytest

from empreinte.errors import EstimateError
from empreinte.estimate import LAYERS, estimate_training, training_flops


def test_six_n_d():
    assert training_flops(7e9, 2e12).value == pytest.approx(8.4e22)


def test_hours_from_flops_by_hand():
    # 1e21 FLOP / (989e12 FLOP/s x 0.5) / 3600 = 561.68 H100-hours; x 700 W = 393.2 kWh
    e = estimate_training(
        hardware="H100 SXM5 80GB",
        flops=1e21,
        mfu=0.5,
        power_w=700,
        pue=1.2,
        host_ratio=0.25,
        idle_ratio=0.1,
        location="FRA",
    )
    assert e.accelerator_hours.value == pytest.approx(1e21 / (989e12 * 0.5) / 3600)
    acc = e.accelerator_hours.value * 0.7
    assert e.layers.accelerators.value == pytest.approx(acc)
    assert e.layers.host.value == pytest.approx(acc * 0.25)
    assert e.layers.idle.value == pytest.approx(acc * 1.25 * 0.1)
    assert e.layers.full.value == pytest.approx(acc * 1.25 * 1.1 * 1.2)


def test_defaults_give_a_range_that_contains_the_central_value():
    e = estimate_training(hardware="nvidia-a100-sxm4-80gb", model="llama-2-7b", tokens=2e12)
    for r in (e.accelerator_hours, e.layers.full, e.power_w):
        assert r.low < r.value < r.high
    assert "training_mfu" not in e.sources  # sources are ids of citations
    assert "meta-llama-model-cards" in e.sources


def test_more_tokens_more_energy():
    a = estimate_training(hardware="nvidia-h100-sxm", params_total=7e9, tokens=1e12)
    b = estimate_training(hardware="nvidia-h100-sxm", params_total=7e9, tokens=2e12)
    assert b.layers.full.value == pytest.approx(2 * a.layers.full.value)


def test_report_is_tier_m4_with_every_layer():
    e = estimate_training(
        hardware="nvidia-h100-sxm",
        accelerator_hours=1000,
        location="FRA",
        pue=1.2,
        server="hgx-8gpu",
        count=8,
    )
    r = e.to_report(name="t")
    assert r.m_tier == "M4" and r.lifecycle_stage == "training"
    assert set(r.energy.layers) == set(LAYERS)
    assert r.measurement.boundary == list(LAYERS)
    assert r.energy.gpu_kwh.value == pytest.approx(e.layers.accelerators.value)
    assert r.impacts.gwp_kgco2e.embodied is not None
    assert any(w.code == "estimate" for w in r.warnings)
    assert r.measurement.duration_s == pytest.approx(1000 / 8 * 3600)


def test_missing_inputs_and_missing_power_are_errors():
    with pytest.raises(EstimateError):
        estimate_training(hardware="nvidia-h100-sxm")
    with pytest.raises(EstimateError, match="power"):
        estimate_training(hardware="google-tpu-v3", accelerator_hours=10)
