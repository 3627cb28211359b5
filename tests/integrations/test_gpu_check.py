"""scripts/gpu_check.py: fails soft without an NVIDIA GPU; its power integration is exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check.py"


def test_without_a_gpu_it_says_why_and_exits_2(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path), "OUT": str(tmp_path / "out")}  # no nvidia-smi
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    summary = json.loads(proc.stdout)
    assert summary["status"] == "no-gpu" and "nvidia-smi not found" in summary["reason"]
    assert proc.stderr.strip() == f"gpu_check: skipped: {summary['reason']}"
    assert json.loads((tmp_path / "out" / "gpu_check.json").read_text()) == summary


def test_power_samples_are_integrated_over_the_interval() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ramp = [(i / 10, 100.0 + i) for i in range(101)]  # 100 W rising 10 W/s, every 0.1 s
    joules, n = module.integrate_power(ramp, 1.05, 5.05)
    # exact for a linear ramp: mean power at the midpoint (3.05 s -> 130.5 W) over 4 s
    assert joules == pytest.approx(130.5 * 4.0)
    assert n == 40
    with pytest.raises(RuntimeError, match="too few"):
        module.integrate_power(ramp[:1], 0.0, 1.0)


FAKE_SMI = '''#!{python}
"""nvidia-smi for tests: one GPU drawing 200 W."""
import sys, time
from datetime import datetime
args = " ".join(sys.argv[1:])
if "-lms" in args:
    while True:
        print(datetime.now().strftime("%Y/%m/%d %H:%M:%S.%f")[:-3] + ", 200.00", flush=True)
        time.sleep(0.1)
elif "total_energy_consumption" in args:
    print(int(time.time() * 200_000))  # mJ
elif "power.draw" in args:
    print("200.00")
else:
    print("Fake GPU, 0.0")
'''


def test_smoke_run_against_a_fake_nvidia_smi(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir()
    smi.write_text(FAKE_SMI.format(python=sys.executable))
    smi.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{smi.parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(SCRIPT.parents[1] / "src"),
    }
    args = ["--smoke", "--seconds", "1", "--baseline-steps", "8"]
    args += ["--layers", "1", "--seq", "16", "--batch", "2"]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out", str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "c.json").read_text())
    assert summary["status"] == "smoke" and summary["device"] == "Fake GPU"
    energy = summary["energy_j"]
    # all three see 200 W: the counter brackets the run by an nvidia-smi call on each side
    assert energy["empreinte_nvml"] == pytest.approx(200 * summary["measured_s"], rel=1e-3)
    assert summary["relative_difference"]["empreinte_vs_smi_power"] == pytest.approx(0, abs=0.02)
    # the counter's bracket holds the run and the two nvidia-smi starts around it: never less
    # than the run (how much more depends on the machine's load, so no lower bound on it here)
    assert summary["relative_difference"]["empreinte_vs_smi_counter"] <= 0.0
    assert (
        200 * summary["measured_s"]
        <= energy["nvidia_smi_counter"]
        < 200 * (summary["measured_s"] + 60)
    )
    assert [w["name"] for w in summary["windows"]] == ["epoch-1", "epoch-2"]
    assert summary["tokens"] > 0 and summary["energy_kwh_per_token"] > 0
    assert summary["overhead"]["callback_us_per_step"] > 0
    assert summary["overhead"]["sampler_threads"] == 1
    assert summary["report"]["status"] == "complete"
