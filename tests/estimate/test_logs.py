"""Request logs: formats agree, rows match the single-request estimator, totals add up."""

from __future__ import annotations

import json

import numpy as np
import pytest

from empreinte.estimate import estimate_inference, estimate_log, read_log

ROWS = [
    {
        "model": "llama-3.1-8b",
        "input_tokens": 100,
        "output_tokens": 200,
        "timestamp": "2026-01-01T10:00:00",
        "zone": "FRA",
        "provider": "meta",
    },
    {
        "model": "qwen3-8b",
        "input_tokens": 50,
        "output_tokens": 400,
        "timestamp": "2026-01-01T11:00:00",
        "zone": "USA",
        "provider": "alibaba",
    },
    {
        "model": "gpt-4o",
        "input_tokens": 10,
        "output_tokens": 100,
        "timestamp": "2026-01-02T09:00:00",
        "zone": "FRA",
        "provider": "openai",
    },
    {
        "model": "no-such-model",
        "input_tokens": 10,
        "output_tokens": 100,
        "timestamp": "2026-01-02T09:30:00",
        "zone": "FRA",
        "provider": "x",
    },
]


@pytest.fixture
def files(tmp_path):
    import csv

    csv_p = tmp_path / "log.csv"
    with csv_p.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS)
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in ROWS))
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    parquet = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), parquet)
    return csv_p, jsonl, parquet


def test_formats_agree_and_unknown_models_stay_unestimated(files):
    results = [estimate_log(read_log(f), pue=1.2) for f in files]
    for le in results:
        assert le.rows == 4 and le.unestimated == 1
        assert np.isnan(le.energy_kwh.value[3])  # never zero
        assert any(w.code == "rows-unestimated" for w in le.warnings)
        np.testing.assert_allclose(le.energy_kwh.value[:3], results[0].energy_kwh.value[:3])


def test_rows_match_the_single_request_estimator(files):
    le = estimate_log(read_log(files[0]), pue=1.2)
    for i, row in enumerate(ROWS[:3]):
        one = estimate_inference(
            model=row["model"],
            output_tokens=row["output_tokens"],
            input_tokens=row.get("input_tokens", 0),
            pue=1.2,
        )
        assert le.energy_kwh.value[i] == pytest.approx(one.per_request.full.value)
        assert le.energy_kwh.high[i] == pytest.approx(one.per_request.full.high)


def test_totals_by_group_add_up_and_report_validates(files, tmp_path):
    le = estimate_log(read_log(files[1]), pue=1.2)
    total = le.total(le.energy_kwh).value
    for key in ("model", "day", "provider"):
        groups = le.totals_by(key)
        known = [g for g in groups if g["energy_kwh"] is not None]
        assert sum(g["energy_kwh"]["value"] for g in known) == pytest.approx(total)
        # a group whose rows were all left unestimated has no total (not a zero)
        assert all(g["estimated"] == 0 for g in groups if g["energy_kwh"] is None)
        assert sum(g["estimated"] for g in groups) == le.rows - le.unestimated
    days = {g["day"]: g["requests"] for g in le.totals_by("day")}
    assert days == {"2026-01-01": 2, "2026-01-02": 2}
    r = le.to_report()
    assert r.functional_unit.count == 3
    assert r.energy.total_kwh.value * 1.2 == pytest.approx(total)
    assert any(w.code == "multi-zone" for w in r.warnings)
    gwp = le.total(le.impacts["gwp_kgco2e"]).value
    assert r.impacts.gwp_kgco2e.total.value == pytest.approx(gwp)
    out = tmp_path / "rows.csv"
    le.write_rows(out)
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and "energy_wh" in lines[0]


@pytest.mark.slow
def test_a_million_rows(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.csv as pc

    rng = np.random.default_rng(0)
    n = 1_000_000
    models = np.array(["llama-3.1-8b", "qwen3-8b", "gpt-4o", "gpt-4o-mini"])
    table = pa.table(
        {
            "model": models[rng.integers(0, 4, n)],
            "input_tokens": rng.integers(10, 2000, n),
            "output_tokens": rng.integers(1, 1500, n),
            "timestamp": (1767225600 + rng.integers(0, 86400 * 30, n)).astype("datetime64[s]"),
            "zone": np.array(["FRA", "USA", "DEU"])[rng.integers(0, 3, n)],
        }
    )
    path = tmp_path / "big.csv"
    pc.write_csv(table, path)
    le = estimate_log(read_log(path))  # speed: benchmarks/bench_estimate.py, not a timed test
    assert le.unestimated == 0 and le.rows == n
    assert sum(t["requests"] for t in le.totals_by("model")) == n
    assert len(le.totals_by("day")) == 30
    assert le.to_report().counters["requests"] == n


def test_csv_and_jsonl_without_pyarrow_give_the_same_rows(files, monkeypatch):
    with_arrow = estimate_log(read_log(files[0]), pue=1.2)
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)  # import pyarrow -> error
    for f in files[:2]:
        le = estimate_log(read_log(f), pue=1.2)
        np.testing.assert_allclose(le.energy_kwh.value[:3], with_arrow.energy_kwh.value[:3])
        assert {g["day"] for g in le.totals_by("day")} == {"2026-01-01", "2026-01-02"}


def test_input_tokens_pay_their_prefill_row_by_row(tmp_path):
    """Issue 12: a RAG request (20,000 input tokens) costs its prompt in a log as in
    ``estimate inference``; a row without a usable count keeps the task's typical prompt."""
    p = tmp_path / "rag.csv"
    p.write_text(
        "model,input_tokens,output_tokens\n"
        "llama-3.1-70b,50,300\nllama-3.1-70b,20000,300\nllama-3.1-70b,,300\n"
        "llama-3.1-70b,-5,300\n"
    )
    le = estimate_log(read_log(p), pue=1.2, location="FRA")
    for i, n_in in ((0, 50), (1, 20000), (2, 0), (3, 0)):
        one = estimate_inference(
            model="llama-3.1-70b", output_tokens=300, input_tokens=n_in, pue=1.2, location="FRA"
        )
        assert le.energy_kwh.value[i] == pytest.approx(one.per_request.full.value)
        assert le.energy_kwh.low[i] == pytest.approx(one.per_request.full.low)
        assert le.energy_kwh.high[i] == pytest.approx(one.per_request.full.high)
    assert le.energy_kwh.value[1] > 10 * le.energy_kwh.value[2]  # the prompt dominates
    msgs = {w.code: w.message for w in le.warnings}
    assert msgs["prefill-flops"].startswith("2 rows' input tokens")
    assert msgs["input-tokens-unknown"].startswith("2 rows without a usable input_tokens")


def test_absurd_token_counts_leave_their_row_empty_not_the_run(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text(
        "model,input_tokens,output_tokens\n"
        "llama-3.1-8b,10,300\nllama-3.1-8b,10,1e200\nllama-3.1-8b,1e200,300\n"
    )
    le = estimate_log(read_log(p))
    assert np.isfinite(le.energy_kwh.value[0]) and np.isnan(le.energy_kwh.value[1])
    assert le.energy_kwh.value[2] == pytest.approx(le.energy_kwh.value[0], rel=0.05)
    msgs = {w.code: w.message for w in le.warnings}
    assert "1 with output_tokens above 1e+12" in msgs["rows-unestimated"]
    assert msgs["input-tokens-unknown"].startswith("1 rows")


def test_a_result_beyond_the_report_range_is_one_line_from_the_cli(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "empreinte.cli",
            "estimate",
            "training",
            "--hardware",
            "nvidia-h100-sxm",
            "--accelerator-hours",
            "1e99",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and out.stderr.startswith("error: ")
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
