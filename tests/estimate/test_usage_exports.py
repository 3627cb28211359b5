"""``empreinte estimate log`` on providers' usage exports: real CLI subprocesses, recorded files.

The files under ``data/usage_exports/`` are written from the providers' documented response
formats (``data/usage_exports/README.md`` cites each page). Totals below are computed by hand
from those files; energies are compared through identities of the per-token model
(``E = profile × g(L)``, ``g(L) = L × clip(L, L_min, L_max)^c_L``) that hold whatever the fitted
profile, and through the equivalent per-request log.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from empreinte.errors import ConfigError, EstimateError
from empreinte.estimate.logs import aggregate_scale, typical_output_length
from empreinte.estimate.pertoken import data_domain, fitted_model, length_scale
from empreinte.factors.models import get_model
from empreinte.genai.exports import detect_export, read_export

DATA = Path(__file__).parent / "data" / "usage_exports"
OPENAI = DATA / "openai_usage_completions.json"
ANTHROPIC = DATA / "anthropic_usage_report_messages.json"
OPENROUTER = DATA / "openrouter_activity.json"
EXE = [sys.executable, "-m", "empreinte.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=300)


def run_json(*args: str) -> dict[str, Any]:
    out = run("estimate", "log", *args, "--json")
    assert out.returncode == 0, out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def by(data: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in data["totals"][key]}


def codes(data: dict[str, Any]) -> set[str]:
    return {w["code"] for w in data["report"]["warnings"]}


def rows_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_openai_usage_api_golden(tmp_path: Path) -> None:
    """OpenAI Usage API, two daily buckets grouped by model (hand-computed from the file):

    - requests 4 + 10 + 2 + 3 = 19: gpt-4o-mini 4 + 2 = 6, gpt-4o 10, o3-mini 3;
      2024-11-01 (start_time 1730419200) 4 + 10 = 14, 2024-11-02 2 + 3 = 5;
    - input tokens (cached included) 12000 + 30000 + 6000 + 1000 = 49000, cached 4000 + 2000 =
      6000, output 2000 + 9000 + 1000 + 3000 = 15000; no reasoning count in this API;
    - gpt-4o-mini's two buckets have the same mean, 2000 / 4 = 1000 / 2 = 500 tokens: the first
      is twice the second (value and low, equal lengths), and its high (all output in one
      request) is ``g(2000) / g(1000) = 2^(1 + c_L)`` times the second's;
    - o3-mini is not in the catalog: OpenAI's bracket, never zero.
    """
    rows_out = tmp_path / "rows.csv"
    data = run_json(str(OPENAI), "--rows-out", str(rows_out))
    assert data["format"] == "openai-usage"
    assert data["rows"] == 4 and data["requests"] == 19 and data["unestimated"] == 0
    t = data["tokens"]["total"]
    assert (t["requests"], t["input_tokens"], t["cached_input_tokens"], t["output_tokens"]) == (
        19,
        49000,
        6000,
        15000,
    )
    assert t["reasoning_tokens"] is None  # not reported: never zero
    models = by(data, "model")
    assert {m: r["requests"] for m, r in models.items()} == {
        "openai/gpt-4o-mini": 6,
        "openai/gpt-4o": 10,
        "o3-mini": 3,
    }
    assert models["o3-mini"]["energy_kwh"]["value"] > 0
    assert {d: r["requests"] for d, r in by(data, "day").items()} == {
        "2024-11-01": 14,
        "2024-11-02": 5,
    }
    assert data["report"]["functional_unit"] == {"type": "inference", "count": 19}
    assert data["report"]["location"]["zone"] == "USA"
    assert data["report"]["datacenter"]["preset"] == "azure"  # OpenAI's preset: PUE and WUE
    assert {"usage-aggregated", "model-bracketed", "provider-site-assumed"} <= codes(data)
    rows = rows_csv(rows_out)
    mini = [r for r in rows if r["model"] == "openai/gpt-4o-mini"]
    assert [(r["day"], float(r["requests"])) for r in mini] == [
        ("2024-11-01", 4.0),
        ("2024-11-02", 2.0),
    ]
    first, second = mini
    for col in ("energy_wh", "energy_wh_low"):
        assert float(first[col]) / float(second[col]) == pytest.approx(2.0, rel=1e-5)
    c = fitted_model().output_len_exponent
    ratio = float(first["energy_wh_high"]) / float(second["energy_wh_high"])
    # decode's high bound (all of a bucket's tokens in one request) scales as 2^(1 + c), the
    # prefill of the bucket's input tokens linearly: the sum lies between
    assert 2.0 < ratio < 2 ** (1 + c)


def test_anthropic_usage_report_golden() -> None:
    """Anthropic's messages usage report (hand-computed from the file):

    - input = uncached + cache writes (1h and 5m) + cache reads: 2025-08-01 sonnet-4
      1500 + 1000 + 500 + 200 = 3200, haiku 4000 + 0 + 0 + 0 = 4000; 2025-08-02 sonnet-4
      2500 + 0 + 0 + 800 = 3300; in all 10500; cached (reads) 200 + 800 = 1000;
    - output 500 + 1200 + 1500 = 3200; the report has no request count (``None``), so the
      functional unit is the output token (3200);
    - with no count, a row of T tokens is T / L_task requests of L_task tokens (L_task: the
      task's median), capped at one request of T: sonnet-4's 500 tokens are one request,
      ``g(500)``, its 1500 are ``1500 × h(L_task)``: a ratio of ``3 × (L_task / 500)^c_L``.
    """
    data = run_json(str(ANTHROPIC))
    assert data["format"] == "anthropic-usage"
    assert data["requests"] is None
    t = data["tokens"]["total"]
    assert (t["input_tokens"], t["cached_input_tokens"], t["output_tokens"]) == (10500, 1000, 3200)
    sonnet = data["tokens"]["by_model"]["anthropic/claude-sonnet-4"]
    assert (sonnet["input_tokens"], sonnet["output_tokens"]) == (6500, 2000)
    assert data["report"]["functional_unit"] == {"type": "output-token", "count": 3200}
    assert {"requests-unknown", "provider-site-assumed"} <= codes(data)
    assert "usage-aggregated" not in codes(data)
    days = by(data, "day")
    assert days["2025-08-01"]["rows_without_request_count"] == 2
    assert all(r["energy_kwh"]["value"] > 0 for r in days.values())

    c = fitted_model().output_len_exponent
    task = typical_output_length("lm-arena-chat")
    _, value, _, _ = aggregate_scale(
        np.array([500.0, 1500.0]), np.array([np.nan, np.nan]), "lm-arena-chat", []
    )
    assert value[0] == pytest.approx(float(length_scale(np.array(500.0))))
    assert value[1] / value[0] == pytest.approx(3 * (task / 500) ** c)


def test_openrouter_activity_golden() -> None:
    """OpenRouter's activity API (hand-computed from the file): requests 5 + 8 + 2 = 15,
    prompt tokens 500 + 2400 + 4000 = 6900, completion 1250 + 2400 + 1400 = 5050, reasoning
    0 + 0 + 300 = 300. Each row is placed at its provider's preset: OpenAI and Anthropic in the
    USA, DeepInfra (no preset) on the world-average grid: two zones."""
    data = run_json(str(OPENROUTER))
    assert data["format"] == "openrouter-activity"
    assert data["requests"] == 15
    t = data["tokens"]["total"]
    assert (t["input_tokens"], t["output_tokens"], t["reasoning_tokens"]) == (6900, 5050, 300)
    assert {p: r["requests"] for p, r in by(data, "provider").items()} == {
        "openai": 5,
        "deepinfra": 8,
        "anthropic": 2,
    }
    assert {z: r["requests"] for z, r in by(data, "zone").items()} == {"USA": 7, "WOR": 8}
    assert {"multi-zone", "usage-aggregated", "provider-site-assumed"} <= codes(data)
    assert set(by(data, "model")) == {
        "openai/gpt-4o-mini",
        "meta-llama/Llama-3.1-8B-Instruct",
        "anthropic/claude-sonnet-4",
    }


def test_table_output_names_the_export() -> None:
    out = run("estimate", "log", str(ANTHROPIC))
    assert out.returncode == 0, out.stderr
    assert "requests not reported" in " ".join(out.stdout.split())
    assert "requests-unknown" in out.stdout
    out = run("estimate", "log", str(OPENAI))
    assert out.returncode == 0, out.stderr
    assert "(openai-usage): 19 requests in 4 rows" in " ".join(out.stdout.split())
    assert "usage-aggregated" in out.stdout


MONTH_MODELS = ("gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "llama-3.1-70b")


def _month(tmp_path: Path, *, varied: bool) -> tuple[Path, Path]:
    """30 days × 3 models of OpenAI Usage API buckets (two pages, JSONL), and the equivalent
    per-request log: each bucket's requests at its mean output length (``varied``: lengths
    spread around the mean, same totals)."""
    rng = np.random.default_rng(7)
    start = 1764547200  # 2025-12-01T00:00:00Z
    pages: list[dict[str, Any]] = [
        {"object": "page", "data": [], "has_more": True},
        {"object": "page", "data": [], "has_more": False},
    ]
    log_rows = []
    for day in range(30):
        bucket: dict[str, Any] = {
            "object": "bucket",
            "start_time": start + day * 86400,
            "end_time": start + (day + 1) * 86400,
            "results": [],
        }
        for m in MONTH_MODELS:
            n = int(rng.integers(3, 25))
            mean = int(rng.integers(250, 3000))
            lengths = np.full(n, mean)
            if varied:
                lengths = np.clip(rng.normal(mean, mean / 3, n).round(), 1, None).astype(int)
            inp = int(rng.integers(100, 5000)) * n
            bucket["results"].append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": inp,
                    "output_tokens": int(lengths.sum()),
                    "input_cached_tokens": 0,
                    "num_model_requests": n,
                    "project_id": None,
                    "user_id": None,
                    "api_key_id": None,
                    "model": m,
                    "batch": None,
                }
            )
            ts = bucket["start_time"] + 3600
            log_rows += [(ts, m, int(k), inp // n) for k in lengths]
        pages[day // 15]["data"].append(bucket)
    export = tmp_path / "usage.jsonl"
    export.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    log = tmp_path / "requests.csv"
    with log.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "model", "output_tokens", "input_tokens"])
        w.writerows(log_rows)
    return export, log


def test_a_month_of_usage_equals_the_per_request_log(tmp_path: Path) -> None:
    """A month of API use (30 daily buckets × 3 models, 2 pages) gives the totals of the same
    requests logged one by one at their bucket's mean length: energy and GWP values equal per
    model and per day, request counts equal; the export's range contains the log's (it also
    spans the unknown split within each bucket)."""
    export, log = _month(tmp_path, varied=False)
    site = ["--location", "cloud:azure:eastus"]
    agg = run_json(str(export), *site)
    one = run_json(str(log), *site)
    assert agg["format"] == "openai-usage" and one["format"] == "log"
    assert agg["requests"] == one["rows"] > 30 * 3
    assert len(agg["totals"]["day"]) == 30
    for key in ("model", "day"):
        a, b = by(agg, key), by(one, key)
        if key == "model":  # the export names models by their catalog id
            b = {get_model(k).id: v for k, v in b.items()}
        assert a.keys() == b.keys()
        for k in a:
            assert a[k]["requests"] == b[k]["requests"]
            for q in ("energy_kwh", "gwp_kgco2e"):
                assert a[k][q]["value"] == pytest.approx(b[k][q]["value"], rel=1e-9)
                assert a[k][q]["low"] == pytest.approx(b[k][q]["low"], rel=1e-9)
                assert a[k][q]["high"] >= b[k][q]["high"] * (1 - 1e-9)
    assert agg["energy_kwh"].keys() == one["energy_kwh"].keys()
    for layer, e in agg["energy_kwh"].items():
        assert e["value"] == pytest.approx(one["energy_kwh"][layer]["value"], rel=1e-9)
    assert agg["report"]["functional_unit"]["count"] == one["rows"]


def test_unknown_split_within_a_bucket_stays_inside_the_range(tmp_path: Path) -> None:
    """Requests of varied lengths in each bucket: the log estimated request by request falls
    inside the export's range for every model (the range spans any split of a bucket)."""
    export, log = _month(tmp_path, varied=True)
    agg = by(run_json(str(export), "--location", "USA"), "model")
    one = by(run_json(str(log), "--location", "USA"), "model")
    for m, r in one.items():
        e = agg[get_model(m).id]["energy_kwh"]
        assert e["low"] <= r["energy_kwh"]["value"] <= e["high"]


def test_aggregate_scale_bounds_by_hand() -> None:
    """For N requests of T tokens: value ``N g(T/N)``; high ``g(T)`` (one request); low the
    convex envelope, ``N g(T/N)`` below the tangent point ``L1 = L_max (1 + c)^(-1/c)`` and
    below ``N g(mean)`` above it; one request: value = low = high = ``g(T)``."""
    lo, hi = data_domain()["output length"]
    c = fitted_model().output_len_exponent
    out = np.array([1000.0, 600.0, 80000.0, 50.0])
    req = np.array([4.0, 1.0, 10.0, 5.0])
    warnings: list[Any] = []
    mean, value, low, high = aggregate_scale(out, req, "lm-arena-chat", warnings)
    assert mean.tolist() == [250.0, 600.0, 8000.0, 10.0]
    assert value[0] == pytest.approx(4 * 250 ** (1 + c))
    assert high[0] == pytest.approx(1000 ** (1 + c))
    assert low[0] == pytest.approx(value[0])  # 250 < L1: equal lengths are the least
    assert value[1] == low[1] == high[1] == pytest.approx(600 ** (1 + c))
    tangent = hi * (1 + c) ** (-1 / c)
    assert tangent < 8000
    assert low[2] == pytest.approx(10 * (tangent ** (1 + c) + hi**c * (8000 - tangent)))
    assert low[2] < value[2] == pytest.approx(10 * 8000 ** (1 + c))
    assert high[2] == pytest.approx(80000 * hi**c)
    assert value[3] == low[3] == pytest.approx(50 * lo**c)  # below L_min: linear
    assert [w.code for w in warnings] == ["usage-aggregated"]
    with pytest.raises(EstimateError, match="positive"):
        aggregate_scale(out, np.array([1.0, 0.0, 1.0, 1.0]), "lm-arena-chat", [])
    assert math.isfinite(typical_output_length("lm-arena-chat"))


def test_any_split_of_a_bucket_lies_within_its_range() -> None:
    """Whatever the lengths of a bucket's requests (short, long, beyond the data on either
    side, all in one), ``Σ g(L_i)`` lies in [low, high] of the bucket's (N, T), and a bucket
    without a count lies in its range too."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        scale = float(rng.choice([20.0, 300.0, 2000.0, 20000.0]))
        lengths = np.maximum(1.0, rng.lognormal(np.log(scale), float(rng.uniform(0, 2.5)), n))
        if rng.random() < 0.2:  # all but one request nearly empty
            lengths[1:] = 1.0
        total = float(lengths.sum())
        got = float(length_scale(lengths).sum())
        _, value, low, high = aggregate_scale(
            np.array([total, total]), np.array([float(n), np.nan]), "lm-arena-chat", []
        )
        for j in (0, 1):
            assert low[j] * (1 - 1e-12) <= got <= high[j] * (1 + 1e-12), (n, lengths)
            assert low[j] <= value[j] <= high[j] * (1 + 1e-12)


def test_detection_and_forced_format(tmp_path: Path) -> None:
    assert detect_export(OPENAI) == "openai-usage"
    assert detect_export(ANTHROPIC) == "anthropic-usage"
    assert detect_export(OPENROUTER) == "openrouter-activity"
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"model": "gpt-4o", "output_tokens": 10}) + "\n")
    assert detect_export(log) is None
    # forced: the Anthropic reader on OpenAI's file names the field it misses
    out = run("estimate", "log", str(OPENAI), "--format", "anthropic-usage")
    assert out.returncode != 0
    assert str(OPENAI) in out.stderr and "page 1, bucket 1" in out.stderr
    assert "starting_at" in out.stderr
    out = run("estimate", "log", str(OPENAI), "--format", "nope")
    assert out.returncode != 0 and "--format" in out.stderr


def _write(tmp_path: Path, name: str, doc: Any) -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


def _openai_page(**result: Any) -> dict[str, Any]:
    res = {
        "object": "organization.usage.completions.result",
        "input_tokens": 10,
        "output_tokens": 10,
        "input_cached_tokens": 0,
        "num_model_requests": 1,
        "model": "gpt-4o",
    } | result
    bucket = {"object": "bucket", "start_time": 1730419200, "results": [res]}
    return {"object": "page", "data": [bucket]}


@pytest.mark.parametrize(
    ("doc", "fmt", "words"),
    [
        (
            _openai_page(output_tokens="12"),
            "openai-usage",
            ["page 1, bucket 1, result 1", "'output_tokens'", "'12'"],
        ),
        (_openai_page(model=None), "openai-usage", ["result 1", "'model'", "group_by=model"]),
        (_openai_page(num_model_requests=-1), "openai-usage", ["'num_model_requests'"]),
        (
            _openai_page(num_model_requests=0),
            "openai-usage",
            ["result 1", "'num_model_requests' is 0 but input_tokens is 10"],
        ),
        (
            _openai_page(input_cached_tokens=11),
            "openai-usage",
            ["input_cached_tokens (11) exceed input_tokens (10)"],
        ),
        (
            json.dumps(_openai_page()) + "\n{not json\n",
            "openai-usage",
            ["line 2: not JSON"],
        ),
        (
            {"data": [{"starting_at": "2025-08-01T00:00:00Z", "results": [{"model": "m"}]}]},
            "anthropic-usage",
            ["page 1, bucket 1, result 1", "'uncached_input_tokens' missing"],
        ),
        (
            {"data": [{"starting_at": "yesterday", "results": []}]},
            "anthropic-usage",
            ["bucket 1", "'starting_at'", "RFC 3339"],
        ),
        (
            {"data": [{"date": "2025-08-24", "model": "x", "requests": 1}]},
            "openrouter-activity",
            ["page 1, item 1", "'prompt_tokens' missing"],
        ),
        ({"object": "page"}, "openai-usage", ["page 1", "'data' missing"]),
        ({"data": []}, "openrouter-activity", ["has no usage rows"]),
    ],
)
def test_bad_files_name_the_file_page_and_field(
    tmp_path: Path, doc: Any, fmt: str, words: list[str]
) -> None:
    p = _write(tmp_path, "export.json", doc)
    with pytest.raises(ConfigError) as info:
        read_export(p, fmt)
    msg = str(info.value)
    assert msg.startswith(f"{p}: ")
    for w in words:
        assert w in msg, msg


def test_empty_rows_are_left_out_and_dates_are_utc(tmp_path: Path) -> None:
    """A bucket row of no request and no token ran nothing: left out, not a zero row. A
    ``YYYY-MM-DD`` date is a UTC day whatever the machine's time zone."""
    page = _openai_page()
    empty = page["data"][0]["results"][0] | {
        "num_model_requests": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "input_cached_tokens": 0,
    }
    page["data"][0]["results"].append(empty)
    exp = read_export(_write(tmp_path, "u.json", page), "openai-usage")
    assert exp.rows == 1 and exp.requests.tolist() == [1.0]
    item = {
        "date": "2025-08-24",
        "model": "openai/gpt-4o",
        "provider_name": "OpenAI",
        "requests": 1,
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "reasoning_tokens": 0,
    }
    p = _write(tmp_path, "or.json", {"data": [item]})
    code = "from empreinte.genai.exports import read_export as r; import sys; "
    code += "print(r(sys.argv[1]).data['timestamp'][0])"
    env = {**os.environ, "TZ": "Pacific/Kiritimati"}  # UTC+14
    out = subprocess.run(
        [sys.executable, "-c", code, str(p)], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.strip() == "2025-08-24", out.stderr


def test_bad_file_through_the_cli(tmp_path: Path) -> None:
    p = _write(tmp_path, "usage.json", _openai_page(output_tokens=-3))
    out = run("estimate", "log", str(p))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {p}: page 1, bucket 1, result 1: field 'output_tokens'")
    assert line.count(str(p)) == 1
    out = run("estimate", "log", str(OPENAI), "--fleet", "8")
    assert out.returncode != 0 and "usage export" in out.stderr
