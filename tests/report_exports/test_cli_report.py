"""``empreinte report validate|show|export`` through real subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from empreinte.report.models import Report

EXE = [sys.executable, "-m", "empreinte.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "120"}
    return subprocess.run(
        [*EXE, *map(str, args)], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def good(tmp_path: Path, training_report: Report) -> Path:
    p = tmp_path / "good.json"
    p.write_text(training_report.to_json(), "utf-8")
    return p


@pytest.fixture
def bad(tmp_path: Path, training_report: Report) -> Path:
    doc = json.loads(training_report.to_json())
    doc["energy"]["total_kwh"] = {"value": 1.0, "low": 2.0, "high": 3.0}
    doc["colour"] = "green"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc), "utf-8")
    return p


def test_validate_ok(good: Path) -> None:
    r = run("report", "validate", good)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"{good}: OK"
    assert lines[1].startswith("  observatory preview (offline): M")


def test_validate_names_bad_fields(good: Path, bad: Path) -> None:
    r = run("report", "validate", good, bad)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == f"{good}: OK"
    assert f"{bad}: colour: unknown field" in lines
    assert any(
        line.startswith(f"{bad}: energy.total_kwh:") and "low <= value" in line for line in lines
    )
    assert "1 of 2 report(s) invalid" in r.stderr


def test_validate_missing_and_not_json(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", "utf-8")
    r = run("report", "validate", tmp_path / "missing.json", junk)
    assert r.returncode == 1
    assert "missing.json: (file):" in r.stdout
    assert "junk.json: (root):" in r.stdout
    assert "Traceback" not in r.stderr


def test_show_table_and_json(good: Path, training_report: Report) -> None:
    r = run("report", "show", good)
    assert r.returncode == 0, r.stderr
    # 100 kWh x 1.2 x 0.056039 kgCO2e/kWh (FRA 2023)
    assert "Global warming (GWP)" in r.stdout and "6.72 kgCO2e" in r.stdout
    assert not re.search(r"\de[+-]\d", r.stdout)  # one units rule: never 3.737e-05 kWh
    assert "embodied-unknown" in r.stdout
    r = run("report", "show", good, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["report_id"] == training_report.report_id


def test_show_invalid_is_one_line(bad: Path) -> None:
    r = run("report", "show", bad)
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
    assert "colour: unknown field" in r.stderr


def test_export_hf_to_stdout(good: Path) -> None:
    r = run("report", "export", good, "--format", "hf")
    assert r.returncode == 0, r.stderr
    meta = yaml.safe_load(r.stdout.strip().strip("-"))
    assert meta["co2_eq_emissions"]["emissions"] == 6724.68


@pytest.mark.parametrize("fmt", ["boamps", "sci", "spdx", "csv", "md", "html", "ai-act", "l1801"])
def test_export_to_file(good: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    r = run("report", "export", good, "--format", fmt, "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text("utf-8")
    assert text
    if fmt in ("boamps", "sci", "spdx"):
        json.loads(text)
    if fmt == "csv":
        (row,) = csv.DictReader(io.StringIO(text))
        assert float(row["gwp_kgco2e"]) == pytest.approx(6.72468)
    assert f"wrote {out}" in r.stderr


def test_export_errors(good: Path, tmp_path: Path) -> None:
    r = run("report", "export", good, "--format", "pdf")
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: unknown format 'pdf' "
        "(choose from: hf, boamps, sci, spdx, csv, md, html, ai-act, l1801)"
    )
    r = run("report", "export", tmp_path / "nope.json", "--format", "hf")
    assert r.returncode == 2 and r.stderr.startswith("error: cannot read")
    r = run("report", "export", good, "--format", "md", "--out", tmp_path / "no" / "x.md")
    assert r.returncode == 2 and r.stderr.startswith("error: cannot write")
    for res in (r,):
        assert "Traceback" not in res.stderr


def test_cli_format_names_match_registry() -> None:
    from empreinte.cli.report import FORMAT_NAMES
    from empreinte.report.exporters import FORMATS

    assert tuple(FORMATS) == FORMAT_NAMES
