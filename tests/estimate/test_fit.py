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
