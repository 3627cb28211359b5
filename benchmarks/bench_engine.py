"""Benchmark: the impact engine's batch path against EcoLogits' per-row computation.

Usage (EcoLogits only in the benchmark's own environment, never a project dependency)::

    python -m venv /tmp/bench-engine && /tmp/bench-engine/bin/pip install -e . ecologits
    /tmp/bench-engine/bin/python benchmarks/bench_engine.py [--rows 1000000] [--sample 2000]

Prints the time for N rows (energy, zone, PUE) through ``compute_batch`` (usage GWP, ADPe,
PE, water with bounds), EcoLogits' ``compute_llm_impacts`` per row on a sample, and the ratio
per row. The two do not compute the same thing (EcoLogits also models energy from tokens);
this compares the cost of producing multi-criteria impacts for one row.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np


def bench_empreinte(rows: int, repeats: int) -> tuple[float, dict[str, float]]:
    from empreinte.factors.grid import default_repository
    from empreinte.impacts import compute_batch

    rng = np.random.default_rng(0)
    codes = np.array(default_repository().zones())
    zones = codes[rng.integers(0, len(codes), rows)]
    energy = rng.lognormal(0, 2, rows)
    pue = rng.uniform(1.05, 1.8, rows)
    compute_batch(energy[:1000], zones[:1000], pue[:1000], 0.5)  # warm the caches
    best = float("inf")
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = compute_batch(energy, zones, pue, 0.5)
        best = min(best, time.perf_counter() - t)
    assert out is not None
    totals = {k: float(v.value.sum()) for k, v in out.items()}
    return best, totals


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
            output_token_count=float(rng.integers(50, 1000)),
            if_electricity_mix_adpe=4.858e-08,
            if_electricity_mix_pe=9.3135,
            if_electricity_mix_gwp=0.04144,
            if_electricity_mix_wue=3.6737,
            datacenter_pue=float(rng.uniform(1.05, 1.8)),
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
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    t, totals = bench_empreinte(a.rows, a.repeats)
    per_row = t / a.rows
    print(
        f"empreinte compute_batch: {a.rows:,} rows in {t:.3f} s ({per_row * 1e9:.0f} ns/row); "
        f"sum GWP {totals['gwp_kgco2e']:.4g} kgCO2e"
    )
    eco = bench_ecologits(a.sample)
    if eco is None:
        print("ecologits: not installed in this environment (pip install ecologits)")
        return
    print(
        f"ecologits compute_llm_impacts: {eco * 1e6:.1f} µs/row (sample of {a.sample:,}); "
        f"{a.rows:,} rows would take {eco * a.rows:.1f} s"
    )
    print(f"ratio (ecologits per row / empreinte per row): {eco / per_row:,.0f}x")


if __name__ == "__main__":
    main()
