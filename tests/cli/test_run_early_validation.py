"""``empreinte run`` resolves and checks every setting before the command starts (real
subprocesses): a bad location, stage or PUE is a one-line error with exit code 2, and the
measured command never runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EMPREINTE = str(Path(sys.executable).parent / "empreinte")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EMPREINTE_") and k not in ("RANK", "XDG_CONFIG_HOME")
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")  # no user config file
    env.update(extra)
    return env


def _run(
    tmp_path: Path, args: list[str], **env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "ran"
    proc = subprocess.run(
        [
            EMPREINTE,
            "run",
            "--out",
            str(tmp_path / "r.json"),
            *args,
            "--",
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'w').close()",
        ],
        capture_output=True,
        text=True,
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        timeout=60,
    )
    return proc, marker


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["--location", "FRX"], {}, ["--location", "FRX", "FRA"]),
        (["--location", "cloud:aws:nowhere-1"], {}, ["--location", "nowhere-1"]),
        ([], {"EMPREINTE_LOCATION": "FRX"}, ["EMPREINTE_LOCATION", "FRX"]),
        (["--stage", "bogus"], {}, ["--stage", "bogus", "fine_tuning"]),
        (["--pue", "0.8"], {}, ["--pue", "0.8", ">= 1"]),
        (["--pue", "nan"], {}, ["--pue", "nan"]),
        ([], {"EMPREINTE_PUE": "0.5"}, ["EMPREINTE_PUE", "0.5"]),
        (["--submit"], {}, ["no observatory", "EMPREINTE_SERVER"]),
        (["--submit"], {"EMPREINTE_SERVER": "http://127.0.0.1:9"}, ["no token"]),
    ],
)
def test_bad_setting_stops_before_the_command_starts(
    tmp_path: Path, args: list[str], env: dict[str, str], names: list[str]
) -> None:
    proc, marker = _run(tmp_path, args, **env)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for n in names:
        assert n in lines[0], lines[0]
    assert not marker.exists(), "the command ran although a setting was bad"
    assert not (tmp_path / "r.json").exists()


def test_cloud_provider_is_normalised_in_the_report(tmp_path: Path) -> None:
    import json

    proc, marker = _run(tmp_path, ["--location", "cloud:Google:europe-west1"])
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
    loc = json.loads((tmp_path / "r.json").read_text())["location"]
    assert loc["cloud_provider"] == "gcp" and loc["cloud_region"] == "europe-west1"
    assert loc["zone"] == "BEL"
