"""``empreinte slurm report`` on recorded ``sacct`` outputs (data/slurm/README.md) served by a
fake ``sacct`` first on PATH; the CLI and the epilog recipe run as real subprocesses."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from empreinte.measure.fallback import cpu_power_w
from empreinte.ranges import Range
from empreinte.slurm import FORMAT, job_report, parse_sacct, parse_tres
from empreinte.units import number

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parent / "data" / "slurm"
EPILOG = ROOT / "docs" / "integrations" / "slurm-epilog.sh"
FAKE_SACCT = """#!/bin/sh
# fake sacct: logs its arguments and prints the recorded output of the job given with -j
echo "$@" >> "$SACCT_LOG"
job=""
while [ $# -gt 0 ]; do case "$1" in -j) job="$2"; shift 2;; *) shift;; esac; done
[ -f "$SACCT_DATA/$job.txt" ] && cat "$SACCT_DATA/$job.txt"
exit 0
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sacct = bin_dir / "sacct"
    sacct.write_text(FAKE_SACCT)
    sacct.chmod(sacct.stat().st_mode | stat.S_IXUSR)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "src"),
        "HOME": str(tmp_path),
        "SACCT_DATA": str(DATA),
        "SACCT_LOG": str(tmp_path / "sacct.log"),
        "EMPREINTE_LOCATION": "FRA",
    }


def slurm(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "empreinte.cli", "slurm", "report", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def report_of(
    env: dict[str, str], tmp_path: Path, job: str, *args: str
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    out = tmp_path / f"{job}.json"
    proc = slurm(env, job, "-o", str(out), *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc


def codes(report: dict[str, Any]) -> set[str]:
    return {w["code"] for w in report["warnings"]}


def test_sacct_is_called_as_documented(env: dict[str, str], tmp_path: Path) -> None:
    report_of(env, tmp_path, "4242")
    (line,) = Path(env["SACCT_LOG"]).read_text().splitlines()
    assert line == f"-j 4242 --parsable2 --noheader --format={','.join(FORMAT)}"


def test_gpu_job_with_recorded_energy(env: dict[str, str], tmp_path: Path) -> None:
    rep, proc = report_of(env, tmp_path, "4242", "--energy-plugin", "ipmi")
    # 43.2 MJ on the allocation line (the steps are parts of it, not added)
    assert rep["energy"]["total_kwh"]["value"] == pytest.approx(12.0)
    assert rep["energy"]["total_kwh"]["low"] == rep["energy"]["total_kwh"]["high"]
    m = rep["measurement"]
    assert m["method"] == "hw_counter" and m["duration_s"] == 7200
    assert m["meters"][0]["name"] == "slurm-ipmi" and "BMC" in m["meters"][0]["note"]
    assert m["boundary"] == ["accelerators", "host"] and m["exit_code"] == 0
    assert rep["topology"]["slurm_job_id"] == "4242" and rep["topology"]["devices"] == 8
    assert rep["provenance"]["sources"][0]["id"] == "slurm-acct-gather-energy"
    assert "energy-measured-hw-counter" in {s["id"] for s in rep["provenance"]["sources"]}
    assert "estimate" not in codes(rep) and "energy-partial" not in codes(rep)
    assert "hw_counter (tier M2, measured)" in proc.stderr


def test_plugin_states_the_coverage(env: dict[str, str], tmp_path: Path) -> None:
    rapl, _ = report_of(env, tmp_path, "4242", "--energy-plugin", "rapl")
    assert "energy-partial" in codes(rapl)
    assert any("8 GPUs are not in it" in w["message"] for w in rapl["warnings"])
    gpu, _ = report_of(env, tmp_path, "4242", "--energy-plugin", "gpu")
    assert gpu["energy"]["gpu_kwh"]["value"] == pytest.approx(12.0)
    assert gpu["measurement"]["boundary"] == ["accelerators"]
    env = env | {"EMPREINTE_SLURM_ENERGY_PLUGIN": "pm_counters"}  # the setting, not the option
    pm, _ = report_of(env, tmp_path, "4242")
    assert pm["measurement"]["meters"][0]["name"] == "slurm-pm_counters"
    unknown, _ = report_of(env | {"EMPREINTE_SLURM_ENERGY_PLUGIN": "unknown"}, tmp_path, "4242")
    assert "energy-partial" in codes(unknown)
    bad = slurm(env, "4242", "--energy-plugin", "wattmeter", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown energy plugin 'wattmeter'" in bad.stderr


def test_cpu_job_without_energy_is_an_estimate(env: dict[str, str], tmp_path: Path) -> None:
    rep, proc = report_of(env, tmp_path, "5150")
    m = rep["measurement"]
    assert m["method"] == "proxy_model" and m["meters"][0]["name"] == "slurm-estimate"
    assert "not recorded" in m["meters"][0]["note"]
    assert {"estimate", "cpu-power-estimated"} <= codes(rep)
    cpu, ram = rep["energy"]["cpu_kwh"], rep["energy"]["ram_kwh"]
    assert cpu["low"] < cpu["value"] < cpu["high"] and ram["low"] < ram["value"] < ram["high"]
    # 32 logical CPUs x 5.9 [1.9-17.75] W TDP for 0.5 h on the load curves: busy, low bound
    # idle; 64 GB x 0.3725 W/GB
    tdp = Range(5.9, 1.9, 17.75) * 32
    assert cpu["value"] == pytest.approx(cpu_power_w(tdp, 1.0).value * 0.5 / 1000)
    assert cpu["low"] == pytest.approx(cpu_power_w(tdp, 0.0).low * 0.5 / 1000)
    assert cpu["high"] == pytest.approx(cpu_power_w(tdp, 1.0).high * 0.5 / 1000)
    assert ram["value"] == pytest.approx(64 * 0.3725 * 0.5 / 1000)
    assert "ESTIMATE" in proc.stderr


def test_array_job_tasks_are_summed(env: dict[str, str], tmp_path: Path) -> None:
    rep, _ = report_of(env, tmp_path, "6000", "--energy-plugin", "ipmi")
    assert rep["energy"]["total_kwh"]["value"] == pytest.approx(5_450_000 / 3.6e6)
    assert rep["measurement"]["duration_s"] == 1800 + 1745 + 1900
    assert "3 allocations summed" in rep["name"]
    allocs = parse_sacct((DATA / "6000.txt").read_text())
    assert [a.job_id for a in allocs] == ["6000_1", "6000_2", "6000_3"]
    assert allocs[0].steps == ["6000_1.batch"] and allocs[0].gpu_type == "h100"


def test_array_task_without_energy_keeps_the_measured_tasks(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Task 2 of array job 6001 has no ConsumedEnergyRaw (0): tasks 1 and 3 keep their 3.7 MJ
    measured, task 2 alone is estimated, the sum is at the weaker method (proxy_model)."""
    rep, proc = report_of(env, tmp_path, "6001", "--energy-plugin", "ipmi")
    allocs = parse_sacct((DATA / "6001.txt").read_text())
    assert [a.energy_j for a in allocs] == [1_800_000, None, 1_900_000]
    alone = job_report("6001_2", [allocs[1]], energy_plugin="ipmi", location="FRA")
    est = alone.energy.total_kwh
    measured = 3_700_000 / 3.6e6
    total = rep["energy"]["total_kwh"]
    assert total["value"] == pytest.approx(measured + est.value)
    assert total["low"] == pytest.approx(measured + est.low) and total["low"] > measured
    assert total["high"] == pytest.approx(measured + est.high)
    m = rep["measurement"]
    assert m["method"] == "proxy_model" and m["duration_s"] == 1800 + 1745 + 1900
    meters = {x["name"]: x for x in m["meters"]}
    assert meters["slurm-ipmi"]["method"] == "hw_counter"
    assert meters["slurm-estimate"]["method"] == "proxy_model"
    assert "0.4847 GPU-hours" in meters["slurm-estimate"]["note"]  # task 2's 1745 s only
    (partly,) = [w for w in rep["warnings"] if w["code"] == "energy-partly-estimated"]
    share = 100 * measured / (measured + est.value)
    assert "2 of 3 allocations" in partly["message"] and "6001_2" in partly["message"]
    assert f"measured share {number(share)} %" in partly["message"]
    assert "estimate" in codes(rep) and "ESTIMATE" in proc.stderr
    assert rep["provenance"]["sources"][0]["id"] == "slurm-acct-gather-energy"


def test_failed_and_cancelled_jobs(env: dict[str, str], tmp_path: Path) -> None:
    failed, _ = report_of(env, tmp_path, "7001", "--energy-plugin", "ipmi")
    assert failed["measurement"]["exit_code"] == 1 and failed["status"] == "complete"
    assert failed["energy"]["total_kwh"]["value"] == pytest.approx(0.8)
    assert any("ended FAILED" in w["message"] for w in failed["warnings"])
    cancelled, _ = report_of(env, tmp_path, "7002")
    m = cancelled["measurement"]
    assert m["method"] == "proxy_model" and m["signal"] == "SIGTERM" and m["exit_code"] == 143
    assert cancelled["status"] == "incomplete"
    assert any("ended CANCELLED" in w["message"] for w in cancelled["warnings"])
    gpu = cancelled["energy"]["gpu_kwh"]  # 2 x H100 for 0.75 h, from the catalog
    assert gpu["low"] < gpu["value"] < gpu["high"]
    assert cancelled["hardware"][0]["name"] == "H100 SXM5 80GB"
    other, _ = report_of(env, tmp_path, "7002", "--hardware", "a100")
    assert other["hardware"][0]["name"].startswith("A100")


def test_missing_and_pending_jobs_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    missing = slurm(env, "9999", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "error: no job 9999 in SLURM's accounting (sacct printed nothing)"
    )
    pending = slurm(env, "7003", cwd=tmp_path)
    assert pending.returncode == 2 and "has not run (PENDING)" in pending.stderr
    no_sacct = slurm(env | {"PATH": "/usr/bin:/bin"}, "4242", cwd=tmp_path)
    assert no_sacct.returncode == 2 and "sacct not found on PATH" in no_sacct.stderr
    bad_id = slurm(env, "42;rm", cwd=tmp_path)
    assert bad_id.returncode == 2 and "bad SLURM job id" in bad_id.stderr


def test_epilog_recipe_writes_one_report_per_job(env: dict[str, str], tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    epilog_env = env | {
        "EMPREINTE_SLURM_REPORTS": str(reports),
        "EMPREINTE_BIN": f"{sys.executable} -m empreinte.cli",
        "EMPREINTE_SLURM_ENERGY_PLUGIN": "ipmi",
        "EMPREINTE_EPILOG_WAIT_S": "0",
    }
    for job in ("4242", "5150", "9999"):
        proc = subprocess.run(
            ["sh", str(EPILOG)],
            env=epilog_env | {"SLURM_JOB_ID": job},
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert proc.returncode == 0  # an epilog never fails the node
    assert sorted(p.name for p in reports.glob("*.json")) == ["4242.json", "5150.json"]
    rep = json.loads((reports / "4242.json").read_text())
    assert rep["measurement"]["method"] == "hw_counter"
    assert json.loads((reports / "5150.json").read_text())["measurement"]["method"] == (
        "proxy_model"
    )
    assert "no job 9999" in (reports / "9999.log").read_text()
    assert len(Path(env["SACCT_LOG"]).read_text().splitlines()) == 2 + 3  # 9999 tried 3 times
    assert os.access(EPILOG, os.X_OK)


def test_tres_parsing() -> None:
    tres = parse_tres("billing=128,cpu=128,gres/gpu:a100=8,gres/gpu=8,mem=1000G,node=2")
    assert tres["gres/gpu"] == "8" and tres["mem"] == "1000G"
    (a,) = parse_sacct((DATA / "5150.txt").read_text())
    assert a.cpus == 32 and a.mem_gb == 64 and a.gpus == 0 and a.energy_j is None
