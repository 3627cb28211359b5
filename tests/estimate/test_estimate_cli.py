"""``empreinte estimate ...`` end to end: JSON output, tables, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

EXE = [sys.executable, "-m", "empreinte.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def test_training_json_and_report(tmp_path):
    out_file = tmp_path / "r.json"
    out = run(
        "estimate",
        "training",
        "--hardware",
        "nvidia-a100-sxm4-80gb",
        "--accelerator-hours",
        "184320",
        "--power-w",
        "400",
        "--pue",
        "1",
        "--host-ratio",
        "0",
        "--idle-ratio",
        "0",
        "--location",
        "FRA",
        "--json",
        "--out",
        str(out_file),
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["energy_kwh"]["full"]["value"] == 184320 * 0.4
    assert data["report"]["measurement"]["method"] == "proxy_model"
    from empreinte.report import load_report

    assert load_report(out_file).energy.layers["accelerators"].value == 184320 * 0.4


def test_inference_table_and_json():
    out = run("estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300")
    assert out.returncode == 0, out.stderr
    assert "per request: full (Wh)" in out.stdout
    out = run(
        "estimate",
        "inference",
        "--params-active",
        "100e9",
        "--output-tokens",
        "500",
        "--method",
        "flops",
        "--mfu",
        "0.1",
        "--power-w",
        "1275",
        "--load",
        "0.7",
        "--pue",
        "1.2",
        "--host-ratio",
        "0",
        "--idle-ratio",
        "0",
        "--json",
    )
    data = json.loads(out.stdout)
    assert abs(data["per_request_wh"]["full"]["value"] - 0.30) < 0.01


def test_log_and_lifecycle(tmp_path):
    log = tmp_path / "l.jsonl"
    log.write_text(
        '{"model": "qwen3-8b", "output_tokens": 100, "timestamp": 1767225600}\n'
        '{"model": "gpt-4o-mini", "output_tokens": 300, "timestamp": 1767312000}\n'
    )
    rows = tmp_path / "rows.csv"
    out = run("estimate", "log", str(log), "--location", "FRA", "--rows-out", str(rows), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["rows"] == 2 and {d["day"] for d in data["totals"]["day"]} == {
        "2026-01-01",
        "2026-01-02",
    }
    assert rows.exists()
    sc = tmp_path / "s.json"
    sc.write_text(
        json.dumps(
            {
                "name": "s",
                "model": "qwen3-8b",
                "location": "FRA",
                "inference": {"requests_per_day": 100, "output_tokens": 100, "days": 10},
            }
        )
    )
    out = run("estimate", "lifecycle", str(sc), "--html", str(tmp_path / "c.html"))
    assert out.returncode == 0, out.stderr
    assert "inference (tCO2e)" in out.stdout and (tmp_path / "c.png").exists()


def test_bad_range_is_a_one_line_error():
    out = run("estimate", "training", "--hardware", "h100", "--flops", "1e21", "--mfu", "a:b")
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error:") and len(out.stderr.strip().splitlines()) == 1


def test_training_table_uses_the_units_rule():
    """Issue 9: the table printed 6.669e+05 kgCO2e where 667 t was meant."""
    out = run(
        "estimate", "training", "--hardware", "nvidia-a100-sxm4-80gb",
        "--accelerator-hours", "1720320", "--power-w", "400", "--pue", "1",
        "--host-ratio", "0", "--idle-ratio", "0", "--location", "USA",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "tCO2e" in out.stdout
    assert "e+0" not in out.stdout and "e-0" not in out.stdout
