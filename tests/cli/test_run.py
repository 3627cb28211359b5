"""``empreinte run`` and ``empreinte doctor`` as real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from empreinte.testing import advance_powercap, make_powercap_zone

EMPREINTE = str(Path(sys.executable).parent / "empreinte")
CPU_W, DRAM_W = 40.0, 6.0


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EMPREINTE_LOCATION", "RANK")}
    env.update(extra)
    return env


@pytest.fixture
def powercap(tmp_path: Path) -> tuple[Path, list[str]]:
    root = tmp_path / "powercap"
    pkg = make_powercap_zone(root, "intel-rapl:0", "package-0", 5_000_000_000)
    make_powercap_zone(root, "intel-rapl:0:0", "core", 0)
    dram = make_powercap_zone(root, "intel-rapl:0:2", "dram", 0)
    return root, [pkg, dram]


def test_run_sleep_matches_counter_advance(
    tmp_path: Path, powercap: tuple[Path, list[str]]
) -> None:
    root, (pkg, dram) = powercap
    adv = advance_powercap({pkg: CPU_W, dram: DRAM_W})
    try:
        time.sleep(0.2)
        out = tmp_path / "r.json"
        proc = subprocess.run(
            [
                EMPREINTE,
                "run",
                "--stage",
                "inference",
                "--location",
                "FRA",
                "--out",
                str(out),
                "--",
                "sleep",
                "3",
            ],
            env=_env(EMPREINTE_POWERCAP_ROOT=str(root)),
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        adv.kill()
        adv.wait()
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())
    assert r["status"] == "complete" and r["measurement"]["method"] == "hw_counter"
    duration = r["measurement"]["duration_s"]
    assert 2.9 < duration < 4.0
    cpu_j = r["energy"]["cpu_kwh"]["value"] * 3.6e6
    assert cpu_j == pytest.approx(CPU_W * duration, rel=0.02)
    assert r["energy"]["ram_kwh"]["value"] * 3.6e6 == pytest.approx(DRAM_W * duration, rel=0.02)
    assert r["location"]["zone"] == "FRA" and r["lifecycle_stage"] == "inference"
    assert "hw_counter" in proc.stderr and str(out) in proc.stderr


def test_run_returns_the_command_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [EMPREINTE, "run", "--out", str(out), "--", "sh", "-c", "exit 3"],
        env=_env(EMPREINTE_POWERCAP_ROOT=str(tmp_path / "none")),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 3
    r = json.loads(out.read_text())
    assert r["measurement"]["method"] == "software_model"
    codes = {w["code"] for w in r["warnings"]}
    assert {"cpu-power-estimated", "ram-power-estimated", "location-unknown"} <= codes
    assert r["energy"]["cpu_kwh"]["low"] > 0


def test_kill_9_leaves_an_incomplete_checkpoint(
    tmp_path: Path, powercap: tuple[Path, list[str]]
) -> None:
    import psutil

    root, (pkg, dram) = powercap
    adv = advance_powercap({pkg: CPU_W, dram: DRAM_W})
    out = tmp_path / "r.json"
    run = subprocess.Popen(
        [
            EMPREINTE,
            "run",
            "--interval",
            "0.1",
            "--checkpoint",
            "0.5",
            "--out",
            str(out),
            "--",
            "sleep",
            "60",
        ],
        env=_env(EMPREINTE_POWERCAP_ROOT=str(root)),
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if out.exists() and json.loads(out.read_text())["measurement"]["duration_s"] > 1.0:
                break
            time.sleep(0.1)
        children = psutil.Process(run.pid).children(recursive=True)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        for c in children:
            c.kill()
    finally:
        adv.kill()
        adv.wait()
    r = json.loads(out.read_text())
    assert r["status"] == "incomplete"
    duration = r["measurement"]["duration_s"]
    assert r["energy"]["cpu_kwh"]["value"] * 3.6e6 == pytest.approx(CPU_W * duration, rel=0.05)
    assert "incomplete" in {w["code"] for w in r["warnings"]}


def test_process_attribution_keeps_machine_energy(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    busy = "import time\nt=time.time()\nwhile time.time()-t<0.5: pass"
    proc = subprocess.run(
        [
            EMPREINTE,
            "run",
            "--attribution",
            "process",
            "--out",
            str(out),
            "--",
            sys.executable,
            "-c",
            busy,
        ],
        env=_env(EMPREINTE_POWERCAP_ROOT=str(tmp_path / "none")),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())
    m = r["measurement"]
    assert m["attribution"] == "process" and 0 < m["process_share"] <= 1
    assert r["energy"]["machine_total_kwh"]["value"] >= r["energy"]["total_kwh"]["value"]
    assert "process-attribution" in {w["code"] for w in r["warnings"]}


def test_missing_command_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [EMPREINTE, "run", "--out", str(tmp_path / "r.json"), "--", "no-such-command-xyz"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode != 0
    assert (
        proc.stderr.strip().splitlines()[-1].startswith("error: cannot run 'no-such-command-xyz'")
    )


def test_doctor_json_lists_every_meter_with_reasons(tmp_path: Path) -> None:
    proc = subprocess.run(
        [EMPREINTE, "doctor", "--json"],
        env=_env(EMPREINTE_POWERCAP_ROOT=str(tmp_path / "none")),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["meter"]: r for r in json.loads(proc.stdout)}
    assert {"rapl", "nvml", "amd", "estimate"} <= set(rows)
    assert not rows["rapl"]["ok"] and rows["rapl"]["fix"]
    assert rows["estimate"]["ok"]


def test_run_unwritable_out_fails_before_running_the_command(tmp_path: Path) -> None:
    """A report path that cannot be written is refused up front, not after the job ran."""
    marker = tmp_path / "ran"
    bad = tmp_path / "no" / "such" / "dir" / "r.json"
    out = subprocess.run(
        [
            EMPREINTE,
            "run",
            "--out",
            str(bad),
            "--",
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'w').close()",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "r.json" in lines[0]
    assert not marker.exists()


@pytest.mark.parametrize("args", [["--pue", "0.5"], ["--pue", "inf"], ["--attribution", "nope"]])
def test_run_bad_options_are_one_line_errors(args: list[str]) -> None:
    out = subprocess.run(
        [EMPREINTE, "run", *args, "--", "true"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert args[0].lstrip("-") in lines[0], lines[0]


def test_run_summary_keeps_brackets(tmp_path: Path) -> None:
    """rich markup must not eat '[low–high]' in the header nor '[...]' in the command name."""
    out = subprocess.run(
        [EMPREINTE, "run", "--out", str(tmp_path / "r.json"), "--", "echo", "[x]"],
        capture_output=True,
        text=True,
        env={**_env(), "COLUMNS": "160"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "[x]\n"  # the summary goes to stderr: CMD's output stays clean
    assert "value [low–high]" in out.stderr
    assert "echo [x]" in out.stderr


def test_run_file_name_carries_the_report_id(tmp_path: Path) -> None:
    """Issue 9: the file was empreinte-<uuid>.json with another uuid inside."""
    proc = subprocess.run(
        [EMPREINTE, "run", "--", "sh", "-c", "exit 0"],
        env=_env(EMPREINTE_POWERCAP_ROOT=str(tmp_path / "none")),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = tmp_path.glob("empreinte-*.json")
    report_id = json.loads(path.read_text())["report_id"]
    assert path.name == f"empreinte-{report_id}.json"
