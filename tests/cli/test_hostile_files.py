"""Hostile files on the command line (issue 10, finding 11): one ``error:`` line, never a
traceback; bounded reads; killed jobs recorded as such; bad log rows and timestamps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from empreinte.cli import main
from empreinte.report.validate import MAX_FILE_BYTES

EMPREINTE = str(Path(sys.executable).parent / "empreinte")
MODEL = "meta-llama/Llama-3.1-8B-Instruct"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _hostile_files(tmp: Path) -> dict[str, Path]:
    files = {
        "not-utf8": b"\xff\xfe{\x00}",
        "deep-arrays": b"[" * 200_000 + b"]" * 200_000,
        "deep-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "infinity": b'{"energy": Infinity}',
        "nan": b"NaN",
        "empty": b"",
        "binary": bytes(range(256)) * 10,
    }
    out = {}
    for name, data in files.items():
        p = tmp / f"{name}.json"
        p.write_bytes(data)
        out[name] = p
    big = tmp / "big.json"
    with big.open("wb") as f:  # sparse: larger than the cap without using the disk
        f.truncate(MAX_FILE_BYTES + 10)
    out["big"] = big
    return out


def test_report_validate_and_export_refuse_hostile_files_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, path in _hostile_files(tmp_path).items():
        code, out, err = cli(capsys, "report", "validate", str(path))
        assert code == 1, (name, out, err)
        assert "Traceback" not in out + err
        assert out.strip().splitlines()[0].startswith(f"{path}: "), (name, out)
        for args in (["export", str(path), "--format", "csv"], ["show", str(path)]):
            code, out, err = cli(capsys, "report", *args)
            lines = err.strip().splitlines()
            assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (name, err)
            assert str(path) in lines[0] and out == ""
    code, out, _ = cli(capsys, "report", "validate", str(tmp_path / "big.json"))
    assert "larger than 64 MiB" in out


def test_report_validate_device_is_read_with_a_cap(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    proc = subprocess.run(
        [EMPREINTE, "report", "validate", "/dev/zero"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1 and "larger than 64 MiB" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_run_killed_by_a_signal_is_recorded_and_not_complete(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("EMPREINTE_LOCATION", "RANK")}
    env["EMPREINTE_POWERCAP_ROOT"] = str(tmp_path / "none")
    for script, rc, sig, status in (
        ("kill -9 $$", 137, "SIGKILL", "incomplete"),
        ("kill -TERM $$", 143, "SIGTERM", "incomplete"),
        ("exit 3", 3, None, "complete"),
        ("true", 0, None, "complete"),
    ):
        out = tmp_path / f"r{rc}.json"
        proc = subprocess.run(
            [EMPREINTE, "run", "--out", str(out), "--", "sh", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == rc, proc.stderr
        r = json.loads(out.read_text())
        assert r["status"] == status, (script, r["status"])
        assert r["measurement"]["exit_code"] == rc
        assert r["measurement"].get("signal") == sig
        if sig:
            assert "incomplete" in {w["code"] for w in r["warnings"]}


def test_estimate_log_skip_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "model,output_tokens,timestamp\n"
        f"{MODEL},100,2025-01-01T00:00:00Z\n"
        f"{MODEL},200\n"
        f"{MODEL},300,2025-01-02\n"
        f"{MODEL},5,2025-01-02,extra\n",
        "utf-8",
    )
    code, _, err = cli(capsys, "estimate", "log", str(log), "--json")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "--skip-bad-rows" in lines[0]
    code, out, err = cli(capsys, "estimate", "log", str(log), "--skip-bad-rows", "--json")
    assert code == 0, err
    assert "skipped 2 bad rows (lines 3, 5)" in err
    assert json.loads(out)["rows"] == 2


def test_estimate_log_warns_on_absurd_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(f"model,output_tokens\n{MODEL},100\n{MODEL},1e23\n", "utf-8")
    code, out, err = cli(capsys, "estimate", "log", str(log), "--json")
    assert code == 0, err
    warnings = {w["code"]: w["message"] for w in json.loads(out)["report"]["warnings"]}
    assert "tokens-implausible" in warnings and "1e+23" in warnings["tokens-implausible"]


@pytest.mark.parametrize("stamp", ["yesterday", "2025-13-45", "01/02/2025"])
def test_estimate_log_unparseable_timestamp_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stamp: str
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        f"model,output_tokens,timestamp\n{MODEL},100,2025-01-01\n{MODEL},100,{stamp}\n", "utf-8"
    )
    code, _, err = cli(capsys, "estimate", "log", str(log))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "timestamp" in lines[0] and stamp[:10] in lines[0]


def test_a_killed_job_cannot_claim_to_be_complete() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "observatory"))
    from obs_samples import sample_report

    from empreinte.errors import ReportError
    from empreinte.report.validate import validate_report

    m = {"method": "hw_counter", "exit_code": 137, "signal": "SIGKILL"}
    with pytest.raises(ReportError, match="SIGKILL is not complete"):
        validate_report(sample_report(measurement=m))
    assert validate_report(sample_report(measurement=m, status="incomplete")).status == "incomplete"
