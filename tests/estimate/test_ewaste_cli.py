"""``ewaste_kg`` through real subprocesses: ``impacts`` and every ``estimate`` command, in the
table and in the JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "empreinte.cli"]
TRAINING = [
    "estimate",
    "training",
    "--hardware",
    "nvidia-h100-sxm",
    "--accelerator-hours",
    "1000",
    "--server",
    "dgx-h100",
    "--location",
    "FRA",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def test_training_table_and_json(tmp_path: Path) -> None:
    """1,000 H100-hours, 125 DGX H100 server-hours: 53.72 g + 384.3 g = 438 g (hand
    computation in tests/core/test_ewaste.py)."""
    out = run(*TRAINING)
    assert out.returncode == 0, out.stderr
    assert "E-waste (end of life)" in out.stdout and "438 g" in out.stdout
    assert "of which accelerators" in out.stdout and "53.72 g" in out.stdout
    assert "of which host" in out.stdout and "384.3 g" in out.stdout
    report_file = tmp_path / "r.json"
    out = run(*TRAINING, "--json", "--out", str(report_file))
    assert out.returncode == 0, out.stderr
    ew = json.loads(out.stdout)["report"]["impacts"]["ewaste_kg"]
    assert ew["total"]["value"] == pytest.approx(0.437987, rel=1e-5)
    assert "usage" not in ew and "embodied" not in ew  # null: not applicable to a mass
    assert set(ew["end_of_life_by_component"]) == {"accelerators", "host"}
    exported = run("report", "export", str(report_file), "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    assert "ewaste_kg" in exported.stdout.splitlines()[0]


def test_inference_table_and_json() -> None:
    args = ["estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "500"]
    args += ["--requests", "1000", "--server", "dgx-h100", "--location", "FRA"]
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert "E-waste (end of life)" in out.stdout and "of which host" in out.stdout
    out = run(*args, "--json")
    assert out.returncode == 0, out.stderr
    rep = json.loads(out.stdout)["report"]
    ew = rep["impacts"]["ewaste_kg"]
    assert ew["total"]["value"] > 0 and ew["total"]["low"] <= ew["total"]["value"]
    per = rep["per_unit"]["impacts"]["ewaste_kg"]["total"]["value"]
    assert per == pytest.approx(ew["total"]["value"] / 1000, rel=1e-9)


def test_lifecycle_table_and_json(tmp_path: Path) -> None:
    sc = tmp_path / "s.json"
    sc.write_text(
        json.dumps(
            {
                "name": "s",
                "model": "qwen3-8b",
                "location": "FRA",
                "server": "dgx-h100",
                "inference": {"requests_per_day": 100, "output_tokens": 100, "days": 10},
            }
        )
    )
    out = run("estimate", "lifecycle", str(sc))
    assert out.returncode == 0, out.stderr
    assert "total e-waste (kg)" in out.stdout and "per response e-waste (mg)" in out.stdout
    out = run("estimate", "lifecycle", str(sc), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    scen = data["scenarios"][0]
    assert scen["per_response_full"]["ewaste_kg"]["value"] > 0
    assert all("ewaste_kg" in s["criteria"] for s in scen["stages"])
    row = data["table"][0]
    assert row["per_response_ewaste_mg"] == pytest.approx(
        scen["per_response_full"]["ewaste_kg"]["value"] * 1e6
    )


def test_impacts_table_and_json() -> None:
    """8 H100 for 10 h with one DGX H100 host: 16 kg × 10 / 37,230 = 4.298 g and
    114.45 kg × 10 / 37,230 = 30.74 g."""
    args = ["impacts", "--energy-kwh", "10", "--location", "FRA", "--hardware", "H100 SXM5 80GB"]
    args += ["--count", "8", "--hours", "10", "--server", "dgx-h100"]
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert "ewaste_kg" in out.stdout and "accelerators 4.298 g" in out.stdout
    assert "host 30.74 g" in out.stdout
    out = run(*args, "--json")
    ew = json.loads(out.stdout)["impacts"]["ewaste_kg"]
    assert ew["usage"] is None and ew["embodied"] is None
    assert ew["end_of_life_by_component"]["accelerators"]["value"] == pytest.approx(
        16 * 10 / 37230, rel=1e-9
    )
