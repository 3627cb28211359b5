"""``empreinte estimate ...`` on bad input: one line ``error: ...``, non-zero exit, no traceback.

Also the table details a first-time user sees (no ``None``, warnings shown, unestimated rows
not shown as zero). Real subprocesses, as a user runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "empreinte.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    return subprocess.run(
        [*EXE, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for w in words:
        assert w in lines[0], lines[0]


TRAIN = ["estimate", "training", "--hardware", "nvidia-a100-sxm4-80gb"]
INFER = ["estimate", "inference", "--model", "gpt-4o", "--output-tokens", "500"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*TRAIN, "--accelerator-hours", "nan"], ["accelerator-hours", "finite"]),
        ([*TRAIN, "--accelerator-hours", "inf"], ["accelerator-hours", "finite"]),
        ([*TRAIN, "--flops", "-1e20"], ["flops"]),
        ([*TRAIN, "--tokens", "1e12", "--params-total", "-7e9"], ["params"]),
        ([*TRAIN, "--accelerator-hours", "100", "--power-w", "-3"], ["power"]),
        ([*TRAIN, "--accelerator-hours", "100", "--host-ratio", "-1"], ["host"]),
        ([*TRAIN, "--tokens", "1e12", "--model", "llama-2-7b", "--mfu", "2"], ["mfu"]),
        ([*TRAIN, "--accelerator-hours", "100", "--pue", "0.8"], ["pue", "0.8"]),
        ([*INFER, "--batch", "0"], ["batch"]),
        ([*INFER, "--batch", "-4"], ["batch"]),
        ([*INFER, "--method", "flops", "--mfu", "0"], ["mfu"]),
        ([*INFER, "--method", "flops", "--load", "3"], ["load"]),
        ([*INFER, "--precision", "int3"], ["precision", "int3"]),
        ([*INFER, "--requests", "inf"], ["requests"]),
        (["estimate", "inference", "--model", "gpt-4o", "--output-tokens", "inf"], ["tokens"]),
        (["estimate", "inference", "--params-total", "-7e9", "--output-tokens", "9"], ["params"]),
    ],
)
def test_bad_numbers_are_one_line_errors(args, words):
    assert_one_line_error(run(*args), *words)


def test_unwritable_out_is_one_line_error(tmp_path):
    bad = str(tmp_path / "no" / "such" / "dir" / "r.json")
    assert_one_line_error(run(*TRAIN, "--accelerator-hours", "100", "--out", bad), "r.json")
    assert_one_line_error(run(*INFER, "--out", bad), "r.json")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.csv", ""),
        ("short.csv", "model,output_tokens\ngpt-4o\n"),
        ("bad.jsonl", '{"model":"gpt-4o","output_tokens":10}\n{bad json\n'),
        ("empty.jsonl", ""),
        ("bad.parquet", "hi\n"),
        ("badnum.csv", "model,output_tokens\ngpt-4o,abc\n"),
    ],
)
def test_malformed_logs_are_one_line_errors(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    assert_one_line_error(run("estimate", "log", str(f)), name)


def test_log_rows_out_unwritable(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("model,output_tokens\ngpt-4o,10\n", encoding="utf-8")
    bad = str(tmp_path / "no" / "rows.csv")
    assert_one_line_error(run("estimate", "log", str(f), "--rows-out", bad), "rows.csv")


@pytest.mark.parametrize(
    ("name", "text"),
    [("bad.yaml", "name: a\nmodel: [unclosed\n"), ("bad.json", '{"name": "a",')],
)
def test_malformed_scenarios_are_one_line_errors(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    assert_one_line_error(run("estimate", "lifecycle", str(f)), name)


SCENARIO = """\
name: small
model: meta-llama/Llama-3.1-8B-Instruct
hardware: nvidia-h100-sxm
location: FRA
inference: {requests_per_day: 1000, input_tokens: 100, output_tokens: 100, days: 10}
"""


@pytest.mark.parametrize("opt", ["--chart", "--html"])
def test_lifecycle_unwritable_outputs(tmp_path, opt):
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIO, encoding="utf-8")
    bad = str(tmp_path / "no" / "out.file")
    assert_one_line_error(run("estimate", "lifecycle", str(f), opt, bad), "out")


def test_inference_table_has_no_none_and_shows_warnings():
    out = run(*INFER, "--method", "flops")
    assert out.returncode == 0, out.stderr
    assert "None" not in out.stdout
    assert "parameters-undisclosed" in out.stdout
    assert "all 1 requests" not in out.stdout


def test_log_unestimated_rows_are_not_shown_as_zero(tmp_path):
    f = tmp_path / "req.csv"
    f.write_text(
        "model,output_tokens,provider\ngpt-4o,300,openai\nunknown-model-x,20,foo\n",
        encoding="utf-8",
    )
    out = run("estimate", "log", str(f))
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if "unknown-model-x" in ln)
    assert "0  [0 – 0]" not in line and "not estimated" in line
    assert "rows-unestimated" in out.stdout
    data = json.loads(run("estimate", "log", str(f), "--json").stdout)
    row = next(r for r in data["totals"]["model"] if r["model"] == "unknown-model-x")
    assert row["energy_kwh"] is None and row["estimated"] == 0


def test_log_negative_tokens_are_reported_unestimated(tmp_path):
    f = tmp_path / "req.csv"
    f.write_text("model,output_tokens\ngpt-4o,300\ngpt-4o,-5\n", encoding="utf-8")
    out = run("estimate", "log", str(f), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["unestimated"] == 1
    assert any(w["code"] == "rows-unestimated" for w in data["report"]["warnings"])
