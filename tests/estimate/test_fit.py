"""The per-token model: reproducible from the repository, and its published error holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from empreinte.errors import EstimateError
from empreinte.estimate.assumptions import read_estimate_data
from empreinte.estimate.fit import (
    FEATURES,
    design_matrix,
    leave_one_model_out,
    read_ml_energy,
    same_fit,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():
    return read_ml_energy(read_estimate_data("ml-energy-v3-llm.csv"))


@pytest.fixture(scope="module")
def shipped():
    return json.loads(read_estimate_data("inference_model.json"))


def test_the_shipped_coefficients_are_reproducible_from_the_repo():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_inference_model.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_data_file_is_the_ml_energy_v3_copy(data, shipped):
    assert len(data["model_id"]) == 695 == shipped["fit"]["rows"]
    assert len(set(data["model_id"].tolist())) == 28


def test_leave_one_model_out_median_error_below_25_percent(data, shipped):
    lomo = leave_one_model_out(data)
    assert lomo["models"] == 28
    assert lomo["median_abs_error_by_model"] < 0.25
    assert same_fit(lomo, shipped["leave_one_model_out"])  # to rounding: numpy may move
    for p in lomo["per_model"]:  # every model reported with its median and worst ratio
        assert p["configurations"] >= 1 and p["worst_ratio"] > 0 and p["median_ratio"] > 0


def test_design_matrix_by_hand():
    x = design_matrix(
        active_b=8,
        total_b=8,
        precision="bfloat16",
        batch=64,
        gpus=1,
        gpu="B200",
        output_len=500,
        task="gpqa",
    )
    assert x.shape == (1, len(FEATURES))
    row = dict(zip(FEATURES, x[0], strict=True))
    assert row["intercept"] == 1
    assert row["ln_active_b"] == pytest.approx(np.log(8))
    assert row["ln_bytes_per_param"] == pytest.approx(np.log(2))
    assert row["ln_batch_sq"] == pytest.approx(np.log(64) ** 2)
    assert row["b200"] == 1 and row["b200_ln_batch"] == pytest.approx(np.log(64))
    assert row["task_gpqa"] == 1 and row["task_image-chat"] == 0


def test_fitted_model_refuses_hardware_outside_the_data():
    with pytest.raises(EstimateError, match="FLOP-based"):
        design_matrix(
            active_b=8,
            total_b=8,
            precision="bfloat16",
            batch=64,
            gpus=1,
            gpu="A100",
            output_len=500,
            task="gpqa",
        )


def test_inference_load_assumption_matches_the_data(shipped):
    from empreinte.estimate.assumptions import assumption

    q = shipped["power_fraction_of_tdp"]
    a = assumption("inference_power_fraction_of_tdp")
    assert a.low == pytest.approx(q["10"], abs=0.005)
    assert a.high == pytest.approx(q["90"], abs=0.005)
    assert a.value == pytest.approx(q["50"], abs=0.005)  # Epoch AI's 0.7 is the data's median


def test_same_fit_tolerates_rounding_and_nothing_else():
    doc = {"c": [1.0, -2.5e-3], "rows": 695, "source": "ml-energy-v3"}
    assert same_fit(
        doc, {"c": [1.0 + 1e-13, -2.5e-3 * (1 + 1e-12)], "rows": 695, "source": "ml-energy-v3"}
    )
    assert not same_fit(doc, {"c": [1.0 + 1e-6, -2.5e-3], "rows": 695, "source": "ml-energy-v3"})
    assert not same_fit(doc, {"c": [1.0, -2.5e-3], "rows": 694, "source": "ml-energy-v3"})
    assert not same_fit(doc, {"c": [1.0], "rows": 695, "source": "ml-energy-v3"})
    assert not same_fit(doc, {"c": [1.0, -2.5e-3], "rows": 695, "source": "other"})


def test_moe_indicator_is_set_by_total_above_active():
    kw = {"precision": "bfloat16", "batch": 64, "gpus": 1, "gpu": "H100", "output_len": 500}
    x_dense = design_matrix(active_b=8, total_b=8, task="gpqa", **kw)[0]
    x_moe = design_matrix(active_b=3, total_b=30, task="gpqa", **kw)[0]
    dense = dict(zip(FEATURES, x_dense, strict=True))
    moe = dict(zip(FEATURES, x_moe, strict=True))
    assert dense["moe"] == 0 and dense["ln_sparsity_ln_batch"] == 0
    assert moe["moe"] == 1 and moe["ln_sparsity_ln_batch"] == pytest.approx(np.log(10) * np.log(64))


def test_held_out_models_within_x1_5_at_the_median(shipped):
    # issue 12: 25 of 28 held-out models within x1.5 (21 before the MoE term); the three
    # outside are explained in methodology.md (an FP8 kernel anomaly, a task run by one
    # family only, a hybrid architecture the inputs cannot name)
    per = shipped["leave_one_model_out"]["per_model"]
    outside = sorted(p["model_id"] for p in per if not 1 / 1.5 <= p["median_ratio"] <= 1.5)
    assert outside == [
        "Qwen/Qwen3-Coder-30B-A3B-Instruct",
        "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8",
        "nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16",
    ]
    assert shipped["leave_one_model_out"]["median_abs_error_by_model"] <= 0.185


def test_methodology_error_table_is_the_shipped_one(shipped):
    # the "now" column of methodology.md's before/after table equals the shipped fit
    text = (ROOT / "docs" / "methodology.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [c.strip().strip("*") for c in line.strip("|").split("|")]
        if len(cells) == 6 and "/" in cells[0]:
            rows[cells[0]] = float(cells[3])
    per = shipped["leave_one_model_out"]["per_model"]
    assert len(rows) == len(per) == 28
    for p in per:
        assert rows[p["model_id"]] == pytest.approx(p["median_ratio"], abs=0.005)
