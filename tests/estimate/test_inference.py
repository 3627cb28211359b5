"""Inference estimates: the fitted model against its data, the FLOP method, ranges, report."""

from __future__ import annotations

import numpy as np
import pytest

from empreinte.errors import EstimateError
from empreinte.estimate import estimate_inference
from empreinte.estimate.assumptions import read_estimate_data
from empreinte.estimate.fit import read_ml_energy
from empreinte.estimate.pertoken import gpu_count


def test_fitted_model_tracks_ml_energy_llama_8b_on_h100():
    """In-sample check against the measured configurations of Llama 3.1 8B on one H100."""
    d = read_ml_energy(read_estimate_data("ml-energy-v3-llm.csv"))
    sel = (d["model_id"] == "meta-llama/Llama-3.1-8B-Instruct") & (d["gpu_model"] == "H100")
    ratios = []
    for b, length, e_tok in zip(
        d["avg_batch_size"][sel],
        d["avg_output_len"][sel],
        d["energy_per_token_joules"][sel],
        strict=True,
    ):
        est = estimate_inference(
            model="llama-3.1-8b",
            output_tokens=float(length),
            batch=float(b),
            gpus=1,
            pue=1.0,
            host_ratio=0,
            idle_ratio=0,
        )
        ratios.append(est.per_request.accelerators.value * 3.6e6 / length / e_tok)
    assert 0.75 < float(np.median(ratios)) < 1.33


def test_bigger_model_more_energy_and_ranges_hold_the_value():
    small = estimate_inference(model="llama-3.1-8b", output_tokens=300, pue=1.2)
    big = estimate_inference(model="meta-llama/Llama-3.1-70B-Instruct", output_tokens=300, pue=1.2)
    assert big.per_request.accelerators.value > 3 * small.per_request.accelerators.value
    for layer in small.per_request.as_dict().values():
        assert layer.low <= layer.value <= layer.high


def test_undisclosed_model_gets_a_wider_range_and_a_warning():
    open_ = estimate_inference(params_total=100e9, params_active=100e9, output_tokens=500)
    closed = estimate_inference(model="gpt-4o", output_tokens=500)
    w = lambda e: e.per_request.accelerators.high / e.per_request.accelerators.low  # noqa: E731
    assert w(closed) > w(open_)
    assert any(x.code == "parameters-undisclosed" for x in closed.warnings)


def test_flop_method_by_hand_with_prefill():
    e = estimate_inference(
        params_active=10e9,
        params_total=10e9,
        input_tokens=1000,
        output_tokens=100,
        method="flops",
        mfu=0.1,
        power_w=700,
        load=0.5,
        pue=1.0,
        host_ratio=0,
        idle_ratio=0,
    )
    # prefill at the training MFU default (0.4 central), decode at 0.1
    decode = 2 * 10e9 * 100 / (989e12 * 0.1) * 700 * 0.5
    prefill = 2 * 10e9 * 1000 / (989e12 * 0.4) * 700 * 0.5
    assert e.per_request.full.value * 3.6e6 == pytest.approx(decode + prefill)


def test_gpu_count_rule():
    assert gpu_count(8e9, "bfloat16", 80) == 1
    assert gpu_count(70e9, "bfloat16", 80) == 4  # 1.2 x 140 GB / 80 = 2.1 -> 3 -> 4
    assert gpu_count(405e9, "fp8", 80) == 8


def test_report_per_request_and_counters():
    e = estimate_inference(model="qwen3-8b", output_tokens=200, requests=1000, location="FRA")
    r = e.to_report()
    assert r.functional_unit.count == 1000
    assert r.per_unit.energy_kwh.value == pytest.approx(r.energy.total_kwh.value / 1000)
    assert r.counters["output_tokens"] == 200_000
    assert r.m_tier == "M4"
    assert r.impacts.gwp_kgco2e.embodied is not None


def test_errors():
    with pytest.raises(EstimateError):
        estimate_inference(model="llama-3.1-8b", output_tokens=0)
    with pytest.raises(EstimateError, match="FLOP"):
        estimate_inference(model="llama-3.1-8b", output_tokens=10, hardware="nvidia-a100-sxm4-80gb")
    with pytest.raises(EstimateError):
        estimate_inference(output_tokens=10)
