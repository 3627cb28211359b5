"""Benchmark: the request-log estimator against EcoLogits, per request.

Usage (EcoLogits only in the benchmark's own environment, never a project dependency)::

    python -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install -e '.[server]' ecologits
    /tmp/bench-venv/bin/python benchmarks/bench_estimate.py [--rows 1000000] [--sample 2000]

Writes a log of N requests (model, input/output tokens, timestamp, zone, provider) to a
temporary CSV, then times ``empreinte estimate log``'s path (read, per-row energy with bounds,
usage impacts per row, totals by model/day/provider, report), and EcoLogits'
``compute_llm_impacts`` per request on a sample; prints both per request and their ratio.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

MODELS = ["llama-3.1-8b", "qwen3-8b", "gpt-4o", "gpt-4o-mini", "meta-llama/Llama-3.1-70B-Instruct"]


def write_log(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pc

    rng = np.random.default_rng(0)
    table = pa.table(
        {
            "model": np.array(MODELS)[rng.integers(0, len(MODELS), rows)],
            "input_tokens": rng.integers(10, 2000, rows),
            "output_tokens": rng.integers(1, 1500, rows),
            "timestamp": (1767225600 + rng.integers(0, 86400 * 365, rows)).astype("datetime64[s]"),
            "zone": np.array(["FRA", "USA", "DEU", "cloud:aws:eu-west-3"])[
                rng.integers(0, 4, rows)
            ],
            "provider": np.array(["openai", "meta", "alibaba"])[rng.integers(0, 3, rows)],
        }
    )
    pc.write_csv(table, path)


def bench_empreinte(path: Path, repeats: int) -> tuple[float, float]:
    """Best wall time of the whole command path, and of the estimation alone (s)."""
    from empreinte.estimate import estimate_log, read_log

    best_all = best_est = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        data = read_log(path)
        t1 = time.perf_counter()
        le = estimate_log(data)
        t2 = time.perf_counter()
        for key in ("model", "day", "provider"):
            le.totals_by(key)
        le.to_report()
        t3 = time.perf_counter()
        best_all = min(best_all, t3 - t0)
        best_est = min(best_est, t2 - t1)
    return best_all, best_est


def bench_ecologits(sample: int) -> float | None:
    try:
        from ecologits.impacts.llm import compute_llm_impacts
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    args = [
        dict(
            model_active_parameter_count=70.0,
            model_total_parameter_count=70.0,
            output_token_count=float(rng.integers(1, 1500)),
            if_electricity_mix_adpe=4.858e-08,
            if_electricity_mix_pe=9.3135,
            if_electricity_mix_gwp=0.04144,
            if_electricity_mix_wue=3.6737,
            datacenter_pue=1.2,
            datacenter_wue=0.5,
            request_latency=5.0,
        )
        for _ in range(sample)
    ]
    compute_llm_impacts(**args[0])
    t = time.perf_counter()
    for a in args:
        compute_llm_impacts(**a)
    return (time.perf_counter() - t) / sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000, help="EcoLogits requests timed")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor()} py {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        write_log(path, a.rows)
        total, est = bench_empreinte(path, a.repeats)
    per_all, per_est = total / a.rows, est / a.rows
    print(
        f"empreinte estimate log, {a.rows:,} rows: {total:.2f} s end to end "
        f"(read + estimate + totals + report), {est:.2f} s estimation alone"
    )
    print(f"  per request: {per_all * 1e6:.2f} µs end to end, {per_est * 1e6:.3f} µs estimation")
    eco = bench_ecologits(a.sample)
    if eco is None:
        print("ecologits not installed in this environment: no ratio (see the docstring)")
        return
    print(f"ecologits compute_llm_impacts: {eco * 1e6:.1f} µs per request (sample {a.sample:,})")
    print(f"ratio per request: {eco / per_all:,.0f}x end to end, {eco / per_est:,.0f}x estimation")


if __name__ == "__main__":
    main()
