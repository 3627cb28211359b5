"""``empreinte report validate`` previews, offline, the verification the observatory would set
at submission (M tier, A tier, flags), through a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from empreinte.report.build import make_report
from empreinte.report.models import HardwareItem, Report
from empreinte.report.verification import verify

EXE = [sys.executable, "-m", "empreinte.cli"]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "120"}
    return subprocess.run(
        [*EXE, *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def _measured(gpu_kwh: float, duration_s: float) -> Report:
    """One H100 (700 W TDP in the catalog) read by its hardware counter for ``duration_s``."""
    return make_report(
        stage="inference",
        method="hw_counter",
        energy_kwh={"gpu": gpu_kwh},
        location="FRA",
        hardware=[HardwareItem(kind="gpu", name="NVIDIA H100 SXM", count=1)],
        measurement={
            "duration_s": duration_s,
            "meters": [{"name": "nvml", "component": "gpu", "method": "hw_counter"}],
        },
    )


def test_validate_previews_tiers_and_flags(tmp_path: Path) -> None:
    sound = tmp_path / "sound.json"  # 0.5 kWh in an hour: 500 W mean, under 700 W x 1.1
    sound.write_text(_measured(0.5, 3600.0).to_json(), "utf-8")
    hot = tmp_path / "hot.json"  # 0.5 kWh in 30 s: 60 kW from one GPU, and a short window
    hot.write_text(_measured(0.5, 30.0).to_json(), "utf-8")

    r = _run("report", "validate", sound, hot)

    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == [f"{sound}: OK", "  observatory preview (offline): M2 / A1, 0 flag(s)"]
    at = lines.index(f"{hot}: OK")
    assert lines[at + 1] == "  observatory preview (offline): M2 / A0, 2 flag(s)"
    assert lines[at + 2] == (
        "  flag power-above-tdp:gpu: mean power exceeds count x TDP x 1.1 of the declared "
        "devices (keeps A0)"
    )
    assert lines[at + 3] == "  flag short-window: the measured window is shorter than 60 s"


def test_preview_is_what_the_observatory_stores(tmp_path: Path) -> None:
    """The preview runs the very function ingestion runs: same tiers, same flags."""
    report = _measured(0.5, 30.0)
    path = tmp_path / "r.json"
    path.write_text(report.to_json(), "utf-8")
    v = verify(report)
    out = _run("report", "validate", path).stdout
    assert f"{v.m_tier} / {v.a_tier}, {len(v.flags)} flag(s)" in out
    for flag in v.flags:
        assert f"  flag {flag}: " in out


def test_invalid_file_gets_no_preview(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": "empreinte.report/1"}', "utf-8")
    r = _run("report", "validate", path)
    assert r.returncode == 1
    assert "observatory preview" not in r.stdout
